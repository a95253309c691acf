"""Network analyses of the evidence: which cases back which lessons, and which back several.

The graph is read from the store with SPARQL (the same store `pcmh-kg query` uses), then held in
networkx: a bipartite case-lesson graph for the questions about evidence, and the wider graph of
cases, lessons, themes, tags and places for the explorer and for betweenness. Similarity is
defined once here: two cases are similar by the lessons they both evidence (weighted double, as
the guide's lessons are what commissioners compare) plus the tags they share.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx
from networkx.algorithms import bipartite

from pcmh_kg.query import sparql

LESSON_WEIGHT, TAG_WEIGHT = 2, 1
EXACT_BETWEENNESS_MAX = 1500  # nodes; above this betweenness is estimated from sampled sources
BETWEENNESS_SAMPLES = 200

PREFIXES = """\
PREFIX pcmh: <https://w3id.org/pcmh-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

Q_THEMES = PREFIXES + """SELECT ?theme ?order ?label WHERE {
  ?theme a pcmh:Theme ; pcmh:order ?order ; skos:prefLabel ?label . }"""
Q_LESSONS = PREFIXES + """SELECT ?lesson ?order ?label ?theme WHERE {
  ?lesson a pcmh:Lesson ; pcmh:order ?order ; skos:prefLabel ?label ; pcmh:theme ?theme . }"""
Q_CASES = PREFIXES + """SELECT ?case ?title WHERE { ?case a pcmh:CaseStudy ; dcterms:title ?title . }"""
Q_EVIDENCE = PREFIXES + """SELECT ?case ?lesson WHERE { ?case a pcmh:CaseStudy ; pcmh:evidencesLesson ?lesson . }"""
Q_TAGS = PREFIXES + """SELECT ?case ?tag ?label WHERE {
  ?case a pcmh:CaseStudy ; dcterms:subject ?tag . ?tag skos:prefLabel ?label . }"""
Q_PLACES = PREFIXES + """SELECT ?case ?place ?label WHERE {
  ?case a pcmh:CaseStudy ; dcterms:spatial ?place . ?place rdfs:label ?label . }"""

# The explorer's relations: edge type -> what the edge says, read from its source to its target.
RELATIONS = {
    "evidences": "evidences lesson",
    "in-theme": "is a lesson of theme",
    "tagged": "is tagged",
    "located": "is located in",
}


@dataclass
class Evidence:
    """The part of the graph the analyses and the explorer need, keyed by IRI."""

    themes: dict[str, tuple[int, str]] = field(default_factory=dict)        # iri -> (order, label)
    lessons: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # iri -> (order, label, theme)
    cases: dict[str, str] = field(default_factory=dict)                     # iri -> title
    case_lessons: dict[str, set[str]] = field(default_factory=dict)
    case_tags: dict[str, set[str]] = field(default_factory=dict)
    case_places: dict[str, set[str]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)                      # iri -> label
    places: dict[str, str] = field(default_factory=dict)                    # iri -> label

    def lesson_count(self, case: str) -> int:
        return len(self.case_lessons.get(case, ()))

    def theme_count(self, case: str) -> int:
        return len({self.lessons[lesson][2] for lesson in self.case_lessons.get(case, ()) if lesson in self.lessons})


def _rows(store, query: str):
    return [[t.value if t is not None else None for t in row] for row in sparql.run_local(store, query).rows]


def read_evidence(store) -> Evidence:
    ev = Evidence()
    for theme, order, label in _rows(store, Q_THEMES):
        ev.themes[theme] = (int(order), label)
    for lesson, order, label, theme in _rows(store, Q_LESSONS):
        ev.lessons[lesson] = (int(order), label, theme)
    for case, title in _rows(store, Q_CASES):
        ev.cases[case] = title
        ev.case_lessons[case], ev.case_tags[case], ev.case_places[case] = set(), set(), set()
    for case, lesson in _rows(store, Q_EVIDENCE):
        ev.case_lessons[case].add(lesson)
    for case, tag, label in _rows(store, Q_TAGS):
        ev.case_tags[case].add(tag)
        ev.tags[tag] = label
    for case, place, label in _rows(store, Q_PLACES):
        ev.case_places[case].add(place)
        ev.places[place] = label
    return ev


# ------------------------------------------------------------------------------------ graphs

def case_lesson_graph(ev: Evidence) -> nx.Graph:
    """The bipartite graph: cases (bipartite=0) and lessons (bipartite=1), an edge per evidence."""
    g = nx.Graph()
    g.add_nodes_from(ev.cases, bipartite=0, kind="case")
    g.add_nodes_from(ev.lessons, bipartite=1, kind="lesson")
    g.add_edges_from((c, lesson) for c, ls in ev.case_lessons.items() for lesson in ls)
    return g


