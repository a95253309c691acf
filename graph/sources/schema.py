"""What a valid record looks like, checked field by field.

One checker serves YAML files and spreadsheet rows alike, so that an imported case is held to
exactly the rules of a hand-written one. Problems carry the field's path; the caller turns the
path into a line (YAML) or a column (CSV).
"""

from __future__ import annotations

import datetime as _dt
import re
from urllib.parse import urlsplit

from pcmh_kg.model.vocab import FLAGS, ORGANISATION_TYPES, ORIGINS, PLACE_TYPES, SCOPES, SLUG, STATUSES
from pcmh_kg.sources.iri import iri_problem

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,5}\)?[\s.-]?){2,4}\d{3,4}")
PHONE_CHARS = re.compile(r"[0-9+().\s-]*[0-9][0-9+().\s-]*")
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')
GSS = re.compile(r"^[EKNSW]\d{8}\Z", re.ASCII)
ISO2 = re.compile(r"^[A-Z]{2}\Z")
SLUG_MAX = 120  # an id names a file (at most 255 bytes) and ends IRIs; ours stay under 80
# ASCII digits only (re.ASCII): int() reads other scripts' digits, which no date in the dumps may carry
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z", re.ASCII)
DATE_YEARS = (1900, 2100)
WIKIDATA = re.compile(r"^Q[1-9]\d*\Z", re.ASCII)
ODS = re.compile(r"^[A-Z0-9]{3,6}\Z", re.ASCII)
ROR = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}\d{2}\Z", re.ASCII)
MESH = re.compile(r"^D\d{6}(?:\d{3})?\Z", re.ASCII)
MATCHES = ("exact", "close")
# Document mirrors are not sources (the project's rules): identifiers must come from the publisher.
MIRROR_HOSTS = ("readkong.", "vdocuments.", "docslib.", "scribd.", "yumpu.", "slideshare.")
SUMMARY_WORDS = (40, 120)
REASON_MAX = 200
MAX_ITEMS = 200  # items of any list in one record (sources, tags, organisations, ...)
LESSON_NUMBER_MAX = 99  # the bound the guide's own lesson numbers are held to


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "a boolean (quote it if you meant text, e.g. \"NO\")"
    if isinstance(value, float) and value != value:
        return "NaN (not a number)"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return "a date (quote it if you meant text)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    return type(value).__name__


_NINE_DIGITS = re.compile(r"(?:\D*+\d){9}")
# control characters but tab and newline, and the two non-characters XML 1.0 cannot carry
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def looks_like_phone(text: str) -> bool:
    if not _NINE_DIGITS.match(text):  # no phone number has fewer digits; skips most texts
        return False
    for match in PHONE.finditer(text):
        digits = sum(ch.isdigit() for ch in match.group())
        if digits >= 9 and not re.fullmatch(r"\d{4}(?:\s*[-/]\s*\d{2,4})?", match.group().strip()):
            return True
    return False


