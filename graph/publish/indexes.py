"""The index pages (/case/, /lesson/, /theme/, /tag/, /place/, /organisation/): one sortable,
filterable table each, from the site's index.

Sorting and filtering happen on the server through plain links and a GET form, so they work
from the keyboard, without script, and give every view a shareable URL. The case index takes
the filters the other pages link to (lesson, theme, tag, place, organisation, scope, text), with
a place or tag taking in everything inside or below it, as the library's queries do. An unknown
value or sort key is refused with a 400 that names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pcmh_kg.publish.site import Site
from pcmh_kg.publish.views import PAGE_SIZE, SCOPE_IRIS, PageError, index_href, one, scope_name, scope_of


@dataclass
class Column:
    key: str
    label: str
    numeric: bool = False
    words: bool = False  # short values of whole words (a place, a scope, a tag): never broken inside a word


def _cell(text, href=None, sort=None) -> dict:
    return {"text": "" if text is None else str(text), "href": href, "sort": text if sort is None else sort}


def _node_rows(site: Site, kind: str) -> tuple[list[Column], list[dict]]:
    def href(iri: str) -> str:
        return "/" + iri[len(site.base):]

    name = Column("name", {"lesson": "Lesson", "theme": "Theme", "tag": "Tag", "place": "Place",
                           "organisation": "Organisation"}[kind])
    cases = Column("cases", "Case studies", True)
    rows = []
    if kind == "lesson":
        cols = [Column("number", "No.", True), name, Column("theme", "Theme"), cases]
        for iri, n in site.lessons.items():
            theme = n.parents[0] if n.parents else None
            rows.append({"number": _cell(n.fields["order"][0], sort=int(n.fields["order"][0])),
                         "name": _cell(n.label, href(iri)), "theme": _cell(site.label(theme), theme and href(theme)),
                         "cases": _cell(len(n.cases), index_href("case", lesson=n.fields["order"][0]))})
    elif kind == "theme":
        cols = [name, Column("lessons", "Lessons", True), cases]
        for iri, n in site.themes.items():
            total = len({c for lesson in n.children for c in site.lessons[lesson].cases})
            rows.append({"name": _cell(n.label, href(iri)), "lessons": _cell(len(n.children)),
                         "cases": _cell(total, index_href("case", theme=n.id))})
    else:
        table = {"tag": site.tags, "place": site.places, "organisation": site.organisations}[kind]
        extra = {"tag": Column("within", "Broader tag", words=True), "place": Column("within", "Within", words=True),
                 "organisation": Column("within", "Type", words=True)}[kind]
        cols = [name, extra, cases]
        for iri, n in table.items():
            if kind == "organisation":
                within = _cell(", ".join(site.label(t) for t in n.fields["type"]))
            else:
                up = n.parents[0] if n.parents else None
                within = _cell(site.label(up) if up else "", up and href(up))
            count = len(n.cases) if kind == "organisation" else len(site.cases_under(table, iri))
            rows.append({"name": _cell(n.label, href(iri)), "within": within,
                         "cases": _cell(count, index_href("case", **{kind: n.id}))})
    return cols, rows


CASE_COLUMNS = [Column("name", "Case study"), Column("place", "Place", words=True), Column("scope", "Scope", words=True),
                Column("start", "Started", True), Column("lessons", "Lessons", True)]
FILTERS = ("lesson", "theme", "tag", "place", "organisation", "scope", "q")


def _find(site: Site, kind: str, value: str) -> str:
    """The IRI a filter value names, or a 400 naming the value and where to find good ones."""
    if kind == "lesson":
        iri = f"{site.base}lesson/{value}"
        if iri in site.lessons:
            return iri
    elif kind == "scope":
        found = next((s for s, v in SCOPE_IRIS.items() if v == value), None)
        if found:
            return found
        raise PageError(400, f"unknown scope {value!r}: one of {', '.join(SCOPE_IRIS.values())}")
    else:
        iri = f"{site.base}{kind}/{value}"
        if iri in getattr(site, kind + "s"):
            return iri
    raise PageError(400, f"unknown {kind} {value!r}: see /{kind}/ for the list")


def _case_filter(site: Site, params: dict) -> tuple[list[str], dict]:
    chosen = {k: one(params, k) for k in FILTERS}
    chosen = {k: v for k, v in chosen.items() if v}
    cases = list(site.cases)
    for kind, value in chosen.items():
        if kind == "q":
            needle = value.casefold()
            cases = [c for c in cases if needle in site.cases[c].title.casefold()]
            continue
        iri = _find(site, kind, value)
        if kind == "lesson":
            keep = set(site.lessons[iri].cases)
        elif kind == "theme":
            keep = {c for lesson in site.themes[iri].children for c in site.lessons[lesson].cases}
        elif kind == "scope":
            keep = {c for c in cases if site.cases[c].scope == iri}
        elif kind == "organisation":
            keep = set(site.organisations[iri].cases)
        else:
            keep = set(site.cases_under(getattr(site, kind + "s"), iri))
        cases = [c for c in cases if c in keep]
    return cases, chosen


def _case_rows(site: Site, cases: list[str]) -> list[dict]:
    rows = []
    for iri in cases:
        c = site.cases[iri]
        place = c.place
        rows.append({"name": _cell(c.title, "/" + iri[len(site.base):], c.title.casefold()),
                     "place": _cell(site.label(place) if place else "", place and "/" + place[len(site.base):]),
                     "scope": _cell(scope_of(site, c)),
                     "start": _cell(c.start, sort=int(c.start[:4]) if c.start[:4].isdigit() else 0),
                     "lessons": _cell(len(c.evidence))})
    return rows


def _sorted_rows(site: Site, kind: str, params: dict) -> tuple[list[Column], list[dict], dict, str, bool]:
    """The index's columns and every row that passes the filters, sorted; the filters chosen."""
    unknown = sorted(set(params) - set(FILTERS) - {"sort", "page", "format"})
    if unknown:
        raise PageError(400, f"unknown parameter {unknown[0]!r} for /{kind}/")
    fmt = one(params, "format")
    if fmt not in (None, "", "csv"):
        raise PageError(400, f"format must be csv (a spreadsheet of the whole list), got {fmt!r}")
    chosen: dict = {}
    if kind == "case":
        cases, chosen = _case_filter(site, params)
        cols, rows = CASE_COLUMNS, _case_rows(site, cases)
    else:
        for k in FILTERS[:-1]:
            if one(params, k):
                raise PageError(400, f"/{kind}/ takes only q=, sort= and page=")
        cols, rows = _node_rows(site, kind)
        if one(params, "q"):
            chosen["q"] = one(params, "q")
            rows = [r for r in rows if chosen["q"].casefold() in r["name"]["text"].casefold()]
    sort = one(params, "sort") or cols[0].key
    key, desc = sort.lstrip("-"), sort.startswith("-")
    if key not in {c.key for c in cols}:
        raise PageError(400, f"cannot sort by {key!r}: sort by one of {', '.join(c.key for c in cols)}")
    rows.sort(key=lambda r: (r[key]["sort"] if isinstance(r[key]["sort"], int) else str(r[key]["sort"]).casefold(),
                             r["name"]["text"].casefold()), reverse=desc)
    return cols, rows, chosen, key, desc


