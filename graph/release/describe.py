"""The DCAT-AP description of a release (its void.ttl): the build's VoID + DCAT, about the release.

The build's own writer (pipeline.void_triples) describes the release through a ReleaseMinter, so
the counts, class partitions and distributions are made the way every build makes them; this
module adds what DCAT-AP 3 asks of a published dataset and what a release is: the catalogue of
releases, dcat:version, dcterms:issued, prov:wasRevisionOf and dcat:previousVersion the release
before, dcterms:isVersionOf the living dataset, and per distribution the mandatory
dcat:accessURL, dcterms:format (EU file types) and an spdx:checksum. The publisher is an agent
with a foaf:name, the licence a dcterms:LicenseDocument.
"""

from __future__ import annotations

from pcmh_kg.build import pipeline as build
from pcmh_kg.model.vocab import DCAT, DCTERMS, FOAF, LICENSE, PROV, RDF, RDFS, VOID, XSD
from pcmh_kg.release.versions import ReleaseMinter
from pcmh_kg.sinks import registry
from pcmh_kg.sinks.formats import BLANK
from pcmh_kg.triples.terms import Lines, iri, text, typed

SPDX = "http://spdx.org/rdf/terms#"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_THEME_HEALTH = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
EU_PUBLIC = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
FILE_TYPES = {"ttl": "RDF_TURTLE", "nt": "RDF_N_TRIPLES", "jsonld": "JSON_LD", "rdf": "RDF_XML"}
KEYWORDS = ("mental health", "primary care", "commissioning", "case studies", "linked data")
PUBLISHER_NAME = "pcmh-kg developers"


def release_triples(m: ReleaseMinter, issued: str, previous: str | None, checksums: dict[str, str],
                    compressed_size: int) -> list[tuple]:
    """What DCAT-AP and versioning add to the release's VoID (issued: an ISO date), with the
    gzipped N-Triples dump as one more distribution (dcat:compressFormat gzip)."""
    t = Lines()
    add = t.add
    ds = m.dataset
    add(m.catalog, RDF + "type", iri(DCAT + "Catalog"))
    add(m.catalog, DCTERMS + "title", text("pcmh-kg releases"))
    add(m.catalog, DCTERMS + "description", text("Every frozen release of the pcmh-kg knowledge graph."))
    add(m.catalog, DCTERMS + "publisher", iri(m.developers))
    add(m.catalog, DCAT + "dataset", iri(ds))
    add(ds, DCAT + "version", text(m.version, None))
    add(ds, DCTERMS + "issued", typed(issued, XSD + "date"))
    add(ds, DCTERMS + "isVersionOf", iri(m.living))
    add(ds, DCAT + "landingPage", iri(ds))
    add(ds, DCAT + "theme", iri(EU_THEME_HEALTH))
    add(ds, DCTERMS + "accessRights", iri(EU_PUBLIC))
    for word in KEYWORDS:
        add(ds, DCAT + "keyword", text(word))
    if previous is not None:
        prev = ReleaseMinter(m.base, previous).dataset
        add(ds, PROV + "wasRevisionOf", iri(prev))
        add(ds, DCAT + "previousVersion", iri(prev))
    for fmt in registry.FORMATS:
        d = m.dump(fmt.dump)
        add(d, DCAT + "accessURL", iri(ds))
        add(d, DCTERMS + "format", iri(EU_FILE_TYPE + FILE_TYPES[fmt.name]))
        add(d, SPDX + "checksum", (BLANK, f"sha256-{fmt.name}"))
    gz = m.dump(registry.COMPRESSED_DUMP)
    add(ds, DCAT + "distribution", iri(gz))
    add(ds, VOID + "dataDump", iri(gz))
    build.add_distribution(add, gz, registry.NTRIPLES.media_type, compressed_size, compressed="gzip")
    add(gz, DCAT + "accessURL", iri(ds))
    add(gz, DCTERMS + "format", iri(EU_FILE_TYPE + FILE_TYPES["nt"]))
    add(gz, SPDX + "checksum", (BLANK, "sha256-nt-gz"))
    for name, dump in [(fmt.name, fmt.dump) for fmt in registry.FORMATS] + [("nt-gz", registry.COMPRESSED_DUMP)]:
        node = f"_:sha256-{name}"
        add(node, RDF + "type", iri(SPDX + "Checksum"))
        add(node, SPDX + "algorithm", iri(SPDX + "checksumAlgorithm_sha256"))
        add(node, SPDX + "checksumValue", typed(checksums[dump], XSD + "hexBinary"))
    add(m.developers, RDF + "type", iri(FOAF + "Agent"))
    add(m.developers, RDF + "type", iri(PROV + "Agent"))
    add(m.developers, FOAF + "name", text(PUBLISHER_NAME, None))
    add(m.developers, RDFS + "label", text(PUBLISHER_NAME))
    add(LICENSE, RDF + "type", iri(DCTERMS + "LicenseDocument"))
    add(LICENSE, RDFS + "label", text("Creative Commons Attribution 4.0 International (CC BY 4.0)"))
    return t.triples
