"""The query library in the SIB sparql-examples form, the form partners' tools read.

SIB's collection (github.com/sib-swiss/sparql-examples), which UniProt, Bgee and others publish at
`/.well-known/sparql-examples`, describes each query as an `sh:SPARQLExecutable` with its text in
`sh:select` / `sh:ask` / `sh:construct` / `sh:describe`, `rdfs:comment` (@en), `schema:target`
the SPARQL endpoint it runs on (schema.org's https:// namespace, as SIB writes it) and
`schema:keywords`; `sh:prefixes` points at one `owl:Ontology` node whose `sh:declare` lists the
prefixes. The graph's own catalogue (catalogue.catalogue_triples) describes the same queries for
whatever store a partner loads the graph into, so it targets the dataset; this document is about
one endpoint, so each query is given runnable as it stands: header comments dropped and the
parameters bound to their documented defaults (a VALUES block, as `pcmh-kg query` binds them).
"""

from __future__ import annotations

from pcmh_kg.model.vocab import OWL, PREFIXES, RDF, SH, XSD, Minter
from pcmh_kg.query import catalogue, sparql
from pcmh_kg.sinks import document, formats
from pcmh_kg.sinks.formats import BLANK
from pcmh_kg.triples.terms import Lines, iri, typed

SCHEMA_HTTPS = "https://schema.org/"  # SIB's spelling; the graph itself uses http://schema.org/
PREFIXES_NODE = "_:sparql_examples_prefixes"
TURTLE_PREFIXES = {**PREFIXES, "schema": SCHEMA_HTTPS}


def endpoint(m: Minter) -> str:
    """The SPARQL endpoint of a server publishing the graph at base m.base (void:sparqlEndpoint)."""
    return m.base + "sparql"


def runnable_text(q: catalogue.Query, m: Minter) -> str:
    """The query without its header comments, its parameters bound to their defaults."""
    lines = q.text.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    text = "\n".join(lines) + "\n"
    return sparql.with_bindings(text, sparql.bind(q, {}, m))


def examples_triples(queries: dict[str, catalogue.Query], m: Minter) -> list[tuple]:
    t = Lines()
    for name, q in queries.items():
        catalogue.describe_query(t, m.query(name), q, runnable_text(q, m), iri(endpoint(m)), SCHEMA_HTTPS)
        t.add(m.query(name), SH + "prefixes", (BLANK, PREFIXES_NODE[2:]))
    t.add(PREFIXES_NODE, RDF + "type", iri(OWL + "Ontology"))
    t.add(PREFIXES_NODE, OWL + "imports", iri(SH))
    for prefix in sorted(PREFIXES):
        t.add(PREFIXES_NODE, SH + "declare", (BLANK, f"prefix_{prefix}"))
    for prefix, ns in sorted(PREFIXES.items()):
        t.add(f"_:prefix_{prefix}", SH + "prefix", (formats.LITERAL, prefix, None))
        t.add(f"_:prefix_{prefix}", SH + "namespace", typed(ns, XSD + "anyURI"))
    return t.triples


def examples_turtle(queries: dict[str, catalogue.Query], m: Minter) -> bytes:
    """The Turtle document, with `schema:` bound to the https:// namespace SIB uses (the
    project's Turtle writer knows only the graph's own prefixes)."""
    return document.turtle_with_prefixes(examples_triples(queries, m), TURTLE_PREFIXES)
