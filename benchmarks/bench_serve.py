"""Bounded load test of `pcmh-kg serve`: N concurrent clients for S seconds on 127.0.0.1.

Each client loops over a random mix of catalogue queries (/queries/NAME, JSON) and IRI lookups
(HTML or Turtle); the run reports p50/p99 latency, requests per second, every error, and whether
the server was still answering at the end. Writes benchmarks/results/serve.json.

    .venv/bin/python benchmarks/bench_serve.py [--clients 50] [--seconds 60] [--cases N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "serve.json"


def start_server(dist: Path, data: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "pcmh_kg", "serve", "--port", "0", "--dist", str(dist),
                             "--data", str(data), "-q"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    m = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"serve did not start: {line!r}")
    return proc, m.group(1)


def targets(url: str, dist: Path) -> list[tuple[str, str, str]]:
    from pcmh_kg.query import catalogue

    base = json.loads((dist / "build.json").read_text())["base"]
    iris = set()
    with open(dist / "pcmh-kg.nt", encoding="utf-8") as f:
        for line in f:
            s = line.split(" ", 1)[0][1:-1]
            if s.startswith(base):
                iris.add(s[len(base):])
    iris = sorted(iris)
    out = [("query", f"{url}/queries/{n}", "application/sparql-results+json") for n in catalogue.load_catalogue()]
    rng = random.Random(7)
    for path in rng.sample(iris, min(200, len(iris))):
        out.append(("iri", f"{url}/{path}", rng.choice(["text/html", "text/turtle"])))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--cases", type=int, default=0, help="serve N synthetic cases instead of the real data")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    data = ROOT / "data"
    if args.cases:
        from pcmh_kg.authoring import synthetic

        data = synthetic.generate(tmp / "data", args.cases, framework=ROOT / "data")
    from pcmh_kg.build import pipeline as build

    dist = tmp / "dist"
    build.build(data, dist, shacl=False)
    proc, url = start_server(dist, data)
    work = targets(url, dist)
    lat: dict[str, list[float]] = {"query": [], "iri": []}
    errors: Counter = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def client(seed: int):
        rng = random.Random(seed)
        while time.monotonic() < stop_at:
            kind, target, accept = rng.choice(work)
            t0 = time.perf_counter()
            try:
                req = urllib.request.Request(target, headers={"Accept": accept})
                with urllib.request.urlopen(req, timeout=60) as r:
                    r.read()
                    ok = r.status == 200
                err = None if ok else f"status {r.status}"
            except urllib.error.HTTPError as e:
                err = f"HTTP {e.code}"
            except Exception as e:  # noqa: BLE001 - every failure is counted and reported
                err = type(e).__name__
            dt = time.perf_counter() - t0
            with lock:
                if err:
                    errors[f"{kind} {err}"] += 1
                else:
                    lat[kind].append(dt)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    try:
        with urllib.request.urlopen(url + "/sparql?query=ASK%7B%7D", timeout=10) as r:
            alive = r.status == 200
    except Exception:  # noqa: BLE001
        alive = False
    alive = alive and proc.poll() is None
    proc.terminate()
    proc.wait(20)

    def pct(xs, q):
        xs = sorted(xs)
        return round(xs[min(len(xs) - 1, int(q * len(xs)))] * 1000, 1) if xs else None

    every = lat["query"] + lat["iri"]
    result = {
        "clients": args.clients, "seconds": round(elapsed, 1), "cases": args.cases or "real data",
        "requests_ok": len(every), "errors": dict(errors), "requests_per_second": round(len(every) / elapsed, 1),
        "latency_ms": {"all": {"p50": pct(every, 0.5), "p99": pct(every, 0.99)},
                       "catalogue_queries": {"n": len(lat["query"]), "p50": pct(lat["query"], 0.5), "p99": pct(lat["query"], 0.99)},
                       "iri_lookups": {"n": len(lat["iri"]), "p50": pct(lat["iri"], 0.5), "p99": pct(lat["iri"], 0.99)}},
        "server_alive_after": alive,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if alive and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
