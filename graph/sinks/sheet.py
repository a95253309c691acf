"""Tables for spreadsheets: what Excel and LibreOffice open as they are, and never run.

UTF-8 with a byte-order mark (Excel reads UTF-8 only with one), CRLF line ends (RFC 4180), and
every text cell a spreadsheet would take as a formula (one starting with = + - @, a tab or a
carriage return) prefixed with ' (OWASP's rule against CSV injection), so no text from the data
is ever executed; numbers stay numbers. The explorer's export.js keeps the same rules in the
browser. (SPARQL results in CSV are not this: the protocol's CSV carries values exactly.)
"""

from __future__ import annotations

import csv
import io

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(h) for h in header])
    writer.writerows([cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
