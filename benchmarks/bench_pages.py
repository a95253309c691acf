"""Time every people's page type at a synthetic scale (default 10,000 cases): each under 100 ms?

Builds a synthetic directory (python -m pcmh_kg.authoring.synthetic, never into data/), serves it
with the real App (local backend, no HTTP, so the figure is the page's own cost), and times each
page as the best of --runs views after one warm-up. Also reports how long the site index takes
to read at start. Writes benchmarks/results/pages.json.

    .venv/bin/python benchmarks/bench_pages.py [--cases 10000] [--runs 5] [--dist DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "pages.json"
BUDGET_MS = 100.0


def pages(base: str, app) -> dict[str, str]:
    site = app.people.site
    case = next(iter(site.cases))
    big_place = max(site.places, key=lambda p: len(site.cases_under(site.places, p)))
    big_tag = max(site.tags, key=lambda t: len(site.cases_under(site.tags, t)))
    big_org = max(site.organisations, key=lambda o: len(site.organisations[o].cases))
    local = lambda iri: "/" + iri[len(base):]  # noqa: E731
    return {"home": "/", "case index": "/case/", "case index, filtered and sorted": "/case/?lesson=3&scope=london&sort=-start",
            "case index, last page": "/case/?page=100", "lesson index": "/lesson/", "tag index": "/tag/",
            "place index": "/place/", "organisation index": "/organisation/", "search": "/search?q=synthetic+case+99",
            "case": local(case), "lesson": "/lesson/3", "theme": local(next(iter(site.themes))),
            "place (largest)": local(big_place), "tag (largest)": local(big_tag),
            "organisation (largest)": local(big_org), "not found": "/case/no-such-case", "editor": "/sparql"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--dist", type=Path, help="an existing build to serve instead of a fresh synthetic one")
    args = p.parse_args()
    from pcmh_kg.authoring import synthetic
    from pcmh_kg.build import pipeline as build
    from pcmh_kg.publish import app as webapp
    from pcmh_kg.publish import backends, http, querypool, service
    from pcmh_kg.query import store

    tmp = Path(tempfile.mkdtemp(prefix="pcmh-bench-pages-"))
    dist = args.dist
    if dist is None:
        data = synthetic.generate(tmp / "data", args.cases, framework=ROOT / "data")
        dist = tmp / "dist"
        build.build(data, dist, shacl=False, cache_dir=None)
    summary = json.loads((dist / "build.json").read_text())
    base = summary["base"]
    settings = querypool.Settings(str(dist / store.DUMP), base=base, max_rows=10_000,
                                  named={service.void_graph(base): str(dist / "void.ttl")})
    backend = backends.LocalBackend(settings, workers=1, timeout=10.0)
    try:
        t0 = time.perf_counter()
        app = webapp.App(backend, webapp.Config(base=base, dist=dist, quiet=True, summary=summary))
        start = time.perf_counter() - t0
        headers = {"Accept": "text/html"}
        rows = {}
        for name, path in pages(summary["base"], app).items():
            url, _, query = path.partition("?")
            times, size, status = [], 0, None
            for _ in range(args.runs + 1):
                t = time.perf_counter()
                req = http.Request("GET", url, urllib.parse.parse_qs(query, keep_blank_values=True), headers)
                resp = app.handle(req)
                status, body = resp.status, resp.body
                times.append((time.perf_counter() - t) * 1000)
                size = len(body)
            rows[name] = {"path": path, "status": status, "best_ms": round(min(times[1:]), 2), "bytes": size}
            print(f"{name:34} {rows[name]['best_ms']:8.2f} ms  {size:>9,} B  {status}  {path}")
    finally:
        backend.close()
    worst = max(r["best_ms"] for r in rows.values())
    print(f"site index read at start: {start:.2f} s; slowest page {worst:.1f} ms (budget {BUDGET_MS:.0f} ms)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"cases": summary.get("cases"), "runs": args.runs, "start_s": round(start, 3),
                                   "budget_ms": BUDGET_MS, "pages": rows, "machine": platform.platform()},
                                  indent=1) + "\n")
    return 0 if worst < BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
