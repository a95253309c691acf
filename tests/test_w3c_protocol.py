"""The W3C SPARQL 1.1 Protocol test suite, run against `pcmh-kg serve`.

The suite is not shipped here: set PCMH_KG_W3C_PROTOCOL to the folder sparql/sparql11/protocol of
a checkout of w3c/rdf-tests (manifest.ttl and data1-3.nt). Query tests without their own data
run against the embedded graph; those with `ut:graphData` run against `serve --store` over an
Oxigraph server holding the test graphs as named graphs. This service is read-only, so every
update test must be refused with a 4xx (the manifest's 2xx expectations are for updatable stores).
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.parse
import urllib.request
from pathlib import Path
from xml.dom import minidom

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from sites import BASE

from pcmh_kg.publish import app as webapp
from pcmh_kg.publish import backends, querypool
from pcmh_kg.publish import http as web

SUITE = os.environ.get("PCMH_KG_W3C_PROTOCOL")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

pytestmark = pytest.mark.skipif(not SUITE or not (Path(SUITE) / "manifest.ttl").is_file(),
                                reason="set PCMH_KG_W3C_PROTOCOL to rdf-tests' sparql/sparql11/protocol folder")


def load_tests() -> list[dict]:
    if not SUITE or not (Path(SUITE) / "manifest.ttl").is_file():
        return []
    g = Graph().parse(Path(SUITE) / "manifest.ttl", format="turtle")
    manifest = next(g.subjects(MF.entries, None))
    tests = []
    for t in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(t, MF.action)
        requests = []
        for r in Collection(g, g.value(action, HT.requests)):
            body = g.value(r, HT.body)
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in Collection(g, g.value(r, HT.headers))} if g.value(r, HT.headers) else {}
            resp = g.value(r, HT.resp)
            requests.append({
                "method": str(g.value(r, HT.methodName)), "path": str(g.value(r, HT.absolutePath)),
                "headers": headers,
                "body": (str(g.value(body, CNT.chars)), str(g.value(body, CNT.characterEncoding) or "UTF-8"))
                if body is not None else None,
                "status": {str(s)[len(HTS):] for s in g.objects(resp, MF.expectedStatus)},
                "format": str(g.value(resp, MF.expectedFormat) or ""),
                "boolean": g.value(resp, MF.expectedBoolean)})
        data = {str(g.value(d, RDFS.label)): Path(SUITE) / Path(str(g.value(d, UT.graph))).name
                for d in g.objects(t, UT.graphData)}
        tests.append({"name": str(t).rsplit("#", 1)[1], "requests": requests, "data": data})
    return tests


TESTS = load_tests()


@pytest.fixture(scope="module")
def store_site(oxigraph_server):
    """`serve --store` over an Oxigraph server holding every test graph as a named graph."""
    for test in TESTS:
        for name, path in test["data"].items():
            req = urllib.request.Request(f"{oxigraph_server}/store?graph={urllib.parse.quote(name, safe='')}",
                                         data=path.read_bytes(), method="PUT",
                                         headers={"Content-Type": "application/n-triples"})
            urllib.request.urlopen(req, timeout=30).close()
    settings = querypool.Settings(querypool.NO_DUMP, base=BASE)
    backend = backends.RemoteBackend(oxigraph_server + "/query", settings, graph=None, timeout=30)
    httpd, _ = web.serve_in_thread(webapp.App(backend, webapp.Config(base=BASE, dist=None, quiet=True)))
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    backend.close()


def send(url: str, r: dict) -> tuple[int, str, bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    path = "/sparql" + r["path"][len("/sparql/"):] if r["path"].startswith("/sparql/") else r["path"]
    body = r["body"][0].encode(r["body"][1].lower().replace("utf-16", "utf-16")) if r["body"] else None
    conn.request(r["method"], path, body=body, headers=r["headers"])
    resp = conn.getresponse()
    out = resp.status, resp.getheader("Content-Type") or "", resp.read()
    conn.close()
    return out


def is_update(r: dict) -> bool:
    text = (r["body"][0] if r["body"] else "") + r["path"]
    return "sparql-update" in r["headers"].get("content-type", "") or "update=" in text


def boolean_of(ctype: str, body: bytes) -> bool:
    if "json" in ctype:
        return json.loads(body)["boolean"]
    return minidom.parseString(body).getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("test", TESTS, ids=lambda t: t["name"] if isinstance(t, dict) else str(t))  # pytest 8.0 ids an empty list
def test_w3c_protocol(test, request):
    url = request.getfixturevalue("store_site") if test["data"] else request.getfixturevalue("site")[0]
    update = test["name"].startswith(("update_", "bad_update"))
    for r in test["requests"]:
        status, ctype, body = send(url, r)
        if update and (is_update(r) or test["name"].startswith("bad_update")):
            assert 400 <= status < 500, (status, body[:300])  # read-only: every update is refused
            continue
        if update:  # a query checking what the refused update would have done
            assert status == 200, (status, body[:300])
            continue
        assert f"{status // 100}xx" in r["status"], (status, body[:300])
        if r["format"] == "boolean":
            assert ctype.split(";")[0] in ("application/sparql-results+json", "application/sparql-results+xml")
            if r["boolean"] is not None:
                assert boolean_of(ctype, body) == r["boolean"].toPython()
        elif r["format"] == "tabular":
            assert ctype.split(";")[0] in ("application/sparql-results+json", "application/sparql-results+xml",
                                           "text/csv", "text/tab-separated-values")
        elif r["format"] == "RDF":
            assert ctype.split(";")[0] in ("application/rdf+xml", "text/turtle", "application/n-triples")
            assert len(Graph().parse(data=body, format={"application/rdf+xml": "xml"}.get(
                ctype.split(";")[0], "turtle" if "turtle" in ctype else "nt"))) >= 0


def test_the_suite_was_read():
    assert len(TESTS) >= 30 and all(t["requests"] for t in TESTS)
    assert URIRef  # rdflib is the manifest's reader
