"""`pcmh-kg serve` answers real SPARQL clients and dereferences every IRI, and survives bad requests."""

from __future__ import annotations

import html
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from sites import BASE, MAX_ROWS, SERVED, get, q
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from pcmh_kg.model.vocab import Minter
from pcmh_kg.query import catalogue, results, sparql, store

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 7k^3 rows: never finishes


@pytest.fixture(scope="module")
def embedded(real_dist):
    return store.from_dump(real_dist / store.DUMP)


def multiset(r: results.Results):
    return Counter(tuple(None if t is None else str(t) for t in row) for row in r.rows)


# ------------------------------------------------------------------------------ SPARQL protocol

@pytest.mark.parametrize("name", sorted(catalogue.load_catalogue()))
def test_every_catalogue_query_over_http_matches_the_embedded_engine(site, embedded, name):
    url, _ = site
    query = catalogue.load_catalogue()[name]
    text = sparql.with_bindings(query.text, sparql.bind(query, {}, Minter(BASE)))
    expected = multiset(sparql.run_local(embedded, text))
    status, headers, body = get(f"{url}/queries/{name}", "application/sparql-results+json")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    assert multiset(results.from_json(json.loads(body))) == expected
    assert multiset(sparql.run_remote(url + "/sparql", text)) == expected  # POST form, as `pcmh-kg query --store`


def test_sparqlwrapper_gets_every_format(site, embedded):
    url, _ = site
    text = "SELECT ?lesson ?label WHERE { ?lesson a <https://w3id.org/pcmh-kg/ontology#Lesson> ; " \
           "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
    expected = {str(row[0].value) for row in sparql.run_local(embedded, text).rows}
    assert len(expected) == 10
    for method in ("GET", "POST"):
        w = SPARQLWrapper(url + "/sparql")
        w.setMethod(method)
        w.setQuery(text)
        w.setReturnFormat(JSON)
        got = w.query().convert()
        assert {b["lesson"]["value"] for b in got["results"]["bindings"]} == expected
    w.setReturnFormat(XML)
    doc = w.query().convert()  # a parsed XML document
    assert {u.firstChild.data for u in doc.getElementsByTagName("uri")} == expected
    w.setReturnFormat(CSV)
    lines = w.query().convert().decode().strip().splitlines()
    assert lines[0].strip() == "lesson,label" and len(lines) == 11
    w.setQuery("ASK { ?x a <https://w3id.org/pcmh-kg/ontology#CaseStudy> }")
    w.setReturnFormat(JSON)
    assert w.query().convert()["boolean"] is True
    w.setQuery("CONSTRUCT { ?l ?p ?o } WHERE { ?l a <https://w3id.org/pcmh-kg/ontology#Lesson> ; ?p ?o }")
    w.setReturnFormat(TURTLE)
    g = Graph().parse(data=w.query().convert(), format="turtle")
    expected_triples = len(sparql.run_local(
        embedded, "CONSTRUCT { ?l ?p ?o } WHERE { ?l a <https://w3id.org/pcmh-kg/ontology#Lesson> ; ?p ?o }").triples)
    assert len(g) == expected_triples > 0


def test_rdflib_sparqlstore_reads_the_endpoint(site, embedded):
    url, _ = site
    g = Graph(store=SPARQLStore(url + "/sparql", returnFormat="xml"))
    text = "SELECT ?case WHERE { ?case a <https://w3id.org/pcmh-kg/ontology#CaseStudy> }"
    got = {str(row[0]) for row in g.query(text)}
    assert got == {r[0].value for r in sparql.run_local(embedded, text).rows} and got
    lesson = ox.NamedNode(BASE + "lesson/1")
    from rdflib import URIRef

    assert len(list(g.triples((URIRef(lesson.value), None, None)))) == \
        len(list(embedded.quads_for_pattern(lesson, None, None)))


