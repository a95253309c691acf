"""A served copy of the real build for the endpoint's tests (loaded as a pytest plugin from conftest.py).

`site` is `pcmh-kg serve` in a thread over a copy of the session's real build: the embedded store,
two query workers with a 3 s timeout, 5,000 rows and 4 MB per answer. `get` and `q` are the plain
HTTP client the tests use.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from pcmh_kg.publish import app as webapp
from pcmh_kg.publish import backends, http, querypool, service
from pcmh_kg.query import store

BASE = "https://w3id.org/pcmh-kg/"
MAX_ROWS = 5000
MAX_BYTES = 4 << 20
SERVED: list[Path] = []  # the dist the site fixture serves


def serving(dist: Path, *, timeout: float = 3.0, fair_slice: float = 2.0, with_explorer: bool = True,
            releases: Path | None = None):
    """Serve a copy-able build in a thread: (url, backend, stop)."""
    settings = querypool.Settings(str(dist / store.DUMP), base=BASE, max_rows=MAX_ROWS, max_bytes=MAX_BYTES,
                                  named={service.void_graph(BASE): str(dist / "void.ttl")})
    backend = backends.LocalBackend(settings, workers=2, timeout=timeout, fair_slice=fair_slice)
    cfg = webapp.Config(base=BASE, dist=dist, timeout=timeout, max_rows=MAX_ROWS, quiet=True, max_bytes=MAX_BYTES,
                        summary=json.loads((dist / "build.json").read_text()), releases=releases)
    httpd, _ = http.serve_in_thread(webapp.App(backend, cfg))

    def stop():
        httpd.shutdown()
        httpd.server_close()
        backend.close()

    return f"http://127.0.0.1:{httpd.server_address[1]}", backend, stop


@pytest.fixture(scope="module")
def site(real_dist, tmp_path_factory):
    real_dist = Path(shutil.copytree(real_dist, tmp_path_factory.mktemp("served") / "dist"))  # the shared build stays as built
    (real_dist / "explorer.html").write_text("<!doctype html><title>explorer</title><p>explorer page</p>")
    url, backend, stop = serving(real_dist)
    SERVED[:] = [real_dist]
    yield url, backend
    stop()


def get(url, accept=None, data=None, headers=None):
    h = dict(headers or {})
    if accept:
        h["Accept"] = accept
    req = urllib.request.Request(url, data=data, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def q(url, text, accept="application/sparql-results+json"):
    return get(url + "/sparql?" + urllib.parse.urlencode({"query": text}), accept)
