"""What each published file is, said once: the dumps page, a release's page and its RO-Crate
metadata describe their files in these words, so a partner picks the right one without the README."""

from __future__ import annotations

WHAT = {
    "pcmh-kg.ttl": "the graph in Turtle: the data, the query catalogue and the ontology",
    "pcmh-kg.nt": "the graph in N-Triples, one triple a line: the quickest to load into a store",
    "pcmh-kg.nt.gz": "the N-Triples gzipped, for a store's bulk loader",
    "pcmh-kg.jsonld": "the graph in compact JSON-LD (its context is context.jsonld)",
    "pcmh-kg.rdf": "the graph in RDF/XML",
    "context.jsonld": "the JSON-LD context: the short names of the JSON-LD dump, to reuse",
    "ontology.ttl": "the ontology: its classes and properties with their labels and definitions",
    "shapes.ttl": "the SHACL shapes the graph was checked against",
    "void.ttl": "what the dataset is (VoID and DCAT): counts, licence, and each file with its size and checksum",
    "build.json": "how it was built: counts, the base IRI and the shapes' verdict",
    "sparql-examples.ttl": "the query library as SPARQL examples (SIB's sparql-examples form)",
    "CHANGES.md": "what changed since the previous release, in words",
    "changes.json": "what changed, as JSON: each change with the same words",
    "changes.ttl": "what changed, as RDF: a ChangeSet per case with the triples added and removed",
    "CITATION.cff": "how to cite this release (Citation File Format)",
    "ro-crate-metadata.json": "RO-Crate metadata: every file with its type, size and checksum",
    "SHA256SUMS": "every file's SHA-256: check them with sha256sum -c SHA256SUMS",
}


def what(name: str) -> str:
    """A published file's description; a file without one is a mistake the tests catch."""
    return WHAT.get(name, "")
