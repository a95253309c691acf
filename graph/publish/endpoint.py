"""The SPARQL 1.1 Protocol at /sparql: read the request, check the query, answer in the chosen format.

A query arrives by GET (query=), POST form (query=) or POST application/sparql-query. Updates are
refused (read-only), SERVICE is refused unless allowed, and the result format comes from
`format=` or the Accept header (negotiation). The backend runs the query and writes it; HTML is
drawn from the same results for people.
"""

from __future__ import annotations

import json
import urllib.parse
from itertools import islice

import pyoxigraph as ox

from pcmh_kg.publish import negotiation, pages, querypool
from pcmh_kg.publish.http import Reply, Request, Response
from pcmh_kg.query import guard as sparqlguard
from pcmh_kg.query import sparql

MAX_QUERY = 100_000  # characters of a query
READ_ONLY = "this endpoint is read-only: SPARQL Update is refused"


class Endpoint:
    def __init__(self, backend, cfg, catalogue: dict):
        self.backend, self.cfg, self.catalogue = backend, cfg, catalogue

    def handle(self, req: Request) -> Response:
        params, text = req.params, None
        if req.method == "POST":
            ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/sparql-update":
                raise Reply(403, READ_ONLY)
            if ctype == "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
                params = {**params, **form}
            elif ctype == "application/sparql-query":
                text = req.body.decode("utf-8", "replace")
            else:
                raise Reply(415, "POST a query as application/x-www-form-urlencoded (query=...) or "
                                 "application/sparql-query")
        if "update" in params:
            raise Reply(403, READ_ONLY)
        if text is None:
            queries = params.get("query", [])
            if len(queries) > 1:
                raise Reply(400, "give one query parameter")
            if not queries:
                if req.method == "GET":
                    return self.no_query(req)
                raise Reply(400, "missing the query parameter")
            text = queries[0]
        graphs = params.get("default-graph-uri", [])
        fmt = params.get("format", [None])[0]
        return self.answer(text, fmt, req.accept, graph=graphs[0] if graphs else None)

    def no_query(self, req: Request) -> Response:
        """GET /sparql without a query: the form for people."""
        example = next(iter(self.catalogue.values())).text if self.catalogue else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
        return Response(200, "text/html; charset=utf-8",
                        pages.sparql_form(example, self.cfg.timeout, self.cfg.max_rows, self.cfg.allow_service))

    def answer(self, text: str, fmt: str | None, accept: str | None, graph: str | None = None) -> Response:
        if len(text) > MAX_QUERY:
            raise Reply(413, f"queries are limited to {MAX_QUERY} characters")
        form = sparqlguard.form(text)
        if form == "UPDATE":
            raise Reply(403, READ_ONLY)
        if not self.cfg.allow_service and sparqlguard.uses_service(text):
            raise Reply(403, "SERVICE (federated query) is refused by this endpoint")
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        try:
            offer = negotiation.choose(negotiation.GRAPHS if graph_form else negotiation.RESULTS, accept, fmt)
        except negotiation.NotAcceptable as exc:
            raise Reply(406, str(exc)) from None
        writer = offer.name if offer is not negotiation.HTML else ("nt" if graph_form else "json")
        try:
            ans = self.backend.query(text, writer, graph)
        except sparql.QueryError as exc:
            raise Reply(400, str(exc)) from None
        except (querypool.QueryTimeout, querypool.PoolBusy) as exc:
            raise Reply(503, str(exc), headers={"Retry-After": "1"}) from None
        headers = {"Vary": "Accept"}
        if ans.truncated:
            headers["X-Result-Truncated"] = "true"
        if offer is negotiation.HTML:
            r = (sparql.results_from_json(json.loads(ans.body)) if not graph_form else
                 sparql.Results("graph", triples=list(ox.parse(ans.body, format=ox.RdfFormat.N_TRIPLES))))
            note = f"only the first {self.cfg.max_rows} results are shown" if ans.truncated else ""
            return Response(200, offer.content_type,
                            pages.results_page(r, self.cfg.base, text, self._labels_of(r), note), headers)
        if ans.kind == "graph" and offer.rdf is None:
            offer = negotiation.BY_NAME["ttl"]
        return Response(200, offer.content_type, ans.body, headers)

    def _labels_of(self, r: sparql.Results) -> dict[str, str]:
        terms = [t for row in (r.rows or []) for t in row] if r.kind == "select" else \
            [x for t in (r.triples or []) for x in (t.subject, t.predicate, t.object)]
        iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
        return self.backend.labels(set(islice(iris, 2000)))
