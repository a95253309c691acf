"""Whole RDF documents from pyoxigraph triples, in any registry format, by the dumps' own writers.

The server's entity pages, VoID, the ontology and CONSTRUCT/DESCRIBE results, and the command
line's graph output are all written here, so a graph reads the same (prefixed Turtle, compact
JSON-LD with the published context) wherever it comes from. RDF/XML falls back to Oxigraph's
writer for what the project's writers do not cover (a predicate with no XML name, triple terms).
"""

from __future__ import annotations

import pyoxigraph as ox

from pcmh_kg.sinks import formats, jsonld, registry


def write(triples: list, fmt: registry.RdfFormat) -> bytes:
    try:
        if fmt is registry.JSONLD:
            return jsonld.document(triples)
        if fmt is registry.TURTLE:
            return formats.turtle_document(formats.from_oxigraph(triples))
        if fmt is registry.RDFXML:
            return (formats.RDFXML_HEAD + formats.rdfxml(formats.from_oxigraph(triples)) + formats.RDFXML_TAIL).encode()
    except (ValueError, TypeError, AttributeError):
        pass  # a predicate with no XML name, or an RDF 1.2 triple term the dumps never hold
    return ox.serialize(triples, format=fmt.oxigraph)


def turtle_with_prefixes(triples: list[tuple], prefixes: dict[str, str]) -> bytes:
    """Turtle of the emitter's triples with other prefixes than the graph's (the project's writer
    knows only those): Oxigraph writes it, and the prefix block is sorted here, since Oxigraph
    writes prefixes in no fixed order and the same triples must give the same bytes."""
    nt = formats.ntriples(triples)
    body = ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                        prefixes=prefixes).decode("utf-8")
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items()))
    return (header + "\n" + "".join(line for line in body.splitlines(True) if not line.startswith("@prefix"))).encode()
