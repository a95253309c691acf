"""pcmh-kg diff A B: what changed between two graphs, in words, JSON or RDF."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from pcmh_kg.cli import EXIT_USAGE, CommandError
from pcmh_kg.release import changelog, graphs
from pcmh_kg.release import diff as differ

NAME = "diff"
ORDER = 16
HELP = "what changed between two releases, builds or the working data: cases, lesson links, details"
DESCRIPTION = """\
Compare graph A (before) with graph B (after). Each is a release version (2026.12, looked up in
--releases), a release or build folder (dist/), or a data folder (data/: the working data, built
on the fly). Prints the case studies added, removed and renamed, the lesson links added and
removed with their reasons, and every detail changed per case (summary, place, scope,
organisations, start year, status, tags, sources, flags, contact, each link's reason).
  --format text   words, as in a release's CHANGES.md (default)
  --format json   the same as JSON
  --format ttl    RDF: one cs:ChangeSet per case (Talis ChangeSet vocabulary) with the triples
                  added and removed as rdf:Statements, as in a release's changes.ttl"""


def add_arguments(p) -> None:
    p.add_argument("old", metavar="A", help="before: a release version or folder, a build folder or a data folder")
    p.add_argument("new", metavar="B", help="after: the same kinds as A")
    p.add_argument("--format", choices=("text", "json", "ttl"), default="text", help="output (default: text)")
    p.add_argument("--releases", type=Path, default=Path("releases"), metavar="DIR",
                   help="where release versions are looked up (default: releases)")
    p.add_argument("--base", default=None, metavar="IRI", help="base IRI for a data folder built on the fly")


def run(args) -> int:
    try:
        old = graphs.open_graph(args.old, args.releases, args.base)
        new = graphs.open_graph(args.new, args.releases, args.base)
        changes = differ.compare(old, new)
    except (graphs.GraphError, ValueError) as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    if args.format == "json":
        sys.stdout.write(changelog.as_json(changes))
    elif args.format == "ttl":
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
        sys.stdout.buffer.write(changelog.as_turtle(changes, new.dataset + "/changes", now))
    else:
        sys.stdout.write(changelog.words(changes))
    return 0