def explorer_graph(ev: Evidence) -> nx.DiGraph:
    """Themes, lessons, cases, tags and places with typed edges: what the explorer draws."""
    g = nx.DiGraph()
    for iri, (order, label) in ev.themes.items():
        g.add_node(iri, kind="theme", label=label, order=order)
    for iri, (order, label, theme) in ev.lessons.items():
        g.add_node(iri, kind="lesson", label=label, order=order)
        g.add_edge(iri, theme, rel="in-theme")
    for iri, label in ev.tags.items():
        g.add_node(iri, kind="tag", label=label)
    for iri, label in ev.places.items():
        g.add_node(iri, kind="place", label=label)
    for iri, title in ev.cases.items():
        g.add_node(iri, kind="case", label=title, lessons=ev.lesson_count(iri))
        g.add_edges_from(((iri, x) for x in ev.case_lessons[iri]), rel="evidences")
        g.add_edges_from(((iri, x) for x in ev.case_tags[iri]), rel="tagged")
        g.add_edges_from(((iri, x) for x in ev.case_places[iri]), rel="located")
    return g


# --------------------------------------------------------------------------------- analyses

def lesson_coevidence(ev: Evidence) -> list[dict]:
    """Pairs of lessons weighted by the cases that evidence both, heaviest first."""
    g = case_lesson_graph(ev)
    proj = bipartite.weighted_projected_graph(g, list(ev.lessons))
    rows = []
    for a, b, w in proj.edges(data="weight"):
        a, b = sorted((a, b), key=lambda x: ev.lessons[x][0])
        rows.append({"lesson_a": ev.lessons[a][0], "lesson_b": ev.lessons[b][0], "shared_cases": w,
                     "title_a": ev.lessons[a][1], "title_b": ev.lessons[b][1]})
    return sorted(rows, key=lambda r: (-r["shared_cases"], r["lesson_a"], r["lesson_b"]))


def theme_bridging_cases(ev: Evidence) -> list[dict]:
    """Cases whose lessons fall under two or more themes, widest first."""
    rows = [{"case": c, "title": t, "themes": ev.theme_count(c), "lessons": ev.lesson_count(c)}
            for c, t in ev.cases.items() if ev.theme_count(c) >= 2]
    return sorted(rows, key=lambda r: (-r["themes"], -r["lessons"], r["title"]))


def case_betweenness(ev: Evidence, top: int | None = None, seed: int = 2014) -> list[dict]:
    """Betweenness of cases in the undirected explorer graph: cases on many shortest paths link
    otherwise distant lessons, tags and places. Estimated from sampled sources on large graphs."""
    g = explorer_graph(ev).to_undirected(as_view=True)
    k = BETWEENNESS_SAMPLES if g.number_of_nodes() > EXACT_BETWEENNESS_MAX else None
    bc = nx.betweenness_centrality(g, k=k, seed=seed, normalized=True)
    rows = [{"case": c, "title": t, "betweenness": round(bc.get(c, 0.0), 6), "lessons": ev.lesson_count(c)}
            for c, t in ev.cases.items()]
    rows.sort(key=lambda r: (-r["betweenness"], r["title"]))
    return rows[:top] if top else rows


def similarity(ev: Evidence, a: str, b: str) -> tuple[int, int, int]:
    """(score, shared lessons, shared tags) of two cases."""
    sl = len(ev.case_lessons[a] & ev.case_lessons[b])
    st = len(ev.case_tags[a] & ev.case_tags[b])
    return LESSON_WEIGHT * sl + TAG_WEIGHT * st, sl, st


def similar_cases(ev: Evidence, case: str, k: int = 5) -> list[dict]:
    """The k cases most like `case` by shared lessons and tags (ties by title)."""
    if case not in ev.cases:
        raise KeyError(case)
    rows = []
    for other, title in ev.cases.items():
        if other == case:
            continue
        score, sl, st = similarity(ev, case, other)
        if score:
            rows.append({"case": other, "title": title, "score": score, "shared_lessons": sl, "shared_tags": st})
    rows.sort(key=lambda r: (-r["score"], r["title"], r["case"]))
    return rows[:k]


def summary(ev: Evidence) -> dict:
    g = case_lesson_graph(ev)
    per_case = Counter(ev.lesson_count(c) for c in ev.cases)
    cases_per_lesson = {ev.lessons[lesson][0]: g.degree(lesson) for lesson in ev.lessons}
    return {
        "cases": len(ev.cases), "lessons": len(ev.lessons), "themes": len(ev.themes),
        "evidence_links": g.number_of_edges(),
        "multi_lesson_cases": sum(n for k, n in per_case.items() if k >= 2),
        "cases_by_lesson_count": {str(k): per_case[k] for k in sorted(per_case)},
        "cases_per_lesson": dict(sorted(cases_per_lesson.items())),
        "density": round(bipartite.density(g, list(ev.cases)), 4) if ev.cases and ev.lessons else 0.0,
        "connected_components": nx.number_connected_components(g) if len(g) else 0,
    }


def analyse(ev: Evidence, top: int = 10, case: str | None = None) -> dict:
    """Every analysis at once, as plain data for the command line (tables or JSON)."""
    central = case_betweenness(ev)
    targets = [case] if case else [r["case"] for r in central[:top]]
    similar = [{"case": c, "title": ev.cases[c], "similar": similar_cases(ev, c, k=3)} for c in targets]
    return {
        "summary": summary(ev),
        "lesson_coevidence": lesson_coevidence(ev),
        "theme_bridging_cases": theme_bridging_cases(ev),
        "betweenness": central[:top],
        "similar_cases": similar,
    }

