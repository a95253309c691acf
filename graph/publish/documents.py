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
from pcmh_kg.query import examples, sparql
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
        self.examples_ttl = None

    def home(self, req: Request) -> Response:
        release = self.app.releases.newest()  # else the release being served, if it is one
        if release is None and isinstance(self.cfg.summary.get("release"), dict):
            release = {"href": None, "issued": None, **self.cfg.summary["release"]}
        return Response(*self.app.people.home(release))

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

    def sparql_examples(self, req: Request) -> Response:
        """The query library in SIB's sparql-examples form (Turtle unless asked otherwise); a
        browser gets the /queries page, which lists the same queries for people."""
        offer = self.app.choose(negotiation.GRAPHS, req)
        if offer is negotiation.HTML:
            return self.queries(req)
        if self.examples_ttl is None:
            self.examples_ttl = examples.examples_turtle(self.app.catalogue, self.minter)
        if offer.name == "ttl":
            return Response(200, offer.content_type, self.examples_ttl, {"Vary": "Accept"})
        triples = list(ox.parse(self.examples_ttl, format=ox.RdfFormat.TURTLE))
        return Response(200, offer.content_type, rdf_bytes(triples, offer), {"Vary": "Accept"})

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
        return self.app.endpoint.answer(text, req.param("format"), req.accept, client=req.client, spreadsheet=True,
                                        here=(f"/queries/{name}", req.params))

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
            status, ctype, body, headers = self.app.people.entity(
                self.minter.dataset, triples, [], [("Turtle", "/dumps/void.ttl", "text/turtle")])
            return Response(status, ctype, body, {"Vary": "Accept", **headers})
        return Response(200, offer.content_type, rdf_bytes(triples, offer), {"Vary": "Accept"})

    def void_about(self, iri: str) -> list:
        """Triples about a VoID partition: they live in void.ttl, not in the served graph."""
        if self.cfg.void is None:
            return []
        if getattr(self, "_void", None) is None:
            self._void = list(ox.parse(path=str(self.cfg.void), format=ox.RdfFormat.TURTLE))
        return [t for t in self._void if isinstance(t.subject, ox.NamedNode) and t.subject.value == iri]

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
            return Response(200, HTML, pages.render("explorer-missing.html", title="Explorer"), self.app.people.headers())
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
        return Response(200, HTML, pages.dumps_page(files), self.app.people.headers())

    def dump(self, req: Request) -> Response:
        name = req.match["name"]
        if name not in build.OWNED:
            raise Reply(404, f"no dump named {name!r}")
        return self.dist_file(name)

    def context(self, req: Request) -> Response:
        return Response(200, "application/ld+json", json.dumps(jsonld.context(), indent=2).encode())
