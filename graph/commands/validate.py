"""pcmh-kg validate: list every problem in the data, or say it is clean."""

from __future__ import annotations

from pcmh_kg.build import pipeline as build
from pcmh_kg.build import shapes, violations
from pcmh_kg.cli import Progress
from pcmh_kg.model.problems import InvalidInput
from pcmh_kg.model.vocab import Minter
from pcmh_kg.sinks import formats
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
        say("checking SHACL shapes ...")
        check_shapes(data, m, data_dir(args))
    print(f"valid: {len(data.cases)} case studies, {len(data.lessons)} lessons, {len(data.themes)} themes, "
          f"{len(data.tags)} tags, {len(data.places)} places, {len(data.organisations)} organisations")
    return 0


def check_shapes(data, m: Minter, root) -> None:
    """The graph the build would write, checked in the same parts; raises InvalidInput naming
    the YAML file, line and field of every violation."""
    chunks = [formats.ntriples(chunk).encode("utf-8") for chunk in build.graph_chunks(data, m)]
    framework_end = len(chunks[0])
    cases_end = framework_end + sum(map(len, chunks[1:1 + len(data.cases)]))
    sources_end = cases_end + len(chunks[1 + len(data.cases)])
    results = shapes.check_bytes(b"".join(chunks), framework_end, cases_end, m.case(""), sources_end)
    if results:
        raise InvalidInput(violations.problems(results, root, m))
