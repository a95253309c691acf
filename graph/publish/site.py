"""What the people's pages show, read once from the served graph.

The served graph does not change while the server runs, so the server reads the directory's
entities (cases, lessons, themes, tags, places, organisations, sources) with a handful of SPARQL
SELECTs when it starts, through whatever backend serves the data (the local store or another
endpoint), and every page is then a few dictionary lookups: a page view costs no query, even at
10,000 cases. The raw triples of an entity are still read per request (`backend.about`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pcmh_kg.analysis import network
from pcmh_kg.model.vocab import ID_LABELS, ID_SYSTEMS, PCMH, PREFIXES

_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

Q = {
    "guide": "SELECT ?g ?title ?issued ?about ?publisher ?reviewed ?directory WHERE { ?g a pcmh:Guide ; dcterms:title ?title . "
             "OPTIONAL { ?g dcterms:issued ?issued } OPTIONAL { ?g dcterms:description ?about } "
             "OPTIONAL { ?g dcterms:publisher ?publisher } OPTIONAL { ?g pcmh:casesReviewed ?reviewed } "
             "OPTIONAL { ?g pcmh:casesInDirectory ?directory } }",
    "themes": "SELECT ?t ?label ?order WHERE { ?t a pcmh:Theme ; pcmh:order ?order ; skos:prefLabel ?label }",
    "lessons": "SELECT ?l ?label ?order ?theme WHERE { ?l a pcmh:Lesson ; pcmh:order ?order ; skos:prefLabel ?label ; "
               "pcmh:theme ?theme }",
    "cases": "SELECT ?c ?title ?summary ?place ?scope ?start WHERE { ?c a pcmh:CaseStudy ; dcterms:title ?title . "
             "OPTIONAL { ?c dcterms:description ?summary } OPTIONAL { ?c dcterms:spatial ?place } "
             "OPTIONAL { ?c pcmh:scope ?scope } OPTIONAL { ?c pcmh:startYear ?start } }",
    "statuses": "SELECT ?c ?status ?as_of ?source WHERE { ?c a pcmh:CaseStudy ; pcmh:status ?status . "
                "OPTIONAL { ?c pcmh:statusStatement ?st . OPTIONAL { ?st dcterms:date ?as_of } "
                "OPTIONAL { ?st prov:wasDerivedFrom ?source } } }",
    "changes": "SELECT ?o ?date ?successor WHERE { ?o org:changedBy ?ch . OPTIONAL { ?ch dcterms:date ?date } "
               "OPTIONAL { ?ch org:resultingOrganization ?successor } }",
    "links": "SELECT ?c ?p ?o WHERE { VALUES ?p { pcmh:organisation pcmh:leadOrganisation dcterms:subject "
             "prov:wasDerivedFrom pcmh:flag } ?c a pcmh:CaseStudy ; ?p ?o }",
    "evidence": "SELECT ?c ?lesson ?reason ?origin ?source WHERE { ?c a pcmh:CaseStudy ; pcmh:hasLessonEvidence ?e . "
                "?e pcmh:lesson ?lesson . OPTIONAL { ?e pcmh:reason ?reason } OPTIONAL { ?e pcmh:origin ?origin } "
                "OPTIONAL { ?e prov:wasDerivedFrom ?source } }",
    "contacts": "SELECT ?c ?role ?url ?org WHERE { ?c a pcmh:CaseStudy ; dcat:contactPoint ?k . "
                "OPTIONAL { ?k vcard:role ?role } OPTIONAL { ?k vcard:hasURL ?url } OPTIONAL { ?k pcmh:organisation ?org } }",
    "tags": "SELECT ?t ?label ?definition ?broader WHERE { ?t skos:inScheme <{base}scheme/tags> ; skos:prefLabel ?label . "
            "OPTIONAL { ?t skos:definition ?definition } OPTIONAL { ?t skos:broader ?broader } }",
    "places": "SELECT ?p ?name ?parent ?gss ?iso ?same ?kind WHERE { ?p a pcmh:Place ; schema:name ?name . "
              "OPTIONAL { ?p schema:containedInPlace ?parent } OPTIONAL { ?p pcmh:gssCode ?gss } "
              "OPTIONAL { ?p pcmh:isoCountryCode ?iso } OPTIONAL { ?p schema:sameAs ?same } "
              "OPTIONAL { ?p a ?kind FILTER(?kind != pcmh:Place) } }",
    "organisations": "SELECT ?o ?name ?type ?url ?where WHERE { ?o a schema:Organization ; schema:name ?name . "
                     "OPTIONAL { ?o pcmh:organisationType ?type } OPTIONAL { ?o schema:url ?url } "
                     "OPTIONAL { ?o schema:location ?where } }",
    "sources": "SELECT ?s ?title ?publisher WHERE { ?s a schema:CreativeWork ; dcterms:title ?title . "
               "OPTIONAL { ?s schema:publisher ?publisher } }",
    "identifiers": "SELECT ?e ?system ?code ?url ?source ?match WHERE { ?e schema:identifier ?id . "
                   "?id schema:propertyID ?system ; schema:value ?code . OPTIONAL { ?id schema:url ?url } "
                   "OPTIONAL { ?id prov:wasDerivedFrom ?source } "
                   "OPTIONAL { ?e ?match ?url FILTER(?match IN (skos:exactMatch, skos:closeMatch)) } }",
    "terms": "SELECT ?x ?label WHERE { ?x rdfs:label ?label FILTER(STRSTARTS(STR(?x), STR(pcmh:))) }",
}


def select_rows(select, base: str, names=None) -> dict[str, list[list]]:
    """The rows of the named queries of Q (all of them by default), each term as its plain value."""
    return {name: [[None if t is None else t.value for t in row] for row in select(_PROLOGUE + Q[name].replace("{base}", base)).rows]
            for name in (names or Q)}


def read_changes(rows: list) -> dict[str, dict]:
    """organisation -> {"date", "successors"}: the organisations that ended, from Q["changes"]."""
    changes: dict[str, dict] = {}
    for o, date, successor in rows:
        change = changes.setdefault(o, {"date": date or "", "successors": []})
        if successor and successor not in change["successors"]:
            change["successors"].append(successor)
    return changes


def succession(changes: dict[str, dict], organisation: str) -> list[tuple[str, str]]:
    """The organisations that carry its duties today, each with the date it took them on, by
    following every recorded change (as the library's organisation-successors query does): itself
    (and no date) if it never changed, none if it was dissolved without a successor."""
    out, todo, seen = [], [(organisation, "")], set()
    while todo:
        x, since = todo.pop(0)
        if x in seen:
            continue
        seen.add(x)
        if x in changes:
            todo += [(s, changes[x]["date"]) for s in changes[x]["successors"]]
        elif x not in [o for o, _ in out]:
            out.append((x, since))
    return out


@dataclass
class Case:
    iri: str
    id: str
    title: str
    summary: str = ""
    place: str | None = None
    scope: str | None = None  # ontology IRI
    start: str = ""
    organisations: list[str] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)  # lesson, reason, origin, source
    contact: dict | None = None  # role, url, organisation
    status: dict | None = None  # status (ontology IRI), as_of, source: running / ended / unknown

    @property
    def lessons(self) -> list[str]:
        return [e["lesson"] for e in self.evidence]


@dataclass
class Node:
    """A lesson, theme, tag, place or organisation: a label, a few fields, and its cases."""

    iri: str
    id: str
    label: str
    fields: dict = field(default_factory=dict)
    cases: list[str] = field(default_factory=list)  # directly linked
    parents: list[str] = field(default_factory=list)  # theme of a lesson, broader tag, containing place
    children: list[str] = field(default_factory=list)


class Site:
    """The directory as the pages need it, keyed by IRI."""

    def __init__(self, base: str, select):
        """`select(text) -> sparql.Results`: a SELECT over the served graph."""
        self.base = base
        rows = select_rows(select, base)
        self.terms = {x: label for x, label in rows["terms"]}
        self.guide = _guide(rows["guide"])
        self.themes = self._nodes(rows["themes"], "theme", order=2)
        self.lessons = self._nodes(rows["lessons"], "lesson", order=2)
        for lesson, *_, theme in rows["lessons"]:
            _link(self.lessons[lesson], self.themes.get(theme))
        self.tags = self._nodes(rows["tags"], "tag", definition=2)
        for tag, *_, broader in rows["tags"]:
            _link(self.tags[tag], self.tags.get(broader))
        self.places = self._nodes(rows["places"], "place", gss=3, iso=4, same=5, types=6)
        for place, _, parent, *_ in rows["places"]:
            _link(self.places[place], self.places.get(parent))
        self.organisations = self._nodes(rows["organisations"], "organisation", type=2, url=3, where=4)
        self.changes = read_changes(rows["changes"])
        self.sources = {s: {"title": t, "publisher": p or ""} for s, t, p in rows["sources"]}
        systems = {system: ID_LABELS[scheme] for scheme, (system, _) in ID_SYSTEMS.items()}
        self.identifiers: dict[str, list[dict]] = {}  # entity -> its external identifiers, each with its source
        for e, system, code, url, source, match in sorted(rows["identifiers"], key=lambda r: (r[0], r[1])):
            self.identifiers.setdefault(e, []).append({
                "system": systems.get(system, system), "code": code, "url": url, "source": source,
                "match": {PREFIXES["skos"] + "exactMatch": "exact match", PREFIXES["skos"] + "closeMatch": "close match"}.get(match)})
        self.cases = self._cases(rows)
        self._inside: dict[str, list[str]] = {}
        self.evidence = network.Evidence(
            cases={c.iri: c.title for c in self.cases.values()},
            case_lessons={c.iri: set(c.lessons) for c in self.cases.values()},
            case_tags={c.iri: set(c.tags) for c in self.cases.values()})

    # ------------------------------------------------------------------ reading
    def _nodes(self, rows: list, folder: str, **columns: int) -> dict[str, Node]:
        """One Node per IRI (column 0) with its label (column 1); each named column's values are
        gathered in first-seen order (OPTIONALs repeat rows)."""
        out: dict[str, Node] = {}
        prefix = f"{self.base}{folder}/"
        for row in rows:
            node = out.get(row[0])
            if node is None:
                ident = row[0][len(prefix):] if row[0].startswith(prefix) else row[0]
                node = out[row[0]] = Node(row[0], ident, row[1], {k: [] for k in columns})
            for name, i in columns.items():
                if row[i] is not None and row[i] not in node.fields[name]:
                    node.fields[name].append(row[i])
        if "order" in columns:
            out = dict(sorted(out.items(), key=lambda kv: int(kv[1].fields["order"][0])))
        return out

    def _cases(self, rows: dict) -> dict[str, Case]:
        cases: dict[str, Case] = {}
        prefix = f"{self.base}case/"
        for c, title, summary, place, scope, start in rows["cases"]:
            if c not in cases:
                cases[c] = Case(c, c[len(prefix):] if c.startswith(prefix) else c, title, summary or "",
                                place, scope, start or "")
        attr = {PCMH + "organisation": "organisations", PCMH + "leadOrganisation": "lead",
                PREFIXES["dcterms"] + "subject": "tags", PREFIXES["prov"] + "wasDerivedFrom": "sources",
                PCMH + "flag": "flags"}
        for c, p, o in rows["links"]:
            values = getattr(cases[c], attr[p])
            if o not in values:
                values.append(o)
        for c, lesson, reason, origin, source in rows["evidence"]:  # one row per source of a link
            if lesson not in cases[c].lessons:
                cases[c].evidence.append({"lesson": lesson, "reason": reason or "", "origin": origin, "source": source})
        for c, role, url, org in rows["contacts"]:
            cases[c].contact = {"role": role or "", "url": url, "organisation": org}
        for c, status, as_of, source in rows["statuses"]:
            cases[c].status = {"status": status, "as_of": as_of or "", "source": source}
        order = {lesson: n for n, lesson in enumerate(self.lessons)}
        for case in sorted(cases.values(), key=lambda c: (c.title.casefold(), c.iri)):
            case.evidence.sort(key=lambda e: order.get(e["lesson"], len(order)))
            for iri in case.lessons:
                _add_case(self.lessons.get(iri), case.iri)
            for iri in case.tags:
                _add_case(self.tags.get(iri), case.iri)
            for iri in case.organisations:
                _add_case(self.organisations.get(iri), case.iri)
            _add_case(self.places.get(case.place), case.iri)
        return dict(sorted(cases.items(), key=lambda kv: (kv[1].title.casefold(), kv[0])))

    # ------------------------------------------------------------------ questions
    def label(self, iri: str | None) -> str:
        """The name a page shows for an IRI ('Lesson 4: ...' for a lesson); the IRI if unknown."""
        if iri in self.lessons:
            return self.lesson_name(iri)
        for table in (self.cases, self.lessons, self.themes, self.tags, self.places, self.organisations):
            if iri in table:
                node = table[iri]
                return node.title if isinstance(node, Case) else node.label
        if iri in self.sources:
            return self.sources[iri]["title"]
        return self.terms.get(iri, iri or "")

    def today(self, organisation: str) -> list[str]:
        """The organisations that carry its duties today (see `succession`)."""
        return [o for o, _ in succession(self.changes, organisation)]

    def lesson_name(self, iri: str) -> str:
        node = self.lessons[iri]
        return f"Lesson {node.fields['order'][0]}: {node.label}"

    def below(self, table: dict[str, Node], iri: str) -> list[str]:
        """The node and every node under it (narrower tags, places inside), each once."""
        out, todo, seen = [], [iri], set()
        while todo:
            x = todo.pop(0)
            if x in seen or x not in table:
                continue
            seen.add(x)
            out.append(x)
            todo += table[x].children
        return out

    def above(self, table: dict[str, Node], iri: str) -> list[str]:
        """The chain of containing places (or broader tags) from the nearest up, each once."""
        out, x = [], iri
        while x in table and table[x].parents and table[x].parents[0] not in out and len(out) < 50:
            x = table[x].parents[0]
            out.append(x)
        return out

    def cases_under(self, table: dict[str, Node], iri: str) -> list[str]:
        """Cases linked to the node or to any node under it, in title order, as the library's
        cases-in-place and cases-with-tag queries count them (property paths *)."""
        key = f"{id(table)}:{iri}"
        if key not in self._inside:
            members = set()
            for x in self.below(table, iri):
                members.update(table[x].cases)
            self._inside[key] = [c for c in self.cases if c in members]
        return self._inside[key]

    def similar(self, case: str, k: int = 5) -> list[dict]:
        """Shared lessons count twice, shared tags once: the analysis (and the explorer) score."""
        return network.similar_cases(self.evidence, case, k=k)

    def coevidence(self, lesson: str) -> list[tuple[str, int]]:
        """Other lessons by the number of cases that evidence both, most first (ties by order)."""
        counts = Counter(other for c in self.lessons[lesson].cases for other in self.cases[c].lessons
                         if other != lesson)
        order = list(self.lessons)
        return sorted(counts.items(), key=lambda kv: (-kv[1], order.index(kv[0])))


def _link(child: Node, parent: Node | None) -> None:
    if parent is not None:
        if parent.iri not in child.parents:
            child.parents.append(parent.iri)
        if child.iri not in parent.children:
            parent.children.append(child.iri)


def _add_case(node: Node | None, case: str) -> None:
    if node is not None and (not node.cases or node.cases[-1] != case):
        node.cases.append(case)


def _guide(rows: list) -> dict | None:
    if not rows:
        return None
    g, title, issued, about, publisher, reviewed, directory = rows[0]
    return {"iri": g, "title": title, "issued": issued or "", "about": about or "", "publisher": publisher,
            "reviewed": reviewed, "directory": directory}
