"""Which representation a request gets: the format tables and HTTP content negotiation.

Every format the server answers in is said here once. RDF formats come from the sinks' registry
(name, media types, URL extension); the SPARQL results formats and HTML are added here. Three
tables are offered: query results (SELECT, ASK), graphs (CONSTRUCT, DESCRIBE, VoID) and entity
pages (HTML first, for browsers). A `format=` value picks from a table by name or alias; an
unknown one falls back to the Accept header, as most SPARQL servers do.
"""

from __future__ import annotations

from dataclasses import dataclass

from pcmh_kg.sinks import registry


@dataclass(frozen=True)
class Offer:
    name: str  # the writer's name and the canonical `format=` value
    media_types: tuple[str, ...]  # canonical first
    aliases: tuple[str, ...] = ()  # other `format=` values
    extension: str | None = None  # a URL suffix selecting it
    text: bool = False  # the media type takes a charset parameter
    rdf: registry.RdfFormat | None = None

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        return self.media_type + ("; charset=utf-8" if self.text else "")


HTML = Offer("html", ("text/html", "application/xhtml+xml"), extension=".html", text=True)
RESULTS = (
    Offer("json", ("application/sparql-results+json", "application/json"), ("srj",)),
    Offer("xml", ("application/sparql-results+xml", "application/xml", "text/xml"), ("srx",), text=True),
    Offer("csv", ("text/csv",), text=True),
    Offer("tsv", ("text/tab-separated-values",), text=True),
    HTML,
)
_RDF_ALIASES = {"ttl": ("turtle",), "nt": ("ntriples", "n-triples"), "jsonld": ("json-ld", "json"),
                "rdf": ("rdfxml", "rdf+xml", "xml")}
RDF = tuple(Offer(f.name, f.media_types, _RDF_ALIASES.get(f.name, ()), f.extension,
                  text=f.media_type.startswith("text/"), rdf=f) for f in registry.FORMATS)
GRAPHS = RDF + (HTML,)
ENTITIES = (HTML,) + RDF
BY_NAME = {o.name: o for o in RESULTS + GRAPHS}


class NotAcceptable(ValueError):
    """No offer matches the client's Accept header."""


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    out = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(f[2:])))
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q))
    return out


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The media type the client prefers (ties: the server's order); the first offer without a header."""
    accepted = parse_accept(header)
    if not accepted:
        return offers[0]
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/")[0]
        q = -1.0
        for mt, mq in accepted:
            if mt == offer:
                q = mq
                break
            if mt == f"{kind}/*" or mt == "*/*":
                q = max(q, mq * 0.999)  # an exact match beats a wildcard of the same weight
        if q > best_q:
            best, best_q = offer, q
    return best


def by_format(offers: tuple[Offer, ...], value: str | None) -> Offer | None:
    """The offer a `format=` value names (by name or alias), or None."""
    v = (value or "").strip().lower()
    return next((o for o in offers if v and (v == o.name or v in o.aliases or v in o.media_types)), None)


def by_extension(offers: tuple[Offer, ...], suffix: str) -> Offer | None:
    return next((o for o in offers if o.extension == suffix), None)


def choose(offers: tuple[Offer, ...], accept: str | None, fmt: str | None = None) -> Offer:
    """`format=` when it names an offer, else the Accept header's choice; NotAcceptable if none."""
    named = by_format(offers, fmt)
    if named is not None:
        return named
    types = [mt for o in offers for mt in o.media_types]
    chosen = negotiate(accept, types)
    if chosen is None:
        raise NotAcceptable("no acceptable format; offered: " + ", ".join(o.media_type for o in offers))
    return next(o for o in offers if chosen in o.media_types)
