"""The site: a route table from path patterns to handlers, and the configuration they share.

A new page is one template (pages.py) plus one route here. Routes are tried in order; the last
one catches every other path as an IRI under the base (entities.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pcmh_kg.model.vocab import Minter
from pcmh_kg.publish import entities, negotiation, people, releases
from pcmh_kg.publish.documents import Documents
from pcmh_kg.publish.endpoint import Endpoint
from pcmh_kg.publish.http import Reply, Request, Response
from pcmh_kg.query import catalogue


@dataclass
class Config:
    base: str
    dist: Path | None  # the dumps being served (void.ttl, context.jsonld, explorer.html ...)
    timeout: float = 10.0
    max_rows: int = 10_000
    allow_service: bool = False
    quiet: bool = False
    summary: dict = field(default_factory=dict)
    max_bytes: int = 16 * 1024 * 1024
    releases: Path | None = None  # the releases folder (releases/VERSION/...), served at /release/

    @property
    def dataset(self) -> str:
        return Minter(self.base).dataset

    @property
    def modified(self) -> float | None:
        """When the served data last changed: the build's time."""
        info = self.dist / "build.json" if self.dist is not None else None
        return info.stat().st_mtime if info is not None and info.is_file() else None

    @property
    def void(self) -> Path | None:
        """void.ttl of the served build, loaded into the store as the named graph service.void_graph."""
        return self.dist / "void.ttl" if self.dist is not None and (self.dist / "void.ttl").is_file() else None


def page(answer: tuple) -> Response:
    """A Response from the pages' (status, content type, body, headers)."""
    return Response(*answer)


class App:
    """Routes a request to its handler; every handler returns a Response or raises Reply."""

    def __init__(self, backend, config: Config):
        self.backend, self.cfg = backend, config
        self.quiet = config.quiet
        self.minter = Minter(config.base)
        self.catalogue = catalogue.load_catalogue()
        self.people = people.People(config.base, backend.run, backend.labels)
        self.endpoint = Endpoint(backend, config, self.catalogue, self.people)
        self.docs = docs = Documents(self)
        self.releases = rel = releases.Releases(self, config.releases)
        kinds = "|".join(people.INDEX_TITLES)
        # (pattern, handler, methods): POST only where the protocol has it
        self.routes = [(re.compile(pattern), handler, methods) for pattern, handler, methods in (
            (r"/sparql/?", self.endpoint.handle, "GET HEAD POST"),
            (r"/", docs.home, "GET HEAD"),
            (r"/queries", docs.queries, "GET HEAD"),
            (r"/queries/(?P<name>[^/]+)", docs.catalogue_query, "GET HEAD"),
            (r"/ontology/?", docs.ontology, "GET HEAD"),
            (r"/ontology\.ttl", docs.ontology_ttl_file, "GET HEAD"),
            (r"/void|/\.well-known/void", docs.void, "GET HEAD"),
            (r"/\.well-known/sparql-examples", docs.sparql_examples, "GET HEAD"),
            (r"/release/?", rel.index, "GET HEAD"),
            (r"/release/latest(?P<rest>/[^/]*)?", rel.latest, "GET HEAD"),
            (r"/release/(?P<version>[0-9.]+)/?", rel.release, "GET HEAD"),
            (r"/release/(?P<version>[0-9.]+)/(?P<name>[^/]+)", rel.file, "GET HEAD"),
            (r"/explorer", docs.explorer, "GET HEAD"),
            (r"/dumps/?", docs.dumps, "GET HEAD"),
            (r"/dumps/(?P<name>.+)", docs.dump, "GET HEAD"),
            (r"/context\.jsonld", docs.context, "GET HEAD"),
            (r"/static/(?P<name>.+)", lambda req: page(self.people.static(req.match["name"])), "GET HEAD"),
            (r"/search", lambda req: page(self.people.search(req.params)), "GET HEAD"),
            (rf"/(?P<kind>{kinds})/", lambda req: page(self.people.index(req.match["kind"], req.params)), "GET HEAD"),
            (r"/.+", lambda req: entities.entity(self, req), "GET HEAD"),
        )]

    def handle(self, req: Request) -> Response:
        """An error is an HTML page with navigation and search for browsers, plain text for machines."""
        try:
            return self.route(req)
        except Reply as r:
            if r.status >= 400 and negotiation.negotiate(req.accept, ["text/plain", "text/html"]) == "text/html":
                return page(self.people.error(r.status, r.body.decode("utf-8", "replace").strip(), r.headers))
            raise

    def route(self, req: Request) -> Response:
        for pattern, handler, methods in self.routes:
            m = pattern.fullmatch(req.path)
            if m is None:
                continue
            if req.method not in methods.split():
                raise Reply(405, f"{req.method} is not accepted on {req.path}",
                            headers={"Allow": ", ".join(methods.split() + ["OPTIONS"])})
            req.match = m.groupdict()
            resp = handler(req)
            if resp.modified is None:
                resp.modified = self.cfg.modified
            return resp
        raise Reply(404, f"nothing is published at {req.path}")

    def choose(self, offers: tuple, req: Request) -> negotiation.Offer:
        try:
            return negotiation.choose(offers, req.accept, req.param("format"))
        except negotiation.NotAcceptable as exc:
            raise Reply(406, str(exc)) from None
