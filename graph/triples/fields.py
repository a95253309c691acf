"""Which YAML field each property of the graph is made from: emit.py read backwards.

A SHACL result names a node and a property; a curator needs a file, a line and a field. For every
kind of node emit.py makes, this says the YAML folder (or file) it comes from, the list its record
sits in, and per property the field (a path inside the record) that the triples are made from.
Kept next to emit.py so that a new property is mapped where it is made; tests/test_shapes.py
checks every property emit.py writes for a case has a field here.
"""

from __future__ import annotations

from pcmh_kg.model.vocab import DCAT, DCTERMS, GEO, GSP, ORG, PCMH, PROV, RDF, RDFS, SCHEMA, SKOS, VCARD

CASE = {
    DCTERMS + "identifier": ("id",), DCTERMS + "title": ("title",), RDFS + "label": ("title",),
    DCTERMS + "description": ("summary",), DCTERMS + "spatial": ("place",), PCMH + "scope": ("scope",),
    PCMH + "leadOrganisation": ("organisations", 0), PCMH + "organisation": ("organisations",),
    PCMH + "startYear": ("started",), PCMH + "status": ("status",), PCMH + "statusStatement": ("status",),
    DCTERMS + "subject": ("tags",), PCMH + "evidencesLesson": ("lessons",),
    PCMH + "hasLessonEvidence": ("lessons",), PROV + "wasDerivedFrom": ("sources",),
    PROV + "wasAttributedTo": (), DCAT + "contactPoint": ("contact",), PCMH + "flag": ("flags",),
    SKOS + "editorialNote": ("notes",), RDF + "type": (),
}
CONTACT = {
    VCARD + "role": ("role",), RDFS + "label": ("role",), PCMH + "organisation": ("organisation",),
    VCARD + "hasURL": ("url",), VCARD + "fn": ("name",), VCARD + "hasEmail": ("email",),
    VCARD + "hasTelephone": ("phone",), RDF + "type": (),
}
LESSON_LINK = {
    PCMH + "lesson": ("lesson",), PCMH + "reason": ("reason",), PCMH + "origin": ("origin",),
    PROV + "wasDerivedFrom": ("source",), RDFS + "label": ("lesson",), RDF + "type": (),
}
STATUS = {
    PCMH + "status": ("value",), DCTERMS + "date": ("as_of",), PROV + "wasDerivedFrom": ("source",),
    RDFS + "label": ("value",), RDF + "type": (),
}
PLACE = {
    SCHEMA + "name": ("name",), RDFS + "label": ("name",), SCHEMA + "containedInPlace": ("parent",),
    PCMH + "gssCode": ("gss",), SCHEMA + "sameAs": ("gss",), PCMH + "isoCountryCode": ("iso",),
    GEO + "lat": ("lat",), GEO + "long": ("long",), GSP + "hasGeometry": ("lat",), GSP + "asWKT": ("lat",),
    RDFS + "seeAlso": ("sources",), RDF + "type": ("type",),
}
ORGANISATION = {
    SCHEMA + "name": ("name",), RDFS + "label": ("name",), PCMH + "organisationType": ("type",),
    SCHEMA + "url": ("homepage",), SCHEMA + "location": ("place",), ORG + "changedBy": ("succeeded_by",),
    ORG + "resultedFrom": (), RDF + "type": (),
}
CHANGE = {  # an organisation's change event: its succeeded_by (or dissolved) entry
    ORG + "originalOrganization": ("id",), ORG + "resultingOrganization": ("succeeded_by",),
    DCTERMS + "date": ("succeeded_by",), DCTERMS + "source": ("succeeded_by",), RDF + "type": (),
}
TAG = {
    SKOS + "prefLabel": ("label",), RDFS + "label": ("label",), SKOS + "definition": ("definition",),
    SKOS + "broader": ("broader",), SKOS + "narrower": ("id",), SKOS + "notation": ("id",), RDF + "type": (),
}
GUIDE_ITEM = {  # a topic, theme or lesson of guide.yaml
    SKOS + "prefLabel": ("title",), RDFS + "label": ("title",), PCMH + "order": ("number",),
    SKOS + "notation": ("number",), PCMH + "theme": ("theme",), SKOS + "broader": ("theme",),
    SKOS + "narrower": ("id",), RDF + "type": (),
}
GUIDE = {
    DCTERMS + "title": ("title",), RDFS + "label": ("title",), DCTERMS + "alternative": ("subtitle",),
    DCTERMS + "publisher": ("publisher",), DCTERMS + "issued": ("issued",),
    DCTERMS + "description": ("summary",), PCMH + "casesReviewed": ("cases_reviewed",),
    PCMH + "casesInDirectory": ("cases_in_directory",), RDFS + "seeAlso": ("sources",), RDF + "type": (),
}

# IRI path under the base -> (folder or file under data/, list key, the id's key, tail -> table)
NODES = {
    "case": ("cases", None, "id", {"": CASE, "contact": CONTACT, "lesson": LESSON_LINK, "status": STATUS}),
    "place": ("places", "places", "id", {"": PLACE, "geometry": PLACE}),
    "organisation": ("organisations", "organisations", "id", {"": ORGANISATION, "change": CHANGE}),
    "tag": ("tags", "tags", "id", {"": TAG}),
    "topic": ("guide.yaml", "topics", "id", {"": GUIDE_ITEM}),
    "theme": ("guide.yaml", "themes", "id", {"": GUIDE_ITEM}),
    "lesson": ("guide.yaml", "lessons", "number", {"": GUIDE_ITEM}),
    "guide": ("guide.yaml", None, "id", {"": GUIDE}),
}
