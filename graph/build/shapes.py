"""SHACL validation of the built graph against ontology/shapes.ttl.

pyshacl works over rdflib, which is slow at scale (see benchmarks/), so it is imported only
here, only when shapes are checked; prepare() lets a build import it ahead of time.
"""

from __future__ import annotations

from functools import lru_cache

from pcmh_kg import resources


@lru_cache(maxsize=1)
def _shapes_graph():
    import rdflib

    shapes = rdflib.Graph()
    shapes.parse(str(resources.ontology_dir() / "shapes.ttl"), format="turtle")
    return shapes


def prepare() -> None:
    import pyshacl  # noqa: F401 - the import alone takes ~0.4 s

    _shapes_graph()


def validate_ntriples(nt: bytes) -> tuple[bool, str]:
    import rdflib
    from pyshacl import validate

    data = rdflib.Graph()
    data.parse(data=nt, format="nt")
    conforms, _graph, report = validate(data, shacl_graph=_shapes_graph(), inference="none",
                                        advanced=True, allow_warnings=False)
    return bool(conforms), report
