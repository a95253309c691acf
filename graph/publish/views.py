"""What each people's page shows: a template name and its context, from the site's index.

A view checks its request parameters and refuses an unknown value with a `PageError` (a 400 or
404 with a one-line reason) instead of showing an empty page. Long lists are cut at `LIST_LIMIT`
with a link to the filtered case index, which pages through any number of cases.
"""

from __future__ import annotations

import urllib.parse

from pcmh_kg.model import labels
from pcmh_kg.model.vocab import PCMH, SCOPES
from pcmh_kg.publish.site import Case, Site

LIST_LIMIT = 200  # cases listed on a lesson, tag, place or organisation page before "see all"
PAGE_SIZE = 100  # rows per page of the case index
SCOPE_IRIS = {PCMH + v: k for k, v in SCOPES.items()}  # ontology individual -> YAML value


class PageError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def one(params: dict, name: str) -> str:
    values = params.get(name) or [""]
    if len(values) > 1:
        raise PageError(400, f"give {name} once")
    return values[0].strip()


def scope_name(site: Site, scope: str) -> str:
    """A scope as the pages and the explorer show it on its own: London, National, International."""
    return labels.standalone(site.label(scope))


def scope_of(site: Site, case: Case) -> str:
    return scope_name(site, case.scope) if case.scope else ""


# ------------------------------------------------------------------------------ entities

def change_of(site: Site, organisation: str) -> dict | None:
    """How an organisation that ended lives on: when, and who carries its duties today (none if
    it was dissolved); None if it has not changed."""
    change = site.changes.get(organisation)
    if change is None:
        return None
    return {"date": change["date"], "today": site.today(organisation)}


def case_view(site: Site, case: Case) -> dict:
    evidence = [{**e, "name": site.label(e["lesson"]),
                 "origin_label": site.label(e["origin"]), "source_title": site.label(e["source"])}
                for e in case.evidence]
    contact = dict(case.contact) if case.contact else None
    if contact and contact.get("organisation"):
        contact["organisation_name"] = site.label(contact["organisation"])
        contact["change"] = change_of(site, contact["organisation"])
    status = dict(case.status) if case.status else None
    if status:
        status["label"] = "not known" if status["status"].endswith("StatusUnknown") else site.label(status["status"])
        status["source_title"] = site.label(status["source"]) if status["source"] else ""
    return {"case": case, "scope": scope_of(site, case), "evidence": evidence, "contact": contact, "status": status,
            "places": ([case.place] + site.above(site.places, case.place)) if case.place else [],
            "sources": [(s, site.sources.get(s, {"title": s, "publisher": ""})) for s in case.sources],
            "flags": [site.label(f) for f in case.flags], "similar": site.similar(case.iri, 5),
            "theme_of": {e["lesson"]: site.lessons[e["lesson"]].parents[0] for e in case.evidence
                         if e["lesson"] in site.lessons and site.lessons[e["lesson"]].parents}}


def lesson_view(site: Site, iri: str) -> dict:
    node = site.lessons[iri]
    number = node.fields["order"][0]
    groups = []
    for scope_iri, scope_id in SCOPE_IRIS.items():
        members = [site.cases[c] for c in node.cases if site.cases[c].scope == scope_iri]
        rows = [{"case": c, "reason": next((e["reason"] for e in c.evidence if e["lesson"] == iri), ""),
                 "origin": site.label(next((e["origin"] for e in c.evidence if e["lesson"] == iri), None)),
                 "place": c.place} for c in members[:LIST_LIMIT]]
        groups.append({"label": scope_name(site, scope_iri), "count": len(members), "rows": rows,
                       "all": index_href("case", lesson=number, scope=scope_id)})
    return {"node": node, "number": number, "theme": node.parents[0] if node.parents else None, "groups": groups,
            "coevidence": site.coevidence(iri)[:5]}


def listing(site: Site, cases: list[str], **filters) -> dict:
    """The first LIST_LIMIT of `cases`, and where to see them all."""
    return {"count": len(cases), "cases": [site.cases[c] for c in cases[:LIST_LIMIT]],
            "all": index_href("case", **filters) if len(cases) > LIST_LIMIT else None}


