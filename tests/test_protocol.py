"""SPARQL 1.1 Protocol and linked-data conventions, to the letter (issue 11): the protocol dataset,
the service's base IRI, the Service Description, RDF/XML for real clients, HEAD, conditional
requests, security and Link headers, VoID in the store, and fair sharing of the query workers."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from sites import BASE, get, q, serving
from SPARQLWrapper import SPARQLWrapper

from pcmh_kg.publish import service

ROOT = Path(__file__).resolve().parent.parent
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
LESSON = "https://w3id.org/pcmh-kg/ontology#Lesson"


def count(url, params: dict) -> int:
    status, _, body = get(url + "/sparql?" + urllib.parse.urlencode({"query": COUNT, **params}, doseq=True),
                          "application/sparql-results+json")
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_the_protocol_dataset_is_honoured_never_ignored(site):
    url, _ = site
    everything = count(url, {})
    assert everything > 7000
    assert count(url, {"default-graph-uri": "http://example.org/no-such-graph"}) == 0
    void = service.void_graph(BASE)
    in_void = count(url, {"default-graph-uri": void})
    assert 0 < in_void < 1000
    assert count(url, {"default-graph-uri": [void, "http://example.org/no-such-graph"]}) == in_void
    # named-graph-uri alone: an empty default graph, and only the named graphs given
    assert count(url, {"named-graph-uri": void}) == 0
    text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    status, _, body = get(url + "/sparql?" + urllib.parse.urlencode(
        {"query": text, "named-graph-uri": "http://example.org/none"}), "application/sparql-results+json")
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    # the protocol dataset overrides FROM
    status, _, body = get(url + "/sparql?" + urllib.parse.urlencode(
        {"query": f"SELECT (COUNT(*) AS ?n) FROM <{void}> WHERE {{ ?s ?p ?o }}",
         "default-graph-uri": "http://example.org/no-such-graph"}), "application/sparql-results+json")
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"
    status, _, _ = get(url + "/sparql?" + urllib.parse.urlencode({"query": COUNT, "default-graph-uri": "not an iri"}))
    assert status == 400


def test_void_is_queryable_in_its_named_graph(site):
    url, _ = site
    status, _, body = q(url, f"SELECT ?n WHERE {{ GRAPH <{service.void_graph(BASE)}> {{ "
                             f"<{BASE}dataset> <http://rdfs.org/ns/void#triples> ?n }} }}")
    assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 7000


def test_the_service_defines_the_base_iri(site):
    url, _ = site
    status, h, body = q(url, "CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples")
    assert status == 200, body
    (t,) = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
    assert t.subject.value == BASE + "s"
    status, _, body = q(url, "SELECT ?x WHERE { BIND(<lesson/1> AS ?x) }")
    assert json.loads(body)["results"]["bindings"][0]["x"]["value"] == BASE + "lesson/1"


@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml", "application/ld+json"])
def test_service_description_for_rdf_clients(site, accept):
    url, _ = site
    status, h, body = get(url + "/sparql", accept)
    assert status == 200 and h["Content-Type"].startswith(accept)
    g = Graph().parse(data=body, format={"text/turtle": "turtle", "application/rdf+xml": "xml",
                                         "application/ld+json": "json-ld"}[accept])
    sd = "http://www.w3.org/ns/sparql-service-description#"
    (svc,) = g.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(sd + "Service"))
    assert str(svc).endswith("/sparql")
    assert (svc, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in g
    formats = {str(o) for o in g.objects(svc, URIRef(sd + "resultFormat"))}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats and "http://www.w3.org/ns/formats/RDF_XML" in formats
    assert any(g.triples((None, URIRef("http://rdfs.org/ns/void#triples"), None)))  # the VoID is included
    status, h, body = get(url + "/sparql", "text/html")
    assert status == 200 and h["Content-Type"].startswith("text/html")


def test_sparqlwrapper_and_rdflib_defaults_for_every_form(site):
    url, _ = site
    construct = f"CONSTRUCT {{ ?l ?p ?o }} WHERE {{ ?l a <{LESSON}> ; ?p ?o }}"
    for text in (construct, f"DESCRIBE <{BASE}lesson/1>"):
        w = SPARQLWrapper(url + "/sparql")  # default: RDF/XML for graphs
        w.setQuery(text)
        g = w.query().convert()
        assert len(g) > 0, text
    w = SPARQLWrapper(url + "/sparql")
    w.setQuery(f"SELECT ?l WHERE {{ ?l a <{LESSON}> }}")
    assert len(w.query().convert().getElementsByTagName("result")) == 10
    w.setQuery(f"ASK {{ ?l a <{LESSON}> }}")
    assert w.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"
    g = Graph(store=SPARQLStore(url + "/sparql"))
    assert len(list(g.query(f"SELECT ?l WHERE {{ ?l a <{LESSON}> }}"))) == 10
    assert g.query(f"ASK {{ ?l a <{LESSON}> }}").askAnswer is True
    assert len(g.query(construct).graph) > 0
    assert len(g.query(f"DESCRIBE <{BASE}lesson/1>").graph) > 0


def test_rdfxml_everywhere_and_unknown_format_falls_back_to_accept(site):
    url, _ = site
    for path in ("/lesson/1", "/ontology", "/void"):
        status, h, body = get(url + path, "application/rdf+xml")
        assert status == 200 and h["Content-Type"].startswith("application/rdf+xml"), path
        assert len(Graph().parse(data=body, format="xml")) > 0
    status, h, _ = get(url + "/lesson/1.rdf")
    assert status == 200 and h["Content-Type"].startswith("application/rdf+xml")
    status, h, body = get(url + "/sparql?" + urllib.parse.urlencode({"query": "ASK {}", "format": "no-such"}),
                          "application/sparql-results+xml")
    assert status == 200 and h["Content-Type"].startswith("application/sparql-results+xml")


def test_head_answers_like_get(site):
    url, _ = site
    parts = urllib.parse.urlsplit(url)
    for path in ("/sparql", "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}), "/lesson/1", "/void"):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("HEAD", path, headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"})
        head = conn.getresponse()
        assert head.read() == b"" and head.status == 200, path
        status, h, body = get(url + path, "application/sparql-results+json, text/turtle;q=0.9")
        assert status == 200 and head.getheader("Content-Type") == h["Content-Type"]
        assert int(head.getheader("Content-Length")) == len(body) and head.getheader("ETag") == h["ETag"]
        conn.close()


@pytest.mark.parametrize("path", ["/", "/lesson/1", "/ontology", "/void", "/queries", "/dumps/pcmh-kg.nt",
                                  "/sparql?query=ASK%7B%7D", "/context.jsonld"])
def test_validators_and_304_everywhere(site, path):
    url, _ = site
    status, h, body = get(url + path)
    assert status == 200 and h["ETag"] and h["Last-Modified"]
    assert get(url + path, headers={"If-None-Match": h["ETag"]})[0] == 304
    assert get(url + path, headers={"If-Modified-Since": h["Last-Modified"]})[0] == 304
    assert get(url + path, headers={"If-None-Match": '"other"'})[0] == 200


@pytest.mark.parametrize("path", ["/", "/lesson/1", "/sparql", "/no/such/thing", "/explorer", "/dumps/pcmh-kg.nt"])
def test_security_headers_on_every_response(site, path):
    url, _ = site
    _, h, _ = get(url + path)
    assert h["Content-Security-Policy"] and "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff" and h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "no-referrer"


def test_link_headers_and_well_known_void(site):
    url, _ = site
    _, h, _ = get(url + "/lesson/1", "text/turtle")
    links = h["Link"]
    assert 'rel="describedby"' in links and '</lesson/1.rdf>; rel="alternate"; type="application/rdf+xml"' in links
    assert '</lesson/1.html>; rel="alternate"; type="text/html"' in links
    status, h, body = get(url + "/.well-known/void", "text/turtle")
    assert status == 200 and b"void:triples" in body


def test_an_unknown_id_in_a_catalogue_parameter_is_refused_with_a_suggestion(site):
    url, _ = site
    status, _, body = get(url + "/queries/cases-in-place?place=atlantis")
    assert status == 400 and b"did you mean" in body
    status, _, body = get(url + "/queries/cases-for-lesson?lesson=11")
    assert status == 400 and b"'10'" in body
    status, _, body = get(url + "/queries/cases-in-place?place=not%20an%20id")
    assert status == 400 and b"'lambeth'" in body  # the example matches the parameter's type


def test_catalogue_csv_downloads_are_for_spreadsheets(site):
    url, _ = site
    status, h, body = get(url + "/queries/lessons-ranked", "text/csv")
    assert status == 200 and h["Content-Disposition"].startswith("attachment")


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def from_address(url: str, source: str, text: str, accept="application/sparql-results+json"):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60, source_address=(source, 0))
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}), headers={"Accept": accept})
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


@pytest.fixture(scope="module")
def fair_site(real_dist):
    """Queries may run 20 s; a waiting client may stop another's after 0.5 s."""
    url, backend, stop = serving(real_dist, timeout=20.0, fair_slice=0.5)
    yield url, backend
    stop()


