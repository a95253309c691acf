"""The endpoint against an attacker: SERVICE never leaves the machine, answers are bounded,
crash paths answer 4xx, and a worker cut off from the network stays cut off (issue 11)."""

from __future__ import annotations

import json
import multiprocessing as mp
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from sites import MAX_BYTES, MAX_ROWS, get, q

from pcmh_kg.query import guard, results

HOSTILE = json.loads((Path(__file__).parent / "hostile" / "queries.json").read_text(encoding="utf-8"))


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                self.hits.append(conn.recv(4096) or b"(connected)")
            except OSError:
                self.hits.append(b"(connected)")
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    ear = Listener()
    yield ear
    ear.close()


def built(case: dict) -> str:
    text = case["query"]
    if "repeat" in case:
        text += case["repeat"][0] * case["repeat"][1] + case.get("middle", "") + case["tail"][0] * case["tail"][1]
    return text + case.get("end", "")


@pytest.mark.parametrize("case", HOSTILE["ssrf"], ids=lambda c: c["why"][:40])
def test_service_is_refused_on_the_parsed_query_and_nothing_is_sent(site, listener, case):
    url, _ = site
    text = case["query"].replace("{PORT}", str(listener.port))
    for accept in ("application/sparql-results+json", "text/turtle", "text/html"):
        status, _, body = q(url, text, accept)
        assert 400 <= status < 500, (status, body[:200])
        assert body.count(b"\n") == 1  # a one-line reason
    status, _, _ = get(url + "/sparql", data=text.encode(), headers={"Content-Type": "application/sparql-query"})
    assert 400 <= status < 500
    time.sleep(0.3)
    assert listener.hits == []


@pytest.mark.parametrize("case", HOSTILE["crash"], ids=lambda c: c["why"][:40])
def test_crash_paths_answer_4xx_with_one_line_and_the_server_keeps_serving(site, case):
    url, backend = site
    restarts = backend.pool.restarts
    status, _, body = get(url + "/sparql", data=urllib.parse.urlencode({"query": built(case)}).encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "Accept": "application/sparql-results+json"})
    assert status == case["status"], body[:300]
    if status >= 400:
        assert body.count(b"\n") == 1 and len(body) < 2000
    assert backend.pool.restarts == restarts  # no worker died
    status, _, body = q(url, "ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(body)["boolean"] is True


def _sandboxed_service_call(port: int, out) -> None:
    import pyoxigraph as ox

    from pcmh_kg.publish import sandbox

    layers = sandbox.deny_network()
    try:
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?a ?b ?c }} }}"))
        out.put((layers, None))
    except Exception as exc:  # noqa: BLE001 - the refusal is what the test wants to see
        out.put((layers, str(exc)))


def test_a_sandboxed_worker_cannot_reach_the_network_even_if_the_check_were_bypassed(listener):
    """Oxigraph's HTTP client is Rust: only the kernel can stop it. Called without the parse check."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_sandboxed_service_call, args=(listener.port, out))
    proc.start()
    layers, error = out.get(timeout=60)
    proc.join(10)
    assert layers, "neither seccomp nor a network namespace could be set up"
    assert error is not None
    time.sleep(0.3)
    assert listener.hits == []


def test_the_check_itself_sees_every_bypass():
    for case in HOSTILE["ssrf"]:
        text = case["query"].replace("{PORT}", "9")
        try:
            assert guard.inspect(text).service, case["why"]
        except guard.Refused as exc:
            assert exc.status == 400  # refused as unparsable: never run
    assert not guard.inspect('SELECT ?x WHERE { VALUES ?x { "SERVICE" <https://x.org/SERVICE> } }').service
    assert guard.inspect("CONSTRUCT { <s> <p> 1 } WHERE {}").form == "CONSTRUCT"


BIG = "x" * 20_000


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv", "application/sparql-results+xml",
                                    "text/tab-separated-values", "text/html"])
def test_answers_are_bounded_in_bytes_and_say_they_were_cut(site, accept):
    url, _ = site
    text = f'SELECT ?s ?big WHERE {{ ?s ?p ?o BIND("{BIG}" AS ?big) }} LIMIT {MAX_ROWS}'  # 5000 x 20 KB = 100 MB
    status, h, body = q(url, text, accept)
    assert status == 200 and h["X-Result-Truncated"] == "true"
    assert len(body) <= MAX_BYTES * (1.5 if accept == "text/html" else 1)
    if accept.endswith("json"):
        rows = json.loads(body)["results"]["bindings"]  # still a whole, parsable document
        assert 0 < len(rows) < MAX_ROWS and rows[0]["big"]["value"] == BIG


def test_graph_answers_are_bounded_in_bytes(site):
    url, _ = site
    text = f'CONSTRUCT {{ ?s <http://e/big> ?big }} WHERE {{ ?s ?p ?o BIND(CONCAT(STR(?p), "{BIG}") AS ?big) }}'
    for accept in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"):
        status, h, body = q(url, text, accept)
        assert status == 200 and h["X-Result-Truncated"] == "true" and len(body) <= MAX_BYTES, accept


def test_four_large_answers_at_once_keep_the_server_small(site):
    url, _ = site
    text = f'SELECT ?s ?big WHERE {{ ?s ?p ?o BIND("{BIG}" AS ?big) }}'
    got = []
    threads = [threading.Thread(target=lambda: got.append(q(url, text))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [s for s, _, _ in got] and all(s in (200, 503) for s, _, _ in got)
    assert all(len(b) <= MAX_BYTES for _, _, b in got)


def test_spreadsheet_csv_neutralises_formulas_but_the_sparql_format_stays_exact(site):
    cells = ["=1+1", "-2+3+cmd|' /C notepad'!'A1'", "+1", "@SUM(A1)", "\tx", "\rx", "-2", "plain"]
    r = results.Results("select", ["x"], [[results.ox.Literal(c)] for c in cells])
    safe = results.write(r, "csv", spreadsheet=True).body.decode().split("\r\n")[1:-1]
    assert [c.strip('"') for c in safe] == ["'=1+1", "'-2+3+cmd|' /C notepad'!'A1'", "+1", "'@SUM(A1)", "'\tx", "'\rx",
                                            "-2", "plain"]
    url, _ = site
    status, h, body = q(url, 'SELECT ?x WHERE { VALUES ?x { "=1+1" } }', "text/csv")
    assert status == 200 and body.decode().splitlines() == ["x", "=1+1"]  # SPARQL 1.1 CSV, for machines


def test_cli_csv_is_spreadsheet_safe(tmp_path):
    text = "SELECT ?x WHERE { VALUES ?x { \"=1+1\" \"-2+3+cmd|' /C notepad'!'A1'\" } }"
    for fmt, first in (("csv", "x"), ("tsv", "?x")):
        out = subprocess.run([sys.executable, "-m", "pcmh_kg", "query", "-q", "-e", text, "--format", fmt],
                             capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert lines[0] == first and all(not line.lstrip('"').startswith(("=", "-", "+", "@")) for line in lines[1:])


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_bad_port_is_a_usage_error(port, tmp_path):
    out = subprocess.run([sys.executable, "-m", "pcmh_kg", "serve", "--port", port], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "--port" in out.stderr