def place_view(site: Site, iri: str) -> dict:
    node = site.places[iri]
    inside = site.cases_under(site.places, iri)
    children = sorted(node.children, key=lambda c: site.places[c].label.casefold())
    return {"node": node, "above": site.above(site.places, iri), "direct": len(node.cases),
            "identifiers": site.identifiers.get(iri, []),
            "children": [(c, len(site.cases_under(site.places, c))) for c in children],
            "kinds": [site.label(k) for k in node.fields["types"]],
            **listing(site, inside, place=node.id)}


def tag_view(site: Site, iri: str) -> dict:
    node = site.tags[iri]
    return {"node": node, "above": site.above(site.tags, iri), "direct": len(node.cases),
            "identifiers": site.identifiers.get(iri, []),
            "narrower": [(c, len(site.cases_under(site.tags, c))) for c in node.children],
            **listing(site, site.cases_under(site.tags, iri), tag=node.id)}


def organisation_view(site: Site, iri: str) -> dict:
    node = site.organisations[iri]
    predecessors = [o for o, change in site.changes.items() if iri in change["successors"]]
    return {"node": node, "type": [site.label(t) for t in node.fields["type"]], "change": change_of(site, iri),
            "identifiers": site.identifiers.get(iri, []),
            "predecessors": predecessors, **listing(site, node.cases, organisation=node.id)}


def theme_view(site: Site, iri: str) -> dict:
    node = site.themes[iri]
    cases = [c for c in site.cases if set(site.cases[c].lessons) & set(node.children)]
    return {"node": node, "lessons": [(lesson, len(site.lessons[lesson].cases)) for lesson in node.children],
            **listing(site, cases, theme=node.id)}


ENTITY_VIEWS = {  # folder of the IRI -> (template, the site's table, view)
    "lesson": ("lesson.html", "lessons", lesson_view), "place": ("place.html", "places", place_view),
    "tag": ("tag.html", "tags", tag_view), "organisation": ("organisation.html", "organisations", organisation_view),
    "theme": ("theme.html", "themes", theme_view),
}


def entity_view(site: Site, iri: str) -> tuple[str, dict] | None:
    """The people's page of one of the directory's entities, or None (then the generic page)."""
    if iri in site.cases:
        return "case.html", case_view(site, site.cases[iri])
    folder = iri[len(site.base):].split("/")[0] if iri.startswith(site.base) else ""
    if folder in ENTITY_VIEWS:
        template, table, view = ENTITY_VIEWS[folder]
        if iri in getattr(site, table):
            return template, view(site, iri)
    return None


# ------------------------------------------------------------------------------ home, search

def home_view(site: Site) -> dict:
    themes = [(t, [(lesson, len(site.lessons[lesson].cases)) for lesson in site.themes[t].children])
              for t in site.themes]
    grid = [(lesson, [(scope_id, sum(1 for c in site.lessons[lesson].cases if site.cases[c].scope == s))
                      for s, scope_id in SCOPE_IRIS.items()]) for lesson in site.lessons]
    return {"guide": site.guide, "themes": themes, "cases": len(site.cases), "grid": grid,
            "scopes": [(scope_id, scope_name(site, s)) for s, scope_id in SCOPE_IRIS.items()],
            "multi": sum(1 for c in site.cases.values() if len(c.evidence) >= 2)}


def search_view(site: Site, params: dict) -> dict:
    q = one(params, "q")
    if len(q) > 200:
        raise PageError(400, "search for at most 200 characters")
    needle = q.casefold()
    found = []
    if needle:
        for kind, table in (("Lessons", site.lessons), ("Themes", site.themes), ("Tags", site.tags),
                            ("Places", site.places), ("Organisations", site.organisations)):
            hits = [iri for iri, n in table.items() if needle in n.label.casefold() or needle == n.id]
            found.append((kind, hits[:50], len(hits), None))
        hits = [c.iri for c in site.cases.values() if needle in c.title.casefold() or needle in c.summary.casefold()]
        found.insert(0, ("Case studies", hits[:50], len(hits), index_href("case", q=q) if len(hits) > 50 else None))
    return {"q": q, "found": [f for f in found if f[2]], "total": sum(f[2] for f in found)}


def index_href(kind: str, **params) -> str:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"/{kind}/" + (f"?{query}" if query else "")
