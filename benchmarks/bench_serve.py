"""Bounded load test of `pcmh-kg serve`: N concurrent clients for S seconds on 127.0.0.1.

Each client loops over a random mix of catalogue queries (/queries/NAME, JSON), IRI lookups
(HTML or Turtle), large answers (every triple with a 20 KB literal: cut at --max-bytes, 200 with
X-Result-Truncated) and, rarely, a query that never finishes (stopped at --timeout: 503). An
error is any answer other than the one expected for its kind. The run reports p50/p99 latency,
requests per second, every error, whether the server was still answering at the end, and the
peak resident memory of the server and of the server with its query workers (sampled from
/proc every 0.2 s). Writes benchmarks/results/serve.json.

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
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "serve.json"


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LARGE = 'SELECT ?s ?big WHERE {{ ?s ?p ?o BIND("{}" AS ?big) }}'.format("x" * 20_000)
SERVE_OPTIONS = ["--timeout", "3", "--max-bytes", "8"]


def start_server(dist: Path, data: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "pcmh_kg", "serve", "--port", "0", "--dist", str(dist),
                             "--data", str(data), "-q", *SERVE_OPTIONS], stdout=subprocess.PIPE, text=True, cwd=ROOT)
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
    sparql = url + "/sparql?" + urllib.parse.urlencode
    out += [("large", sparql({"query": LARGE}), "application/sparql-results+json")] * 4
    out += [("timeout", sparql({"query": SLOW}), "application/sparql-results+json")]  # 1 in ~220
    return out


EXPECTED = {"query": 200, "iri": 200, "large": 200, "timeout": 503}


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out + [g for c in out for g in children(c)]


def sample_memory(pid: int, peak: dict, stop: threading.Event) -> None:
    while not stop.wait(0.2):
        server = rss_kb(pid)
        total = server + sum(rss_kb(c) for c in children(pid))
        peak["server"], peak["with_workers"] = max(peak["server"], server), max(peak["with_workers"], total)


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
    lat: dict[str, list[float]] = {kind: [] for kind in EXPECTED}
    peak = {"server": 0, "with_workers": 0}
    sampling = threading.Event()
    threading.Thread(target=sample_memory, args=(proc.pid, peak, sampling), daemon=True).start()
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
                    status, cut = r.status, r.headers.get("X-Result-Truncated")
            except urllib.error.HTTPError as e:
                e.read()
                status, cut = e.code, None
            except Exception as e:  # noqa: BLE001 - every failure is counted and reported
                status, cut = type(e).__name__, None
            err = None if status == EXPECTED[kind] else f"{status}"
            if kind == "large" and status == 200 and cut != "true":
                err = "not marked truncated"
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
    sampling.set()
    proc.terminate()
    proc.wait(20)

    def pct(xs, q):
        xs = sorted(xs)
        return round(xs[min(len(xs) - 1, int(q * len(xs)))] * 1000, 1) if xs else None

    every = lat["query"] + lat["iri"] + lat["large"]
    result = {
        "clients": args.clients, "seconds": round(elapsed, 1), "cases": args.cases or "real data",
        "requests_ok": len(every), "errors": dict(errors), "requests_per_second": round(len(every) / elapsed, 1),
        "latency_ms": {"all": {"p50": pct(every, 0.5), "p99": pct(every, 0.99)},
                       "catalogue_queries": {"n": len(lat["query"]), "p50": pct(lat["query"], 0.5), "p99": pct(lat["query"], 0.99)},
                       "iri_lookups": {"n": len(lat["iri"]), "p50": pct(lat["iri"], 0.5), "p99": pct(lat["iri"], 0.99)},
                       "large_answers": {"n": len(lat["large"]), "p50": pct(lat["large"], 0.5), "p99": pct(lat["large"], 0.99)},
                       "timed_out_queries": {"n": len(lat["timeout"]), "p50": pct(lat["timeout"], 0.5)}},
        "peak_rss_mb": {k: round(v / 1024, 1) for k, v in peak.items()},
        "serve_options": SERVE_OPTIONS,
        "server_alive_after": alive,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if alive and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
