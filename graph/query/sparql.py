"""Running SPARQL on the embedded store or a remote endpoint, with parameters bound as RDF terms.

A parameter never becomes query syntax: its value is checked against its declared type, turned
into an RDF term, and bound with a VALUES block at the start of the query's outermost WHERE
group. The same binding works on Oxigraph, Virtuoso, Fuseki or GraphDB (pyoxigraph's own
substitution only accepts projected variables), so a query gives the same rows everywhere.
Results from either side become one model (variables, rows of pyoxigraph terms), written out by
one set of writers.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pyoxigraph as ox

from pcmh_kg.model import labels
from pcmh_kg.model.vocab import PCMH, PREFIXES, SCOPES, XSD, Minter
from pcmh_kg.query.catalogue import Param, Query
from pcmh_kg.sources.schema import SLUG

DEFAULT_TIMEOUT = 30.0


class QueryError(ValueError):
    """A query or parameter the user must fix (unknown name, wrong type, syntax error)."""


class EndpointError(RuntimeError):
    """The remote store refused or failed; carries its message."""


@dataclass
class Results:
    kind: str  # "select" | "ask" | "graph"
    variables: list[str] | None = None
    rows: list[list] | None = None  # pyoxigraph terms or None for unbound
    boolean: bool | None = None
    triples: list | None = None


# ------------------------------------------------------------------------------- parameters

def parse_params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param takes name=value, got {pair!r}")
        out[name.strip()] = value
    return out


def term_for(param: Param, value: str, m: Minter):
    """The RDF term for one parameter value, checked against the parameter's type."""
    kind = param.type
    v = value.strip()
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d{1,12}", v):
            raise QueryError(f"parameter {param.name} must be a whole number, got {value!r}")
        return ox.Literal(str(int(v)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "year":
        if not re.fullmatch(r"\d{4}", v):
            raise QueryError(f"parameter {param.name} must be a year such as 2014, got {value!r}")
        return ox.Literal(str(int(v)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "string":
        return ox.Literal(value)
    if kind == "lesson":
        if not re.fullmatch(r"\d{1,2}", v):
            raise QueryError(f"parameter {param.name} must be a lesson number 1-10, got {value!r}")
        return ox.NamedNode(m.lesson(int(v)))
    if kind == "scope":
        if v not in SCOPES:
            raise QueryError(f"parameter {param.name} must be one of {', '.join(SCOPES)}, got {value!r}")
        return ox.NamedNode(PCMH + SCOPES[v])
    if kind in ("theme", "tag", "place", "organisation", "case"):
        if not SLUG.match(v):
            raise QueryError(f"parameter {param.name} must be a {kind} id such as 'older-people', got {value!r}")
        return ox.NamedNode(getattr(m, kind)(v))
    if kind == "iri":
        try:
            node = ox.NamedNode(v)
        except ValueError as exc:
            raise QueryError(f"parameter {param.name} must be an IRI: {exc}") from None
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", v):
            raise QueryError(f"parameter {param.name} must be an absolute IRI, got {value!r}")
        return node
    raise QueryError(f"parameter {param.name} has unknown type {kind}")  # pragma: no cover


def bind(query: Query, given: dict[str, str], m: Minter) -> dict[str, object]:
    known = {p.name: p for p in query.params}
    for name in given:
        if name not in known:
            names = ", ".join(known) or "none"
            raise QueryError(f"query {query.name} has no parameter {name!r} (its parameters: {names})")
    out = {}
    for p in query.params:
        value = given.get(p.name, p.default)
        if value is None:
            raise QueryError(f"query {query.name} needs --param {p.name}=... ({p.type}: {p.description})")
        out[p.name] = term_for(p, value, m)
    return out


_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      |(?P<string>\"\"\"(?:[^\\]|\\.)*?\"\"\"|'''(?:[^\\]|\\.)*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      |(?P<open>\{)|(?P<close>\})
      |(?P<where>\bWHERE\b)
      |(?P<other>[^\s{}#"'<]+|<|\s+)""",
    re.X | re.S | re.I,
)


def where_brace(text: str) -> int:
    """Offset just after the '{' that opens the query's outermost WHERE group."""
    depth = 0
    after_where = False
    first_top_brace = None
    seen_where = False
    for tok in _TOKEN.finditer(text):
        kind = tok.lastgroup
        if kind == "open":
            if depth == 0:
                if after_where:
                    return tok.end()
                if first_top_brace is None:
                    first_top_brace = tok.end()
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "where" and depth == 0:
            after_where = True
            seen_where = True
    if seen_where or first_top_brace is None:
        raise QueryError("cannot find the query's WHERE group to bind parameters")
    return first_top_brace


def with_bindings(text: str, terms: dict[str, object]) -> str:
    if not terms:
        return text
    names = " ".join(f"?{n}" for n in terms)
    values = " ".join(str(t) for t in terms.values())
    at = where_brace(text)
    return f"{text[:at]} VALUES ({names}) {{ ({values}) }} {text[at:]}"


# --------------------------------------------------------------------------------- running

PROLOGUE = " ".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()) + " "
_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.I)
_ERROR_AT = re.compile(r"error at (\d+):(\d+): (.*)", re.S)


def missing_prefixes(text: str) -> str:
    """The project's PREFIX declarations for a hand-written query that declares none of them
    (one line, so positions in the query's own lines stay as the author sees them)."""
    declared = {m.group(1) or "" for m in _DECLARED.finditer(text)}
    return "" if declared & set(PREFIXES) else PROLOGUE


def syntax_message(message: str, text: str, prologue: str = "") -> str:
    """A parser error as one line: where, what stands there, and the keywords that would fit."""
    m = _ERROR_AT.match(message)
    if not m:
        return "SPARQL syntax error: " + " ".join(message.split())
    line, col, detail = int(m.group(1)), int(m.group(2)), m.group(3)
    if line == 1:
        col -= len(prologue)
    before = (text.splitlines() or [""])[line - 1][: max(col - 1, 0)] if line <= len(text.splitlines()) else ""
    where = f"SPARQL syntax error at line {line}, column {max(col, 1)}"
    if "Prefix not found" in detail:
        name = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*$", before)
        return f"{where}: prefix {(name.group(1) or '') + ':' if name else ''!r} is not declared (add a PREFIX line)"
    words = [w for w in re.findall(r"(?<![\[\w'])([A-Z][A-Z_]+|'[^']{1,3}')(?![\w\]])", detail.split("[")[0])]
    near = before[-20:].strip()
    return (f"{where}" + (f", just after {near!r}" if near else "")
            + (f" (the parser expected one of {', '.join(words[:6])})" if words else ""))


def run_local(store: ox.Store, text: str, *, default_graph=None, prologue: str = "") -> Results:
    """`prologue` (e.g. missing_prefixes(text)) is put before the text; errors point into the text."""
    try:
        kwargs = {"default_graph": default_graph} if default_graph is not None else {}
        result = store.query(prologue + text, **kwargs)
    except SyntaxError as exc:
        raise QueryError(syntax_message(str(exc), text, prologue)) from None
    return _from_oxigraph(result)


def _from_oxigraph(result) -> Results:
    if isinstance(result, ox.QueryBoolean):
        return Results("ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [list(sol) for sol in result]  # values in variable order, None where unbound
        return Results("select", variables, rows)
    return Results("graph", triples=list(result))


def run_remote(endpoint: str, text: str, *, graph: str | None = None, timeout: float = DEFAULT_TIMEOUT,
               user: str | None = None, password: str | None = None) -> Results:
    """SPARQL 1.1 Protocol POST; `graph` scopes the default graph (needed on Virtuoso)."""
    params = {"query": text}
    if graph:
        params["default-graph-uri"] = graph
    body = urllib.parse.urlencode(params).encode()
    accept = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
    req = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    http = opener(endpoint, user, password)
    try:
        with http.open(req, timeout=timeout) as resp:
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
            payload = resp.read()
    except urllib.error.HTTPError as exc:
        message = exc.read().decode("utf-8", "replace")[:2000]
        if exc.code == 400:
            raise QueryError(f"the endpoint rejected the query: {message}") from None
        raise EndpointError(f"{endpoint} answered {exc.code}: {message}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise EndpointError(f"cannot reach {endpoint}: {getattr(exc, 'reason', exc)}") from None
    if ctype in ("application/sparql-results+json", "application/json"):
        return results_from_json(json.loads(payload))
    fmt = ox.RdfFormat.from_media_type(ctype) or ox.RdfFormat.N_TRIPLES
    return Results("graph", triples=list(ox.parse(payload, format=fmt)))


def opener(url: str, user: str | None, password: str | None):
    """An HTTP opener that answers digest (Virtuoso) or basic auth challenges when a user is given."""
    if not user:
        return urllib.request.build_opener()
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, url, user, password or "")
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr),
                                       urllib.request.HTTPBasicAuthHandler(mgr))


def results_from_json(doc: dict) -> Results:
    if "boolean" in doc:
        return Results("ask", boolean=bool(doc["boolean"]))
    variables = doc["head"].get("vars", [])
    rows = []
    for binding in doc["results"]["bindings"]:
        rows.append([_term_from_json(binding.get(v)) for v in variables])
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


def run(query_text: str, *, store: ox.Store | None = None, endpoint: str | None = None,
        graph: str | None = None, timeout: float = DEFAULT_TIMEOUT, user=None, password=None) -> Results:
    if endpoint:
        return run_remote(endpoint, query_text, graph=graph, timeout=timeout, user=user, password=password)
    return run_local(store, query_text)


# --------------------------------------------------------------------------------- writing

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


def to_json(r: Results) -> str:
    if r.kind == "ask":
        return json.dumps({"head": {}, "boolean": r.boolean})
    doc = {"head": {"vars": r.variables},
           "results": {"bindings": [{v: _json_term(t) for v, t in zip(r.variables, row) if t is not None}
                                    for row in r.rows]}}
    return json.dumps(doc, ensure_ascii=False, indent=1)


def _plain(t) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    return t.value


def to_csv(r: Results) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if r.kind == "ask":
        w.writerow(["boolean"])
        w.writerow(["true" if r.boolean else "false"])
    else:
        w.writerow(r.variables)
        for row in r.rows:
            w.writerow([_plain(t) for t in row])
    return buf.getvalue()


def to_tsv(r: Results) -> str:
    if r.kind == "ask":
        return "?boolean\n" + ("true" if r.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in r.variables)]
    for row in r.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return "\n".join(lines) + "\n"


def to_table(r: Results, base: str, max_width: int = 60) -> str:
    if r.kind == "ask":
        return "yes" if r.boolean else "no"
    cells = [[labels.text(t, base).replace("\n", " ") for t in row] for row in r.rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    widths = [max([len(v)] + [len(row[i]) for row in cells]) for i, v in enumerate(r.variables)]
    line = "  ".join(v.ljust(w) for v, w in zip(r.variables, widths)).rstrip()
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out)


def write_graph(r: Results, fmt: str) -> bytes:
    rdf = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
           "jsonld": ox.RdfFormat.JSON_LD}.get(fmt, ox.RdfFormat.TURTLE)
    return ox.serialize(r.triples, format=rdf, prefixes=PREFIXES if rdf != ox.RdfFormat.N_TRIPLES else None)


def render(r: Results, fmt: str, base: str) -> str | bytes:
    if r.kind == "graph":
        return write_graph(r, {"table": "turtle", "csv": "ntriples", "tsv": "ntriples", "json": "jsonld"}.get(fmt, fmt))
    return {"table": lambda: to_table(r, base), "csv": lambda: to_csv(r), "tsv": lambda: to_tsv(r),
            "json": lambda: to_json(r)}[fmt]()
