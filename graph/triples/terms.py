"""The terms triples are made of: an IRI, a plain or language-tagged literal, a typed literal,
as the tuples the writers in graph/sinks/formats.py read, and the list a chunk is collected in.
Every stage that makes triples (the records, the query catalogue, releases, VoID) uses these."""

from __future__ import annotations

from pcmh_kg.model.vocab import XSD
from pcmh_kg.sinks.formats import IRI, LITERAL, TYPED


def iri(value: str) -> tuple:
    return (IRI, value)


def text(value: str, lang: str | None = "en") -> tuple:
    return (LITERAL, value, lang)


def typed(value, datatype: str) -> tuple:
    return (TYPED, str(value), datatype)


def integer(value: int) -> tuple:
    return typed(int(value), f"{XSD}integer")


def partial_date(value: str) -> tuple:
    """2022-07-01, 2015-12 or 2021 as xsd:date, xsd:gYearMonth or xsd:gYear. These are not OWL 2
    datatypes, so they are only ever objects of annotation properties (dcterms:date, dcterms:issued)."""
    kind = {4: "gYear", 7: "gYearMonth"}.get(len(value), "date")
    return typed(value, XSD + kind)


def decimal_lexical(value: float) -> str:
    lexical = f"{value:.6f}".rstrip("0")
    return lexical + "0" if lexical.endswith(".") else lexical


def decimal(value: float) -> tuple:
    return typed(decimal_lexical(value), f"{XSD}decimal")


class Lines:
    """Collects the triples of a chunk, one subject at a time."""

    __slots__ = ("triples",)

    def __init__(self):
        self.triples: list[tuple] = []

    def add(self, s: str, p: str, o: tuple) -> None:
        self.triples.append((s, p, o))
