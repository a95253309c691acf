"""The SPARQL 1.1 Protocol at /sparql: read the request, hand it to the backend, answer in the chosen format.

A query arrives by GET (query=), POST form (query=) or POST application/sparql-query, with an
optional protocol dataset (every default-graph-uri and named-graph-uri, which override FROM and
FROM NAMED). Updates are refused (read-only). What the query is and whether it uses SERVICE is
decided by the query workers on the parsed query (guard.py). The result format comes from
`format=` or the Accept header, negotiated for both result kinds before the query runs, since
only the parsed query says which kind it gives. GET without a query answers the Service
Description to RDF clients and the page for people (`no_query_page`: the pages' hook).
"""

from __future__ import annotations

import re
import urllib.parse
from itertools import islice

import pyoxigraph as ox

from pcmh_kg.publish import negotiation, pages, querypool, service
from pcmh_kg.publish.documents import rdf_bytes
from pcmh_kg.publish.http import Reply, Request, Response
from pcmh_kg.query import guard

MAX_QUERY = 100_000  # characters of a query
READ_ONLY = "this endpoint is read-only: SPARQL Update is refused"
HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


class Endpoint:
    def __init__(self, backend, cfg, catalogue: dict):
        self.backend, self.cfg, self.catalogue = backend, cfg, catalogue

    def read(self, req: Request) -> tuple[str | None, dict]:
        """(query text or None, parameters) from any of the protocol's three ways to send one."""
        params, text = req.params, None
        if req.method == "POST":
            ctype, *ctype_params = [x.strip().lower() for x in (req.headers.get("Content-Type") or "").split(";")]
            if ctype == "application/sparql-update":
                raise Reply(403, READ_ONLY)
            charset = next((x.split("=", 1)[1].strip('"') for x in ctype_params if x.startswith("charset=")), "utf-8")
            if charset not in ("utf-8", "utf8"):
                raise Reply(415, f"requests are read as UTF-8, not {charset}")
            try:
                body = req.body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise Reply(400, f"the request body is not UTF-8: {exc}") from None
            if ctype == "application/x-www-form-urlencoded":
                try:
                    form = urllib.parse.parse_qs(body, keep_blank_values=True, errors="strict")
                except UnicodeDecodeError as exc:
                    raise Reply(400, f"the form is not UTF-8: {exc}") from None
                params = {k: params.get(k, []) + form.get(k, []) for k in params.keys() | form.keys()}
            elif ctype == "application/sparql-query":
                text = body
                if "query" in params:
                    raise Reply(400, "give the query either in the body or as query=, not both")
            else:
                raise Reply(415, "POST a query as application/x-www-form-urlencoded (query=...) or "
                                 "application/sparql-query")
        if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
            raise Reply(403, READ_ONLY)
        if text is None:
            queries = params.get("query", [])
            if len(queries) > 1:
                raise Reply(400, "give one query parameter")
            text = queries[0] if queries else None
        return text, params

    def handle(self, req: Request) -> Response:
        text, params = self.read(req)
        if text is None:
            if req.method == "POST":
                raise Reply(400, "missing the query parameter")
            return self.no_query(req)
        defaults, named = params.get("default-graph-uri"), params.get("named-graph-uri")
        fmt = (params.get("format") or [None])[0]
        return self.answer(text, fmt, req.accept, defaults, named, client=req.client)

    def no_query(self, req: Request) -> Response:
        """GET /sparql without a query: the Service Description for RDF clients, else the page for people."""
        offers = (negotiation.HTML,) + negotiation.RDF
        offer = negotiation.by_format(offers, req.param("format")) or \
            negotiation.by_format(offers, negotiation.negotiate(req.accept, [o.media_type for o in offers]))
        if offer is None or offer is negotiation.HTML:
            return self.no_query_page(req)
        host = req.headers.get("Host") or ""
        host = host if HOST.fullmatch(host) else f"{req.server[0]}:{req.server[1]}"
        triples = service.description(f"http://{host}/sparql", self.cfg.base, self.cfg.dataset, self.cfg.void,
                                      self.cfg.allow_service)
        return Response(200, offer.content_type, rdf_bytes(triples, offer), {"Vary": "Accept"})

    def no_query_page(self, req: Request) -> Response:
        """The page for people at /sparql (the pages helper's editor replaces this)."""
        example = next(iter(self.catalogue.values())).text if self.catalogue else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
        return Response(200, "text/html; charset=utf-8",
                        pages.sparql_form(example, self.cfg.timeout, self.cfg.max_rows, self.cfg.allow_service),
                        {"Vary": "Accept"})

    @staticmethod
    def _pick(offers: tuple, accept: str | None, fmt: str | None) -> negotiation.Offer | None:
        try:
            return negotiation.choose(offers, accept, fmt)
        except negotiation.NotAcceptable:
            return None

    def answer(self, text: str, fmt: str | None, accept: str | None, defaults=None, named=None, *,
               client=None, spreadsheet: bool = False) -> Response:
        if len(text) > MAX_QUERY:
            raise Reply(413, f"queries are limited to {MAX_QUERY} characters")
        res, gra = self._pick(negotiation.RESULTS, accept, fmt), self._pick(negotiation.GRAPHS, accept, fmt)
        if res is None and gra is None:
            raise Reply(406, "no acceptable result format; offered: " + ", ".join(
                o.media_type for o in negotiation.RESULTS + negotiation.RDF))
        name = lambda o: None if o is None else "model" if o is negotiation.HTML else o.name  # noqa: E731
        job = querypool.Job(text, name(res), name(gra), defaults, named, spreadsheet=spreadsheet)
        try:
            ans = self.backend.query(job, client)
        except guard.Refused as exc:
            raise Reply(exc.status, str(exc)) from None
        except (querypool.QueryTimeout, querypool.PoolBusy, querypool.WorkerLost) as exc:
            raise Reply(503, str(exc), headers={"Retry-After": "1"}) from None
        headers = {"Vary": "Accept"}
        if isinstance(ans, querypool.Model):
            if ans.truncated:
                headers["X-Result-Truncated"] = "true"
            note = "only the first results are shown (the answer was cut at this server's limit)" if ans.truncated else ""
            return Response(200, negotiation.HTML.content_type, pages.results_page(
                ans.results, self.cfg.base, text, self._labels_of(ans.results), note), headers)
        if ans.truncated:
            headers["X-Result-Truncated"] = "true"
        offer = gra if ans.kind == "graph" else res
        if spreadsheet and offer.name in ("csv", "tsv"):
            headers["Content-Disposition"] = f'attachment; filename="results.{offer.name}"'
        return Response(200, offer.content_type, ans.body, headers)

    def _labels_of(self, r) -> dict[str, str]:
        terms = [t for row in (r.rows or []) for t in row] if r.kind == "select" else \
            [x for t in (r.triples or []) for x in (t.subject, t.predicate, t.object)]
        iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
        return self.backend.labels(set(islice(iris, 2000)))
