"""pcmh-kg validate: list every problem in the data, or say it is clean."""

from __future__ import annotations

from pcmh_kg.build import pipeline as build
from pcmh_kg.cli import EXIT_INVALID, Progress
from pcmh_kg.model.vocab import Minter
from pcmh_kg.sources import loader

from ._common import add_data_options, data_dir

NAME = "validate"
ORDER = 20
HELP = "check the data (schema, ids, references, SHACL) and list every problem with file, line and field"


def add_arguments(p) -> None:
    add_data_options(p)
    p.add_argument("--no-shacl", dest="shacl", action="store_false", default=True,
                   help="skip the SHACL check of the built graph")


def run(args) -> int:
    say = Progress(args.quiet)
    m = Minter(args.base)
    say("reading and validating data ...")
    data = loader.load(data_dir(args), base=m.base)  # raises InvalidInput listing every problem
    if args.shacl:
        from pcmh_kg.build import shapes

        say("checking SHACL shapes ...")
        nt = build.graph_ntriples(data, m)
        conforms, report = shapes.validate_ntriples(nt)
        if not conforms:
            print(report)
            return EXIT_INVALID
    print(f"valid: {len(data.cases)} case studies, {len(data.lessons)} lessons, {len(data.themes)} themes, "
          f"{len(data.tags)} tags, {len(data.places)} places, {len(data.organisations)} organisations")
    return 0
