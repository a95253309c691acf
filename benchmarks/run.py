"""Build and query benchmarks on synthetic directories; results go to benchmarks/results/*.json.

    python benchmarks/run.py                       # sizes 60, 1000, 10000, 100000
    python benchmarks/run.py --sizes 60 1000       # a quick run
    python benchmarks/run.py --queries-size 100000 # query timings on that size (0: skip)

Per size: the baseline (PyYAML's C loader alone parsing every case file, as issue 2 defines it),
a cold build with the SHACL check (the default) and one without (fresh cache, with their stages),
alternated --runs times and the median run of each kept; a rebuild after one changed case (cache
warm), without SHACL --runs times (median), then with SHACL once after those builds without it
(everything is checked) and once after a build with it (the default use: only the changed case
is checked); up to --shacl-limit cases, the SHACL engine on its own three ways (the
whole dump in one go, through a pyoxigraph Store, and in the build's parts), to show where its
time and memory go. Each measured step runs in a child process whose peak memory is the largest total PSS of
it and its workers (shared pages counted once), sampled every 20 ms while small and at most every
0.5 s when large: reading PSS walks a process's page tables (~20 ms for 1 GB), and sampling a
large process often would steal a core from the build; its CPU time (`cpu_s`, user + system) is
the child's and every descendant's it waited for (the build's workers and SHACL process). Timings
are wall seconds on a shared 2-core machine: compare ratios, not single runs.

The issue's figures, per size, in one place (`issue`): the whole-process parse (wall and CPU),
the whole-process cold build with SHACL and without (wall, CPU, peak memory of the process
tree), their ratios to the parse (wall to wall, CPU to CPU; `*_vs_parse_in_process` divide by
the parse loop's own time, as earlier results did), and the rebuild after one changed case as
a share of the cold build. The build is run as `build.build()` in a fresh `python -c` process,
which is what `pcmh-kg build` does less its argument parsing (~0.06 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
RESULTS = ROOT / "benchmarks" / "results"


def _tree_memory(pid: int) -> int:
    """Bytes of memory used by a process and its children: the sum of their proportional set
    sizes (PSS), so that pages a forked worker shares with its parent count once, not twice."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            pids.append(int(child))
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            pass
    return total