def index_view(site: Site, kind: str, params: dict) -> dict:
    """Context of the index template: columns, the page of sorted rows, filters and paging."""
    cols, rows, chosen, key, desc = _sorted_rows(site, kind, params)
    sort = ("-" if desc else "") + key
    page_text = one(params, "page") or "1"
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    if not page_text.isdigit() or not 1 <= int(page_text) <= pages:
        raise PageError(400, f"page must be a number from 1 to {pages}, got {page_text!r}")
    page = int(page_text)
    link = lambda **kw: index_href(kind, **{**chosen, "sort": sort, **kw})  # noqa: E731
    return {"kind": kind, "columns": cols, "rows": rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
            "total": len(rows), "chosen": chosen, "sort": key, "desc": desc, "page": page, "pages": pages,
            "sort_href": {c.key: link(sort=("" if desc or c.key != key else "-") + c.key, page=None) for c in cols},
            "prev": link(page=page - 1) if page > 1 else None, "next": link(page=page + 1) if page < pages else None,
            "options": _options(site) if kind == "case" else None,
            "csv_href": index_href(kind, **{**chosen, "sort": sort, "format": "csv"})}


CASE_EXTRA_HEADER = ["Lesson numbers", "Contact organisation", "Contact role", "Contact page"]


def index_table(site: Site, kind: str, params: dict) -> tuple[str, list[str], list[list]]:
    """The whole filtered, sorted list for a spreadsheet: (file name, header, rows). The columns
    of the page, then each row's IRI and, for case studies, the lessons it evidences and whom to
    contact."""
    cols, rows, chosen, _, _ = _sorted_rows(site, kind, params)
    header = [c.label for c in cols] + ["Link"] + (CASE_EXTRA_HEADER if kind == "case" else [])
    table = []
    for r in rows:
        line = [int(r[c.key]["text"]) if c.numeric and r[c.key]["text"].isdigit() else r[c.key]["text"] for c in cols]
        iri = site.base + r["name"]["href"][1:]
        line.append(iri)
        if kind == "case":
            case = site.cases[iri]
            contact = case.contact or {}
            numbers = sorted(int(site.lessons[lesson].fields["order"][0]) for lesson in case.lessons)
            line += ["; ".join(map(str, numbers)),
                     site.label(contact["organisation"]) if contact.get("organisation") else "",
                     contact.get("role") or "", contact.get("url") or ""]
        table.append(line)
    words = [kind] + [part for k, v in chosen.items() for part in (k, v)]
    name = re.sub(r"[^A-Za-z0-9]+", "-", "-".join(words)).strip("-")[:80] or kind
    return f"{name}.csv", header, table


def _options(site: Site) -> dict:
    """The choices of the case index's filter form."""
    return {"lesson": [(n.fields["order"][0], f"{n.fields['order'][0]}. {n.label}") for n in site.lessons.values()],
            "theme": [(n.id, n.label) for n in site.themes.values()],
            "scope": [(v, scope_name(site, s)) for s, v in SCOPE_IRIS.items()],
            "tag": sorted(((n.id, n.label) for n in site.tags.values()), key=lambda t: t[1].casefold()),
            "place": sorted(((n.id, n.label) for n in site.places.values()), key=lambda t: t[1].casefold()),
            "organisation": sorted(((n.id, n.label) for n in site.organisations.values()),
                                   key=lambda t: t[1].casefold())}
