"""pcmh-kg stats: counts and coverage of the directory against the guide's lessons."""

from __future__ import annotations

import json
from pathlib import Path

from pcmh_kg.analysis import coverage
from pcmh_kg.cli import Progress
from pcmh_kg.model import labels
from pcmh_kg.query import store

from ._common import add_data_options, data_dir

NAME = "stats"
ORDER = 25
HELP = "counts per class, and cases per lesson, theme, scope and tag, flagging lessons under the threshold"


def add_arguments(p) -> None:
    add_data_options(p)
    p.add_argument("--dist", type=Path, default=Path("dist"), metavar="DIR",
                   help="where the built dumps are (default: dist; else the data is built in memory)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--check", action="store_true", help="exit 1 when a coverage threshold is not met")


def run(args) -> int:
    say = Progress(args.quiet)
    say("loading the graph ...")
    st, _base = store.open_store(data_dir(args), args.dist, args.base)
    cov = coverage.compute(st)
    if args.format == "json":
        print(json.dumps(cov.as_dict(), indent=1, ensure_ascii=False))
    else:
        print(f"{cov.cases} case studies; {cov.multi_lesson_cases} evidence two or more lessons\n")
        print("Cases per scope: " + ", ".join(f"{k} {v}" for k, v in sorted(cov.scopes.items())) + "\n")
        print("Cases per lesson")
        for number, title, n in cov.lessons:
            flag = "  << below threshold" if n < coverage.MIN_CASES_PER_LESSON else ""
            print(f"  {number:>2}  {n:>3}  {title[:70]}{flag}")
        print("\nCases per theme (London / international)")
        for number, title, n, london, international in cov.themes:
            print(f"  {number:>2}  {n:>3}  ({london} / {international})  {title}")
        print("\nCases per tag (including narrower tags)")
        for tid, label, n in cov.tags:
            print(f"  {n:>3}  {label} [{tid}]")
        print("\nEntities per class")
        for cls, n in sorted(cov.classes.items(), key=lambda x: (-x[1], x[0])):
            print(f"  {n:>5}  {labels.short(cls)}")
        problems = cov.problems()
        print("\nCoverage: " + ("all thresholds met" if not problems else "; ".join(problems)))
    return 1 if args.check and cov.problems() else 0
