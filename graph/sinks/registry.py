"""Every RDF format the project writes or serves, said once.

A format is a name (the key of the build's fragments), the dump file it is written to, its media
types (the first is canonical; the others are accepted in content negotiation), the file
extension a URL may end in, and Oxigraph's format for parsing or serialising it. Adding a format
is one writer module in this package plus one entry here; the build, the dumps' VoID
description, the server's negotiation and the tests read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfFormat:
    name: str  # short name: fragment kind, `format=` value
    dump: str  # file name in dist/
    media_types: tuple[str, ...]  # canonical first
    extension: str  # a URL suffix selecting it, with the dot
    oxigraph: ox.RdfFormat
    label: str  # for people

    @property
    def media_type(self) -> str:
        return self.media_types[0]


NTRIPLES = RdfFormat("nt", "pcmh-kg.nt", ("application/n-triples", "text/plain"), ".nt",
                     ox.RdfFormat.N_TRIPLES, "N-Triples")
TURTLE = RdfFormat("ttl", "pcmh-kg.ttl", ("text/turtle", "application/x-turtle"), ".ttl",
                   ox.RdfFormat.TURTLE, "Turtle")
RDFXML = RdfFormat("rdf", "pcmh-kg.rdf", ("application/rdf+xml",), ".rdf", ox.RdfFormat.RDF_XML, "RDF/XML")
JSONLD = RdfFormat("jsonld", "pcmh-kg.jsonld", ("application/ld+json", "application/json"), ".jsonld",
                   ox.RdfFormat.JSON_LD, "JSON-LD")

FORMATS: tuple[RdfFormat, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML)  # as the VoID description lists them
BY_NAME = {f.name: f for f in FORMATS}
KINDS = ("nt", "ttl", "rdf", "jsonld")  # the order of a fragment's parts in the rebuild index
DUMP_FILES = {f.name: f.dump for f in FORMATS}
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"  # a media type as an IRI (DCAT)
LOAD_DUMP = NTRIPLES.dump  # the dump a store loads: the fastest to parse
COMPRESSED_DUMP = LOAD_DUMP + ".gz"  # in a release: what a partner downloads to load (Virtuoso, Fuseki, GraphDB read it)


def by_extension(suffix: str) -> RdfFormat | None:
    return next((f for f in FORMATS if f.extension == suffix), None)
