"""Namespaces, IRI minting and the controlled values of the data, in one place.

Everything that turns a YAML value into an IRI goes through here, so that the ontology, the
emitter, the queries and the tests agree on one spelling of every term.
"""

from __future__ import annotations

import os
import re

DEFAULT_BASE = "https://w3id.org/pcmh-kg/"
BASE_ENV = "PCMH_KG_BASE"

PCMH = "https://w3id.org/pcmh-kg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GSP = "http://www.opengis.net/ont/geosparql#"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
SH = "http://www.w3.org/ns/shacl#"
ORG = "http://www.w3.org/ns/org#"

PREFIXES = {
    "pcmh": PCMH,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "schema": SCHEMA,
    "prov": PROV,
    "vcard": VCARD,
    "geo": GEO,
    "geosparql": GSP,
    "dcat": DCAT,
    "void": VOID,
    "foaf": FOAF,
    "sh": SH,
    "org": ORG,
}

ONS_GEOGRAPHY = "http://statistics.data.gov.uk/id/statistical-geography/"

# External identifier schemes: scheme -> (the identifier system, written as schema:propertyID,
# and the namespace that makes a code an IRI, or None where the code has no IRI of its own).
# ODS uses the FHIR identifier system of NHS England; the others use their own namespaces.
ID_SYSTEMS = {
    "wikidata": ("http://www.wikidata.org/entity/", "http://www.wikidata.org/entity/"),
    "ods": ("https://fhir.nhs.uk/Id/ods-organization-code", None),
    "ror": ("https://ror.org/", "https://ror.org/"),
    "mesh": ("http://id.nlm.nih.gov/mesh/", "http://id.nlm.nih.gov/mesh/"),
}
ID_LABELS = {"wikidata": "Wikidata item", "ods": "NHS ODS code", "ror": "ROR id", "mesh": "MeSH descriptor"}
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # \Z: "$" would let a trailing newline through

# Controlled values of the YAML, mapped to the ontology individuals that stand for them.
SCOPES = {"london": "London", "national": "National", "international": "International"}
ORIGINS = {"guide": "StatedInGuide", "curated": "CuratedHere"}
FLAGS = {"began-after-guide": "BeganAfterGuide", "discontinued": "Discontinued", "pilot": "Pilot"}
# A case's status as a source states it; a case without a `status:` is emitted as unknown.
STATUSES = {"running": "Running", "ended": "Ended", "unknown": "StatusUnknown"}
PLACE_TYPES = {
    "country": "Country",
    "nation": "Nation",
    "region": "Region",
    "county": "County",
    "borough": "Borough",
    "district": "District",
    "city": "City",
    "state": "State",
}
ORGANISATION_TYPES = {
    "nhs-commissioner": "NHSCommissioner",
    "nhs-provider": "NHSProvider",
    "local-government": "LocalGovernment",
    "charity": "Charity",
    "academic": "AcademicInstitution",
    "government": "GovernmentBody",
    "professional-body": "ProfessionalBody",
    "network": "ClinicalNetwork",
    "private-provider": "PrivateProvider",
    "health-system": "HealthSystem",
    "other": "OtherOrganisationType",
}


BASE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|\\^`\x7f]+')


def default_base() -> str:
    return os.environ.get(BASE_ENV) or DEFAULT_BASE


class BaseIRIError(ValueError):
    pass


class Minter:
    """Mints the data's IRIs under one base, e.g. <base>case/<id>."""

    def __init__(self, base: str | None = None):
        base = base or default_base()
        if not BASE_IRI.fullmatch(base):
            raise BaseIRIError(f"base IRI {base!r} is not an absolute IRI without spaces or <>\"{{}}|\\^` "
                               f"(set by --base or ${BASE_ENV})")
        if not base.endswith(("/", "#")):
            base += "/"
        self.base = base

    def case(self, cid: str) -> str:
        return f"{self.base}case/{cid}"

    def lesson(self, number: int) -> str:
        return f"{self.base}lesson/{number}"

    def theme(self, tid: str) -> str:
        return f"{self.base}theme/{tid}"

    def topic(self, tid: str) -> str:
        return f"{self.base}topic/{tid}"

    def tag(self, tid: str) -> str:
        return f"{self.base}tag/{tid}"

    def place(self, pid: str) -> str:
        return f"{self.base}place/{pid}"

    def organisation(self, oid: str) -> str:
        return f"{self.base}organisation/{oid}"

    def guide(self, gid: str) -> str:
        return f"{self.base}guide/{gid}"

    def scheme(self, name: str) -> str:
        return f"{self.base}scheme/{name}"

    def query(self, name: str) -> str:
        return f"{self.base}query/{name}"

    @property
    def dataset(self) -> str:
        return f"{self.base}dataset"

    @property
    def curators(self) -> str:
        return f"{self.base}agent/curators"

    @property
    def developers(self) -> str:
        """The publisher of the dataset (and, at the default base, the ontology's creator)."""
        return f"{self.base}agent/developers"

    def dump(self, filename: str) -> str:
        return f"{self.base}dumps/{filename}"

    @property
    def context(self) -> str:
        return f"{self.base}context.jsonld"
