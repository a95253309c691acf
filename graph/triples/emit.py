"""Turning validated records into triples.

Every chunk of the graph (one case, the framework, the sources, the query catalogue) is made here
as a list of (subject, predicate, object) tuples, each subject's triples together, in a fixed
order, so the same input always gives the same bytes. graph/sinks/formats.py and graph/sinks/jsonld.py write
them as N-Triples, Turtle, RDF/XML and JSON-LD in one pass each; a case's triples can be made and
written in a worker process.
"""

from __future__ import annotations

from pcmh_kg.model.vocab import (
    DCAT,
    DCTERMS,
    FLAGS,
    FOAF,
    GEO,
    GSP,
    ID_LABELS,
    ID_SYSTEMS,
    ONS_GEOGRAPHY,
    ORG,
    ORGANISATION_TYPES,
    ORIGINS,
    PCMH,
    PLACE_TYPES,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SCOPES,
    SKOS,
    STATUSES,
    VCARD,
    XSD,
    Minter,
)
from pcmh_kg.triples.terms import Lines, decimal, decimal_lexical, integer, iri, partial_date, text, typed


def case_triples(case: dict, m: Minter, profile: str = "public") -> list[tuple]:
    """All triples about one case and the nodes it owns (contact, lesson links)."""
    t = Lines()
    add = t.add
    c = m.case(case["id"])
    add(c, RDF + "type", iri(PCMH + "CaseStudy"))
    add(c, DCTERMS + "identifier", text(case["id"], None))
    add(c, DCTERMS + "title", text(case["title"]))
    add(c, RDFS + "label", text(case["title"]))
    add(c, DCTERMS + "description", text(case["summary"]))
    add(c, DCTERMS + "spatial", iri(m.place(case["place"])))
    add(c, PCMH + "scope", iri(PCMH + SCOPES[case["scope"]]))
    for i, org in enumerate(case["organisations"]):
        if i == 0:
            add(c, PCMH + "leadOrganisation", iri(m.organisation(org)))
        add(c, PCMH + "organisation", iri(m.organisation(org)))
    if case.get("started") is not None:
        add(c, PCMH + "startYear", integer(case["started"]))
    status = case.get("status")
    add(c, PCMH + "status", iri(PCMH + STATUSES[status["value"] if status else "unknown"]))
    if status:
        add(c, PCMH + "statusStatement", iri(f"{c}/status"))
    for tag in case["tags"]:
        add(c, DCTERMS + "subject", iri(m.tag(tag)))
    for link in case["lessons"]:
        add(c, PCMH + "evidencesLesson", iri(m.lesson(link["lesson"])))
        add(c, PCMH + "hasLessonEvidence", iri(f"{c}/lesson/{link['lesson']}"))
    for source in case["sources"]:
        add(c, PROV + "wasDerivedFrom", iri(source["url"]))
    add(c, PROV + "wasAttributedTo", iri(m.curators))
    add(c, DCAT + "contactPoint", iri(f"{c}/contact"))
    for flag in case.get("flags") or ():
        add(c, PCMH + "flag", iri(PCMH + FLAGS[flag]))
    if profile == "full" and case.get("notes"):
        add(c, SKOS + "editorialNote", text(case["notes"]))
    _lesson_evidence(add, c, case, m)
    if status:
        _status_statement(add, c, case["title"], status)
    _contact_point(add, c, case, m, profile)
    return t.triples


def _lesson_evidence(add, c: str, case: dict, m: Minter) -> None:
    """A node per lesson link: the reason, where it comes from (guide or curated) and its source."""
    for link in case["lessons"]:
        node = f"{c}/lesson/{link['lesson']}"
        add(node, RDF + "type", iri(PCMH + "LessonEvidence"))
        add(node, RDFS + "label", text(f"{case['title']}: evidence for lesson {link['lesson']}"))
        add(node, PCMH + "lesson", iri(m.lesson(link["lesson"])))
        add(node, PCMH + "reason", text(link["reason"]))
        add(node, PCMH + "origin", iri(PCMH + ORIGINS[link["origin"]]))
        derived = [link["source"]] if link.get("source") else [s["url"] for s in case["sources"]]
        for url in derived:
            add(node, PROV + "wasDerivedFrom", iri(url))


def _status_statement(add, c: str, title: str, status: dict) -> None:
    """Running / ended as of a date, with the page that says so."""
    node = f"{c}/status"
    add(node, RDF + "type", iri(PCMH + "StatusStatement"))
    add(node, RDFS + "label", text(f"{title}: {status['value']} as of {status['as_of']}"))
    add(node, PCMH + "status", iri(PCMH + STATUSES[status["value"]]))
    add(node, DCTERMS + "date", partial_date(status["as_of"]))
    add(node, PROV + "wasDerivedFrom", iri(status["source"]))


