"""The query library: every query's exact rows on a fixture graph worked out by hand
(tests/fixture_graph.py), parameters bound as typed RDF terms, and the command line."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import yaml
from conftest import DATA
from fixture_graph import write_fixture

from pcmh_kg.cli import main
from pcmh_kg.model import labels
from pcmh_kg.model.vocab import DEFAULT_BASE, Minter
from pcmh_kg.query import catalogue, sparql, store

LT = {lesson["number"]: lesson["title"] for lesson in yaml.safe_load((DATA / "guide.yaml").read_text())["lessons"]}
TT = {1: "Community based mental health care", 2: "Accessible mental health services",
      3: "Co-ordinated mental health care"}
THEME_OF = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 2, 7: 2, 8: 3, 9: 3, 10: 3}
S1, S2 = "https://example.org/syn-a/source-1", "https://example.org/syn-a/source-2"


def ranked(order):
    counts = {1: 1, 2: 2, 3: 0, 4: 0, 5: 0, 6: 2, 7: 0, 8: 2, 9: 1, 10: 1}
    return [(f"lesson/{n}", str(n), LT[n], TT[THEME_OF[n]], str(counts[n])) for n in order]


def thin(order):
    counts = {1: 1, 2: 2, 3: 0, 4: 0, 5: 0, 6: 2, 7: 0, 8: 2, 9: 1, 10: 1}
    return [(str(n), LT[n], str(counts[n])) for n in order]


EXPECTED = {
    ("multi-lesson-cases", ()): [
        ("case/syn-a", "Synthetic A", "3", "2", "1", LT[1], TT[1]),
        ("case/syn-a", "Synthetic A", "3", "2", "2", LT[2], TT[1]),
        ("case/syn-a", "Synthetic A", "3", "2", "6", LT[6], TT[2]),
        ("case/syn-c", "Synthetic C", "2", "1", "8", LT[8], TT[3]),
        ("case/syn-c", "Synthetic C", "2", "1", "9", LT[9], TT[3]),
        ("case/syn-d", "Synthetic D", "2", "2", "2", LT[2], TT[1]),
        ("case/syn-d", "Synthetic D", "2", "2", "8", LT[8], TT[3]),
    ],
    ("multi-lesson-cases", ("min_lessons=3",)): [
        ("case/syn-a", "Synthetic A", "3", "2", str(n), LT[n], TT[THEME_OF[n]]) for n in (1, 2, 6)],
    ("lessons-ranked", ()): ranked([2, 6, 8, 1, 9, 10, 3, 4, 5, 7]),
    ("cases-for-lesson", ()): [("case/syn-a", "Synthetic A", "Reason A1.", "curated here", "Lambeth", "London")],
    ("cases-for-lesson", ("lesson=8",)): [
        ("case/syn-c", "Synthetic C", "Reason C8.", "curated here", "Australia", "international"),
        ("case/syn-d", "Synthetic D", "Reason D8.", "curated here", "South West", "national")],
    ("evidence-map-cell", ()): [("case/syn-a", "Synthetic A", "Reason A1.", "curated here")],
    ("evidence-map-cell", ("lesson=8", "group=https://w3id.org/pcmh-kg/place/england")): [
        ("case/syn-d", "Synthetic D", "Reason D8.", "curated here")],  # syn-c (lesson 8) is in Australia
    ("evidence-map-cell", ("lesson=2", "group=https://w3id.org/pcmh-kg/tag/population")): [  # narrower tags count
        ("case/syn-a", "Synthetic A", "Reason A2.", "curated here"), ("case/syn-d", "Synthetic D", "Reason D2.", "curated here")],
    ("evidence-map-cell", ("lesson=2", "group=https://w3id.org/pcmh-kg/theme/coordinated-care")): [
        ("case/syn-d", "Synthetic D", "Reason D2.", "curated here")],  # syn-d also evidences lesson 8
    ("cases-for-theme", ()): [("case/syn-a", "Synthetic A", "2"), ("case/syn-d", "Synthetic D", "1")],
    ("cases-for-theme", ("theme=coordinated-care",)): [
        ("case/syn-c", "Synthetic C", "2"), ("case/syn-d", "Synthetic D", "1"), ("case/syn-e", "Synthetic E", "1")],
    ("cases-in-place", ()): [("case/syn-b", "Synthetic B", "Hackney", "London"),
                             ("case/syn-a", "Synthetic A", "Lambeth", "London")],
    ("cases-in-place", ("place=england",)): [
        ("case/syn-e", "Synthetic E", "England", "national"), ("case/syn-b", "Synthetic B", "Hackney", "London"),
        ("case/syn-a", "Synthetic A", "Lambeth", "London"), ("case/syn-d", "Synthetic D", "South West", "national")],
    ("cases-with-tag", ()): [("case/syn-a", "Synthetic A", "Older people"), ("case/syn-b", "Synthetic B", "Children"),
                             ("case/syn-c", "Synthetic C", "Older people"), ("case/syn-d", "Synthetic D", "Older people")],
    ("cases-with-tag", ("tag=digital",)): [("case/syn-a", "Synthetic A", "Shared records"),
                                           ("case/syn-c", "Synthetic C", "Shared records"),
                                           ("case/syn-e", "Synthetic E", "Digital")],
    ("tag-outside-london", ()): [("case/syn-c", "Synthetic C", "international", "Australia"),
                                 ("case/syn-d", "Synthetic D", "national", "South West")],
    ("scope-per-lesson", ()): [
        ("1", LT[1], "London", "1"), ("2", LT[2], "London", "1"), ("2", LT[2], "national", "1"),
        ("6", LT[6], "London", "2"), ("8", LT[8], "international", "1"), ("8", LT[8], "national", "1"),
        ("9", LT[9], "international", "1"), ("10", LT[10], "national", "1")],
    ("tag-cooccurrence", ()): [("Older people", "Shared records", "2")],
    ("tag-cooccurrence", ("min_cases=3",)): [],
    ("lesson-coevidence", ()): [("1", "2", "1"), ("1", "6", "1"), ("2", "6", "1"), ("2", "8", "1"), ("8", "9", "1")],
    ("theme-bridging-cases", ()): [("case/syn-a", "Synthetic A", "2"), ("case/syn-d", "Synthetic D", "2")],
    ("thin-lessons", ()): thin([3, 4, 5, 7, 1, 9, 10, 2, 6, 8]),
    ("thin-lessons", ("max_cases=2",)): thin([3, 4, 5, 7, 1, 9, 10]),
    ("places-without-lesson", ()): [("place/hackney", "Hackney")],
    ("places-without-lesson", ("lesson=10", "within=england")): [("place/london", "London"),
                                                                ("place/south-west", "South West")],
    ("organisations-behind-cases", ()): [("organisation/org-a", "Org A", "3"), ("organisation/org-b", "Org B", "2"),
                                         ("organisation/org-c", "Org C", "2")],
    ("contacts-for-lesson", ()): [("case/syn-a", "Synthetic A", "Org A", "Role A", "https://example.org/syn-a/contact", "Org A")],
    ("contacts-for-lesson", ("lesson=8",)): [  # C's contact org-b and D's org-c both passed to org-d
        ("case/syn-c", "Synthetic C", "Org B", "Role C", "https://example.org/syn-c/contact", "Org D"),
        ("case/syn-d", "Synthetic D", "Org C", "Role D", "https://example.org/syn-d/contact", "Org D")],
    ("cases-after-guide", ()): [("case/syn-a", "Synthetic A", "2016"), ("case/syn-c", "Synthetic C", "2015")],
    ("organisation-successors", ()): [
        ("organisation/org-b", "Org B", "2022-07-01", "organisation/org-d", "Org D", "2"),
        ("organisation/org-c", "Org C", "2020-04", "organisation/org-d", "Org D", "2"),
        ("organisation/org-f", "Org F", "2021", "", "", "1")],
    ("entities-without-identifier", ()): [
        ("NHS organisation", "organisation/org-e", "Org E", "NHS ODS code"),
        ("place", "place/england", "England", "Wikidata item"),
        ("place", "place/hackney", "Hackney", "Wikidata item"),
        ("place", "place/london", "London", "Wikidata item"),
        ("place", "place/south-west", "South West", "Wikidata item"),
        ("place", "place/uk", "United Kingdom", "Wikidata item"),
        ("tag", "tag/children", "Children", "MeSH descriptor or Wikidata item"),
        ("tag", "tag/digital", "Digital", "MeSH descriptor or Wikidata item"),
        ("tag", "tag/population", "Population", "MeSH descriptor or Wikidata item"),
        ("tag", "tag/shared-records", "Shared records", "MeSH descriptor or Wikidata item")],
    ("case-wikidata-ods", ()): [
        ("case/syn-a", "Synthetic A", "Lambeth", "http://www.wikidata.org/entity/Q900001", "", ""),
        ("case/syn-b", "Synthetic B", "Hackney", "", "Org B", "XB1"),
        ("case/syn-c", "Synthetic C", "Australia", "http://www.wikidata.org/entity/Q900002", "Org B", "XB1"),
        ("case/syn-d", "Synthetic D", "South West", "", "", ""),
        ("case/syn-e", "Synthetic E", "England", "", "", "")],
    ("sources-for-case", ("case=syn-a",)): [
        (S1, "Source A1", "example.org", "1"), (S1, "Source A1", "example.org", "2"),
        (S1, "Source A1", "example.org", "6"), (S2, "Source A2", "example.org", "2"),
        (S2, "Source A2", "example.org", "6")],
}


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory):
    data = write_fixture(tmp_path_factory.mktemp("fixture") / "data")
    return store.from_data(data)


def rows_of(st, name, params=()):
    query = catalogue.load_catalogue()[name]
    text = sparql.with_bindings(query.text, sparql.bind(query, sparql.parse_params(list(params)), Minter()))
    result = sparql.run_local(st, text)
    return [tuple(labels.text(t, DEFAULT_BASE) for t in row) for row in result.rows]


@pytest.mark.parametrize("name,params", list(EXPECTED), ids=[f"{n}{'[' + ','.join(p) + ']' if p else ''}" for n, p in EXPECTED])
def test_query_gives_exactly_the_expected_rows(fixture_store, name, params):
    assert rows_of(fixture_store, name, params) == EXPECTED[(name, params)]


def test_every_library_query_has_a_fixture_test_and_metadata():
    queries = catalogue.load_catalogue()
    assert len(queries) >= 15
    assert {name for name, _ in EXPECTED} == set(queries)
    for q in queries.values():
        assert q.title and q.description and q.form == "SELECT"
        for p in q.params:
            assert p.default is not None and p.description


def test_every_query_file_parses_in_oxigraph_and_rdflib():
    from rdflib.plugins.sparql import prepareQuery

    empty = ox.Store()
    for q in catalogue.load_catalogue().values():
        text = sparql.with_bindings(q.text, sparql.bind(q, {}, Minter()))
        empty.query(text)  # raises SyntaxError if the text is not SPARQL 1.1
        prepareQuery(q.text)


def test_every_query_runs_with_its_defaults_on_the_real_graph(real_dist):
    st = store.from_dump(real_dist / "pcmh-kg.nt")
    for q in catalogue.load_catalogue().values():
        rows = rows_of(st, q.name)
        if q.name in ("multi-lesson-cases", "lessons-ranked", "sources-for-case", "cases-in-place"):
            assert rows, q.name


def test_headline_query_lists_the_real_multi_lesson_cases(real_dist):
    st = store.from_dump(real_dist / "pcmh-kg.nt")
    rows = rows_of(st, "multi-lesson-cases")
    cases = {r[0] for r in rows}
    counts = {}
    for path in (DATA / "cases").glob("*.yaml"):
        n = len(yaml.safe_load(path.read_text())["lessons"])
        if n >= 2:
            counts[f"case/{path.stem}"] = n
    assert cases == set(counts)
    assert [int(r[2]) for r in rows] == sorted((int(r[2]) for r in rows), reverse=True)


def test_parameter_values_never_change_the_query():
    """A hostile value is bound as one literal: the query returns it, unchanged, and nothing else."""
    q = catalogue.Query("probe", "t", "d", 'SELECT ?x WHERE { BIND(?v AS ?x) }', None,
                        [catalogue.Param("v", "string", None, "")])
    hostile = '"} ; DROP ALL ; #\n} SELECT * WHERE { ?s ?p ?o } #'
    text = sparql.with_bindings(q.text, sparql.bind(q, {"v": hostile}, Minter()))
    result = sparql.run_local(ox.Store(), text)
    assert result.variables == ["x"]
    assert [[t.value for t in row] for row in result.rows] == [[hostile]]


@pytest.mark.parametrize("param,value,message", [
    ("lesson", '1 } ; DROP ALL ; #', "must be a lesson number"),
    ("tag", '"} ; DROP ALL ; #', "must be a tag id"),
    ("min_cases", "two", "must be a whole number"),
    ("nonsense", "1", "has no parameter 'nonsense'"),
])
def test_bad_parameters_get_a_clear_error(param, value, message, capsys):
    name = {"lesson": "cases-for-lesson", "tag": "cases-with-tag", "min_cases": "tag-cooccurrence",
            "nonsense": "lessons-ranked"}[param]
    code = main(["query", name, "--param", f"{param}={value}", "-q", "--data", str(DATA), "--dist", "/nonexistent"])
    assert code == 2
    assert message in capsys.readouterr().err


def test_unknown_query_and_bad_sparql_are_reported(capsys):
    assert main(["query", "no-such-query", "-q"]) == 2
    assert "unknown query 'no-such-query'" in capsys.readouterr().err
    assert main(["query", "-e", "SELECT WHERE {", "-q", "--data", str(DATA), "--dist", "/nonexistent"]) == 2
    assert "SPARQL syntax error" in capsys.readouterr().err


def test_cli_list_and_formats(tmp_path, capsys):
    data = write_fixture(tmp_path / "data")
    assert main(["query", "--list"]) == 0
    listing = capsys.readouterr().out
    assert len(listing.strip().splitlines()) == len(catalogue.load_catalogue())
    args = ["query", "cases-for-lesson", "--param", "lesson=8", "-q", "--data", str(data), "--dist", str(tmp_path / "none")]
    assert main(args + ["--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [b["title"]["value"] for b in doc["results"]["bindings"]] == ["Synthetic C", "Synthetic D"]
    assert main(args + ["--format", "csv"]) == 0
    csv_out = capsys.readouterr().out
    assert csv_out.splitlines()[0] == "case,title,reason,origin,place_name,scope"
    assert "https://w3id.org/pcmh-kg/case/syn-c,Synthetic C,Reason C8.," in csv_out
    assert main(args + ["--format", "tsv"]) == 0
    assert '"Reason D8."@en' in capsys.readouterr().out
    assert main(args) == 0
    assert "(2 rows)" in capsys.readouterr().out
    assert main(["query", "-e", "ASK { ?s a <https://w3id.org/pcmh-kg/ontology#CaseStudy> }", "-q",
                 "--data", str(data), "--dist", str(tmp_path / "none")]) == 0
    assert capsys.readouterr().out.strip() == "yes"


def test_catalogue_is_published_in_the_graph(real_dist):
    st = store.from_dump(real_dist / "pcmh-kg.nt")
    rows = list(st.query("""PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX schema: <http://schema.org/>
        SELECT ?q ?comment ?text ?target WHERE { ?q a sh:SPARQLExecutable ; rdfs:comment ?comment ;
        sh:select ?text ; schema:target ?target }"""))
    queries = catalogue.load_catalogue()
    assert len(rows) == len(queries)
    by_name = {r["q"].value.rsplit("/", 1)[1]: r for r in rows}
    for name, q in queries.items():
        assert by_name[name]["text"].value == q.text
        assert by_name[name]["comment"].value == q.description
        assert by_name[name]["target"].value == DEFAULT_BASE + "dataset"
