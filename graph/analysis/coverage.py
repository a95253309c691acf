"""How well the directory evidences the guide: counts per class, lesson, theme, scope and tag,
and the coverage rules the directory is held to (issue 3), computed from the graph itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from pcmh_kg.model.vocab import PREFIXES

MIN_CASES_PER_LESSON = 4
MIN_MULTI_LESSON_CASES = 25
MIN_SCOPE = {"london": 20, "national": 10, "international": 15}

_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def _rows(store: ox.Store, query: str) -> list[list]:
    return [[t.value if t is not None else None for t in sol] for sol in store.query(_PROLOGUE + query)]


@dataclass
class Coverage:
    classes: dict = field(default_factory=dict)
    lessons: list = field(default_factory=list)  # (number, title, cases)
    themes: list = field(default_factory=list)  # (number, title, cases, london, international)
    scopes: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)  # (id, label, cases incl. narrower)
    multi_lesson_cases: int = 0
    cases: int = 0

    def problems(self) -> list[str]:
        out = []
        for number, _title, n in self.lessons:
            if n < MIN_CASES_PER_LESSON:
                out.append(f"lesson {number} has {n} case(s); at least {MIN_CASES_PER_LESSON} wanted")
        if self.multi_lesson_cases < MIN_MULTI_LESSON_CASES:
            out.append(f"{self.multi_lesson_cases} cases evidence 2+ lessons; at least {MIN_MULTI_LESSON_CASES} wanted")
        for number, _title, _n, london, international in self.themes:
            if not london or not international:
                out.append(f"theme {number} lacks {'London' if not london else 'international'} cases")
        for scope, wanted in MIN_SCOPE.items():
            if self.scopes.get(scope, 0) < wanted:
                out.append(f"{self.scopes.get(scope, 0)} {scope} cases; at least {wanted} wanted")
        return out

    def as_dict(self) -> dict:
        return {
            "cases": self.cases,
            "classes": self.classes,
            "cases_per_lesson": [{"lesson": n, "title": t, "cases": c} for n, t, c in self.lessons],
            "cases_per_theme": [{"theme": n, "title": t, "cases": c, "london": lo, "international": i}
                                for n, t, c, lo, i in self.themes],
            "cases_per_scope": self.scopes,
            "cases_per_tag": [{"tag": i, "label": lab, "cases": c} for i, lab, c in self.tags],
            "multi_lesson_cases": self.multi_lesson_cases,
            "below_threshold": self.problems(),
        }


def compute(store: ox.Store) -> Coverage:
    cov = Coverage()
    for cls, n in _rows(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"):
        cov.classes[cls] = int(n)
    cov.cases = cov.classes.get(PREFIXES["pcmh"] + "CaseStudy", 0)
    for number, title, n in _rows(store, """
        SELECT ?number ?title (COUNT(DISTINCT ?case) AS ?n) WHERE {
          ?l a pcmh:Lesson ; pcmh:order ?number ; skos:prefLabel ?title .
          OPTIONAL { ?case pcmh:evidencesLesson ?l } } GROUP BY ?number ?title ORDER BY ?number"""):
        cov.lessons.append((int(number), title, int(n)))
    for number, title, n, london, international in _rows(store, """
        SELECT ?number ?title (COUNT(DISTINCT ?case) AS ?n)
               (COUNT(DISTINCT ?lon) AS ?london) (COUNT(DISTINCT ?int) AS ?international) WHERE {
          ?t a pcmh:Theme ; pcmh:order ?number ; skos:prefLabel ?title .
          OPTIONAL { ?case pcmh:evidencesLesson/pcmh:theme ?t .
                     OPTIONAL { ?case pcmh:scope pcmh:London . BIND(?case AS ?lon) }
                     OPTIONAL { ?case pcmh:scope pcmh:International . BIND(?case AS ?int) } }
        } GROUP BY ?number ?title ORDER BY ?number"""):
        cov.themes.append((int(number), title, int(n), int(london), int(international)))
    names = {"London": "london", "National": "national", "International": "international"}
    for scope, n in _rows(store, "SELECT ?s (COUNT(?c) AS ?n) WHERE { ?c a pcmh:CaseStudy ; pcmh:scope ?s } GROUP BY ?s"):
        cov.scopes[names.get(scope.rsplit("#", 1)[-1], scope)] = int(n)
    for tag, label, n in _rows(store, """
        SELECT ?tag ?label (COUNT(DISTINCT ?case) AS ?n) WHERE {
          ?tag skos:inScheme ?scheme ; skos:prefLabel ?label ; skos:notation ?id .
          ?case dcterms:subject/skos:broader* ?tag .
          FILTER(STRENDS(STR(?scheme), "scheme/tags")) } GROUP BY ?tag ?label ORDER BY DESC(?n) ?label"""):
        cov.tags.append((tag.rsplit("/", 1)[-1], label, int(n)))
    (count,), = _rows(store, """SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?c WHERE { ?c pcmh:evidencesLesson ?l }
                                GROUP BY ?c HAVING (COUNT(DISTINCT ?l) >= 2) } }""")
    cov.multi_lesson_cases = int(count)
    return cov