def _contact_point(add, c: str, case: dict, m: Minter, profile: str) -> None:
    """A role at an organisation and its public page; a person's name, email or phone only in the
    full profile, never in a public export."""
    contact = case["contact"]
    node = f"{c}/contact"
    add(node, RDF + "type", iri(VCARD + "Organization"))
    add(node, RDFS + "label", text(f"{contact['role']} ({case['title']})"))
    add(node, VCARD + "role", text(contact["role"], None))  # vCard gives vcard:role a plain string range
    add(node, PCMH + "organisation", iri(m.organisation(contact["organisation"])))
    add(node, VCARD + "hasURL", iri(contact["url"]))
    if profile == "full":
        if contact.get("name"):
            add(node, VCARD + "fn", text(contact["name"], None))
        if contact.get("email"):
            add(node, VCARD + "hasEmail", iri("mailto:" + contact["email"]))
        if contact.get("phone"):
            add(node, VCARD + "hasTelephone", iri("tel:" + "".join(contact["phone"].split())))


def identifier_links(add, entity: str, idents) -> None:
    """An entity's external identifiers: its direct link to each identifier's IRI (schema:sameAs,
    or skos:exactMatch / skos:closeMatch on tags) and schema:identifier to each identifier node."""
    for ident in idents:
        if not ident:
            continue
        namespace = ID_SYSTEMS[ident["scheme"]][1]
        if namespace:
            target = iri(namespace + ident["code"])
            if ident.get("match"):
                add(entity, SKOS + ("exactMatch" if ident["match"] == "exact" else "closeMatch"), target)
            else:
                add(entity, SCHEMA + "sameAs", target)
        add(entity, SCHEMA + "identifier", iri(f"{entity}/identifier/{ident['scheme']}"))


def identifier_nodes(add, entity: str, idents) -> None:
    """Each identifier as a schema:PropertyValue node <entity>/identifier/<scheme> that keeps the
    page it was read from (prov:wasDerivedFrom). A direct link's source is the source of the
    identifier node whose schema:url is the link's target: no reification needed."""
    for ident in idents:
        if not ident:
            continue
        system, namespace = ID_SYSTEMS[ident["scheme"]]
        node = f"{entity}/identifier/{ident['scheme']}"
        add(node, RDF + "type", iri(SCHEMA + "PropertyValue"))
        add(node, RDF + "type", iri(PCMH + "ExternalIdentifier"))
        add(node, RDFS + "label", text(f"{ID_LABELS[ident['scheme']]} {ident['code']}", None))
        add(node, SCHEMA + "propertyID", text(system, None))
        add(node, SCHEMA + "value", text(ident["code"], None))
        if namespace:
            add(node, SCHEMA + "url", iri(namespace + ident["code"]))
        add(node, PROV + "wasDerivedFrom", iri(ident["source"]))


def framework_triples(data, m: Minter) -> list[tuple]:
    """The guide, its topics, themes and lessons, the tag scheme, places and organisations."""
    t = Lines()
    for part in (_guide_triples, _tag_triples, _place_triples, _organisation_triples, _agent_triples):
        part(t.add, data, m)
    return t.triples


def _guide_triples(add, data, m: Minter) -> None:
    """The guide as a report, and its topics, themes and lessons as SKOS concepts in its schemes."""
    gi = m.guide(data.guide["id"])
    _guide_report(add, data.guide, gi, m)
    _concept_schemes(add, data, gi, m)
    _guide_concepts(add, data, gi, m)


def _guide_report(add, g: dict, gi: str, m: Minter) -> None:
    add(gi, RDF + "type", iri(PCMH + "Guide"))
    add(gi, RDF + "type", iri(SCHEMA + "Report"))  # superclasses stated too, for stores without inference
    add(gi, RDF + "type", iri(PROV + "Entity"))
    add(gi, DCTERMS + "title", text(g["title"]))
    add(gi, RDFS + "label", text(g["title"]))
    if g.get("subtitle"):
        add(gi, DCTERMS + "alternative", text(g["subtitle"]))
    add(gi, DCTERMS + "publisher", iri(m.organisation(g["publisher"])))
    add(gi, DCTERMS + "issued", typed(g["issued"], XSD + "gYearMonth"))
    add(gi, DCTERMS + "description", text(g["summary"]))
    add(gi, PCMH + "casesReviewed", integer(g["cases_reviewed"]))
    add(gi, PCMH + "casesInDirectory", integer(g["cases_in_directory"]))
    for s in g["sources"]:
        add(gi, RDFS + "seeAlso", iri(s["url"]))


