"""Spreadsheet import: rows become case files held to the YAML rules, or nothing is written."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import DATA

from pcmh_kg.authoring import spreadsheet
from pcmh_kg.build import pipeline as build
from pcmh_kg.cli import main

SUMMARY = ("Synthetic case for the import test: it describes no real service. A primary care team "
           "and a specialist team share care for people with complex needs, with rapid advice for "
           "general practitioners, shared records and training sessions, as a spreadsheet row would "
           "describe it for the commissioners who collect submissions.")

HAND_WRITTEN = f"""\
id: synthetic-import-case
title: Synthetic import case
summary: >-
  {SUMMARY}
place: lambeth
scope: london
organisations: [london-mental-health-scn]
started: 2016
tags: [integrated-care, older-people]
lessons:
  - lesson: 8
    reason: Specialists give rapid advice to general practitioners.
    origin: curated
  - lesson: 9
    reason: Shared records join the two teams.
    origin: curated
sources:
  - url: https://example.org/synthetic-import
    title: Synthetic import source
    publisher: example.org
contact:
  organisation: london-mental-health-scn
  role: Synthetic commissioning team
  url: https://example.org/synthetic-import/contact
flags: [began-after-guide]
"""

ROW = {
    "id": "synthetic-import-case", "title": "Synthetic import case", "summary": SUMMARY,
    "place": "lambeth", "scope": "london", "organisations": "london-mental-health-scn", "started": "2016",
    "tags": "integrated-care; older-people",
    "lesson_1": "8", "lesson_1_reason": "Specialists give rapid advice to general practitioners.",
    "lesson_2": "9", "lesson_2_reason": "Shared records join the two teams.",
    "source_1_url": "https://example.org/synthetic-import", "source_1_title": "Synthetic import source",
    "source_1_publisher": "example.org", "contact_organisation": "london-mental-health-scn",
    "contact_role": "Synthetic commissioning team", "contact_url": "https://example.org/synthetic-import/contact",
    "flags": "began-after-guide",
}


def write_csv(path: Path, rows: list[dict], columns=spreadsheet.COLUMNS, bom=False) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        w = csv.DictWriter(fh, columns)
        w.writeheader()
        for row in rows:
            w.writerow(row)
    return path


@pytest.fixture
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    return d


def case_triples(dist: Path, cid: str) -> set[str]:
    return {str(t) for t in ox.parse(path=str(dist / "pcmh-kg.nt"), format=ox.RdfFormat.N_TRIPLES)
            if f"/case/{cid}" in t.subject.value}


def test_csv_round_trips_to_the_same_graph_as_hand_written_yaml(data, tmp_path):
    by_hand = tmp_path / "by-hand"
    shutil.copytree(data, by_hand)
    (by_hand / "cases" / "synthetic-import-case.yaml").write_text(HAND_WRITTEN)
    sheet = write_csv(tmp_path / "cases.csv", [ROW], bom=True)  # as Excel saves "CSV UTF-8"
    assert main(["import", str(sheet), "-q", "--data", str(data)]) == 0
    assert (data / "cases" / "synthetic-import-case.yaml").exists()
    build.build(data, tmp_path / "d1", shacl=True)
    build.build(by_hand, tmp_path / "d2", shacl=True)
    imported = case_triples(tmp_path / "d1", "synthetic-import-case")
    assert imported and imported == case_triples(tmp_path / "d2", "synthetic-import-case")


def test_errors_name_row_and_column_and_nothing_is_written(data, tmp_path, capsys):
    good = dict(ROW, id="synthetic-import-good")
    bad_tag = dict(ROW, id="synthetic-import-bad-tag", tags="no-such-tag")
    bad_reason = dict(ROW, id="synthetic-import-bad-lesson", lesson_2="12")
    bad_email = dict(ROW, id="synthetic-import-email", contact_role="write to someone@example.org")
    sheet = write_csv(tmp_path / "cases.csv", [good, bad_tag, bad_reason, bad_email])
    before = sorted(p.name for p in (data / "cases").iterdir())
    assert main(["import", str(sheet), "-q", "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert f"{sheet}: row 3: [tags] unknown tag 'no-such-tag'" in err
    assert f"{sheet}: row 4: [lesson_2] unknown lesson 12; the guide's lessons are 1 to 10" in err
    assert f"{sheet}: row 5: [contact_role] contains an email address" in err
    assert "row 2" not in err
    assert sorted(p.name for p in (data / "cases").iterdir()) == before


def test_unknown_and_missing_columns_are_refused(data, tmp_path, capsys):
    sheet = write_csv(tmp_path / "cases.csv", [{"id": "x", "colour": "blue"}], columns=["id", "colour"])
    assert main(["import", str(sheet), "-q", "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert "unknown column(s): colour" in err and "missing column(s):" in err


def test_duplicate_and_existing_ids_are_refused(data, tmp_path, capsys):
    existing = sorted((data / "cases").glob("*.yaml"))[0].stem
    sheet = write_csv(tmp_path / "cases.csv", [ROW, ROW, dict(ROW, id=existing)])
    assert main(["import", str(sheet), "-q", "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert "id 'synthetic-import-case' is also on row 2" in err
    assert f"a case '{existing}' exists already" in err


def test_template_has_every_column_and_the_example_imports(data, tmp_path):
    header = (DATA / "templates" / "cases.csv").read_text().strip().split(",")
    assert header == spreadsheet.COLUMNS
    assert main(["import", str(DATA / "templates" / "cases-example.csv"), "-q", "--data", str(data)]) == 0


@pytest.mark.parametrize("field,column", [
    ("lessons[1].reason", "lesson_2_reason"), ("lessons[0].lesson", "lesson_1"), ("lessons", "lesson_1"),
    ("sources[2].title", "source_3_title"), ("sources", "source_1_url"), ("contact.url", "contact_url"),
    ("tags[3]", "tags"), ("summary", "summary"), ("", "(row)"),
])
def test_problem_fields_map_to_spreadsheet_columns(field, column):
    assert spreadsheet.column_for(field) == column