def test_two_clients_looping_slow_queries_do_not_starve_a_third(fair_site):
    url, backend = fair_site
    stop = time.monotonic() + 12
    hogs = [threading.Thread(target=lambda a=a: [from_address(url, a, SLOW) for _ in iter(lambda: time.monotonic() < stop, False)],
                             daemon=True) for a in ("127.0.0.2", "127.0.0.3")]
    for t in hogs:
        t.start()
    time.sleep(1.0)  # both workers are busy with the slow queries
    waits = []
    for _ in range(3):
        t0 = time.monotonic()
        status, body = from_address(url, "127.0.0.4", "ASK { ?s ?p ?o }")
        waits.append(time.monotonic() - t0)
        assert status == 200, body
        time.sleep(0.5)
    for t in hogs:
        t.join(30)
    # a slice and worker restarts (timed here, on this machine as loaded as it is now), not the hogs' 20 s
    from pcmh_kg.publish import querypool
    t0 = time.monotonic()
    querypool.Worker(backend.pool.ctx, backend.pool.s, 60).kill()
    restart = time.monotonic() - t0
    assert max(waits) < min(15.0, 0.5 + 3 * restart + 2.0), (waits, restart)


@pytest.mark.store
def test_query_store_reads_the_base_from_the_store(oxigraph_server, tmp_path):
    """A store loaded from a build with another base: ids are bound with the store's base."""
    import subprocess
    import sys
    import urllib.request

    from pcmh_kg.build import pipeline as build

    out = tmp_path / "dist"
    build.build(ROOT / "data", out, base="http://partner.example/kg/", shacl=False, cache_dir=None)
    graph = "http://partner.example/graph"
    req = urllib.request.Request(f"{oxigraph_server}/store?graph={urllib.parse.quote(graph, safe='')}",
                                 data=(out / "pcmh-kg.nt").read_bytes(), method="PUT",
                                 headers={"Content-Type": "application/n-triples"})
    urllib.request.urlopen(req, timeout=60).close()
    run = lambda *extra: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "pcmh_kg", "query", "cases-for-lesson", "--param", "lesson=1", "--format", "csv",
         "--store", oxigraph_server + "/query", "--graph", graph, *extra], capture_output=True, text=True, timeout=120)
    got = run()
    assert got.returncode == 0, got.stderr
    assert len(got.stdout.splitlines()) > 2 and "http://partner.example/kg/case/" in got.stdout
    wrong = run("--base", "https://w3id.org/pcmh-kg/")  # told the wrong base: refused, not 0 rows
    assert wrong.returncode == 2 and "no lesson" in wrong.stderr


