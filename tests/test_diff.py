"""pcmh-kg diff: the change list between two real graphs (the fixture and a changed copy)."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from release_fixtures import two_data_folders

from pcmh_kg.build import pipeline as build
from pcmh_kg.cli import main
from pcmh_kg.release import changelog, diff, graphs

BASE = "https://w3id.org/pcmh-kg/"
CS = "http://purl.org/vocab/changeset/schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("diff")
    old, new = two_data_folders(tmp)
    build.build(old, tmp / "dist-old", cache_dir=None)
    return old, new, tmp / "dist-old"


def _json(capsys, *args) -> dict:
    assert main(["diff", *map(str, args), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_exact_change_list(folders, capsys):
    old, new, dist = folders
    got = _json(capsys, dist, new)  # a build folder against the working data, built on the fly
    assert got["from"] == {"label": f"the build in {dist}", "dataset": BASE + "dataset", "cases": 5}
    assert got["to"]["cases"] == 5
    assert [(c["id"], [(k["lesson"], k["reason"]) for k in c["lessons"]]) for c in got["added"]] == \
        [("syn-f", [(4, "Reason F4.")])]
    assert [c["id"] for c in got["removed"]] == ["syn-e"]
    assert [(c["id"], c["old_title"], c["title"]) for c in got["renamed"]] == \
        [("syn-a", "Synthetic A", "Synthetic A, renamed")]
    assert [(k["id"], k["lesson"], k["reason"]) for k in got["lesson_links"]["added"]] == [("syn-b", 2, "Reason B2.")]
    assert [(k["id"], k["lesson"], k["reason"]) for k in got["lesson_links"]["removed"]] == [("syn-d", 8, "Reason D8.")]
    changed = {c["id"]: [(f["field"], f["old"], f["new"]) for f in c["fields"]] for c in got["changed"]}
    assert changed == {
        "syn-c": [("place", "Australia", "Lambeth"), ("scope", "international", "London"),
                  ("status", "ended (as of 2015-12)", "running (as of 2026-10)"),
                  ("tags", ["Older people", "Shared records"], ["Children", "Older people"])],
        "syn-d": [("lesson 2 reason", "Reason D2.", "Reason D2, reworded.")],
    }
    # syn-a's only change is its title; syn-b's personal contact and notes are not in the public graph
    assert "syn-a" not in changed and "syn-b" not in changed


def test_the_words_a_commissioner_reads(folders, capsys):
    old, new, _ = folders
    assert main(["diff", str(old), str(new)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[2] == ("5 case studies before, 5 after: 1 added, 1 removed, 1 renamed, "
                                    "2 with changed details; 1 lesson links added, 1 removed.")
    for line in ("- **Synthetic F (case/syn-f)**, Hackney (London); evidences lesson 4 (",
                 "- **Synthetic E (case/syn-e)**; it evidenced lesson ",
                 "- case/syn-a: “Synthetic A” is now “Synthetic A, renamed”",
                 "- Synthetic B (case/syn-b) now evidences lesson 2 (",
                 "- Synthetic D (case/syn-d) no longer evidences lesson 8 (",
                 "  - place: Australia → Lambeth",
                 "  - tags: added Children, removed Shared records",
                 "  - lesson 2 reason: rewritten, was 'Reason D2.', now 'Reason D2, reworded.'"):
        assert any(got.startswith(line) for got in text.splitlines()), line
    assert "Reason D8." in text and "Private" not in text
    removed = next(line for line in text.splitlines() if line.startswith("- **Synthetic E"))
    assert "Reason E" in removed  # what a removed case evidenced, with its reasons


def test_the_rdf_diff_turns_the_old_cases_into_the_new(folders, capsys):
    """Applying each ChangeSet's removals, then its additions, to the old graph gives the new one's
    cases exactly."""
    old, new, _ = folders
    assert main(["diff", str(old), str(new), "--format", "ttl"]) == 0
    doc = ox.Store()
    doc.load(capsys.readouterr().out.encode(), format=ox.RdfFormat.TURTLE)
    a, b = graphs.open_graph(str(old), old), graphs.open_graph(str(new), new)
    changed = {q.object.value for q in doc.quads_for_pattern(None, ox.NamedNode(CS + "subjectOfChange"), None)}
    assert changed == {BASE + f"case/syn-{k}" for k in "abcdef"}

    def statements(kind):
        out = set()
        for q in doc.quads_for_pattern(None, ox.NamedNode(CS + kind), None):
            s, p, o = (next(doc.quads_for_pattern(q.object, ox.NamedNode(RDF + x), None)).object
                       for x in ("subject", "predicate", "object"))
            out.add(ox.Triple(s, p, o))
        return out

    before = {q.triple for q in a.store}
    after = {q.triple for q in b.store}
    removals, additions = statements("removal"), statements("addition")
    assert removals <= before and not (additions & before)
    outside = {t for t in before ^ after if not t.subject.value.startswith(BASE + "case/")}
    assert (before - removals) | additions == after - outside | (before & outside)
    reasons = [q.object.value for q in doc.quads_for_pattern(None, ox.NamedNode(CS + "changeReason"), None)]
    assert any(r.startswith("renamed: 'Synthetic A' is now 'Synthetic A, renamed'") for r in reasons)


def test_no_change_is_said_so(folders, capsys):
    old, _, dist = folders
    assert main(["diff", str(dist), str(old)]) == 0
    assert "No case study changed." in capsys.readouterr().out
    changes = diff.compare(graphs.open_graph(str(dist), dist), graphs.open_graph(str(old), old))
    assert changes.empty and json.loads(changelog.as_json(changes))["changed"] == []


def test_bad_sides_are_usage_errors(folders, tmp_path, capsys):
    old, new, _ = folders
    assert main(["diff", "2026.12", str(new), "--releases", str(tmp_path)]) == 2
    assert f"no release 2026.12 in {tmp_path} (releases there: none)" in capsys.readouterr().err
    assert main(["diff", str(tmp_path), str(new)]) == 2
    assert "neither a release or build folder" in capsys.readouterr().err
    assert main(["diff", "no-such-thing", str(new)]) == 2
    assert "expected a release version" in capsys.readouterr().err
    assert main(["diff", str(old), str(new), "--base", "http://127.0.0.1:8000/"]) == 0  # same base both sides
    capsys.readouterr()
    other = tmp_path / "other"
    build.build(old, other, base="http://127.0.0.1:8000/", cache_dir=None)
    assert main(["diff", str(other), str(new)]) == 2
    assert "compare graphs of the same base" in capsys.readouterr().err
