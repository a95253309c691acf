"""The SPARQL 1.1 Service Description of /sparql, with the VoID of the data it serves.

Answered to GET /sparql without a query when the client asks for RDF. It names the endpoint,
the language (SPARQL 1.1 Query only: the service is read-only), every result format, the base
IRI the service resolves relative IRIs against, and the default dataset: the default graph is
the graph's data (described by the VoID of void.ttl, included here) and the VoID itself is one
named graph, `<base>void`, so it can be queried with GRAPH <base>void { ... } or default-graph-uri.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from pcmh_kg.publish import negotiation

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FORMAT_IRIS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
               "tsv": "SPARQL_Results_TSV", "ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD",
               "rdf": "RDF_XML"}


def void_graph(base: str) -> str:
    """The named graph holding the VoID description in the served store."""
    return base + "void"


def description(endpoint: str, base: str, dataset: str, void: Path | None, allow_service: bool) -> list:
    n, sd = ox.NamedNode, lambda local: ox.NamedNode(SD + local)
    svc, ds, named, ng = n(endpoint), ox.BlankNode("dataset"), ox.BlankNode("void"), ox.BlankNode("voidgraph")  # fixed: same bytes, same ETag
    out = [ox.Triple(svc, RDF_TYPE, sd("Service")), ox.Triple(svc, sd("endpoint"), svc),
           ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
           ox.Triple(svc, n("http://www.w3.org/2000/01/rdf-schema#comment"),
                     ox.Literal(f"Read-only. Relative IRIs in queries resolve against {base}. "
                                + ("SERVICE is allowed." if allow_service else "SERVICE is refused.")))]
    if allow_service:
        out.append(ox.Triple(svc, sd("feature"), sd("BasicFederatedQuery")))
    offers = {o.name for o in negotiation.RESULTS + negotiation.GRAPHS}
    out += [ox.Triple(svc, sd("resultFormat"), n(FORMATS + FORMAT_IRIS[name])) for name in FORMAT_IRIS if name in offers]
    out += [ox.Triple(svc, sd("defaultDataset"), ds), ox.Triple(ds, RDF_TYPE, sd("Dataset")),
            ox.Triple(ds, sd("defaultGraph"), n(dataset)), ox.Triple(n(dataset), RDF_TYPE, sd("Graph")),
            ox.Triple(n(dataset), n(VOID + "sparqlEndpoint"), svc)]
    if void is not None:
        out += [ox.Triple(ds, sd("namedGraph"), named), ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
                ox.Triple(named, sd("name"), n(void_graph(base))), ox.Triple(named, sd("graph"), ng),
                ox.Triple(ng, RDF_TYPE, sd("Graph"))]
        out += list(ox.parse(path=str(void), format=ox.RdfFormat.TURTLE))
    return out