def measure(code: str) -> dict:
    """Run Python `code` in a child; it prints one JSON object. Returns it with wall time and peak memory."""
    t0 = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            now = _tree_memory(proc.pid)
            peak = max(peak, now)
            # reading PSS costs ~20 ms of kernel time per GB: sample less often as it grows,
            # so that sampling never takes more than ~2% of a core from the build
            done.wait(min(0.5, max(0.02, now / 2**30 * 1.0)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child and the descendants it reaped
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(wall_s=round(wall, 3), cpu_s=round(cpu, 3), peak_memory_mb=round(peak / 2**20, 1))
    return result


BASELINE = """
import json, time, yaml
from pathlib import Path
files = sorted(Path({data!r}, "cases").glob("*.yaml"))
t = time.perf_counter()
for f in files:
    yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
print(json.dumps({{"files": len(files), "parse_s": round(time.perf_counter() - t, 3)}}))
"""

BUILD = """
import json, shutil
from pathlib import Path
from pcmh_kg.build import pipeline as build
cache = Path({cache!r})
if {fresh!r}:
    shutil.rmtree(cache, ignore_errors=True)
r = build.build(Path({data!r}), Path({out!r}), shacl={shacl!r}, cache_dir=cache)
print(json.dumps({{"triples": r.triples, "cases": r.cases,
                   "stages_s": {{k: round(v, 3) for k, v in r.timings.items()}}}}))
"""

SHACL = """
import json, time
from pathlib import Path
from pcmh_kg.build import shapes
from pcmh_kg.model.vocab import Minter
out = Path({out!r})
t = time.perf_counter()
shapes.prepare()
if {how!r} == "whole":
    results = shapes.validate_ntriples((out / "pcmh-kg.nt").read_bytes())
elif {how!r} == "store":
    import pyoxigraph as ox, pyshacl_turbo
    store = ox.Store()
    store.bulk_load(path=str(out / "pcmh-kg.nt"), format=ox.RdfFormat.N_TRIPLES)
    loaded = time.perf_counter() - t
    _, report, _ = pyshacl_turbo.validate(store, shacl_graph=str(shapes.SHAPES_FILE), inference="none", advanced=True)
    results = shapes.results_of(report)
else:
    parts = json.loads((out / "build.json").read_text())["nt_parts"]
    results = shapes.check_file(out / "pcmh-kg.nt", parts["framework_end"], parts["cases_end"], Minter(None).case(""),
                                parts.get("sources_end"))
row = {{"results": len(results), "shacl_s": round(time.perf_counter() - t, 3)}}
if {how!r} == "store":
    row["store_load_s"] = round(loaded, 3)
print(json.dumps(row))
"""


def ensure_synthetic(n: int) -> Path:
    target = WORK / f"synthetic-{n}"
    if not (target / "cases").is_dir() or len(list((target / "cases").glob("*.yaml"))) != n:
        subprocess.run([sys.executable, "-m", "pcmh_kg.authoring.synthetic", str(target), "--cases", str(n),
                        "--framework", str(ROOT / "data")], check=True, cwd=ROOT)
    return target


def _median(rows: list[dict]) -> dict:
    """The run of median wall time (of an odd number of runs; the slower middle one of an even)."""
    return sorted(rows, key=lambda r: r["wall_s"])[len(rows) // 2]


def bench_build(n: int, shacl_limit: int, runs: int = 1) -> dict:
    data = ensure_synthetic(n)
    out, cache = WORK / f"dist-{n}", WORK / f"cache-{n}"
    row = {"cases": n, "runs": runs}
    # the baseline and the cold builds alternate, and the median run of each counts: the machine is
    # shared, and a slow spell should not land on one side of the ratio only
    baselines, colds, bare = [], [], []
    for _ in range(runs):
        baselines.append(measure(BASELINE.format(data=str(data))))
        colds.append(measure(BUILD.format(data=str(data), out=str(out), cache=str(cache), fresh=True, shacl=True)))
        bare.append(measure(BUILD.format(data=str(data), out=str(out), cache=str(cache), fresh=True, shacl=False)))
    row["baseline_csafeloader"] = _median(baselines)
    row["cold_build"] = _median(colds)
    row["cold_build_no_shacl"] = _median(bare)
    if runs > 1:
        row["baseline_parse_s_all"] = [r["parse_s"] for r in baselines]
        row["cold_build_wall_s_all"] = [r["wall_s"] for r in colds]
        row["cold_build_no_shacl_wall_s_all"] = [r["wall_s"] for r in bare]
    # one changed case file, then a rebuild with the warm cache
    victim = sorted((data / "cases").glob("*.yaml"))[n // 2]
    text = victim.read_text(encoding="utf-8")
    victim.write_text(text.replace("title: Synthetic case", "title: Synthetic case (edited)", 1), encoding="utf-8")
    try:
        rebuilds = []
        for i in range(runs):  # a different edit each time, so that each rebuild has one changed case
            victim.write_text(text.replace("title: Synthetic case", f"title: Synthetic case (edited {i})", 1),
                              encoding="utf-8")
            rebuilds.append(measure(BUILD.format(data=str(data), out=str(out), cache=str(cache), fresh=False,
                                                 shacl=False)))
        row["rebuild_one_changed"] = _median(rebuilds)
        if runs > 1:
            row["rebuild_one_changed_wall_s_all"] = [r["wall_s"] for r in rebuilds]
        # with SHACL, twice: after the builds without it (so everything is checked), then, as in
        # the default use, after a build with it, whose conforming check the unchanged cases rest on
        for edit, key in (("edited", "rebuild_one_changed_shacl_after_unchecked"),
                          ("edited again", "rebuild_one_changed_shacl")):
            victim.write_text(text.replace("title: Synthetic case", f"title: Synthetic case ({edit})", 1),
                              encoding="utf-8")
            row[key] = measure(BUILD.format(data=str(data), out=str(out), cache=str(cache), fresh=False, shacl=True))
    finally:
        victim.write_text(text, encoding="utf-8")
    base = row["baseline_csafeloader"]["parse_s"]
    row["cold_build_vs_baseline"] = round(row["cold_build"]["wall_s"] / base, 2) if base else None
    row["cold_build_no_shacl_vs_baseline"] = round(row["cold_build_no_shacl"]["wall_s"] / base, 2) if base else None
    row["rebuild_vs_cold"] = round(row["rebuild_one_changed"]["wall_s"] / row["cold_build_no_shacl"]["wall_s"], 3)
    row["rebuild_shacl_vs_cold"] = round(row["rebuild_one_changed_shacl"]["wall_s"] / row["cold_build"]["wall_s"], 3)
    row["issue"] = issue_figures(row)
    if n <= shacl_limit:
        measure(BUILD.format(data=str(data), out=str(out), cache=str(cache), fresh=True, shacl=True))  # dist/ as built
        row["shacl_engine"] = {how: measure(SHACL.format(out=str(out), how=how)) for how in ("parts", "whole", "store")}
    return row


def issue_figures(row: dict) -> dict:
    """The figures issue 15 asks for, from a size's row (medians of the runs, see bench_build)."""
    parse, cold, bare = row["baseline_csafeloader"], row["cold_build"], row["cold_build_no_shacl"]

    def ratio(a, b):
        return round(a / b, 2) if b else None

    return {
        "parse_wall_s": parse["wall_s"], "parse_cpu_s": parse["cpu_s"], "parse_in_process_s": parse["parse_s"],
        "build_shacl_wall_s": cold["wall_s"], "build_shacl_cpu_s": cold["cpu_s"],
        "build_shacl_peak_mb": cold["peak_memory_mb"],
        "build_no_shacl_wall_s": bare["wall_s"], "build_no_shacl_cpu_s": bare["cpu_s"],
        "build_no_shacl_peak_mb": bare["peak_memory_mb"],
        "build_shacl_vs_parse": ratio(cold["wall_s"], parse["wall_s"]),
        "build_no_shacl_vs_parse": ratio(bare["wall_s"], parse["wall_s"]),
        "build_shacl_cpu_vs_parse_cpu": ratio(cold["cpu_s"], parse["cpu_s"]),
        "build_no_shacl_cpu_vs_parse_cpu": ratio(bare["cpu_s"], parse["cpu_s"]),
        "build_shacl_vs_parse_in_process": ratio(cold["wall_s"], parse["parse_s"]),
        "build_no_shacl_vs_parse_in_process": ratio(bare["wall_s"], parse["parse_s"]),
        "rebuild_no_shacl_pct_of_cold": round(100 * row["rebuild_vs_cold"], 1),
        "rebuild_shacl_pct_of_cold": round(100 * row["rebuild_shacl_vs_cold"], 1),
        "rebuild_no_shacl_wall_s": row["rebuild_one_changed"]["wall_s"],
        "rebuild_shacl_wall_s": row["rebuild_one_changed_shacl"]["wall_s"],
        "rebuild_shacl_peak_mb": row["rebuild_one_changed_shacl"]["peak_memory_mb"],
        "rebuild_shacl_after_unchecked_wall_s": row["rebuild_one_changed_shacl_after_unchecked"]["wall_s"],
        "rebuild_shacl_after_unchecked_peak_mb": row["rebuild_one_changed_shacl_after_unchecked"]["peak_memory_mb"],
    }


QUERIES = """
import json, time
import pyoxigraph as ox
from pcmh_kg.query import catalogue
from pcmh_kg.query import sparql
from pcmh_kg.model.vocab import Minter
store = ox.Store()
t = time.perf_counter()
store.bulk_load(path={nt!r}, format=ox.RdfFormat.N_TRIPLES)
load = time.perf_counter() - t
out = {{"load_s": round(load, 3), "queries": {{}}}}
def best(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)
for q in catalogue.load_catalogue().values():
    text = sparql.with_bindings(q.text, sparql.bind(q, {{}}, Minter()))
    ours = lambda: sparql.run_local(store, text).rows
    direct = lambda: [list(s) for s in store.query(text)]
    ours(); direct()  # warm up
    a, b = best(ours, {repeat}), best(direct, {repeat})
    out["queries"][q.name] = {{"pcmh_kg_s": round(a, 4), "pyoxigraph_s": round(b, 4), "ratio": round(a / b, 3) if b else None}}
print(json.dumps(out))
"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[60, 1000, 10000, 100000])
    p.add_argument("--queries-size", type=int, default=100000, help="synthetic size for query timings (0: skip)")
    p.add_argument("--repeat", type=int, default=3, help="query repetitions (best of)")
    p.add_argument("--runs", type=int, default=3, help="baseline, cold build and rebuild runs per size (median)")
    p.add_argument("--shacl-limit", type=int, default=10000, help="time the SHACL engine on its own (three ways) up to this many cases")
    args = p.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()}
    # sizes measured earlier stay in the file unless measured again, each with its own date
    try:
        kept = {r["cases"]: r for r in json.loads((RESULTS / "build.json").read_text())["sizes"]}
    except (OSError, ValueError, KeyError):
        kept = {}
    for n in args.sizes:
        print(f"build benchmark: {n} cases ...", flush=True)
        row = bench_build(n, args.shacl_limit, args.runs)
        row["measured"] = time.strftime("%Y-%m-%d %H:%M")
        kept[n] = row
        print(json.dumps(row, indent=1), flush=True)
        rows = [kept[k] for k in sorted(kept)]
        (RESULTS / "build.json").write_text(json.dumps({"meta": meta, "sizes": rows}, indent=1) + "\n")
    if args.queries_size:
        n = args.queries_size
        out = WORK / f"dist-{n}"
        if not (out / "pcmh-kg.nt").exists():
            bench_build(n, 0)
        print(f"query benchmark: {n} cases ...", flush=True)
        res = measure(QUERIES.format(nt=str(out / "pcmh-kg.nt"), repeat=args.repeat))
        res["cases"] = n
        (RESULTS / "queries.json").write_text(json.dumps({"meta": meta, **res}, indent=1) + "\n")
        print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
