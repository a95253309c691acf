"""Benchmark of the explorer at scale: generation time and time until the page is interactive.

    python benchmarks/bench_viz.py [--cases 10000] [--work DIR]

Generates a synthetic data dir (never data/), builds it, writes the explorer with pcmh_kg.viz,
opens it from file:// in headless Chromium with the network emulated off, and records:
generation seconds, page bytes, time until the first drawing (performance.now() at the network's
first afterDrawing, from navigation start), the time one filter change takes to redraw (median of 5), and for the
evidence map and the map their first render and one filter change (target: under 1 s each).
Writes benchmarks/results/viz.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import browsing  # noqa: E402

from pcmh_kg.authoring import synthetic  # noqa: E402
from pcmh_kg.query import store  # noqa: E402
from pcmh_kg.viz import explorer  # noqa: E402

FILTER_CHANGE = """
    const done = arguments[arguments.length - 1];
    document.getElementById('reset').click();
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const t = performance.now();
      document.querySelector("input[name=min][value='2']").click();
      const sel = document.getElementById('f-lesson'); sel.value = sel.options[1].value;
      sel.dispatchEvent(new Event('change'));
      requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t)));
    }));"""
ROUNDS = 5  # the filter change is timed this many times (from a reset view) and the median kept


def measure_page(page: Path) -> dict:
    d, profile = browsing.chromium()  # the tests' headless Chromium: the same flags, the network off
    try:
        t0 = time.perf_counter()
        d.get(page.as_uri())
        while not d.execute_script("return document.body && document.body.dataset.ready === '1'"):
            if time.perf_counter() - t0 > 300:
                raise TimeoutError("page never became ready")
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        ready_ms = d.execute_script("return pcmhExplorer.readyAt")
        counts = d.execute_script("return pcmhExplorer.counts()")
        heap = d.execute_script("return performance.memory ? performance.memory.usedJSHeapSize : null")
        # one interaction: the '2+ lessons' view, then a lesson filter, each until the next frame
        d.set_script_timeout(300)
        rounds = sorted(d.execute_async_script(FILTER_CHANGE) for _ in range(ROUNDS))
        took = rounds[ROUNDS // 2]
        d.execute_script("document.getElementById('reset').click()")
        views = measure_views(d)
        return {**views, "ready_s": round(ready_ms / 1000, 2), "wall_until_ready_s": round(wall, 2),
                "filter_redraw_s": round(took / 1000, 3), "filter_redraw_rounds_s": [round(x / 1000, 3) for x in rounds], "js_heap_mb": round(heap / 1e6, 1) if heap else None,
                "drawn_nodes": counts["shownNodes"], "drawn_edges": counts["shownEdges"],
                "graph_nodes": counts["nodes"], "graph_edges": counts["edges"]}
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


VIEW_TIMING = """
    const done = arguments[arguments.length - 1], out = {};
    const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    (async () => {
      for (const view of ['egm', 'map']) {
        let t = performance.now();
        document.getElementById(view + '-tab').click();
        await frame();
        out[view + '_render_s'] = (performance.now() - t) / 1000;
        const sel = document.getElementById('f-scope');
        t = performance.now();
        sel.value = sel.options[1].value; sel.dispatchEvent(new Event('change'));
        await frame();
        out[view + '_filter_s'] = (performance.now() - t) / 1000;
        sel.value = ''; sel.dispatchEvent(new Event('change'));
        await frame();
      }
      let t = performance.now();
      const box = document.getElementById('search');
      box.value = 'depresion'; box.dispatchEvent(new Event('input'));
      await new Promise(r => setTimeout(r, 250));
      out.search_first_s = (performance.now() - t - 200) / 1000;
      done(out);
    })();"""


def measure_views(d) -> dict:
    """Evidence map and map: first render and one filter change, each until the next frame."""
    d.set_script_timeout(300)
    return {k: round(v, 3) for k, v in d.execute_async_script(VIEW_TIMING).items()}


def run_one(cases: int, work: Path, case_limit: int) -> dict:
    data, dist = work / f"data-{cases}", work / f"dist-{cases}"
    if not (dist / "pcmh-kg.nt").exists():
        synthetic.generate(data, cases, framework=ROOT / "data")
        subprocess.run([sys.executable, "-m", "pcmh_kg", "build", "--data", str(data), "--out", str(dist),
                        "--no-shacl", "--no-cache", "-q"], check=True)
    page = work / f"explorer-{cases}.html"
    t0 = time.perf_counter()
    st, base = store.open_store(data, dist)
    t1 = time.perf_counter()
    info = explorer.write(st, base, page, case_limit=case_limit)
    t2 = time.perf_counter()
    result = {"cases": cases, "case_limit": case_limit, "load_store_s": round(t1 - t0, 2),
              "generate_s": round(t2 - t1, 2), "page_mb": round(info["bytes"] / 1e6, 1)}
    result.update(measure_page(page))
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--case-limit", type=int, default=explorer.CASE_LIMIT)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "pcmh-bench-viz")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "viz.json")
    ap.add_argument("--page", type=Path, nargs="+", default=[], metavar="HTML",
                    help="only measure these pages, already written (for a before/after comparison)")
    args = ap.parse_args()
    if args.page:
        runs = [{"page": page.name, **measure_page(page)} for page in args.page]
        args.out.write_text(json.dumps({"benchmark": "viz pages", "machine": platform.platform(), "runs": runs}, indent=1) + "\n")
        print(f"wrote {args.out}")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    runs = []
    for n in args.cases:
        r = run_one(n, args.work, args.case_limit)
        print(json.dumps(r), flush=True)
        runs.append(r)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"benchmark": "viz", "target_ready_s": 5.0, "target_view_s": 1.0, "machine": platform.platform(),
                                    "runs": runs}, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