def _concept_schemes(add, data, gi: str, m: Minter) -> None:
    """Three schemes: the guide's topics, its themes and lessons, and our tags."""
    for name, title, top in (
        ("topics", "Primary-care topics of the guide", [m.topic(x["id"]) for x in data.topics]),
        ("lessons", "Themes and lessons for commissioners of the guide", [m.theme(x["id"]) for x in data.themes]),
        ("tags", data.scheme["title"], [m.tag(x["id"]) for x in data.tags if not x["broader"]]),
    ):
        sc = m.scheme(name)
        add(sc, RDF + "type", iri(SKOS + "ConceptScheme"))
        add(sc, DCTERMS + "title", text(title))
        add(sc, RDFS + "label", text(title))
        if name == "tags" and data.scheme.get("definition"):
            add(sc, SKOS + "definition", text(data.scheme["definition"]))
        if name != "tags":
            add(sc, DCTERMS + "source", iri(gi))
        for concept in top:
            add(sc, SKOS + "hasTopConcept", iri(concept))


def _guide_concepts(add, data, gi: str, m: Minter) -> None:
    def guide_concept(node: str, cls: str, item: dict, scheme: str, label: str, top: bool) -> None:
        """A numbered concept of the guide: a topic, a theme or a lesson."""
        add(node, RDF + "type", iri(PCMH + cls))
        add(node, RDF + "type", iri(SKOS + "Concept"))
        add(node, SKOS + "prefLabel", text(item["title"]))
        add(node, RDFS + "label", text(label))
        add(node, SKOS + "notation", text(str(item["number"]), None))
        add(node, PCMH + "order", integer(item["number"]))
        add(node, SKOS + "inScheme", iri(m.scheme(scheme)))
        if top:
            add(node, SKOS + "topConceptOf", iri(m.scheme(scheme)))
        add(node, DCTERMS + "isPartOf", iri(gi))

    for topic in data.topics:
        guide_concept(m.topic(topic["id"]), "Topic", topic, "topics", topic["title"], top=True)

    for theme in data.themes:
        th = m.theme(theme["id"])
        guide_concept(th, "Theme", theme, "lessons", theme["title"], top=True)
        for lesson in data.lessons:
            if lesson["theme"] == theme["id"]:
                add(th, SKOS + "narrower", iri(m.lesson(lesson["number"])))

    for lesson in data.lessons:
        li = m.lesson(lesson["number"])
        guide_concept(li, "Lesson", lesson, "lessons", f"Lesson {lesson['number']}: {lesson['title']}", top=False)
        add(li, PCMH + "theme", iri(m.theme(lesson["theme"])))
        add(li, SKOS + "broader", iri(m.theme(lesson["theme"])))


def _tag_triples(add, data, m: Minter) -> None:
    """The tag scheme: each tag a SKOS concept with its broader and narrower tags."""
    narrower: dict[str, list[str]] = {}
    for tag in data.tags:
        if tag["broader"]:
            narrower.setdefault(tag["broader"], []).append(tag["id"])
    for tag in data.tags:
        ti = m.tag(tag["id"])
        add(ti, RDF + "type", iri(SKOS + "Concept"))
        add(ti, SKOS + "prefLabel", text(tag["label"]))
        add(ti, RDFS + "label", text(tag["label"]))
        add(ti, SKOS + "definition", text(tag["definition"]))
        add(ti, SKOS + "notation", text(tag["id"], None))
        add(ti, SKOS + "inScheme", iri(m.scheme("tags")))
        if tag["broader"]:
            add(ti, SKOS + "broader", iri(m.tag(tag["broader"])))
        else:
            add(ti, SKOS + "topConceptOf", iri(m.scheme("tags")))
        for child in narrower.get(tag["id"], ()):
            add(ti, SKOS + "narrower", iri(m.tag(child)))
        idents = (tag.get("mesh"), tag.get("wikidata"))
        identifier_links(add, ti, idents)
        identifier_nodes(add, ti, idents)


def _place_triples(add, data, m: Minter) -> None:
    """Places with their codes, containing place, point geometry and external identifiers."""
    for place in data.places:
        pi = m.place(place["id"])
        add(pi, RDF + "type", iri(PCMH + "Place"))
        add(pi, RDF + "type", iri(PCMH + PLACE_TYPES[place["type"]]))
        add(pi, RDF + "type", iri(SCHEMA + "Place"))
        add(pi, RDF + "type", iri(DCTERMS + "Location"))
        if place["type"] == "country":
            add(pi, RDF + "type", iri(SCHEMA + "Country"))
        add(pi, SCHEMA + "name", text(place["name"], None))
        add(pi, RDFS + "label", text(place["name"], None))
        if place["parent"]:
            add(pi, SCHEMA + "containedInPlace", iri(m.place(place["parent"])))
        if place["gss"]:
            add(pi, PCMH + "gssCode", text(place["gss"], None))
            add(pi, SCHEMA + "sameAs", iri(ONS_GEOGRAPHY + place["gss"]))
        if place["iso"]:
            add(pi, PCMH + "isoCountryCode", text(place["iso"], None))
        add(pi, GEO + "lat", decimal(place["lat"]))
        add(pi, GEO + "long", decimal(place["long"]))
        add(pi, GSP + "hasGeometry", iri(pi + "/geometry"))
        for url in place["source_urls"]:
            add(pi, RDFS + "seeAlso", iri(url))
        identifier_links(add, pi, (place.get("wikidata"),))
        identifier_nodes(add, pi, (place.get("wikidata"),))
        geom = pi + "/geometry"
        add(geom, RDF + "type", iri(GSP + "Geometry"))
        wkt = f"POINT({decimal_lexical(place['long'])} {decimal_lexical(place['lat'])})"
        add(geom, GSP + "asWKT", typed(wkt, GSP + "wktLiteral"))


