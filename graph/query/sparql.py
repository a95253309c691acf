"""Running SPARQL on the embedded store or a remote endpoint, with parameters bound as RDF terms.

A parameter never becomes query syntax: its value is checked against its declared type, turned
into an RDF term, and bound with a VALUES block at the start of the query's outermost WHERE
group. The same binding works on Oxigraph, Virtuoso, Fuseki or GraphDB (pyoxigraph's own
substitution only accepts projected variables), so a query gives the same rows everywhere.
Results from either side become one model (variables, rows of pyoxigraph terms), written out by
one set of writers.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox

from pcmh_kg.model.vocab import PCMH, PREFIXES, SCOPES, SLUG, XSD, Minter
from pcmh_kg.query import results
from pcmh_kg.query.catalogue import Param, Query
from pcmh_kg.query.results import Results

DEFAULT_TIMEOUT = 30.0


class QueryError(ValueError):
    """A query or parameter the user must fix (unknown name, wrong type, syntax error)."""


class EndpointError(RuntimeError):
    """The remote store refused or failed; carries its message."""


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
            raise QueryError(f"parameter {param.name} must be a {kind} id such as '{EXAMPLE_IDS[kind]}', got {value!r}")
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


EXAMPLE_IDS = {"theme": "coordinated-care", "tag": "older-people", "place": "lambeth",
               "organisation": "london-mental-health-scn", "case": "lambeth-living-well-collaborative"}
ID_KINDS = ("lesson", "theme", "tag", "place", "organisation", "case")


def check_ids(query: Query, terms: dict[str, object], m: Minter, run) -> None:
    """Refuse a parameter naming an id the graph does not hold (it would give 0 rows, silently),
    with the closest ids of that kind. `run(text) -> Results` asks the graph (local or remote)."""
    import difflib

    for p in query.params:
        term = terms.get(p.name)
        if p.type not in ID_KINDS or not isinstance(term, ox.NamedNode):
            continue
        if run(f"ASK {{ {term} ?p ?o }}").boolean:
            continue
        prefix = m.lesson(0)[:-1] if p.type == "lesson" else getattr(m, p.type)("")
        found = run(f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefix}")) }}')
        ids = sorted({t.value[len(prefix):] for (t,) in found.rows if t is not None and "/" not in t.value[len(prefix):]})
        given = term.value[len(prefix):]
        close = difflib.get_close_matches(given, ids, n=3, cutoff=0.5)
        if not ids:
            raise QueryError(f"parameter {p.name}: the graph holds no {p.type} at all under {prefix} "
                             f"(is --base the base the graph was built with?)")
        hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else \
            f"known {p.type} ids include {', '.join(repr(i) for i in ids[:5])}"
        raise QueryError(f"parameter {p.name}: no {p.type} {given!r} in the graph; {hint}")


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


def run_local(store: ox.Store, text: str, base: str | None = None, *, prologue: str = "") -> Results:
    """`text` on the embedded store; relative IRIs resolve against `base`, as on the server;
    `prologue` (e.g. missing_prefixes(text)) is put before the text, and errors point into the text."""
    try:
        return results.from_oxigraph(store.query(prologue + text, base_iri=base))[0]
    except SyntaxError as exc:
        raise QueryError(syntax_message(str(exc), text, prologue)) from None


def run_remote(endpoint: str, text: str, *, default_graphs=(), named_graphs=(), timeout: float = DEFAULT_TIMEOUT,
               user: str | None = None, password: str | None = None, max_bytes: int | None = None) -> Results:
    """SPARQL 1.1 Protocol POST with the protocol dataset (every default-graph-uri and
    named-graph-uri; Virtuoso needs the graph named); an answer over `max_bytes` is refused."""
    pairs = [("query", text)] + [("default-graph-uri", g) for g in default_graphs] + \
        [("named-graph-uri", g) for g in named_graphs]
    body = urllib.parse.urlencode(pairs).encode()
    accept = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
    req = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    try:
        http = opener(endpoint, user, password)
        with http.open(req, timeout=timeout) as resp:
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
            payload = resp.read(max_bytes + 1) if max_bytes else resp.read()
    except urllib.error.HTTPError as exc:
        message = exc.read(4000).decode("utf-8", "replace")[:2000]
        if exc.code == 400:
            raise QueryError(f"the endpoint rejected the query: {message}") from None
        raise EndpointError(f"{endpoint} answered {exc.code}: {message}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:  # ValueError: a malformed URL such as http://[::1/
        raise EndpointError(f"cannot reach {endpoint}: {getattr(exc, 'reason', exc)}") from None
    if max_bytes and len(payload) > max_bytes:
        raise EndpointError(f"{endpoint} answered more than {max_bytes} bytes; narrow the query or add a LIMIT")
    try:
        if ctype in ("application/sparql-results+json", "application/json"):
            return results.from_json(json.loads(payload))
        fmt = ox.RdfFormat.from_media_type(ctype) or ox.RdfFormat.N_TRIPLES
        return Results("graph", triples=list(ox.parse(payload, format=fmt)))
    except (ValueError, KeyError, TypeError, SyntaxError) as exc:
        raise EndpointError(f"{endpoint} answered something that is not SPARQL results ({ctype}): {exc}") from None


def store_base(endpoint: str, *, default_graphs=(), timeout: float = DEFAULT_TIMEOUT, user=None, password=None):
    """The base IRI a store's copy of the graph was built with, or None if it holds none: its
    VoID void:uriSpace when the store holds void.ttl, else read off a lesson's IRI (<base>lesson/N),
    since the dump a partner loads carries no VoID."""
    void = ("SELECT DISTINCT ?b WHERE { ?d a <http://rdfs.org/ns/void#Dataset> ; "
            "<http://rdfs.org/ns/void#uriSpace> ?b } LIMIT 2")
    lesson = (f"SELECT DISTINCT ?b WHERE {{ ?l a <{PCMH}Lesson> "
              'BIND(REPLACE(STR(?l), "lesson/[0-9]+$", "") AS ?b) FILTER(?b != STR(?l)) } LIMIT 2')
    for text in (void, lesson):
        r = run_remote(endpoint, text, default_graphs=default_graphs, timeout=timeout, user=user, password=password)
        found = {row[0].value for row in r.rows if row and row[0] is not None}
        if len(found) == 1:
            return found.pop()
    return None


def opener(url: str, user: str | None, password: str | None):
    """An HTTP opener that answers digest (Virtuoso) or basic auth challenges when a user is given."""
    if not user:
        return urllib.request.build_opener()
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, url, user, password or "")
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr),
                                       urllib.request.HTTPBasicAuthHandler(mgr))
