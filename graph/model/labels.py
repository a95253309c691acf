"""How an IRI or RDF term reads for people, said once.

Pages, HTML and terminal result tables and the stats command all shorten IRIs the same way:
the graph's own IRIs lose their base ('case/x'), vocabulary terms take their prefix
('skos:prefLabel', longest namespace first, so 'geosparql:' is not read as another prefix),
anything else stays whole. A literal reads as its value, with no datatype or language tag.
"""

from __future__ import annotations

from pcmh_kg.model.vocab import PREFIXES

_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def short(iri: str, base: str | None = None) -> str:
    """'case/x' under the base, 'prefix:local' in a known vocabulary, else the IRI itself."""
    if base and iri.startswith(base) and len(iri) > len(base):
        return iri[len(base):]
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def standalone(label: str) -> str:
    """A label standing on its own (a heading, a column, a cell, a badge) begins with a capital:
    the ontology's labels are written as they stand in a sentence ("national")."""
    return label[:1].upper() + label[1:]


def text(term, base: str | None = None) -> str:
    """A pyoxigraph term as plain text: a literal's value, a short IRI, '_:id' for a blank node."""
    if term is None:
        return ""
    kind = type(term).__name__
    if kind == "NamedNode":
        return short(term.value, base)
    if kind == "BlankNode":
        return f"_:{term.value}"
    return term.value