class Checker:
    """Collects (path, message) problems while reading one record."""

    def __init__(self):
        self.problems: list[tuple[tuple, str]] = []

    def err(self, path: tuple, message: str) -> None:
        self.problems.append((path, message))

    def mapping(self, value, path: tuple, allowed: set[str], required: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.err(path, f"must be a mapping of fields, got {_type_name(value)}")
            return None
        for key in value:
            if not isinstance(key, str):
                self.err(path, f"field names must be text, got {key!r}")
            elif key not in allowed:
                near = ", ".join(sorted(allowed))
                self.err(path + (key,), f"unknown field '{key}' (allowed: {near})")
        for key in sorted(required):
            if value.get(key) is None:  # absent, or present but empty (`title:` or `title: ~`)
                self.err(path + (key,), "is required")
        return value

    def text(self, value, path: tuple, *, public: bool = True, max_len: int | None = None,
             words: tuple[int, int] | None = None, one_line: bool = False) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.err(path, f"must be text, got {_type_name(value)}")
            return None
        value = value.strip()
        if not value:
            self.err(path, "must not be empty")
            return None
        if _CONTROL.search(value):
            self.err(path, "contains control characters (or U+FFFE, U+FFFF)")
            return None
        if one_line and "\n" in value:
            self.err(path, "must be one line")
        if max_len is not None and len(value) > max_len:
            self.err(path, f"is {len(value)} characters long; at most {max_len}")
        if words is not None:
            n = len(value.split())
            if not words[0] <= n <= words[1]:
                self.err(path, f"has {n} words; must have {words[0]} to {words[1]}")
        if public:
            if "@" in value and EMAIL.search(value):
                self.err(path, "contains an email address (no personal data in public fields)")
            elif looks_like_phone(value):
                self.err(path, "contains what looks like a phone number (no personal data in public fields)")
        return " ".join(value.split()) if one_line or words else value

    def slug(self, value, path: tuple) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not SLUG.match(value):
            shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
            self.err(path, f"must be a slug (lowercase letters, digits, single hyphens), got {shown}")
            return None
        if len(value) > SLUG_MAX:
            self.err(path, f"is {len(value)} characters long; at most {SLUG_MAX}")
            return None
        return value

    def bounded(self, items: list, path: tuple, what: str) -> list:
        """The first MAX_ITEMS items: a longer list is reported once and the rest not checked, so
        the work (and the report) for one file stays bounded whatever it holds."""
        if len(items) > MAX_ITEMS:
            self.err(path, f"has {len(items)} {what}; at most {MAX_ITEMS}")
            return items[:MAX_ITEMS]
        return items

    def slugs(self, value, path: tuple, *, min_items: int = 0) -> list[str]:
        if value is None:
            return []  # a missing required list is reported once, by mapping()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.err(path, f"must be a list of ids, got {_type_name(value)}")
            return []
        out = []
        for i, item in enumerate(self.bounded(value, path, "ids")):
            slug = self.slug(item, path + (i,))
            if slug is not None:
                if slug in out:
                    self.err(path + (i,), f"'{slug}' is listed twice")
                else:
                    out.append(slug)
        if len(value) < min_items:
            self.err(path, f"needs at least {min_items} item(s)")
        return out

    def enum(self, value, path: tuple, choices) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value not in choices:
            self.err(path, f"must be one of {', '.join(sorted(choices))}, got {value!r}")
            return None
        return value

    def integer(self, value, path: tuple, lo: int, hi: int) -> int | None:
        if value is None:
            return None
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            if len(value.strip()) > 18:  # beyond any bound here; int() refuses 4,300 digits and more
                self.err(path, f"must be between {lo} and {hi}, got a number of {len(value.strip())} digits")
                return None
            value = int(value)  # ASCII digits only: '²'.isdigit() is true, and int('²') fails
        if isinstance(value, bool) or not isinstance(value, int):
            self.err(path, f"must be a whole number, got {_type_name(value)}")
            return None
        if not lo <= value <= hi:
            self.err(path, f"must be between {lo} and {hi}, got {value}")
            return None
        return value

    def partial_date(self, value, path: tuple) -> str | None:
        """A date as precise as the source gives it: 2022-07-01, 2015-12 or 2021 (returned as text)."""
        if value is None:
            return None
        if isinstance(value, _dt.datetime):
            self.err(path, "must be a date without a time, such as 2022-07-01")
            return None
        if isinstance(value, _dt.date):
            text = value.isoformat()
        elif isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        elif isinstance(value, str):
            text = value.strip()
        else:
            self.err(path, f"must be a date such as 2022-07-01, 2015-12 or 2021, got {_type_name(value)}")
            return None
        m = PARTIAL_DATE.match(text)
        ok = m is not None and DATE_YEARS[0] <= int(m.group(1)) <= DATE_YEARS[1]
        if ok and m.group(2):
            try:
                _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
            except ValueError:
                ok = False
        if not ok:
            self.err(path, f"must be a date such as 2022-07-01, 2015-12 or 2021 (years {DATE_YEARS[0]} to "
                           f"{DATE_YEARS[1]}), got {value!r}")
            return None
        return text

    def urls(self, value, path: tuple) -> list[str]:
        """One web address or a list of them (at least one)."""
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            self.err(path, f"must be a web address or a list of them, got {_type_name(value)}")
            return []
        out = []
        for i, item in enumerate(self.bounded(value, path, "web addresses")):
            url = self.url(item, path + (i,) if len(value) > 1 else path)
            if url is not None and url not in out:
                out.append(url)
        return out

    def number(self, value, path: tuple, lo: float, hi: float) -> float | None:
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            self.err(path, f"must be a number, got {_type_name(value)}")
            return None
        if not lo <= value <= hi:
            self.err(path, f"must be between {lo} and {hi}, got {value}")
            return None
        return float(value)

    def url(self, value, path: tuple) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.err(path, f"must be a web address, got {_type_name(value)}")
            return None
        value = value.strip()
        try:
            parts = urlsplit(value) if not _IRI_BAD.search(value) else None
        except ValueError:  # e.g. "Invalid IPv6 URL" for http://[::1/
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            self.err(path, f"must be an http(s) web address without spaces or <>\"{{}}|\\^`, got {value!r}")
            return None
        invalid = iri_problem(value)
        if invalid is not None:  # the dumps would carry it, and their parsers refuse it
            self.err(path, f"is not a valid web address (RFC 3987: {invalid}), got {value!r}")
            return None
        if EMAIL.search(parts.netloc + parts.path):
            self.err(path, "contains an email address")
            return None
        return value

    def sources(self, value, path: tuple, *, min_items: int = 1) -> list[dict]:
        if value is None:
            return []  # a missing required list is reported once, by mapping()
        if not isinstance(value, list):
            self.err(path, f"must be a list of sources, got {_type_name(value)}")
            return []
        out = []
        for i, item in enumerate(self.bounded(value, path, "sources")):
            p = path + (i,)
            if isinstance(item, str):
                item = {"url": item}
            m = self.mapping(item, p, {"url", "title", "publisher"}, {"url"})
            if m is None:
                continue
            url = self.url(m.get("url"), p + ("url",))
            if url is None:
                continue
            if any(s["url"] == url for s in out):
                self.err(p + ("url",), f"source {url} is listed twice")
                continue
            out.append({
                "url": url,
                "title": self.text(m.get("title"), p + ("title",), max_len=300, one_line=True),
                "publisher": self.text(m.get("publisher"), p + ("publisher",), max_len=200, one_line=True),
            })
        if len(value) < min_items:
            self.err(path, f"needs at least {min_items} source(s) with a url")
        return out


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
    links = []
    raw_links = m.get("lessons")
    if not isinstance(raw_links, list) or not raw_links:
        if "lessons" in m:
            c.err(("lessons",), "must be a list of 1 to 4 lesson links")
    else:
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
    contact = None
    cm = c.mapping(m.get("contact"), ("contact",), CONTACT_FIELDS, {"organisation", "role", "url"}) \
        if "contact" in m else None
    if cm is not None:
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
    status = None
    if "status" in m:
        sm = c.mapping(m.get("status"), ("status",), STATUS_FIELDS, {"value", "as_of", "source"})
        if sm is not None:
            # `unknown` is what a case without a status is; saying it needs no source
            value = c.enum(sm.get("value"), ("status", "value"), set(STATUSES) - {"unknown"})
            as_of = c.partial_date(sm.get("as_of"), ("status", "as_of"))
            source = c.url(sm.get("source"), ("status", "source"))
            if source is not None and source not in source_urls:
                c.err(("status", "source"), "must be one of the case's sources")
            if value == "running" and "discontinued" in (m.get("flags") or ()):
                c.err(("status", "value"), "is running, but the case is flagged discontinued")
            if None not in (value, as_of, source):
                status = {"value": value, "as_of": as_of, "source": source}
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


def check_place(raw, path: tuple, c: Checker) -> dict | None:
    m = c.mapping(raw, path, {"id", "name", "type", "parent", "gss", "iso", "lat", "long", "sources", "wikidata"},
                  {"id", "name", "type", "lat", "long"})
    if m is None:
        return None
    place = {
        "id": c.slug(m.get("id"), path + ("id",)),
        "name": c.text(m.get("name"), path + ("name",), max_len=200, one_line=True),
        "type": c.enum(m.get("type"), path + ("type",), PLACE_TYPES),
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
        "id": c.slug(m.get("id"), path + ("id",)),
        "name": c.text(m.get("name"), path + ("name",), max_len=200, one_line=True),
        "type": c.enum(m.get("type"), path + ("type",), ORGANISATION_TYPES),
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
