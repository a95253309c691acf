"""What the explorer's side panel shows about each case, read from the store with SPARQL.

The network itself comes from pcmh_kg.analysis.network (one reading of the graph for the analyses and the
page); this module adds the text a reader needs: summaries, organisations (with the ones that
carry an ended organisation's duties today, read and followed as the site's case pages do it, by
pcmh_kg.publish.site), the initiative's status, lesson reasons, sources, public contact and the
place hierarchy used by the place filter.
"""

from __future__ import annotations

from collections import defaultdict

from pcmh_kg.model import labels
from pcmh_kg.model.vocab import FLAGS, ORIGINS, PCMH, PLACE_TYPES, SCOPES, STATUSES
from pcmh_kg.publish import site
from pcmh_kg.query import sparql

PREFIXES = """\
PREFIX pcmh: <https://w3id.org/pcmh-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""

Q_CASES = PREFIXES + """SELECT ?case ?summary ?scope ?started ?lead WHERE {
  ?case a pcmh:CaseStudy ; dcterms:description ?summary ; pcmh:scope ?scope .
  OPTIONAL { ?case pcmh:startYear ?started }
  OPTIONAL { ?case pcmh:leadOrganisation ?lead } }"""
Q_ORGS = PREFIXES + """SELECT ?case ?org ?name ?home WHERE {
  ?case a pcmh:CaseStudy ; pcmh:organisation ?org . ?org schema:name ?name .
  OPTIONAL { ?org schema:url ?home } }"""
Q_EVIDENCE = PREFIXES + """SELECT ?case ?lesson ?reason ?origin ?source WHERE {
  ?case a pcmh:CaseStudy ; pcmh:hasLessonEvidence ?ev .
  ?ev pcmh:lesson ?lesson ; pcmh:reason ?reason .
  OPTIONAL { ?ev pcmh:origin ?origin } OPTIONAL { ?ev prov:wasDerivedFrom ?source } }"""
Q_SOURCES = PREFIXES + """SELECT ?case ?source ?title ?publisher WHERE {
  ?case a pcmh:CaseStudy ; prov:wasDerivedFrom ?source .
  OPTIONAL { ?source dcterms:title ?title } OPTIONAL { ?source schema:publisher ?publisher } }"""
Q_CONTACTS = PREFIXES + """SELECT ?case ?role ?url ?orgname WHERE {
  ?case a pcmh:CaseStudy ; dcat:contactPoint ?cp .
  OPTIONAL { ?cp vcard:role ?role } OPTIONAL { ?cp vcard:hasURL ?url }
  OPTIONAL { ?cp pcmh:organisation/schema:name ?orgname } }"""
Q_FLAGS = PREFIXES + """SELECT ?case ?flag WHERE { ?case a pcmh:CaseStudy ; pcmh:flag ?flag . }"""
Q_PLACES = PREFIXES + """SELECT ?place ?label ?parent ?type ?gss ?iso ?lat ?long WHERE {
  ?place a pcmh:Place ; rdfs:label ?label .
  OPTIONAL { ?place schema:containedInPlace ?parent }
  OPTIONAL { ?place a ?type . FILTER (?type != pcmh:Place) }
  OPTIONAL { ?place pcmh:gssCode ?gss } OPTIONAL { ?place pcmh:isoCountryCode ?iso }
  OPTIONAL { ?place geo:lat ?lat ; geo:long ?long } }"""
Q_TAGS = PREFIXES + """SELECT ?tag ?label ?definition ?broader WHERE { ?tag a skos:Concept ; skos:prefLabel ?label ;
  skos:inScheme ?scheme . ?scheme a skos:ConceptScheme .
  OPTIONAL { ?tag skos:definition ?definition } OPTIONAL { ?tag skos:broader ?broader } }"""
Q_SCOPES = PREFIXES + """SELECT ?scope ?label WHERE { ?scope a pcmh:Scope ; rdfs:label ?label . }"""

_SCOPE_KEYS = {PCMH + local: key for key, local in SCOPES.items()}
_ORIGIN_KEYS = {PCMH + local: key for key, local in ORIGINS.items()}
_FLAG_KEYS = {PCMH + local: key for key, local in FLAGS.items()}
_PLACE_TYPE_KEYS = {PCMH + local: key for key, local in PLACE_TYPES.items()}
_STATUS_KEYS = {PCMH + local: key for key, local in STATUSES.items()}


def _rows(store, query: str):
    return [[t.value if t is not None else None for t in row] for row in sparql.run_local(store, query).rows]


def read_details(store, short) -> dict:
    """Per-case details, keyed by the page's short ids (`short(iri)`), plus places and tags."""
    cases: dict[str, dict] = {}
    for case, summary, scope, started, lead in _rows(store, Q_CASES):
        cases[short(case)] = {"summary": summary, "scope": _SCOPE_KEYS.get(scope, scope), "started": started,
                              "lead": lead, "orgs": [], "evidence": [], "sources": [], "contact": None, "flags": [], "status": None}
    rows = site.select_rows(lambda q: sparql.run_local(store, q), "", ["changes", "statuses", "organisations"])
    changes, names = site.read_changes(rows["changes"]), {o: name for o, name, *_ in rows["organisations"]}
    orgs = defaultdict(dict)
    for case, org, name, home in _rows(store, Q_ORGS):
        orgs[short(case)][org] = {"name": name, "url": home, **_change(changes, names, org)}
    for case, status, as_of, source in rows["statuses"]:
        if short(case) in cases:
            cases[short(case)]["status"] = {"value": _STATUS_KEYS.get(status, "unknown"), "asOf": as_of, "source": source}
    for cid, by_iri in orgs.items():
        lead = cases[cid].pop("lead")
        ordered = sorted(by_iri.items(), key=lambda kv: (kv[0] != lead, kv[1]["name"]))
        cases[cid]["orgs"] = [v for _, v in ordered]
    for c in cases.values():
        c.pop("lead", None)
    for case, lesson, reason, origin, source in _rows(store, Q_EVIDENCE):
        cases[short(case)]["evidence"].append(
            {"lesson": short(lesson), "reason": reason, "origin": _ORIGIN_KEYS.get(origin, origin), "source": source})
    for case, source, title, publisher in _rows(store, Q_SOURCES):
        cases[short(case)]["sources"].append({"url": source, "title": title or source, "publisher": publisher})
    for case, role, url, orgname in _rows(store, Q_CONTACTS):
        cases[short(case)]["contact"] = {"role": role, "url": url, "organisation": orgname}
    for case, flag in _rows(store, Q_FLAGS):
        cases[short(case)]["flags"].append(_FLAG_KEYS.get(flag, flag))
    for c in cases.values():
        c["evidence"].sort(key=lambda e: int(e["lesson"].rsplit("/", 1)[-1]) if e["lesson"].rsplit("/", 1)[-1].isdigit() else 0)
        c["sources"].sort(key=lambda s: s["title"])
        c["flags"].sort()

    places: dict[str, dict] = {}
    for place, label, parent, ptype, gss, iso, lat, lon in _rows(store, Q_PLACES):
        p = places.setdefault(short(place), {"label": label, "parent": None, "type": None, "gss": gss, "iso": iso,
                                             "lat": float(lat) if lat else None, "long": float(lon) if lon else None})
        if parent:
            p["parent"] = short(parent)
        if ptype in _PLACE_TYPE_KEYS:
            p["type"] = _PLACE_TYPE_KEYS[ptype]
    tags = {}
    for tag, label, definition, broader in _rows(store, Q_TAGS):
        tags[short(tag)] = {"label": label, "definition": definition, "broader": short(broader) if broader else None}
    return {"cases": cases, "places": places, "tags": tags, "scopes": scope_names(store)}


def scope_names(store) -> dict[str, str]:
    """Each scope's name as the site's pages give it (London, National, International), in the
    ontology's order; from its label in the graph, or its key where the graph has no ontology."""
    found = {_SCOPE_KEYS[s]: label for s, label in _rows(store, Q_SCOPES) if s in _SCOPE_KEYS}
    return {key: labels.standalone(found.get(key, key)) for key in SCOPES}


def _change(changes: dict, names: dict, org: str) -> dict:
    """For an organisation that ended: when, and who carries its duties now (public page, since when)."""
    if org not in changes:
        return {}
    now = [{"name": names.get(o, o), "page": o, "since": since} for o, since in site.succession(changes, org)]
    return {"ended": changes[org]["date"], "now": now}


def ancestors(places: dict[str, dict], place: str) -> list[str]:
    """The place and every place containing it, innermost first (cycles cut)."""
    out, seen = [], set()
    while place and place in places and place not in seen:
        seen.add(place)
        out.append(place)
        place = places[place]["parent"]
    return out
