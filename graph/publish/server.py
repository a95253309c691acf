"""The graph on the web: a SPARQL endpoint, a page for every IRI, the ontology, VoID and dumps.

Built on the standard library's threading HTTP server: the graph is small, the work per request
is in Oxigraph (native code), and a stdlib server keeps the install to what the pipeline already
needs. Strangers' SPARQL runs in killable worker processes (querypool); IRI lookups, which are a
few index scans, run in the server's own copy of the graph. Every handler failure becomes an
HTTP error answer, never a dead server.

An entity IRI is answered directly with 200 (no 303 redirect): the document served at the IRI
describes the thing, with `Vary: Accept` and `Content-Location` naming the representation, as
the W3C "Cool URIs" note allows for non-information resources served by content negotiation.
Its RDF is the entity's own triples plus those of the nodes it owns (IRIs under its own, such
as a case's contact point and lesson evidence).
"""

from __future__ import annotations

import json
import mimetypes
import re
import sys
import threading
import traceback
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from pcmh_kg.build import pipeline as build
from pcmh_kg.model.vocab import DCTERMS, RDFS, SCHEMA, SKOS, Minter
from pcmh_kg.publish import pages, people, querypool
from pcmh_kg.query import catalogue, sparql
from pcmh_kg.query import guard as sparqlguard
from pcmh_kg.query import store as store_mod
from pcmh_kg.sinks import formats, jsonld, registry

MAX_BODY = 1_000_000  # bytes of a POSTed query
MAX_QUERY = 100_000  # characters of a query
MAX_INCOMING = 500  # links listed on an entity page
LABEL_PREDICATES = [SKOS + "prefLabel", RDFS + "label", DCTERMS + "title", SCHEMA + "name"]

RESULT_TYPES = {  # media type -> writer name, in the server's order of preference
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv", "text/html": "html",
}
GRAPH_TYPES = {
    "text/turtle": "turtle", "application/n-triples": "ntriples", "application/ld+json": "jsonld",
    "text/plain": "ntriples", "application/json": "jsonld", "text/html": "html",
}
WRITER_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
                "ntriples": "application/n-triples", "jsonld": "application/ld+json", "html": "text/html"}
FORMAT_ALIASES = {"ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "json-ld": "jsonld",
                  "srj": "json", "srx": "xml"}
ENTITY_TYPES = {"text/html": "html", "application/xhtml+xml": "html", "text/turtle": "turtle",
                "application/ld+json": "jsonld", "application/n-triples": "ntriples", "application/json": "jsonld",
                "text/plain": "ntriples"}
EXTENSIONS = {".ttl": "turtle", ".jsonld": "jsonld", ".nt": "ntriples", ".html": "html"}


class Reply(Exception):
    """An HTTP answer raised from deep in a handler (errors mostly)."""

    def __init__(self, status: int, body: bytes | str, ctype: str = "text/plain; charset=utf-8", headers=None):
        self.status, self.ctype, self.headers = status, ctype, headers or {}
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        super().__init__(status)


# ------------------------------------------------------------------------------ negotiation

