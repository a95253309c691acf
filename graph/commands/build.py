"""pcmh-kg build: validate the data and write every dump to dist/."""

from __future__ import annotations

from pathlib import Path

from pcmh_kg.build import pipeline as build
from pcmh_kg.build import shapes
from pcmh_kg.cli import EXIT_FAILED, CommandError, Progress

from ._common import add_data_options, add_profile_option, data_dir

NAME = "build"
ORDER = 10
HELP = "validate the data and write the RDF dumps (Turtle, N-Triples, JSON-LD, RDF/XML, VoID) to dist/"
DESCRIPTION = """\
Validate data/, build the graph and write to the output folder:
  pcmh-kg.ttl, pcmh-kg.nt, pcmh-kg.jsonld (+ context.jsonld), pcmh-kg.rdf,
  void.ttl (VoID + DCAT: counts, licence, dumps), ontology.ttl, shapes.ttl, build.json.
The graph is checked against the SHACL shapes (ontology/shapes.ttl) at every size, and
each violation is reported with the YAML file, line and field it comes from.
The same input gives byte-identical files. The build is atomic: if anything fails,
the previous output folder is left as it was."""


def add_arguments(p) -> None:
    add_data_options(p)
    add_profile_option(p)
    p.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR", help="output folder (default: dist)")
    p.add_argument("--no-shacl", dest="shacl", action="store_false", default=True,
                   help="skip the SHACL check of the shapes (ontology/shapes.ttl), on by default at every size")
    p.add_argument("--cache", type=Path, default=Path(".pcmh-kg-cache"), metavar="DIR",
                   help="index of where each case sits in the previous dumps, for fast rebuilds "
                        "(default: .pcmh-kg-cache)")
    p.add_argument("--no-cache", dest="cache", action="store_const", const=None, help="do not use the cache")


def run(args) -> int:
    say = Progress(args.quiet)
    try:
        result = build.build(data_dir(args), args.out, base=args.base, profile=args.profile,
                             shacl=args.shacl, cache_dir=args.cache, log=say)
    except shapes.CheckFailed as exc:
        raise CommandError(f"{exc}; nothing was written.", EXIT_FAILED) from None
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc}") from None
    say(f"wrote {result.out}/: {result.triples} triples, {result.cases} case studies, SHACL {result.shacl}")
    return 0
