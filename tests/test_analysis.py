"""The networkx analyses, checked against the catalogue's SPARQL queries on the real graph and
against small hand-made graphs whose answers are known by construction."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

from pcmh_kg import cli
from pcmh_kg.analysis import network as analysis
from pcmh_kg.model.vocab import Minter
from pcmh_kg.query import catalogue, sparql, store


@pytest.fixture(scope="module")
def real(real_dist):
    st, base = store.open_store(DATA, real_dist)
    return st, base, analysis.read_evidence(st)


def run_named(st, name: str, **params):
    q = catalogue.load_catalogue()[name]
    text = q.text
    if q.params:
        text = sparql.with_bindings(text, sparql.bind(q, params, Minter()))
    res = sparql.run_local(st, text)
    return [dict(zip(res.variables, (t.value if t is not None else None for t in row))) for row in res.rows]


def count(st, where: str) -> int:
    q = ("PREFIX pcmh: <https://w3id.org/pcmh-kg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
         f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    return int(sparql.run_local(st, q).rows[0][0].value)


def test_evidence_matches_the_store(real):
    st, _, ev = real
    assert len(ev.cases) == count(st, "?c a pcmh:CaseStudy")
    assert sum(map(len, ev.case_lessons.values())) == count(st, "?c a pcmh:CaseStudy ; pcmh:evidencesLesson ?l")
    assert len(ev.lessons) == count(st, "?l a pcmh:Lesson") == 10
    assert len(ev.themes) == count(st, "?t a pcmh:Theme") == 3


def test_lesson_coevidence_equals_the_catalogue_query(real):
    st, _, ev = real
    expected = {(int(r["lesson_a"]), int(r["lesson_b"])): int(r["shared"]) for r in run_named(st, "lesson-coevidence")}
    got = {(r["lesson_a"], r["lesson_b"]): r["shared_cases"] for r in analysis.lesson_coevidence(ev)}
    assert got == expected and got
    weights = [r["shared_cases"] for r in analysis.lesson_coevidence(ev)]
    assert weights == sorted(weights, reverse=True)


def test_theme_bridging_cases_equal_the_catalogue_query(real):
    st, base, ev = real
    expected = {base + r["case"] if not r["case"].startswith("http") else r["case"]: int(r["themes"])
                for r in run_named(st, "theme-bridging-cases")}
    got = {r["case"]: r["themes"] for r in analysis.theme_bridging_cases(ev)}
    assert got == expected and got


def test_bipartite_graph_has_one_edge_per_evidence(real):
    st, _, ev = real
    g = analysis.case_lesson_graph(ev)
    assert g.number_of_edges() == count(st, "?c a pcmh:CaseStudy ; pcmh:evidencesLesson ?l")
    s = analysis.summary(ev)
    multi = {r["case"] for r in run_named(st, "multi-lesson-cases", min_lessons="2")}
    assert s["multi_lesson_cases"] == len(multi)


def tiny() -> analysis.Evidence:
    """Two themes, three lessons, cases with known overlaps of lessons and tags."""
    ev = analysis.Evidence()
    ev.themes = {"T1": (1, "theme one"), "T2": (2, "theme two")}
    ev.lessons = {"L1": (1, "one", "T1"), "L2": (2, "two", "T2"), "L3": (3, "three", "T2")}
    cases = {"a": ({"L1"}, {"x", "y", "z"}), "b": ({"L1"}, {"x"}), "bridge": ({"L1", "L2"}, {"q"}),
             "c": ({"L2", "L3"}, {"q"}), "d": ({"L3"}, {"x", "y", "z"})}
    for cid, (ls, tags) in cases.items():
        ev.cases[cid] = f"Case {cid}"
        ev.case_lessons[cid], ev.case_tags[cid], ev.case_places[cid] = set(ls), set(tags), set()
        ev.tags.update({t: t for t in tags})
    return ev


def test_similar_cases_weigh_lessons_twice():
    ev = tiny()
    sim = analysis.similar_cases(ev, "a", k=5)
    # d shares three tags (score 3), b a lesson and a tag (3), bridge a lesson (2); c nothing.
    assert [(r["case"], r["score"]) for r in sim] == [("b", 3), ("d", 3), ("bridge", 2)]
    assert "c" not in [r["case"] for r in sim]
    with pytest.raises(KeyError):
        analysis.similar_cases(ev, "nope")


def test_bridging_case_has_highest_betweenness_and_spans_themes():
    """Two halves (lesson 1 with tag x; lesson 2 with tag y) joined only by 'bridge'."""
    ev = analysis.Evidence()
    ev.themes = {"T1": (1, "theme one"), "T2": (2, "theme two")}
    ev.lessons = {"L1": (1, "one", "T1"), "L2": (2, "two", "T2")}
    for cid, ls, tags in (("a", {"L1"}, {"x"}), ("b", {"L1"}, {"x"}), ("bridge", {"L1", "L2"}, set()),
                          ("c", {"L2"}, {"y"}), ("d", {"L2"}, {"y"})):
        ev.cases[cid] = f"Case {cid}"
        ev.case_lessons[cid], ev.case_tags[cid], ev.case_places[cid] = ls, tags, set()
        ev.tags.update({t: t for t in tags})
    ranked = analysis.case_betweenness(ev)
    assert ranked[0]["case"] == "bridge"
    assert ranked[0]["betweenness"] > 2 * max(r["betweenness"] for r in ranked[1:])
    assert [r["case"] for r in analysis.theme_bridging_cases(ev)] == ["bridge"]


def test_analyse_command_json(real, capsys, real_dist):
    st, _, ev = real
    code = cli.main(["analyse", "--data", str(DATA), "--dist", str(real_dist), "--format", "json", "-q", "--top", "3"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["summary"]["cases"] == count(st, "?c a pcmh:CaseStudy")
    assert len(out["betweenness"]) == 3 and len(out["similar_cases"]) == 3
    assert {r["case"] for r in out["theme_bridging_cases"]} == {r["case"] for r in analysis.theme_bridging_cases(ev)}


def test_analyse_command_table_and_errors(capsys, real_dist):
    assert cli.main(["analyse", "--data", str(DATA), "--dist", str(real_dist), "-q"]) == 0
    out = capsys.readouterr().out
    assert "Lesson co-evidence" in out and "Cases bridging themes" in out and "Similar cases" in out
    assert cli.main(["analyse", "--data", str(DATA), "--dist", str(real_dist), "-q", "--case", "no-such-case"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "no case 'no-such-case'" in err and "Traceback" not in err
