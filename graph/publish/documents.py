"""The server's documents: home, query catalogue, ontology, VoID, dumps, the explorer, the context.

Each is a handler of the route table (app.py): it gets the request and returns a Response, or
raises Reply for an error. RDF is written by `rdf_bytes`, the one writer of the server's graphs.
"""

from __future__ import annotations

import json
import mimetypes
import threading
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from pcmh_kg.build import pipeline as build
from pcmh_kg.publish import negotiation, pages
from pcmh_kg.publish.http import Reply, Request, Response
from pcmh_kg.query import sparql
from pcmh_kg.sinks import document, jsonld, registry

HTML = "text/html; charset=utf-8"
# the explorer is one offline file with its script inline, and fetches nothing (as its own meta CSP)
EXPLORER_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
                "connect-src 'none'; font-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")


def rdf_bytes(triples: list, offer: negotiation.Offer) -> bytes:
    """Triples (pyoxigraph) in an RDF offer's format, by the one writer of the project's graphs."""
    return document.write(triples, offer.rdf)


class Documents:
    def __init__(self, app):
        self.app = app
        self.cfg, self.minter = app.cfg, app.minter
        from pcmh_kg import resources

        self.ontology_ttl = (resources.ontology_dir() / "pcmh.ttl").read_bytes()
        self.ontology_triples = list(ox.parse(self.ontology_ttl, format=ox.RdfFormat.TURTLE))
        self.ontology_html = pages.ontology_page(self.ontology_triples, self.cfg.base)
        self.explorer_lock, self.explorer_page = threading.Lock(), None

    def home(self, req: Request) -> Response:
        examples = [(self.minter.lesson(1), "lesson 1"), (self.minter.dataset, "the dataset")]
        labels = self.app.backend.labels({iri for iri, _ in examples})
        examples = [(iri, labels.get(iri, text)) for iri, text in examples]
        return Response(200, HTML, pages.home_page(self.cfg.summary, examples, self.cfg.base))

    def queries(self, req: Request) -> Response:
        entries = []
        for q in self.app.catalogue.values():
            run = f"/queries/{q.name}"
            try:
                bound = sparql.with_bindings(q.text, sparql.bind(q, {}, self.minter))
                direct = "/sparql?" + urllib.parse.urlencode({"query": bound, "format": "html"})
            except sparql.QueryError:
                direct = None  # a parameter without a default: the form asks for it
            entries.append((q, run, direct))
        return Response(200, HTML, pages.queries_page(entries))

    def catalogue_query(self, req: Request) -> Response:
        name = req.match["name"]
        q = self.app.catalogue.get(name)
        if q is None:
            raise Reply(404, f"no query named {name!r}; see /queries")
        given = {k: v[0] for k, v in req.params.items() if k != "format"}
        try:
            terms = sparql.bind(q, given, self.minter)
            sparql.check_ids(q, terms, self.minter, self.app.backend.run)
            text = sparql.with_bindings(q.text, terms)
        except sparql.QueryError as exc:
            raise Reply(400, str(exc)) from None
        return self.app.endpoint.answer(text, req.param("format"), req.accept, client=req.client, spreadsheet=True)

    def ontology(self, req: Request) -> Response:
        offer = self.app.choose(negotiation.ENTITIES, req)
        if offer is negotiation.HTML:
            return Response(200, HTML, self.ontology_html, {"Vary": "Accept"})
        if offer.name == "ttl":
            return Response(200, offer.content_type, self.ontology_ttl, {"Vary": "Accept"})
        return Response(200, offer.content_type, rdf_bytes(self.ontology_triples, offer), {"Vary": "Accept"})

    def ontology_ttl_file(self, req: Request) -> Response:
        return Response(200, "text/turtle; charset=utf-8", self.ontology_ttl)

    def void(self, req: Request) -> Response:
        path = self.dist_path("void.ttl")
        offer = self.app.choose(negotiation.ENTITIES[1:2] + (negotiation.HTML,) + negotiation.ENTITIES[2:], req)
        if offer.name == "ttl":
            return Response(200, offer.content_type, path, {"Vary": "Accept"})
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        if offer is negotiation.HTML:
            iris = {x.value for t in triples for x in (t.predicate, t.object) if isinstance(x, ox.NamedNode)}
            body = pages.entity_page(self.minter.dataset, triples, [], self.app.backend.labels(iris),
                                     self.cfg.base, {"Turtle": "/void"})
            return Response(200, HTML, body, {"Vary": "Accept"})
        return Response(200, offer.content_type, rdf_bytes(triples, offer), {"Vary": "Accept"})

    def dist_path(self, name: str, missing: str | None = None) -> Path:
        if self.cfg.dist is None or not (self.cfg.dist / name).is_file():
            raise Reply(404, missing or f"{name} is not available on this server")
        return self.cfg.dist / name

    def dist_file(self, name: str, missing: str | None = None) -> Response:
        path = self.dist_path(name, missing)
        fmt = registry.by_extension(path.suffix)
        ctype = (negotiation.by_format(negotiation.RDF, fmt.name).content_type if fmt else
                 HTML if path.suffix == ".html" else mimetypes.guess_type(name)[0] or "application/octet-stream")
        headers = {"Content-Security-Policy": EXPLORER_CSP} if name == "explorer.html" else {}
        return Response(200, ctype, path, headers)

    def explorer(self, req: Request) -> Response:
        """The built explorer, else one built on first request from the served graph (kept in
        memory), else (a remote store) a page that says how to build it."""
        if self.cfg.dist is not None and (self.cfg.dist / "explorer.html").is_file():
            return self.dist_file("explorer.html")
        store = getattr(self.app.backend, "store", None)
        if store is None:
            return Response(200, HTML, pages.layout("Explorer", "<h1>Explorer</h1><p>This server answers from "
                            "another store and has no explorer page. Run <code>pcmh-kg viz</code> and serve its "
                            "<code>dist/</code>, or open <code>dist/explorer.html</code> from disk.</p>"))
        with self.explorer_lock:
            if self.explorer_page is None:
                import tempfile

                from pcmh_kg.viz import explorer

                with tempfile.TemporaryDirectory(prefix="pcmh-kg-explorer-") as tmp:
                    out = Path(tmp) / "explorer.html"
                    explorer.write(store, self.cfg.base, out)
                    self.explorer_page = out.read_bytes()
        return Response(200, HTML, self.explorer_page, {"Content-Security-Policy": EXPLORER_CSP})

    def dumps(self, req: Request) -> Response:
        files = []
        if self.cfg.dist is not None:
            files = [(n, (self.cfg.dist / n).stat().st_size) for n in sorted(build.OWNED)
                     if (self.cfg.dist / n).is_file()]
        return Response(200, HTML, pages.dumps_page(files))

    def dump(self, req: Request) -> Response:
        name = req.match["name"]
        if name not in build.OWNED:
            raise Reply(404, f"no dump named {name!r}")
        return self.dist_file(name)

    def context(self, req: Request) -> Response:
        return Response(200, "application/ld+json", json.dumps(jsonld.context(), indent=2).encode())
