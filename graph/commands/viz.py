"""pcmh-kg viz: write the interactive explorer, one HTML file that works offline."""

from __future__ import annotations

import time
from pathlib import Path

from pcmh_kg.cli import EXIT_USAGE, CommandError, Progress
from pcmh_kg.query import store

from ._common import add_data_options, data_dir

NAME = "viz"
ORDER = 40
HELP = "write the explorer: evidence-and-gap map, map of places, network and table (one offline HTML file)"
DESCRIPTION = """\
Write dist/explorer.html, the explorer for people who do not write SPARQL. Four views share one
set of filters (theme, lesson, tag, place, scope, number of lessons) and a search:

  evidence map  the evidence-and-gap map: the ten lessons against scope, UK region, country, theme
                or tags; a bubble per cell sized by its cases, a mark for a gap; a cell lists its
                cases with the reason for each link, and gives the library query behind it
  map           London boroughs, UK nations and regions, countries, shaded by their cases; with a
                lesson chosen, the places with no case for it (the gaps)
  network       themes, lessons, case studies, tags and places, cases with 2+ lessons highlighted
  table         the same cases, sortable, downloadable as CSV or Excel

A case's panel gives its summary, status, organisations (with who carries the duties of one that
ended), each lesson with its reason and source, sources, public contact and similar cases. The
page is one file with everything inlined: it opens from disk and makes no network request.

  pcmh-kg viz
  pcmh-kg viz --out /tmp/explorer.html"""


def add_arguments(p) -> None:
    p.add_argument("--dist", type=Path, default=Path("dist"), metavar="DIR",
                   help="where the built dumps are (default: dist)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="the page to write (default: DIST/explorer.html)")
    p.add_argument("--case-limit", type=int, default=None, metavar="N",
                   help="most case studies drawn at once; the rest are grouped (default: 800)")
    add_data_options(p)


def run(args) -> int:
    from pcmh_kg.viz import explorer  # imported here: pyvis and jinja load only for this command

    limit = args.case_limit if args.case_limit is not None else explorer.CASE_LIMIT
    if limit < 1:
        raise CommandError("--case-limit must be 1 or more", EXIT_USAGE)
    out = args.out or args.dist / "explorer.html"
    if out.exists() and out.is_dir():
        raise CommandError(f"{out} is a directory; give a file name", EXIT_USAGE)
    say = Progress(args.quiet)
    say("loading the graph ...")
    t0 = time.perf_counter()
    try:
        st, base = store.open_store(data_dir(args), args.dist, args.base)
        say("writing the explorer ...")
        info = explorer.write(st, base, out, case_limit=limit)
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc}") from None
    say(f"wrote {out} ({info['bytes'] / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    return 0