def test_tsv_csv_and_graph_formats_by_accept(site):
    url, _ = site
    status, h, body = q(url, "SELECT ?n WHERE { VALUES ?n { 1 2 } }", "text/tab-separated-values")
    assert status == 200 and body.decode().splitlines() == ["?n", '"1"^^<http://www.w3.org/2001/XMLSchema#integer>',
                                                            '"2"^^<http://www.w3.org/2001/XMLSchema#integer>']
    text = f"DESCRIBE <{BASE}lesson/2>"
    for accept, fmt in (("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                        ("application/ld+json", ox.RdfFormat.JSON_LD)):
        status, h, body = q(url, text, accept)
        assert status == 200 and h["Content-Type"].startswith(accept)
        assert any(t.subject.value == BASE + "lesson/2" for t in ox.parse(body, format=fmt))


def test_result_cap_cuts_and_says_so(site):
    url, _ = site
    status, h, body = q(url, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200 and h["X-Result-Truncated"] == "true"
    assert len(json.loads(body)["results"]["bindings"]) == MAX_ROWS
    status, h, _ = q(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    assert h.get("X-Result-Truncated") is None


def test_bad_queries_get_4xx_with_the_parsers_message(site):
    url, _ = site
    status, _, body = q(url, "SELECT ?x WHERE { ?x ?y }")
    assert status == 400 and b"error" in body.lower() and re.search(rb"line 1, column \d+", body)  # the parser's position
    assert body.strip().count(b"\n") == 0  # one line
    status, _, body = get(url + "/sparql", data=urllib.parse.urlencode({"update": "CLEAR ALL"}).encode())
    assert status == 403 and b"read-only" in body
    status, _, _ = get(url + "/sparql", data=b"INSERT DATA { <a:a> <a:b> <a:c> }",
                       headers={"Content-Type": "application/sparql-update"})
    assert status == 403
    status, _, _ = q(url, "INSERT DATA { <a:a> <a:b> <a:c> }")
    assert status == 403
    status, _, body = q(url, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert status == 403 and b"SERVICE" in body
    # the word inside a string or an IRI is not the keyword
    status, _, body = q(url, 'SELECT ?x WHERE { VALUES ?x { "SERVICE" <https://x.org/SERVICE> } }')
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 2
    status, _, _ = get(url + "/sparql", data=b"x", headers={"Content-Type": "text/plain"})
    assert status == 415
    status, _, _ = get(url + "/sparql", data=b"query=" + b"x" * 2_000_000,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    status, _, _ = q(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "image/png")
    assert status == 406
    req = urllib.request.Request(url + "/sparql", method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 405


def test_a_query_past_the_timeout_is_stopped_and_the_server_keeps_serving(site):
    url, backend = site
    restarts = backend.pool.restarts
    t0 = time.monotonic()
    status, _, body = q(url, SLOW)
    assert status == 503 and b"limit" in body
    assert time.monotonic() - t0 < 3.0 + 5.0
    assert backend.pool.restarts == restarts + 1
    # both workers may be replaced in turn; the server answers meanwhile and afterwards
    status, _, body = q(url, "ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(body)["boolean"] is True
    deadline = time.monotonic() + 60
    while backend.pool.idle.qsize() < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert backend.pool.idle.qsize() == 2  # the killed worker was replaced


def test_cors_on_get_and_preflight(site):
    url, _ = site
    status, h, _ = q(url, "ASK {}")
    assert h["Access-Control-Allow-Origin"] == "*"
    req = urllib.request.Request(url + "/sparql", method="OPTIONS",
                                 headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 204 and "GET" in r.headers["Access-Control-Allow-Methods"]


# ------------------------------------------------------------------------------ dereferencing

def some_iris(embedded):
    """One IRI of each kind the graph mints under the base."""
    seen = {}
    for quad in embedded.quads_for_pattern(None, None, None):
        s = quad.subject.value
        if isinstance(quad.subject, ox.NamedNode) and s.startswith(BASE):
            kind = s[len(BASE):].split("/")[0] + str(s.count("/"))
            seen.setdefault(kind, s)
    return sorted(seen.values())


def test_every_kind_of_iri_dereferences_by_content_negotiation(site, embedded):
    url, _ = site
    iris = some_iris(embedded)
    assert len(iris) >= 8
    for iri in iris:
        path = url + "/" + iri[len(BASE):]
        own = {(t.predicate.value, str(t.object)) for t in embedded.quads_for_pattern(ox.NamedNode(iri), None, None)}
        for accept, fmt in (("text/turtle", ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD),
                            ("application/n-triples", ox.RdfFormat.N_TRIPLES)):
            status, h, body = get(path, accept)
            assert status == 200, (iri, accept, body[:200])
            assert h["Vary"] == "Accept" and h["Content-Type"].startswith(accept)
            got = {(t.predicate.value, str(t.object)) for t in ox.parse(body, format=fmt) if t.subject.value == iri}
            assert got == own, iri
        status, h, body = get(path, "text/html,application/xhtml+xml,*/*;q=0.8")
        assert status == 200 and h["Content-Type"].startswith("text/html") and b"<h1" in body
    status, _, body = get(url + "/case/no-such-case", "text/turtle")
    assert status == 404
    status, _, _ = get(url + "/case/../../etc/passwd")
    assert status == 404
    status, h, body = get(url + "/lesson/1.ttl")
    assert status == 200 and h["Content-Type"].startswith("text/turtle")


def test_a_dump_is_sent_in_the_byte_range_asked(site):
    """A partner resumes a large download (curl -C -, wget -c): one range of a file gets 206 with
    those bytes; what the server does not serve (several ranges, another unit, a bad range, an
    If-Range the file no longer matches) gets the whole file; a range past the end gets 416."""
    url, _ = site
    whole = (SERVED[0] / "pcmh-kg.nt").read_bytes()
    size, dump = len(whole), url + "/dumps/pcmh-kg.nt"
    status, h, body = get(dump)
    assert status == 200 and h["Accept-Ranges"] == "bytes" and body == whole
    etag = h["ETag"]
    for asked, (start, end) in {"bytes=0-99": (0, 100), "bytes=100-": (100, size), "bytes=-50": (size - 50, size),
                                f"bytes=10-{size + 999}": (10, size), f"bytes={size - 1}-": (size - 1, size)}.items():
        status, h, body = get(dump, headers={"Range": asked})
        assert status == 206 and body == whole[start:end], asked
        assert h["Content-Range"] == f"bytes {start}-{end - 1}/{size}" and int(h["Content-Length"]) == end - start
    for ignored in ("bytes=0-1,5-6", "items=0-5", "bytes=9-2", "bytes=-", "bytes=x-"):
        status, h, body = get(dump, headers={"Range": ignored})
        assert status == 200 and body == whole, ignored
    for past in (f"bytes={size}-", f"bytes={size + 5}-{size + 9}", "bytes=-0"):
        status, h, body = get(dump, headers={"Range": past})
        assert status == 416 and h["Content-Range"] == f"bytes */{size}" and body == b"", past
    status, _, body = get(dump, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert status == 206 and body == whole[:10]
    status, _, body = get(dump, headers={"Range": "bytes=0-9", "If-Range": '"another-version"'})
    assert status == 200 and body == whole
    status, _, body = get(dump, headers={"Range": "bytes=0-9", "If-None-Match": etag})
    assert status == 304 and body == b""


def test_documents(site):
    url, backend = site
    real_dist = SERVED[0]
    status, h, body = get(url + "/ontology", "text/turtle")
    assert status == 200 and len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))) > 100
    status, h, body = get(url + "/ontology", "text/html")
    assert status == 200 and b'id="CaseStudy"' in body
    status, h, body = get(url + "/void", "text/turtle")
    assert status == 200 and any(t.predicate.value.endswith("void#triples") for t in ox.parse(body, format=ox.RdfFormat.TURTLE))
    status, h, body = get(url + "/dumps/pcmh-kg.nt")
    assert status == 200 and body == (real_dist / "pcmh-kg.nt").read_bytes()
    from pcmh_kg.build.pipeline import OWNED
    from pcmh_kg.sinks import files

    status, h, body = get(url + "/dumps", "text/html")
    for name in OWNED:  # each file with what it is
        assert f'{name}</a></td><td data-label="what it is">{files.what(name)}</td>' in html.unescape(body.decode())
        assert files.what(name), name
    status, _, _ = get(url + "/dumps/../build.py")
    assert status == 404
    status, h, body = get(url + "/context.jsonld")
    assert status == 200 and "pcmh" in json.loads(body)["@context"]
    status, h, body = get(url + "/explorer")
    assert status == 200 and body == (real_dist / "explorer.html").read_bytes()
    status, h, body = get(url + "/queries")
    names = catalogue.load_catalogue()
    assert status == 200 and all(f'href="/queries/{n}"'.encode() in body for n in names)
