"""The four dump writers on text chosen to break them: quotes, backslashes, XML specials, CDATA
ends, tabs and newlines, non-ASCII, blank nodes, and properties with no prefix or no short name.
Each dump is read back by Oxigraph, rdflib, rapper and pyld, and must give the triples written."""

from __future__ import annotations

import json
import subprocess

import pytest
import rdflib
from conftest import have
from rdflib.compare import isomorphic

from pcmh_kg.build import fragments
from pcmh_kg.model.vocab import DCTERMS, PCMH, RDF, RDFS, SCHEMA, XSD
from pcmh_kg.sinks import formats
from pcmh_kg.sinks.formats import BLANK
from pcmh_kg.triples.terms import iri, text, typed

S = "https://w3id.org/pcmh-kg/case/tricky"
NASTY = [
    'He said "no" \\ then \'yes\'',
    "a < b && c > d ]]> <!-- not a comment --> &amp; stays text",
    "line one\nline two\ttabbed",
    "Ünïcödé — “quotes” 😀 עברית",
    "   leading and trailing spaces   ",
    "",
    "@prefix x: <http://evil/> . <a> <b> <c> .",
    '{"@id": "json-looking"}',
]
CHUNKS = [
    [
        (S, RDF + "type", iri(PCMH + "CaseStudy")),
        (S, RDF + "type", iri("http://example.org/Other-Class")),
        *[(S, DCTERMS + "description", text(v)) for v in NASTY],
        *[(S, RDFS + "comment", text(v, None)) for v in NASTY],
        (S, SCHEMA + "startDate", typed("2001", XSD + "gYear")),
        (S, SCHEMA + "1starts-with-digit", text("a property with no safe short name", None)),
        (S, "http://example.org/vocab/no_prefix", typed("x & y", "http://example.org/dt#T")),
        (S, "http://example.org/a&b#p", iri("http://example.org/q?a=1&b=2")),
        (S, PCMH + "contact", (BLANK, "c1")),
        (S, RDFS + "seeAlso", iri("https://example.org/é/ü?x=1&y=2#frag")),
        ("_:c1", RDFS + "label", text("a blank node with a label")),
        ("_:c1", RDF + "type", iri(PCMH + "Thing")),
    ],
    [],  # an empty chunk between two others
    [(S + "/second", RDFS + "label", text("second chunk", "en-gb"))],
]


def _expected() -> rdflib.Graph:
    g = rdflib.Graph()
    bnodes = {}

    def node(value: str, is_subject: bool):
        if is_subject and value.startswith("_:"):
            return bnodes.setdefault(value[2:], rdflib.BNode())
        return rdflib.URIRef(value)

    for chunk in CHUNKS:
        for s, p, o in chunk:
            if o[0] == formats.IRI:
                obj = rdflib.URIRef(o[1])
            elif o[0] == formats.BLANK:
                obj = bnodes.setdefault(o[1], rdflib.BNode())
            elif o[0] == formats.LITERAL:
                obj = rdflib.Literal(o[1], lang=o[2])
            else:
                obj = rdflib.Literal(o[1], datatype=rdflib.URIRef(o[2]))
            g.add((node(s, True), rdflib.URIRef(p), obj))
    return g


@pytest.fixture(scope="module")
def dumps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    writer = fragments.DumpWriter(folder)
    for chunk in CHUNKS:
        writer.add(fragments.make(chunk))
    writer.close()
    return folder


RDFLIB_FORMATS = {"nt": "nt", "ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}


@pytest.mark.parametrize("kind", fragments.KINDS)
def test_rdflib_reads_back_what_was_written(dumps, kind):
    g = rdflib.Graph().parse(dumps / fragments.FILES[kind], format=RDFLIB_FORMATS[kind])
    assert len(g) == len(_expected())
    assert isomorphic(g, _expected())


@pytest.mark.parametrize("kind", fragments.KINDS)
def test_oxigraph_reads_back_what_was_written(dumps, kind):
    import pyoxigraph as ox

    fmt = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE, "rdf": ox.RdfFormat.RDF_XML,
           "jsonld": ox.RdfFormat.JSON_LD}[kind]
    nt = ox.serialize(ox.parse(path=str(dumps / fragments.FILES[kind]), format=fmt), format=ox.RdfFormat.N_TRIPLES)
    assert isomorphic(rdflib.Graph().parse(data=nt.decode(), format="nt"), _expected())


@pytest.mark.skipif(not have("rapper"), reason="rapper (Debian raptor2-utils) is installed by `make test`")
@pytest.mark.parametrize("kind,syntax", [("nt", "ntriples"), ("ttl", "turtle"), ("rdf", "rdfxml")])
def test_rapper_reads_back_what_was_written(dumps, kind, syntax):
    out = subprocess.run(["rapper", "-q", "-i", syntax, "-o", "ntriples", str(dumps / fragments.FILES[kind])],
                         capture_output=True, text=True, check=True).stdout
    assert isomorphic(rdflib.Graph().parse(data=out, format="nt"), _expected())


def test_pyld_reads_back_what_was_written(dumps):
    from pyld import jsonld

    def no_network(url, options=None):
        raise AssertionError(f"pyld tried to load {url}")

    doc = json.loads((dumps / fragments.FILES["jsonld"]).read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": no_network})
    assert isomorphic(rdflib.Graph().parse(data=nquads, format="nquads"), _expected())


def test_prefixed_names_are_used_only_where_every_parser_accepts_them(dumps):
    ttl = (dumps / fragments.FILES["ttl"]).read_text(encoding="utf-8")
    assert "a pcmh:CaseStudy" in ttl
    assert "<http://schema.org/1starts-with-digit>" in ttl  # schema:1starts... is not Turtle 1.0


def test_text_xml_cannot_carry_is_refused_not_written():
    with pytest.raises(ValueError, match="XML"):
        formats.rdfxml([(S, RDFS + "label", text("bell \x07"))])


def test_a_property_rdfxml_cannot_name_is_refused():
    with pytest.raises(ValueError, match="RDF/XML"):
        formats.rdfxml([(S, "http://example.org/ends-in-slash/", text("x"))])