def _organisation_triples(add, data, m: Minter) -> None:
    """Organisations, their external identifiers and the ORG change events that ended some."""
    names = {org["id"]: org["name"] for org in data.organisations}
    predecessors: dict[str, list[str]] = {}
    for org in data.organisations:
        for succ in org.get("succeeded_by") or ():
            predecessors.setdefault(succ["organisation"], []).append(org["id"])
    for org in data.organisations:
        oi = m.organisation(org["id"])
        add(oi, RDF + "type", iri(SCHEMA + "Organization"))
        add(oi, RDF + "type", iri(ORG + "Organization"))
        add(oi, SCHEMA + "name", text(org["name"], None))
        add(oi, RDFS + "label", text(org["name"], None))
        add(oi, PCMH + "organisationType", iri(PCMH + ORGANISATION_TYPES[org["type"]]))
        if org["homepage"]:
            add(oi, SCHEMA + "url", iri(org["homepage"]))
        if org["place"]:
            add(oi, SCHEMA + "location", iri(m.place(org["place"])))
        idents = tuple(org.get(scheme) for scheme in ("ods", "ror", "wikidata"))
        identifier_links(add, oi, idents)
        identifier_nodes(add, oi, idents)
        if org.get("succeeded_by") or org.get("dissolved"):
            add(oi, ORG + "changedBy", iri(oi + "/change"))
        for pred in predecessors.get(org["id"], ()):
            add(oi, ORG + "resultedFrom", iri(m.organisation(pred) + "/change"))
    for org in data.organisations:
        # one org:ChangeEvent per organisation that ended: it merged into, was replaced by or split
        # between its successors on one date, or was dissolved with none
        succs, dissolved = org.get("succeeded_by") or [], org.get("dissolved")
        if not succs and not dissolved:
            continue
        oi = m.organisation(org["id"])
        ev = oi + "/change"
        date = succs[0]["date"] if succs else dissolved["date"]
        add(ev, RDF + "type", iri(ORG + "ChangeEvent"))
        add(ev, RDF + "type", iri(PROV + "Activity"))
        if succs:
            label = f"{org['name']} succeeded by " + " and ".join(names[s["organisation"]] for s in succs)
        else:
            label = f"{org['name']} dissolved"
        add(ev, RDFS + "label", text(label + (f" ({date})" if date else ""), None))
        add(ev, ORG + "originalOrganization", iri(oi))
        for succ in succs:
            add(ev, ORG + "resultingOrganization", iri(m.organisation(succ["organisation"])))
        if date:
            add(ev, DCTERMS + "date", partial_date(date))
        sources: list[str] = []
        for item in succs or [dissolved]:
            sources.extend(u for u in item["sources"] if u not in sources)
        for url in sources:  # not prov:wasDerivedFrom, whose domain prov:Entity is disjoint with prov:Activity
            add(ev, DCTERMS + "source", iri(url))


def _agent_triples(add, data, m: Minter) -> None:
    """The project's own agents: the curators and the developers."""
    cur = m.curators
    add(cur, RDF + "type", iri(PROV + "Agent"))
    add(cur, RDFS + "label", text("pcmh-kg curators"))
    dev = m.developers
    add(dev, RDF + "type", iri(PROV + "Agent"))
    add(dev, RDF + "type", iri(FOAF + "Organization"))
    add(dev, RDFS + "label", text("pcmh-kg developers"))


def source_triples(sources) -> list[tuple]:
    """One node per distinct web source cited anywhere, with its title and publisher, in the
    order given (the order in which the data first cites them)."""
    t = Lines()
    for s in sources:
        url = s["url"]
        add = t.add
        add(url, RDF + "type", iri(SCHEMA + "CreativeWork"))
        if s.get("title"):
            add(url, DCTERMS + "title", text(s["title"]))
            add(url, RDFS + "label", text(s["title"]))
        if s.get("publisher"):
            add(url, SCHEMA + "publisher", text(s["publisher"], None))
    return t.triples
