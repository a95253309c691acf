"""A page for every IRI under the base: /case/<id>, /lesson/3 ... by content negotiation.

An entity IRI is answered directly with 200 (no 303 redirect): the document served at the IRI
describes the thing, with `Vary: Accept` and `Content-Location` naming the representation, as
the W3C "Cool URIs" note allows for non-information resources served by content negotiation.
Its RDF is the entity's own triples plus those of the nodes it owns (IRIs under its own, such
as a case's contact point and lesson evidence). A suffix (.ttl, .nt, .jsonld, .rdf, .html)
selects a representation without negotiation.
"""

from __future__ import annotations

import re
import urllib.parse

import pyoxigraph as ox

from pcmh_kg.publish import negotiation, pages
from pcmh_kg.publish.documents import rdf_bytes
from pcmh_kg.publish.http import Reply, Request, Response

SAFE_PATH = re.compile(r"[A-Za-z0-9._~/-]+")


def split_suffix(local: str) -> tuple[str, negotiation.Offer | None]:
    stem, dot, ext = local.rpartition(".")
    offer = negotiation.by_extension(negotiation.ENTITIES, "." + ext) if dot else None
    return (stem, offer) if offer else (local, None)


def entity(app, req: Request) -> Response:
    path = req.path
    local, offer = split_suffix(urllib.parse.unquote(path.lstrip("/")))
    if not local or not SAFE_PATH.fullmatch(local) or "//" in local or ".." in local:
        raise Reply(404, f"nothing is published at {path}")
    iri = app.cfg.base + local
    own, incoming = app.backend.about(iri)
    if not own and not incoming:
        raise Reply(404, f"nothing is known about <{iri}>")
    if offer is None:
        offer = app.choose(negotiation.ENTITIES, req)
    where = "/" + local
    links = [f'<{iri}>; rel="canonical"', '</void>; rel="describedby"; type="text/turtle"'] + [
        f'<{where}{o.extension}>; rel="alternate"; type="{o.media_type}"' for o in negotiation.ENTITIES if o is not offer]
    headers = {"Vary": "Accept", "Link": ", ".join(links), "Content-Location": where + offer.extension}
    if offer is negotiation.HTML:
        iris = {x.value for t in own + incoming for x in (t.subject, t.predicate, t.object)
                if isinstance(x, ox.NamedNode)}
        alternates = {o.rdf.label: where + o.extension for o in negotiation.RDF}
        body = pages.entity_page(iri, own, incoming, app.backend.labels(iris), app.cfg.base, alternates)
        return Response(200, offer.content_type, body, headers)
    return Response(200, offer.content_type, rdf_bytes(own, offer), headers)