def test_a_query_waits_for_a_worker_up_to_the_queue_wait_then_is_told_to_retry(real_dist):
    """Many clients at once queue for the workers (a wait, not an error) until --queue-wait; the
    wait is not the query's own time limit."""
    from pcmh_kg.publish import querypool
    from pcmh_kg.query import store as store_mod

    settings = querypool.Settings(str(real_dist / store_mod.DUMP), base=BASE)
    for queue_wait, expect_busy in ((0.5, True), (20.0, False)):
        pool = querypool.QueryPool(settings, size=1, timeout=2.0, queue_wait=queue_wait)
        try:
            hog = threading.Thread(target=lambda p=pool: pytest.raises(querypool.QueryTimeout, p.run,
                                                                querypool.Job(SLOW, "json", None)), daemon=True)
            hog.start()
            time.sleep(0.3)  # the one worker is busy for 2 s
            t0 = time.monotonic()
            if expect_busy:
                with pytest.raises(querypool.PoolBusy):
                    pool.run(querypool.Job("ASK { ?s ?p ?o }", "json", None))
                assert time.monotonic() - t0 < 1.5
            else:
                answer = pool.run(querypool.Job("ASK { ?s ?p ?o }", "json", None))
                assert b"true" in answer.body and time.monotonic() - t0 > 1.0  # it waited past the hog's 2 s
            hog.join(30)
        finally:
            pool.close()


