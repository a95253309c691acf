"""SHACL validation of the built graph against ontology/shapes.ttl.

pyshacl works over rdflib, which is slow at scale (see benchmarks/), so it is imported only
here, only when shapes are checked.
"""

from __future__ import annotations

from . import resources


def validate_ntriples(nt: bytes) -> tuple[bool, str]:
    import rdflib
    from pyshacl import validate

    data = rdflib.Graph()
    data.parse(data=nt, format="nt")
    shapes = rdflib.Graph()
    shapes.parse(str(resources.ontology_dir() / "shapes.ttl"), format="turtle")
    conforms, _graph, report = validate(data, shacl_graph=shapes, inference="none",
                                        advanced=True, allow_warnings=False)
    return bool(conforms), report
