"""The query library in SIB's sparql-examples form, at /.well-known/sparql-examples: every example
is described as SIB's tools read it, and every one runs on the endpoint it names."""

from __future__ import annotations

import json
import re
import urllib.parse

import pyoxigraph as ox
import pytest
from sites import BASE, get

from pcmh_kg.model.vocab import PREFIXES, Minter
from pcmh_kg.query import catalogue, examples

SH = "http://www.w3.org/ns/shacl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SCHEMA = "https://schema.org/"
# every lesson has at least max_cases (4) cases in the real data, so no lesson is thin
EMPTY_ON_REAL_DATA = {"thin-lessons"}
FORMS = {"SPARQLSelectExecutable": "select", "SPARQLAskExecutable": "ask",
         "SPARQLConstructExecutable": "construct", "SPARQLDescribeExecutable": "describe"}


def _graph(body: bytes) -> ox.Store:
    st = ox.Store()
    st.load(body, format=ox.RdfFormat.TURTLE)
    return st


def _values(st, s, p) -> list:
    return [q.object for q in st.quads_for_pattern(s, ox.NamedNode(p), None)]


@pytest.fixture(scope="module")
def document(site):
    url, _ = site
    status, headers, body = get(url + "/.well-known/sparql-examples")
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/turtle")
    return body


def test_every_query_is_an_example_in_sibs_form(document):
    st = _graph(document)
    queries = catalogue.load_catalogue()
    found = {q.subject.value: q.subject for q in st.quads_for_pattern(None, ox.NamedNode(RDF_TYPE),
                                                                       ox.NamedNode(SH + "SPARQLExecutable"))}
    assert set(found) == {BASE + "query/" + name for name in queries}
    prefixes_node = None
    for name, q in queries.items():
        node = found[BASE + "query/" + name]
        kinds = {t.value.removeprefix(SH) for t in _values(st, node, RDF_TYPE)}
        (form_class,) = kinds & set(FORMS)
        assert FORMS[form_class] == q.form.lower()
        (text,) = _values(st, node, SH + q.form.lower())
        assert not text.value.startswith("#")  # the header is in rdfs:comment / rdfs:label, not the text
        (comment,) = _values(st, node, RDFS + "comment")
        assert (comment.value, comment.language) == (q.description, "en")
        (label,) = _values(st, node, RDFS + "label")
        assert label.value == q.title
        assert [t.value for t in _values(st, node, SCHEMA + "target")] == [BASE + "sparql"]
        assert sorted(k.value for k in _values(st, node, SCHEMA + "keywords")) == sorted(q.keywords)
        (prefixes,) = _values(st, node, SH + "prefixes")
        assert prefixes_node in (None, prefixes)
        prefixes_node = prefixes
    assert not list(st.quads_for_pattern(None, ox.NamedNode("http://schema.org/target"), None))
    # the prefix declarations, as SIB writes them: an owl:Ontology with sh:declare [sh:prefix; sh:namespace]
    assert ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology") in _values(st, prefixes_node, RDF_TYPE)
    declared = {}
    for decl in _values(st, prefixes_node, SH + "declare"):
        (p,) = _values(st, decl, SH + "prefix")
        (ns,) = _values(st, decl, SH + "namespace")
        assert ns.datatype.value.endswith("#anyURI")
        declared[p.value] = ns.value
    assert declared == PREFIXES
    for node in found.values():  # every PREFIX a query text uses is declared, with the same namespace
        text = next(_values(st, node, SH + f) for f in FORMS.values() if _values(st, node, SH + f))[0].value
        for prefix, ns in re.findall(r"PREFIX\s+([\w-]*):\s*<([^>]+)>", text):
            assert declared[prefix] == ns, (node, prefix)


def _run(url, text, accept):
    body = urllib.parse.urlencode({"query": text}).encode()
    return get(url + "/sparql", accept, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_every_example_runs_on_the_endpoint_it_names(site, document):
    url, _ = site
    st = _graph(document)
    ran = 0
    for quad in st.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(SH + "SPARQLExecutable")):
        node = quad.subject
        (target,) = _values(st, node, SCHEMA + "target")
        assert target.value == BASE + "sparql"  # this server serves that base: /sparql is its endpoint
        form = next(f for f in FORMS.values() if _values(st, node, SH + f))
        text = _values(st, node, SH + form)[0].value
        if form in ("select", "ask"):
            status, headers, body = _run(url, text, "application/sparql-results+json")
            assert status == 200, (node, body[:300])
            answer = json.loads(body)
            if form == "select":
                assert answer["head"]["vars"] and isinstance(answer["results"]["bindings"], list)
                name = node.value.rsplit("/", 1)[1]
                assert bool(answer["results"]["bindings"]) != (name in EMPTY_ON_REAL_DATA), name
            else:
                assert isinstance(answer["boolean"], bool)
        else:
            status, headers, body = _run(url, text, "text/turtle")
            assert status == 200 and headers["Content-Type"].startswith("text/turtle"), node
            list(ox.parse(body, format=ox.RdfFormat.TURTLE))
        ran += 1
    assert ran == len(catalogue.load_catalogue())


def test_the_examples_are_content_negotiated(site, document):
    url, _ = site
    status, headers, body = get(url + "/.well-known/sparql-examples", "application/ld+json")
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    st = ox.Store()
    st.load(body, format=ox.RdfFormat.JSON_LD)
    assert len(st) == len(_graph(document))
    status, headers, body = get(url + "/.well-known/sparql-examples", "text/html")
    assert status == 200 and b"multi-lesson-cases" in body and headers["Content-Type"].startswith("text/html")
    status, _, body = get(url + "/.well-known/sparql-examples", "image/png")
    assert status == 406


def test_the_document_is_byte_identical_for_the_same_catalogue():
    queries, m = catalogue.load_catalogue(), Minter()
    assert examples.examples_turtle(queries, m) == examples.examples_turtle(queries, m)
    other = examples.examples_turtle(queries, Minter("http://127.0.0.1:8000/"))
    assert b"<http://127.0.0.1:8000/sparql>" in other and b"<https://w3id.org/pcmh-kg/sparql>" not in other
