"""Organisations that change (W3C ORG change events) and the status of each case, as emitted, on the
fixture graph (tests/fixture_graph.py); and the explicit types and DL-safe literals of issue 14."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from fixture_graph import write_fixture

from pcmh_kg.model.vocab import DEFAULT_BASE
from pcmh_kg.query import store

B = DEFAULT_BASE
PREFIXES = f"""PREFIX org: <http://www.w3.org/ns/org#> PREFIX pcmh: <https://w3id.org/pcmh-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/> PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
PREFIX o: <{B}organisation/> PREFIX c: <{B}case/>
"""


@pytest.fixture(scope="module")
def st(tmp_path_factory):
    return store.from_data(write_fixture(tmp_path_factory.mktemp("fixture") / "data"))


def ask(st, body: str) -> bool:
    return bool(st.query(PREFIXES + "ASK { " + body + " }"))


def rows(st, query: str) -> list[tuple]:
    return [tuple(t.value if t is not None else None for t in r) for r in st.query(PREFIXES + query)]


def test_a_succession_is_one_change_event_with_its_date_and_sources(st):
    assert rows(st, """SELECT ?e ?d ?dt ?to WHERE { o:org-e org:changedBy ?e . ?e a org:ChangeEvent , prov:Activity ;
        org:originalOrganization o:org-e ; org:resultingOrganization ?to ; dcterms:date ?d . BIND (DATATYPE(?d) AS ?dt) }""") \
        == [(f"{B}organisation/org-e/change", "2022-07-01", "http://www.w3.org/2001/XMLSchema#date", f"{B}organisation/org-d")]
    assert sorted(r[0] for r in rows(st, "SELECT ?s WHERE { o:org-e org:changedBy/dcterms:source ?s }")) == [
        "https://example.org/change/e", "https://example.org/change/icbs"]
    # the successor points back at every change it resulted from
    assert sorted(r[0] for r in rows(st, "SELECT ?e WHERE { o:org-d org:resultedFrom ?e }")) == [
        f"{B}organisation/org-b/change", f"{B}organisation/org-e/change"]


def test_dates_keep_the_precision_the_source_gives(st):
    got = dict(rows(st, "SELECT ?o (DATATYPE(?d) AS ?t) WHERE { ?o org:changedBy/dcterms:date ?d }"))
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert got == {f"{B}organisation/org-b": xsd + "date", f"{B}organisation/org-c": xsd + "gYearMonth",
                   f"{B}organisation/org-e": xsd + "date", f"{B}organisation/org-f": xsd + "gYear"}


def test_a_dissolved_organisation_has_a_change_with_no_result(st):
    assert ask(st, "o:org-f org:changedBy ?e . ?e org:originalOrganization o:org-f ; dcterms:source <https://example.org/change/f> "
                   "FILTER NOT EXISTS { ?e org:resultingOrganization ?x }")
    assert not ask(st, "o:org-a org:changedBy ?e")  # unchanged organisations have no change
    assert ask(st, "o:org-a a schema:Organization , org:Organization")


def test_every_case_has_one_status_and_sourced_statements_only_where_given(st):
    status = dict(rows(st, "SELECT ?c ?s WHERE { ?c a pcmh:CaseStudy ; pcmh:status ?s }"))
    p = "https://w3id.org/pcmh-kg/ontology#"
    assert status == {f"{B}case/syn-a": p + "Running", f"{B}case/syn-b": p + "StatusUnknown",
                      f"{B}case/syn-c": p + "Ended", f"{B}case/syn-d": p + "StatusUnknown",
                      f"{B}case/syn-e": p + "StatusUnknown"}
    assert rows(st, """SELECT ?st ?v ?d ?src WHERE { c:syn-c pcmh:statusStatement ?st . ?st a pcmh:StatusStatement ;
        pcmh:status ?v ; dcterms:date ?d ; prov:wasDerivedFrom ?src }""") == [
        (f"{B}case/syn-c/status", p + "Ended", "2015-12", "https://example.org/syn-c/source-1")]
    assert not ask(st, "c:syn-b pcmh:statusStatement ?x")


def test_literals_and_types_a_dl_reasoner_and_a_store_without_inference_need(st):
    # a start year is an integer on pcmh:startYear; no xsd:gYear on any datatype property
    assert rows(st, "SELECT ?y WHERE { c:syn-a pcmh:startYear ?y FILTER (DATATYPE(?y) = xsd:integer) }") == [("2016",)]
    assert not ask(st, "?c schema:startDate ?y")
    # vCard's role is a plain string
    assert not ask(st, "?x vcard:role ?r FILTER (LANG(?r) != '')")
    assert ask(st, f"<{B}case/syn-a/contact> vcard:role 'Role A'")
    # stated types, not only reachable through rdfs:subClassOf
    assert not ask(st, "{ ?x a pcmh:Lesson } UNION { ?x a pcmh:Theme } UNION { ?x a pcmh:Topic } "
                       "FILTER NOT EXISTS { ?x a skos:Concept }")
    assert not ask(st, "?x a pcmh:Place FILTER NOT EXISTS { ?x a schema:Place , dcterms:Location }")
    assert ask(st, f"<{B}place/australia> a schema:Country")
    assert ask(st, "?g a pcmh:Guide , schema:Report , prov:Entity ; dcterms:publisher ?p . ?p a schema:Organization")


def test_the_dataset_and_the_ontology_name_agents_not_strings(tmp_path):
    from pcmh_kg.build import pipeline as build

    data = write_fixture(tmp_path / "data")
    build.build(data, tmp_path / "dist", shacl=False)
    void = ox.Store()
    void.load(path=str(tmp_path / "dist" / "void.ttl"), format=ox.RdfFormat.TURTLE)
    (pub,) = [r["p"] for r in void.query("SELECT ?p WHERE { ?d a <http://rdfs.org/ns/void#Dataset> ; "
                                          "<http://purl.org/dc/terms/publisher> ?p }")]
    assert isinstance(pub, ox.NamedNode) and pub.value == f"{B}agent/developers"
    graph = store.from_dump(tmp_path / "dist" / "pcmh-kg.nt")
    assert ask(graph, f"<{B}agent/developers> a prov:Agent ; <http://www.w3.org/2000/01/rdf-schema#label> ?l")
    (creator,) = [r["c"] for r in graph.query("SELECT ?c WHERE { <https://w3id.org/pcmh-kg/ontology> "
                                               "<http://purl.org/dc/terms/creator> ?c }")]
    assert isinstance(creator, ox.NamedNode)
