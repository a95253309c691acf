"""pcmh-kg analyse: the network analyses behind the explorer, for people who want the numbers."""

from __future__ import annotations

import json
import sys

from pcmh_kg.analysis import network as analysis
from pcmh_kg.cli import EXIT_USAGE, CommandError, Progress
from pcmh_kg.model.vocab import Minter
from pcmh_kg.query import results, store

from ._common import add_data_options, data_dir

NAME = "analyse"
ORDER = 45
HELP = "network analyses: lesson co-evidence, theme-bridging cases, betweenness, similar cases"
DESCRIPTION = """\
Network analyses of the case-lesson graph, read from the same store as `pcmh-kg query`:

  - summary of the bipartite case-lesson graph (how many cases evidence 1, 2, 3, 4 lessons)
  - lesson co-evidence: pairs of lessons weighted by the cases that evidence both
  - cases bridging themes: cases whose lessons fall under two or more themes
  - betweenness of cases in the graph of cases, lessons, themes, tags and places
  - similar cases, by shared lessons (counted twice) and shared tags

  pcmh-kg analyse
  pcmh-kg analyse --format json
  pcmh-kg analyse --case lambeth-living-well-collaborative"""


def add_arguments(p) -> None:
    from pathlib import Path
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--top", type=int, default=10, metavar="N", help="rows per ranking (default: 10)")
    p.add_argument("--case", metavar="ID", help="list the cases most similar to this case id")
    p.add_argument("--dist", type=Path, default=Path("dist"), metavar="DIR",
                   help="where the built dumps are (default: dist)")
    add_data_options(p)


def _table(headers: list[str], rows: list[list]) -> str:
    return results.table(headers, rows, max_width=1000) + "\n"


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(result: dict) -> str:
    s = result["summary"]
    out = [f"Cases {s['cases']}, lessons {s['lessons']}, themes {s['themes']}, evidence links "
           f"{s['evidence_links']}; {s['multi_lesson_cases']} cases evidence 2 or more lessons.\n",
           "Cases by number of lessons: " + ", ".join(f"{k}: {v}" for k, v in s["cases_by_lesson_count"].items()),
           "\n\n## Lesson co-evidence (pairs of lessons sharing cases)\n",
           _table(["lesson", "lesson", "shared cases", "titles"],
                  [[r["lesson_a"], r["lesson_b"], r["shared_cases"], _short(f"{r['title_a']} / {r['title_b']}", 90)]
                   for r in result["lesson_coevidence"]]),
           "\n## Cases bridging themes\n",
           _table(["themes", "lessons", "case"],
                  [[r["themes"], r["lessons"], _short(r["title"], 90)] for r in result["theme_bridging_cases"]]),
           "\n## Betweenness of cases\n",
           _table(["betweenness", "lessons", "case"],
                  [[f"{r['betweenness']:.4f}", r["lessons"], _short(r["title"], 90)] for r in result["betweenness"]]),
           "\n## Similar cases (2 x shared lessons + shared tags)\n"]
    rows = []
    for item in result["similar_cases"]:
        for i, r in enumerate(item["similar"] or [{"title": "(none)", "score": "", "shared_lessons": "", "shared_tags": ""}]):
            rows.append([_short(item["title"], 45) if i == 0 else "", _short(r["title"], 45), r["score"],
                         r["shared_lessons"], r["shared_tags"]])
    out.append(_table(["case", "similar case", "score", "lessons", "tags"], rows))
    return "".join(out)


def run(args) -> int:
    if args.top < 1:
        raise CommandError("--top must be 1 or more", EXIT_USAGE)
    say = Progress(args.quiet)
    say("loading the graph ...")
    try:
        st, base = store.open_store(data_dir(args), args.dist, args.base)
    except OSError as exc:
        raise CommandError(str(exc)) from None
    ev = analysis.read_evidence(st)
    case = None
    if args.case:
        case = Minter(base).case(args.case) if "://" not in args.case else args.case
        if case not in ev.cases:
            raise CommandError(f"no case {args.case!r} in the graph", EXIT_USAGE)
    say(f"analysing {len(ev.cases)} cases ...")
    result = analysis.analyse(ev, top=args.top, case=case)
    if args.format == "json":
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(result))
    return 0
