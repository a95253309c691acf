"""Tables for spreadsheets: what Excel and LibreOffice open as they are, and never run.

UTF-8 with a byte-order mark (Excel reads UTF-8 only with one), CRLF line ends (RFC 4180), and
every text cell a spreadsheet would take as a formula (one starting with = + - @, a tab or a
carriage return, unless it is a plain number) prefixed with ' (OWASP's rule against CSV
injection), so no text from the data is ever executed. The query results' spreadsheet downloads
use the same rule (graph/query/results.py), the explorer's export.js its twin in the browser;
the SPARQL protocol's own CSV and TSV carry values exactly, for machines.
"""

from __future__ import annotations

import csv
import io
import re

_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (a plain number stays one).
    Also the rule of the query results' CSV and TSV downloads (graph/query/results.py)."""
    return "'" + text if _FORMULA.match(text) and not _NUMBER.match(text) else text


def cell(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return safe_cell("" if value is None else str(value))


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(h) for h in header])
    writer.writerows([cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
