"""The field checker: one record's fields read as text, ids, numbers, dates and web addresses.

One checker serves YAML files and spreadsheet rows alike, so that an imported case is held to
exactly the rules of a hand-written one. Problems carry the field's path; the caller turns the
path into a line (YAML) or a column (CSV). What fields a record has is schema.py's business.
"""

from __future__ import annotations

import datetime as _dt
import re
from urllib.parse import urlsplit

from pcmh_kg.model.vocab import SLUG
from pcmh_kg.sources.iri import iri_problem

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,5}\)?[\s.-]?){2,4}\d{3,4}")
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')
SLUG_MAX = 120  # an id names a file (at most 255 bytes) and ends IRIs; ours stay under 80
# ASCII digits only (re.ASCII): int() reads other scripts' digits, which no date in the dumps may carry
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z", re.ASCII)
DATE_YEARS = (1900, 2100)
MAX_ITEMS = 200  # items of any list in one record (sources, tags, organisations, ...)


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
