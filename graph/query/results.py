"""Query results: one model for every source, and every writer of it, bounded in rows and bytes.

A result is `Results` (variables and rows of pyoxigraph terms, a boolean, or triples), whether it
came from the embedded store or a remote endpoint's JSON. Writers are incremental: a SELECT is
written row by row and stops at `max_rows` rows or `max_bytes` bytes, whichever comes first, so
neither the worker's memory nor the answer grows with a hostile query (a row of 20 KB times
10,000 rows would be 200 MB). A cut result says so (`Written.truncated`).

CSV/TSV: the SPARQL 1.1 results formats are written exactly (machines read them). `spreadsheet=True`
(the command line's CSV/TSV, the catalogue's downloads) also neutralises cells a spreadsheet would
run as a formula, as OWASP advises: a cell starting with = + - @ tab or CR gets a leading '
(plain numbers such as -2 are left alone).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from pcmh_kg.model import labels
from pcmh_kg.model.vocab import XSD
from pcmh_kg.sinks import document, registry
from pcmh_kg.sinks.sheet import safe_cell

NO_LIMIT = 1 << 62


@dataclass
class Results:
    kind: str  # "select" | "ask" | "graph"
    variables: list[str] | None = None
    rows: list[list] | None = None  # pyoxigraph terms or None for unbound
    boolean: bool | None = None
    triples: list | None = None


@dataclass
class Written:
    kind: str  # select | ask | graph
    body: bytes
    truncated: bool
    rows: int


def from_oxigraph(result, max_rows: int = NO_LIMIT, max_bytes: int = NO_LIMIT) -> tuple[Results, bool]:
    """(Results, truncated): rows or triples read from Oxigraph's iterator until `max_rows` of them
    or about `max_bytes` of their text, so memory stays bounded whatever the query asks for."""
    if isinstance(result, ox.QueryBoolean):
        return Results("ask", boolean=bool(result)), False
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        items = (list(sol) for sol in result)  # values in variable order, None where unbound
    else:
        variables, items = None, iter(result)
    out, size = [], 0
    for item in islice(items, max_rows + 1):
        size += sum(len(t.value) + 8 for t in item if t is not None) if variables is not None else len(str(item))
        if len(out) == max_rows or size > max_bytes:
            return (Results("select", variables, out) if variables is not None else Results("graph", triples=out)), True
        out.append(item)
    return (Results("select", variables, out) if variables is not None else Results("graph", triples=out)), False


def from_json(doc: dict) -> Results:
    if "boolean" in doc:
        return Results("ask", boolean=bool(doc["boolean"]))
    variables = doc["head"].get("vars", [])
    rows = [[_term_from_json(b.get(v)) for v in variables] for b in doc["results"]["bindings"]]
    return Results("select", variables, rows)


def _term_from_json(t):
    if t is None:
        return None
    kind = t["type"]
    if kind == "uri":
        return ox.NamedNode(t["value"])
    if kind == "bnode":
        return ox.BlankNode(t["value"])
    if "xml:lang" in t:
        return ox.Literal(t["value"], language=t["xml:lang"])
    if t.get("datatype"):
        return ox.Literal(t["value"], datatype=ox.NamedNode(t["datatype"]))
    return ox.Literal(t["value"])


# ----------------------------------------------------------------------------- cells

def plain(t) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    return t.value


def _safe_term(t):
    """A TSV term whose text a spreadsheet cannot run: spreadsheets strip the quotes of "=1+1"."""
    if isinstance(t, ox.Literal) and safe_cell(t.value) != t.value:
        return ox.Literal(safe_cell(t.value), language=t.language) if t.language else \
            ox.Literal(safe_cell(t.value), datatype=t.datatype)
    return t


def _json_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD + "string":
        out["datatype"] = t.datatype.value
    return out


def _xml_term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if t.language:
        return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
    if t.datatype.value != XSD + "string":
        return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
    return f"<literal>{escape(t.value)}</literal>"


def _csv_line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()


# ----------------------------------------------------------------------------- writers

class Format:
    """A SELECT/ASK results format, written in three parts: head, one piece per row, tail."""

    def __init__(self, head, row, tail, boolean, sep: str = ""):
        self.head, self.row, self.tail, self.boolean, self.sep = head, row, tail, boolean, sep


_XML_NS = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>\n'
FORMATS = {
    "json": Format(
        lambda vs, _: '{"head": {"vars": ' + json.dumps(vs) + '}, "results": {"bindings": [\n',
        lambda vs, row, _: json.dumps({v: _json_term(t) for v, t in zip(vs, row) if t is not None}, ensure_ascii=False),
        lambda: "\n]}}\n", lambda b: json.dumps({"head": {}, "boolean": b}) + "\n", sep=",\n"),
    "xml": Format(
        lambda vs, _: _XML_NS + "".join(f"<variable name={quoteattr(v)}/>\n" for v in vs) + "</head>\n<results>\n",
        lambda vs, row, _: "<result>" + "".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                                                for v, t in zip(vs, row) if t is not None) + "</result>\n",
        lambda: "</results>\n</sparql>\n",
        lambda b: _XML_NS + f"</head>\n<boolean>{'true' if b else 'false'}</boolean>\n</sparql>\n"),
    "csv": Format(
        lambda vs, safe: _csv_line(vs),
        lambda vs, row, safe: _csv_line([safe_cell(plain(t)) if safe else plain(t) for t in row]),
        lambda: "", lambda b: "boolean\r\n" + ("true" if b else "false") + "\r\n"),
    "tsv": Format(
        lambda vs, safe: "\t".join(f"?{v}" for v in vs) + "\n",
        lambda vs, row, safe: "\t".join("" if t is None else str(_safe_term(t) if safe else t) for t in row) + "\n",
        lambda: "", lambda b: "?boolean\n" + ("true" if b else "false") + "\n"),
}


def write(r: Results, fmt: str, *, max_rows: int = NO_LIMIT, max_bytes: int = NO_LIMIT,
          spreadsheet: bool = False, truncated: bool = False) -> Written:
    """`r` in results format `fmt` (json, xml, csv, tsv) or, for a graph, RDF format `fmt`
    (a registry name), cut at `max_rows` rows and `max_bytes` bytes."""
    if r.kind == "graph":
        return write_graph(r.triples, fmt, max_rows=max_rows, max_bytes=max_bytes, truncated=truncated)
    f = FORMATS[fmt]
    if r.kind == "ask":
        return Written("ask", f.boolean(r.boolean).encode(), False, 1)
    parts, size, n = [f.head(r.variables, spreadsheet).encode("utf-8")], 0, 0
    size = len(parts[0])
    tail = f.tail().encode("utf-8")
    for row in r.rows:
        if n >= max_rows:
            truncated = True
            break
        piece = ((f.sep if n else "") + f.row(r.variables, row, spreadsheet)).encode("utf-8")
        if size + len(piece) + len(tail) > max_bytes:
            truncated = True
            break
        parts.append(piece)
        size += len(piece)
        n += 1
    parts.append(tail)
    return Written("select", b"".join(parts), truncated, n)


def write_graph(triples: list, fmt: str, *, max_rows: int = NO_LIMIT, max_bytes: int = NO_LIMIT,
                truncated: bool = False) -> Written:
    """Triples in RDF format `fmt`, cut to fit: N-Triples size decides the cut, then the written
    document is checked and halved until it fits."""
    rdf = registry.BY_NAME[fmt]
    if len(triples) > max_rows:
        triples, truncated = triples[:max_rows], True
    size, keep = 0, len(triples)
    for i, t in enumerate(triples):
        size += len(str(t)) + 3
        if size > max_bytes:
            keep, truncated = i, True
            break
    triples = triples[:keep]
    body = document.write(triples, rdf)
    while len(body) > max_bytes and triples:
        triples, truncated = triples[: len(triples) // 2], True
        body = document.write(triples, rdf)
    return Written("graph", body, truncated, len(triples))


# ----------------------------------------------------------------------------- for people

def table(headers: list[str], rows: list[list], max_width: int = 60) -> str:
    """A plain-text table with aligned columns, cells cut at `max_width` characters."""
    cells = [[str(c).replace("\n", " ") for c in row] for row in rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    line = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(row) for row in cells])


def render(r: Results, fmt: str, base: str) -> bytes:
    """The command line's output: a table for people, spreadsheet-safe CSV/TSV, JSON; graphs as RDF."""
    if r.kind == "graph":
        return write_graph(r.triples, {"table": "ttl", "csv": "nt", "tsv": "nt", "json": "jsonld"}[fmt]).body
    if fmt != "table":
        return write(r, fmt, spreadsheet=True).body
    if r.kind == "ask":
        return b"yes\n" if r.boolean else b"no\n"
    n = len(r.rows)
    text = table(r.variables, [[labels.text(t, base) for t in row] for row in r.rows])
    return (text + f"\n({n} row{'s' if n != 1 else ''})\n").encode("utf-8")
