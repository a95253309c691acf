"""What a valid record looks like: the fields of a case, a tag, a place and an organisation.

The field checker (checker.py) reads each field; this module says which fields a record has,
which are required and how they relate (a lesson's source must be one of the case's sources).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pcmh_kg.model.vocab import FLAGS, ORGANISATION_TYPES, ORIGINS, PLACE_TYPES, SCOPES, STATUSES
from pcmh_kg.sources.checker import EMAIL, Checker, _type_name

PHONE_CHARS = re.compile(r"[0-9+().\s-]*[0-9][0-9+().\s-]*")
GSS = re.compile(r"^[EKNSW]\d{8}\Z", re.ASCII)
ISO2 = re.compile(r"^[A-Z]{2}\Z")
WIKIDATA = re.compile(r"^Q[1-9]\d*\Z", re.ASCII)
ODS = re.compile(r"^[A-Z0-9]{3,6}\Z", re.ASCII)
ROR = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}\d{2}\Z", re.ASCII)
MESH = re.compile(r"^D\d{6}(?:\d{3})?\Z", re.ASCII)
MATCHES = ("exact", "close")
# Document mirrors are not sources (the project's rules): identifiers must come from the publisher.
MIRROR_HOSTS = ("readkong.", "vdocuments.", "docslib.", "scribd.", "yumpu.", "slideshare.")
SUMMARY_WORDS = (40, 120)
REASON_MAX = 200
LESSON_NUMBER_MAX = 99  # the bound the guide's own lesson numbers are held to


CASE_FIELDS = {"id", "title", "summary", "place", "scope", "organisations", "started", "tags",
               "lessons", "sources", "contact", "flags", "status", "notes"}
CASE_REQUIRED = {"id", "title", "summary", "place", "scope", "organisations", "tags", "lessons",
                 "sources", "contact"}
CONTACT_FIELDS = {"organisation", "role", "url", "name", "email", "phone"}
LINK_FIELDS = {"lesson", "reason", "origin", "source"}
STATUS_FIELDS = {"value", "as_of", "source"}


def check_case(raw, expected_id: str | None = None) -> tuple[dict | None, list[tuple[tuple, str]]]:
    """Validate one case record; return the normalised case and the problems found."""
    c = Checker()
    m = c.mapping(raw, (), CASE_FIELDS, CASE_REQUIRED)
    if m is None:
        return None, c.problems
    cid = c.slug(m.get("id"), ("id",))
    if cid and expected_id is not None and cid != expected_id:
        c.err(("id",), f"id '{cid}' must match the file name '{expected_id}.yaml'")
    sources = c.sources(m.get("sources"), ("sources",))
    source_urls = {s["url"] for s in sources}
    links = _lesson_links(c, m, source_urls)
    contact = _contact(c, m.get("contact")) if "contact" in m else None
    status = _status(c, m, source_urls) if "status" in m else None
    case = {
        "id": cid,
        "title": c.text(m.get("title"), ("title",), max_len=200, one_line=True),
        "summary": c.text(m.get("summary"), ("summary",), words=SUMMARY_WORDS),
        "place": c.slug(m.get("place"), ("place",)),
        "scope": c.enum(m.get("scope"), ("scope",), SCOPES),
        "organisations": c.slugs(m.get("organisations"), ("organisations",), min_items=1),
        "started": c.integer(m.get("started"), ("started",), 1900, 2100),
        "tags": c.slugs(m.get("tags"), ("tags",), min_items=1),
        "lessons": links,
        "sources": sources,
        "contact": contact,
        "flags": [f for i, f in enumerate(c.slugs(m.get("flags"), ("flags",)))
                  if c.enum(f, ("flags", i), FLAGS)],
        "status": status,
        "notes": c.text(m.get("notes"), ("notes",), public=False),
    }
    return case, c.problems


def _lesson_links(c: Checker, m: dict, source_urls: set[str]) -> list[dict]:
    links: list[dict] = []
    raw_links = m.get("lessons")
    if not isinstance(raw_links, list) or not raw_links:
        if "lessons" in m:
            c.err(("lessons",), "must be a list of 1 to 4 lesson links")
        return links
    if len(raw_links) > 4:
        c.err(("lessons",), f"has {len(raw_links)} lesson links; at most 4")
    for i, item in enumerate(raw_links[:4]):  # bounded work: the rest are not read
        p = ("lessons", i)
        lm = c.mapping(item, p, LINK_FIELDS, {"lesson", "reason", "origin"})
        if lm is None:
            continue
        # the guide's lessons decide which numbers exist (Framework.case_problems)
        number = c.integer(lm.get("lesson"), p + ("lesson",), 1, LESSON_NUMBER_MAX)
        reason = c.text(lm.get("reason"), p + ("reason",), max_len=REASON_MAX, one_line=True)
        origin = c.enum(lm.get("origin"), p + ("origin",), ORIGINS)
        source = c.url(lm.get("source"), p + ("source",))
        if source is not None and source not in source_urls:
            c.err(p + ("source",), "must be one of the case's sources")
        if number is not None and any(link["lesson"] == number for link in links):
            c.err(p + ("lesson",), f"lesson {number} is linked twice")
            continue
        if None not in (number, reason, origin):
            links.append({"lesson": number, "reason": reason, "origin": origin, "source": source})
    return links


def _contact(c: Checker, raw) -> dict | None:
    cm = c.mapping(raw, ("contact",), CONTACT_FIELDS, {"organisation", "role", "url"})
    if cm is None:
        return None
    contact = {
        "organisation": c.slug(cm.get("organisation"), ("contact", "organisation")),
        "role": c.text(cm.get("role"), ("contact", "role"), max_len=200, one_line=True),
        "url": c.url(cm.get("url"), ("contact", "url")),
        # Private fields: exported only in the `full` profile.
        "name": c.text(cm.get("name"), ("contact", "name"), public=False, max_len=200, one_line=True),
        "email": c.text(cm.get("email"), ("contact", "email"), public=False, max_len=200, one_line=True),
        "phone": c.text(cm.get("phone"), ("contact", "phone"), public=False, max_len=50, one_line=True),
    }
    if contact["email"] is not None and not EMAIL.fullmatch(contact["email"]):
        c.err(("contact", "email"), "is not an email address")
    if contact["phone"] is not None and not PHONE_CHARS.fullmatch(contact["phone"]):
        c.err(("contact", "phone"), "is not a phone number (digits, spaces and + ( ) . - only)")
    return contact


def _status(c: Checker, m: dict, source_urls: set[str]) -> dict | None:
    sm = c.mapping(m.get("status"), ("status",), STATUS_FIELDS, {"value", "as_of", "source"})
    if sm is None:
        return None
    # `unknown` is what a case without a status is; saying it needs no source
    value = c.enum(sm.get("value"), ("status", "value"), set(STATUSES) - {"unknown"})
    as_of = c.partial_date(sm.get("as_of"), ("status", "as_of"))
    source = c.url(sm.get("source"), ("status", "source"))
    if source is not None and source not in source_urls:
        c.err(("status", "source"), "must be one of the case's sources")
    if value == "running" and "discontinued" in (m.get("flags") or ()):
        c.err(("status", "value"), "is running, but the case is flagged discontinued")
    if None not in (value, as_of, source):
        return {"value": value, "as_of": as_of, "source": source}
    return None


def _named(c: Checker, m: dict, path: tuple, types) -> dict:
    """What places and organisations are alike in: an id, a name and a type of theirs."""
    return {
        "id": c.slug(m.get("id"), path + ("id",)),
        "name": c.text(m.get("name"), path + ("name",), max_len=200, one_line=True),
        "type": c.enum(m.get("type"), path + ("type",), types),
    }


def check_place(raw, path: tuple, c: Checker) -> dict | None:
    m = c.mapping(raw, path, {"id", "name", "type", "parent", "gss", "iso", "lat", "long", "sources", "wikidata"},
                  {"id", "name", "type", "lat", "long"})
    if m is None:
        return None
    place = {
        **_named(c, m, path, PLACE_TYPES),
        "parent": c.slug(m.get("parent"), path + ("parent",)),
        "gss": None,
        "iso": None,
        "lat": c.number(m.get("lat"), path + ("lat",), -90, 90),
        "long": c.number(m.get("long"), path + ("long",), -180, 180),
        "sources": c.sources(m.get("sources"), path + ("sources",), min_items=0),
        "wikidata": external_id(c, m.get("wikidata"), path + ("wikidata",), "wikidata"),
    }
    gss = m.get("gss")
    if gss is not None:
        if not isinstance(gss, str) or not GSS.match(gss):
            c.err(path + ("gss",), f"must be an ONS GSS code such as E09000022, got {gss!r}")
        else:
            place["gss"] = gss
    iso = m.get("iso")
    if iso is not None:
        if not isinstance(iso, str) or not ISO2.match(iso):
            c.err(path + ("iso",), f"must be an ISO 3166-1 alpha-2 code such as \"GB\", got {_type_name(iso) if not isinstance(iso, str) else repr(iso)}")
        else:
            place["iso"] = iso
    if place["type"] == "country" and place["iso"] is None and iso is None:
        c.err(path + ("iso",), "a country needs its ISO 3166-1 alpha-2 code")
    if place["type"] != "country" and place["parent"] is None and "parent" not in m:
        c.err(path + ("parent",), "is required for every place but a country")
    return place


SUCCESSION_FIELDS = {"organisation", "date", "source"}
DISSOLUTION_FIELDS = {"date", "source"}


def check_organisation(raw, path: tuple, c: Checker) -> dict | None:
    m = c.mapping(raw, path, {"id", "name", "type", "homepage", "place", "succeeded_by", "dissolved",
                              "ods", "ror", "wikidata"},
                  {"id", "name", "type"})
    if m is None:
        return None
    org = {
        **_named(c, m, path, ORGANISATION_TYPES),
        "homepage": c.url(m.get("homepage"), path + ("homepage",)),
        "place": c.slug(m.get("place"), path + ("place",)),
        "succeeded_by": [],
        "dissolved": None,
        "ods": external_id(c, m.get("ods"), path + ("ods",), "ods"),
        "ror": external_id(c, m.get("ror"), path + ("ror",), "ror"),
        "wikidata": external_id(c, m.get("wikidata"), path + ("wikidata",), "wikidata"),
    }
    # succeeded_by: one successor, or a list when the organisation's duties passed to several
    raw_succ = m.get("succeeded_by")
    if raw_succ is not None:
        items = raw_succ if isinstance(raw_succ, list) else [raw_succ]
        if not items:
            c.err(path + ("succeeded_by",), "must name at least one successor")
        for i, item in enumerate(items):
            p = path + ("succeeded_by",) + ((i,) if isinstance(raw_succ, list) else ())
            sm = c.mapping(item, p, SUCCESSION_FIELDS, {"organisation", "source"})
            if sm is None:
                continue
            succ = {
                "organisation": c.slug(sm.get("organisation"), p + ("organisation",)),
                "date": c.partial_date(sm.get("date"), p + ("date",)),
                "sources": c.urls(sm.get("source"), p + ("source",)) if sm.get("source") is not None else [],
                "path": p,
            }
            if succ["organisation"] is not None and succ["organisation"] == org["id"]:
                c.err(p + ("organisation",), "an organisation cannot succeed itself")
            elif succ["organisation"] is not None and any(
                    s["organisation"] == succ["organisation"] for s in org["succeeded_by"]):
                c.err(p + ("organisation",), f"successor '{succ['organisation']}' is listed twice")
            elif succ["organisation"] is not None and succ["sources"]:
                org["succeeded_by"].append(succ)
        dates = {s["date"] for s in org["succeeded_by"]}
        if len(dates) > 1:
            c.err(path + ("succeeded_by",), "successors of one organisation must share one date (one change)")
    if m.get("dissolved") is not None:
        dm = c.mapping(m.get("dissolved"), path + ("dissolved",), DISSOLUTION_FIELDS, {"source"})
        if dm is not None:
            sources = c.urls(dm.get("source"), path + ("dissolved", "source")) if dm.get("source") is not None else []
            date = c.partial_date(dm.get("date"), path + ("dissolved", "date"))
            if raw_succ is not None:
                c.err(path + ("dissolved",), "an organisation with a successor is not `dissolved`: "
                                             "give either succeeded_by or dissolved")
            elif sources:
                org["dissolved"] = {"date": date, "sources": sources}
    return org


def check_tag(raw, path: tuple, c: Checker) -> dict | None:
    m = c.mapping(raw, path, {"id", "label", "definition", "broader", "mesh", "wikidata"},
                  {"id", "label", "definition"})
    if m is None:
        return None
    return {
        "id": c.slug(m.get("id"), path + ("id",)),
        "label": c.text(m.get("label"), path + ("label",), max_len=100, one_line=True),
        "definition": c.text(m.get("definition"), path + ("definition",), max_len=400),
        "broader": c.slug(m.get("broader"), path + ("broader",)),
        "mesh": external_id(c, m.get("mesh"), path + ("mesh",), "mesh", match=True),
        "wikidata": external_id(c, m.get("wikidata"), path + ("wikidata",), "wikidata", match=True),
    }


# External identifiers: scheme -> (YAML key of the code, its syntax, an example, what it is).
ID_SCHEMES = {
    "wikidata": ("id", WIKIDATA, "Q202059", "a Wikidata item id"),
    "ods": ("code", ODS, "RV5", "an NHS ODS organisation code (3 to 6 capitals or digits)"),
    "ror": ("id", ROR, "0abcdef12", "a ROR id (9 characters: 0, six of 0-9 a-z without i l o u, two digits)"),
    "mesh": ("id", MESH, "D003866", "a MeSH descriptor id (D and six or nine digits)"),
}


def external_id(c: Checker, value, path: tuple, scheme: str, *, match: bool = False) -> dict | None:
    """An external identifier read from a page: `{<id|code>: ..., source: <url>}` (and, on tags,
    `match: exact|close`). Its syntax is checked, and so is its source: a web page, not a mirror."""
    if value is None:
        return None
    key, pattern, example, what = ID_SCHEMES[scheme]
    allowed = {key, "source"} | ({"match"} if match else set())
    m = c.mapping(value, path, allowed, allowed)
    if m is None:
        return None
    code = m.get(key)
    if code is not None and (not isinstance(code, str) or not pattern.match(code)):
        shown = repr(code) if isinstance(code, str) else _type_name(code)
        c.err(path + (key,), f"must be {what} such as {example}, got {shown}")
        code = None
    source = c.url(m.get("source"), path + ("source",))
    if source is not None and any(h in urlsplit(source).netloc.lower() for h in MIRROR_HOSTS):
        c.err(path + ("source",), "is a document mirror; cite the page of the original publisher")
        source = None
    how = c.enum(m.get("match"), path + ("match",), MATCHES) if match else None
    if code is None or source is None or (match and how is None):
        return None
    out = {"scheme": scheme, "code": code, "source": source}
    if match:
        out["match"] = how
    return out