@pytest.mark.store
@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_serve_store_with_a_graph_answers_from_that_graph_alone(kind, request):
    """A partner's store holds other graphs: `serve --store URL --graph G` answers from G alone,
    whatever the request names (it forwarded a client's default-graph-uri and named-graph-uri)."""
    import urllib.request

    from pcmh_kg.publish import app as webapp
    from pcmh_kg.publish import backends, http, push, querypool

    if kind == "oxigraph":
        server = request.getfixturevalue("oxigraph_server")
        query, graph_store, auth = server + "/query", server + "/store", {}
    else:
        v = request.getfixturevalue("virtuoso")
        query, graph_store, auth = v.sparql, v.graph_store, {"user": v.user, "password": v.password}
    ours, private = "http://partner.example/pcmh", "http://partner.example/private"

    def put(graph, body: bytes):
        push.push(graph_store, graph, body, shacl=False, retries=0, **auth)

    def drop(graph):
        from pcmh_kg.query import sparql

        where = push.graph_store_url(graph_store, graph)
        sparql.opener(where, auth.get("user"), auth.get("password")).open(
            urllib.request.Request(where, method="DELETE"), timeout=30).close()

    put(ours, b'<http://ex/a> <http://ex/p> "public" .\n')
    put(private, b'<http://ex/b> <http://ex/p> "SECRET" .\n')
    backend = backends.RemoteBackend(query, querypool.Settings(querypool.NO_DUMP, base=BASE), graph=ours, timeout=30)
    httpd, _ = http.serve_in_thread(webapp.App(backend, webapp.Config(base=BASE, dist=None, quiet=True)))
    url = f"http://127.0.0.1:{httpd.server_address[1]}"

    def ask(text, **dataset):
        status, _, body = get(url + "/sparql?" + urllib.parse.urlencode({"query": text, **dataset}), "text/csv")
        assert b"SECRET" not in body, (text, dataset)
        return status, body.decode().replace("\r\n", "\n")

    try:
        assert ask("SELECT ?o { ?s ?p ?o }") == (200, "o\npublic\n")
        assert ask("SELECT ?g ?o { GRAPH ?g { ?s ?p ?o } }") == (200, f"g,o\n{ours},public\n")
        assert ask(f"SELECT ?o {{ GRAPH <{private}> {{ ?s ?p ?o }} }}") == (200, "o\n")
        assert ask("SELECT ?o { ?s ?p ?o }", **{"default-graph-uri": ours}) == (200, "o\npublic\n")
        # exactly the dataset named: no named graph, or no default graph (never the store's own)
        assert ask("SELECT ?o { GRAPH ?g { ?s ?p ?o } }", **{"default-graph-uri": ours}) == (200, "o\n")
        assert ask("SELECT ?o { ?s ?p ?o }", **{"named-graph-uri": ours}) == (200, "o\n")
        assert ask("SELECT ?o { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": ours}) == (200, "o\npublic\n")
        for dataset in ({"default-graph-uri": private}, {"named-graph-uri": private}):
            status, body = ask("SELECT ?o { ?s ?p ?o }", **dataset)
            assert status == 400 and f"may name only it, not <{private}>" in body
        for text in (f"SELECT ?o FROM <{private}> {{ ?s ?p ?o }}", f"SELECT ?o FROM NAMED <{private}> {{ ?s ?p ?o }}"):
            status, body = ask(text)
            assert status == 400 and "leave out FROM and FROM NAMED" in body
    finally:
        httpd.shutdown()
        httpd.server_close()
        backend.close()
        drop(ours)
        drop(private)