def parse_accept(header: str | None) -> list[tuple[str, float]]:
    out = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(f[2:])))
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q))
    return out


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers (ties: the server's order); the first offer without a header."""
    accepted = parse_accept(header)
    if not accepted:
        return offers[0]
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/")[0]
        q = -1.0
        for mt, mq in accepted:
            if mt == offer:
                q = mq
                break
            if mt == f"{kind}/*" or mt == "*/*":
                q = max(q, mq * 0.999)  # an exact match beats a wildcard of the same weight
        if q > best_q:
            best, best_q = offer, q
    return best


# ------------------------------------------------------------------------------ backends

class LocalBackend:
    """The served dump: a store in this process for IRI lookups, worker processes for SPARQL."""

    def __init__(self, dump: Path, *, workers: int, timeout: float, max_rows: int):
        self.store = store_mod.from_dump(dump)
        self.pool = querypool.QueryPool(str(dump), size=workers, timeout=timeout, max_rows=max_rows)

    def query(self, text: str, fmt: str, graph: str | None = None) -> querypool.Answer:
        return self.pool.run(text, fmt)

    def select(self, text: str) -> sparql.Results:
        return sparql.run_local(self.store, text)

    def about(self, iri: str) -> tuple[list, list]:
        node = ox.NamedNode(iri)
        own = [ox.Triple(q.subject, q.predicate, q.object) for q in self.store.quads_for_pattern(node, None, None)]
        owned = sorted({t.object.value for t in own if isinstance(t.object, ox.NamedNode)
                        and t.object.value.startswith(iri + "/")})
        for o in owned:
            own += [ox.Triple(q.subject, q.predicate, q.object)
                    for q in self.store.quads_for_pattern(ox.NamedNode(o), None, None)]
        incoming = [ox.Triple(q.subject, q.predicate, q.object) for q in
                    islice((q for q in self.store.quads_for_pattern(None, None, node)
                            if not q.subject.value.startswith(iri + "/")), MAX_INCOMING)]
        return own, incoming

    def labels(self, iris: set[str]) -> dict[str, str]:
        out = {}
        for value in iris:
            node = ox.NamedNode(value)
            for pred in LABEL_PREDICATES:
                found = [q.object for q in self.store.quads_for_pattern(node, ox.NamedNode(pred), None)]
                if found:
                    out[value] = _pick_label(found)
                    break
        return out

    def close(self) -> None:
        self.pool.close()


class RemoteBackend:
    """Another SPARQL endpoint (--store URL) answers everything; `graph` scopes it (Virtuoso)."""

    def __init__(self, endpoint: str, *, graph: str | None, timeout: float, max_rows: int):
        self.endpoint, self.graph, self.timeout, self.max_rows = endpoint, graph, timeout, max_rows

    def _run(self, text: str, graph: str | None = None) -> sparql.Results:
        try:
            return sparql.run_remote(self.endpoint, text, graph=graph or self.graph, timeout=self.timeout)
        except sparql.EndpointError as exc:
            raise Reply(502, str(exc)) from None

    def query(self, text: str, fmt: str, graph: str | None = None) -> querypool.Answer:
        return querypool.written(self._run(text, graph), fmt, self.max_rows)

    def select(self, text: str) -> sparql.Results:
        return self._run(text)

    def about(self, iri: str) -> tuple[list, list]:
        i = str(ox.NamedNode(iri))
        own = self._run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ BIND({i} AS ?s) ?s ?p ?o }} UNION "
                        f"{{ {i} ?x ?s . ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), CONCAT(STR({i}), \"/\"))) }} }}")
        inc = self._run(f"SELECT ?s ?p WHERE {{ ?s ?p {i} FILTER(!STRSTARTS(STR(?s), CONCAT(STR({i}), \"/\"))) }} "
                        f"LIMIT {MAX_INCOMING}")
        incoming = [ox.Triple(s, p, ox.NamedNode(iri)) for s, p in inc.rows if s is not None and p is not None]
        return list(own.triples), incoming

    def labels(self, iris: set[str]) -> dict[str, str]:
        if not iris:
            return {}
        values = " ".join(str(ox.NamedNode(v)) for v in sorted(iris)[:1000])
        preds = " ".join(f"({str(ox.NamedNode(p))} {n})" for n, p in enumerate(LABEL_PREDICATES))
        r = self._run(f"SELECT ?x ?l ?n WHERE {{ VALUES ?x {{ {values} }} VALUES (?p ?n) {{ {preds} }} ?x ?p ?l }}")
        found: dict[str, list] = {}
        for x, label, n in r.rows:
            if x is not None and isinstance(label, ox.Literal):
                found.setdefault(x.value, []).append((int(n.value), label))
        return {k: _pick_label([lab for n, lab in sorted(v, key=lambda t: t[0]) if n == min(p for p, _ in v)])
                for k, v in found.items()}

    def close(self) -> None:
        pass


def _pick_label(literals: list) -> str:
    for lit in literals:
        if isinstance(lit, ox.Literal) and lit.language in (None, "", "en"):
            return lit.value
    return literals[0].value


# ------------------------------------------------------------------------------ the server

@dataclass
class Config:
    base: str
    dist: Path | None  # the dumps being served (void.ttl, context.jsonld, explorer.html ...)
    timeout: float = 10.0
    max_rows: int = 10_000
    allow_service: bool = False
    quiet: bool = False
    summary: dict = field(default_factory=dict)


class App:
    """Routes a request to an answer: (status, content type, body, extra headers)."""

    def __init__(self, backend, config: Config):
        self.backend, self.cfg = backend, config
        self.base = config.base
        self.minter = Minter(config.base)
        self.catalogue = catalogue.load_catalogue()
        from pcmh_kg import resources

        self.ontology_ttl = (resources.ontology_dir() / "pcmh.ttl").read_bytes()
        self.ontology_html = pages.ontology_page(list(ox.parse(self.ontology_ttl, format=ox.RdfFormat.TURTLE)),
                                                 self.base)
        self.people = people.People(self.base, backend.select, backend.labels)

    def handle(self, method: str, path: str, query: str, headers, body: bytes) -> tuple:
        """Errors become HTML pages with navigation and search for browsers, plain text for machines."""
        try:
            return self.route(method, path, query, headers, body)
        except Reply as r:
            if r.status >= 400 and negotiate(headers.get("Accept"), ["text/plain", "text/html"]) == "text/html":
                return self.people.error(r.status, r.body.decode("utf-8", "replace").strip(), r.headers)
            raise

    # -------------------------------------------------------------- dispatch
    def route(self, method: str, path: str, query: str, headers, body: bytes) -> tuple:
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        accept = headers.get("Accept")
        if path == "/sparql":
            return self.sparql(method, params, headers, body)
        if method == "POST":
            raise Reply(405, "POST is accepted on /sparql only", headers={"Allow": "GET, HEAD, OPTIONS"})
        if path == "/":
            return self.home()
        if path.startswith("/static/"):
            return self.people.static(path[len("/static/"):])
        if path == "/search":
            return self.people.search(params)
        if path.endswith("/") and path.strip("/") in people.INDEX_TITLES:
            return self.people.index(path.strip("/"), params)
        if path == "/queries":
            return 200, "text/html; charset=utf-8", self.queries_page(), {}
        if path.startswith("/queries/"):
            return self.run_catalogue_query(path[len("/queries/"):], params, accept)
        if path in ("/ontology", "/ontology/"):
            fmt = ENTITY_TYPES.get(negotiate(accept, list(ENTITY_TYPES)))
            if fmt == "html":
                return 200, "text/html; charset=utf-8", self.ontology_html, {"Vary": "Accept"}
            if fmt == "turtle":
                return 200, "text/turtle; charset=utf-8", self.ontology_ttl, {"Vary": "Accept"}
            if fmt is None:
                raise Reply(406, "offered: " + ", ".join(ENTITY_TYPES))
            triples = list(ox.parse(self.ontology_ttl, format=ox.RdfFormat.TURTLE))
            return 200, WRITER_TYPES[fmt], self.rdf(triples, fmt), {"Vary": "Accept"}
        if path == "/ontology.ttl":
            return 200, "text/turtle; charset=utf-8", self.ontology_ttl, {}
        if path == "/void":
            return self.void(accept)
        if path == "/explorer":
            return self.dist_file("explorer.html", "run 'pcmh-kg viz' to build the explorer into the served dist/")
        if path == "/dumps" or path == "/dumps/":
            return self.dumps()
        if path.startswith("/dumps/"):
            name = path[len("/dumps/"):]
            if name not in build.OWNED:
                raise Reply(404, f"no dump named {name!r}")
            return self.dist_file(name)
        if path == "/context.jsonld":
            return 200, "application/ld+json", json.dumps(jsonld.context(), indent=2).encode(), {}
        return self.entity(path, params, accept)

    # -------------------------------------------------------------- SPARQL
    def sparql(self, method: str, params: dict, headers, body: bytes) -> tuple:
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        text = None
        if method == "POST":
            if ctype == "application/sparql-update":
                raise Reply(403, "this endpoint is read-only: SPARQL Update is refused")
            if ctype == "application/x-www-form-urlencoded":
                params = {**params, **urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)}
            elif ctype == "application/sparql-query":
                text = body.decode("utf-8", "replace")
            else:
                raise Reply(415, "POST a query as application/x-www-form-urlencoded (query=...) or "
                                 "application/sparql-query")
        if "update" in params:
            raise Reply(403, "this endpoint is read-only: SPARQL Update is refused")
        if text is None:
            queries = params.get("query", [])
            if len(queries) > 1:
                raise Reply(400, "give one query parameter")
            if not queries:
                if method in ("GET", "HEAD"):
                    return self.people.editor(self.catalogue, self._with_defaults, self.cfg.timeout,
                                              self.cfg.max_rows, self.cfg.allow_service)
                raise Reply(400, "missing the query parameter")
            text = queries[0]
        graphs = params.get("default-graph-uri", [])
        return self.answer_query(text, params.get("format", [None])[0], headers.get("Accept"),
                                 graph=graphs[0] if graphs else None, here=("/sparql", params))

    def answer_query(self, text: str, fmt: str | None, accept: str | None, graph: str | None = None,
                     here: tuple = ("/sparql", {})) -> tuple:
        """`here`: the path and parameters asked, for the HTML page's download links."""
        if len(text) > MAX_QUERY:
            raise Reply(413, f"queries are limited to {MAX_QUERY} characters")
        form = sparqlguard.form(text)
        if form == "UPDATE":
            raise Reply(403, "this endpoint is read-only: SPARQL Update is refused")
        if not self.cfg.allow_service and sparqlguard.uses_service(text):
            raise Reply(403, "SERVICE (federated query) is refused by this endpoint")
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        table = GRAPH_TYPES if graph_form else RESULT_TYPES
        if fmt:
            fmt = FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
            if fmt not in table.values():
                raise Reply(400, f"unknown format {fmt!r} for {form or 'this query'}; one of: "
                                 + ", ".join(sorted(set(table.values()))))
        else:
            chosen = negotiate(accept, list(table))
            if chosen is None:
                raise Reply(406, "no acceptable result format; offered: " + ", ".join(table))
            fmt = table[chosen]
        writer = fmt if fmt != "html" else ("ntriples" if graph_form else "json")
        try:
            ans = self.backend.query(text, writer, graph)
        except sparql.QueryError as exc:
            raise Reply(400, str(exc)) from None
        except querypool.QueryTimeout as exc:
            raise Reply(503, str(exc), headers={"Retry-After": "1"}) from None
        except querypool.PoolBusy as exc:
            raise Reply(503, str(exc), headers={"Retry-After": "1"}) from None
        headers = {"Vary": "Accept"}
        if ans.truncated:
            headers["X-Result-Truncated"] = "true"
        if fmt == "html":
            r = (sparql.results_from_json(json.loads(ans.body)) if not graph_form else
                 sparql.Results("graph", triples=list(ox.parse(ans.body, format=ox.RdfFormat.N_TRIPLES))))
            note = f"only the first {self.cfg.max_rows} results are shown" if ans.truncated else ""
            status, ctype, body, extra = self.people.results(r, text, note, here[0], here[1], self._labels_of(r))
            return status, ctype, body, {**headers, **extra}
        if ans.kind == "graph" and fmt not in GRAPH_TYPES.values():
            fmt = "turtle"
        ctype = WRITER_TYPES[fmt] + ("; charset=utf-8" if fmt in ("csv", "tsv", "turtle", "xml") else "")
        return 200, ctype, ans.body, headers

    def _labels_of(self, r: sparql.Results) -> dict[str, str]:
        terms = [t for row in (r.rows or []) for t in row] if r.kind == "select" else \
            [x for t in (r.triples or []) for x in (t.subject, t.predicate, t.object)]
        iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
        return self.backend.labels(set(islice(iris, 2000)))

    # -------------------------------------------------------------- catalogue
    def queries_page(self) -> bytes:
        entries = []
        for q in self.catalogue.values():
            run = f"/queries/{q.name}"
            try:
                bound = sparql.with_bindings(q.text, sparql.bind(q, {}, self.minter))
                direct = "/sparql?" + urllib.parse.urlencode({"query": bound, "format": "html"})
            except sparql.QueryError:
                direct = None  # a parameter without a default: the form asks for it
            entries.append((q, run, direct))
        return pages.queries_page(entries)

    def run_catalogue_query(self, name: str, params: dict, accept: str | None) -> tuple:
        q = self.catalogue.get(name)
        if q is None:
            raise Reply(404, f"no query named {name!r}; see /queries")
        given = {k: v[0] for k, v in params.items() if k != "format"}
        try:
            text = sparql.with_bindings(q.text, sparql.bind(q, given, self.minter))
        except sparql.QueryError as exc:
            raise Reply(400, str(exc)) from None
        return self.answer_query(text, params.get("format", [None])[0], accept, here=(f"/queries/{name}", params))

    # -------------------------------------------------------------- documents
    def _with_defaults(self, q) -> str | None:
        try:
            return sparql.with_bindings(q.text, sparql.bind(q, {}, self.minter))
        except sparql.QueryError:
            return None  # a parameter without a default

    def home(self) -> tuple:
        return self.people.home(self.cfg.summary.get("release"))

    def _dist_path(self, name: str) -> Path:
        if self.cfg.dist is None or not (self.cfg.dist / name).is_file():
            raise Reply(404, f"{name} is not available on this server")
        return self.cfg.dist / name

    def dist_file(self, name: str, missing: str | None = None) -> tuple:
        try:
            path = self._dist_path(name)
        except Reply:
            raise Reply(404, missing or f"{name} is not available on this server") from None
        ctype = {".nt": "application/n-triples", ".ttl": "text/turtle; charset=utf-8",
                 ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml", ".json": "application/json",
                 ".html": "text/html; charset=utf-8"}.get(path.suffix) or mimetypes.guess_type(name)[0] \
            or "application/octet-stream"
        return 200, ctype, path, {}

    def dumps(self) -> tuple:
        files = []
        if self.cfg.dist is not None:
            files = [(n, (self.cfg.dist / n).stat().st_size) for n in sorted(build.OWNED)
                     if (self.cfg.dist / n).is_file()]
        return 200, "text/html; charset=utf-8", pages.dumps_page(files), {}

    def void(self, accept: str | None) -> tuple:
        path = self._dist_path("void.ttl")
        choice = negotiate(accept, ["text/turtle", "text/html", "application/ld+json", "application/n-triples"])
        if choice in (None, "text/turtle"):
            return 200, "text/turtle; charset=utf-8", path, {"Vary": "Accept"}
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        if choice == "text/html":
            status, ctype, body, extra = self.people.entity(self.minter.dataset, triples, [],
                                                            [("Turtle", "/dumps/void.ttl", "text/turtle")])
            return status, ctype, body, {"Vary": "Accept", **extra}
        return 200, WRITER_TYPES[GRAPH_TYPES[choice]], self.rdf(triples, GRAPH_TYPES[choice]), {"Vary": "Accept"}

    # -------------------------------------------------------------- entities
    def _void_about(self, iri: str) -> list:
        if self.cfg.dist is None or not (self.cfg.dist / "void.ttl").is_file():
            return []
        if getattr(self, "_void", None) is None:
            self._void = list(ox.parse(path=str(self.cfg.dist / "void.ttl"), format=ox.RdfFormat.TURTLE))
        return [t for t in self._void if isinstance(t.subject, ox.NamedNode) and t.subject.value == iri]

    def rdf(self, triples: list, fmt: str) -> bytes:
        if fmt == "jsonld":
            return jsonld.document(triples)
        if fmt == "turtle":
            return formats.turtle_document(formats.from_oxigraph(triples))
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)

    def entity(self, path: str, params: dict, accept: str | None) -> tuple:
        local = urllib.parse.unquote(path.lstrip("/"))
        fmt = None
        for ext, f in EXTENSIONS.items():
            if local.endswith(ext):
                local, fmt = local[: -len(ext)], f
                break
        if not local or not re.fullmatch(r"[A-Za-z0-9._~/-]+", local) or "//" in local or ".." in local:
            raise Reply(404, f"nothing is published at {path}")
        iri = self.base + local
        own, incoming = self.backend.about(iri)
        if not own and not incoming and iri.startswith(self.minter.dataset + "/"):
            own = self._void_about(iri)  # VoID's partitions live in void.ttl, not in the served graph
        if not own and not incoming:
            raise Reply(404, f"nothing is known about <{iri}>")
        if fmt is None:
            wanted = params.get("format", [None])[0]
            fmt = FORMAT_ALIASES.get(wanted, wanted) if wanted else ENTITY_TYPES.get(negotiate(accept, list(ENTITY_TYPES)))
            if fmt not in EXTENSIONS.values():
                raise Reply(406, "offered: " + ", ".join(ENTITY_TYPES))
        where = "/" + local
        headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'}
        if fmt == "html":
            formats = [(f.label, where + f.extension, f.media_type) for f in registry.FORMATS
                       if f.extension in EXTENSIONS]  # every RDF format this server writes for an IRI
            status, ctype, body, extra = self.people.entity(iri, own, incoming, formats)
            headers["Content-Location"] = where + ".html"
            return status, ctype, body, {**headers, **extra}
        ext = {v: k for k, v in EXTENSIONS.items()}[fmt]
        headers["Content-Location"] = where + ext
        ctype = {"turtle": "text/turtle; charset=utf-8", "jsonld": "application/ld+json",
                 "ntriples": "application/n-triples"}[fmt]
        return 200, ctype, self.rdf(own, fmt), headers


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pcmh-kg"
    timeout = 60  # seconds a client may take to send its request
    app: App  # set by make_server

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_OPTIONS(self):
        self.send(204, "text/plain", b"", {"Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
                                            "Access-Control-Allow-Headers": "Accept, Content-Type",
                                            "Access-Control-Max-Age": "86400"})

    def _refuse(self):
        self.send(405, "text/plain; charset=utf-8", b"this server is read-only\n", {"Allow": "GET, HEAD, POST, OPTIONS"})

    do_PUT = do_DELETE = do_PATCH = _refuse

    def dispatch(self, method: str) -> None:
        try:
            url = urllib.parse.urlsplit(self.path)
            body = b""
            if method == "POST":
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    raise Reply(400, "bad Content-Length") from None
                if length > MAX_BODY or length < 0:
                    self.close_connection = True
                    left = min(max(length, 0), 16 * MAX_BODY)  # drain it, so the client reads our answer
                    while left > 0:
                        chunk = self.rfile.read(min(left, 65536))
                        if not chunk:
                            break
                        left -= len(chunk)
                    raise Reply(413, f"request bodies are limited to {MAX_BODY} bytes")
                body = self.rfile.read(length)
            status, ctype, payload, headers = self.app.handle(method, url.path, url.query, self.headers, body)
        except Reply as r:
            status, ctype, payload, headers = r.status, r.ctype, r.body, r.headers
            if status >= 400 and not payload.endswith(b"\n"):
                payload += b"\n"
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        except Exception as exc:  # noqa: BLE001 - a bug answers 500 and the server keeps serving
            traceback.print_exc(file=sys.stderr)
            status, ctype, payload, headers = 500, "text/plain; charset=utf-8", f"internal error: {exc}\n".encode(), {}
        try:
            self.send(status, ctype, payload, headers, head_only=method == "HEAD")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send(self, status: int, ctype: str, payload, headers: dict, head_only: bool = False) -> None:
        if isinstance(payload, Path):
            data = payload.read_bytes()
        else:
            data = payload
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head_only:
            self.wfile.write(data)

    def log_message(self, fmt, *args):
        if not self.app.cfg.quiet:
            super().log_message(fmt, *args)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def make_server(app: App, host: str, port: int) -> Server:
    handler = type("BoundHandler", (Handler,), {"app": app})
    return Server((host, port), handler)


def serve_in_thread(app: App, host: str = "127.0.0.1", port: int = 0) -> tuple[Server, threading.Thread]:
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="pcmh-kg-serve")
    thread.start()
    return server, thread
