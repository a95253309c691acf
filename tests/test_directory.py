"""The real directory: it validates, meets the coverage the project promises, carries a public
source for every case, and holds no personal data."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
import yaml
from conftest import DATA

from pcmh_kg.analysis import coverage
from pcmh_kg.sources import loader
from pcmh_kg.sources.checker import EMAIL, looks_like_phone


@pytest.fixture(scope="module")
def data():
    return loader.load(DATA)


@pytest.fixture(scope="module")
def cov(real_dist):
    st = ox.Store()
    st.bulk_load(path=str(real_dist / "pcmh-kg.nt"), format=ox.RdfFormat.N_TRIPLES)
    return coverage.compute(st)


def test_directory_has_enough_cases_in_each_scope(data):
    scopes = [c["scope"] for c in data.cases]
    assert len(data.cases) >= 60
    assert scopes.count("london") >= 20
    assert scopes.count("national") >= 10
    assert scopes.count("international") >= 15


def test_coverage_thresholds_hold(cov, data):
    assert cov.problems() == []
    per_lesson = {n: c for n, _, c in cov.lessons}
    assert set(per_lesson) == set(range(1, 11))
    assert min(per_lesson.values()) >= coverage.MIN_CASES_PER_LESSON
    # cross-check the graph's counts against the records
    from_records = {n: sum(1 for c in data.cases if any(link["lesson"] == n for link in c["lessons"]))
                    for n in range(1, 11)}
    assert per_lesson == from_records
    assert cov.multi_lesson_cases == sum(1 for c in data.cases if len(c["lessons"]) >= 2) >= 25
    for _, _, _, london, international in cov.themes:
        assert london >= 1 and international >= 1


def test_every_case_has_a_public_source_and_curated_links(data):
    for case in data.cases:
        assert case["sources"], case["id"]
        assert all(re.match(r"^https?://[^\s]+$", s["url"]) for s in case["sources"])
        for link in case["lessons"]:
            # the guide's own case-to-lesson links are not available to the project
            assert link["origin"] == "curated"
            assert 0 < len(link["reason"]) <= 200


def test_no_personal_email_or_phone_anywhere_in_data():
    offenders = []
    for path in sorted(DATA.rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".csv", ".md"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                text = re.sub(r"https?://\S+", " ", line)  # web addresses hold digits, not phones
                if EMAIL.search(line) or looks_like_phone(text) or re.search(r"(\+44|\b0)[0-9 ]{9,13}\b", line):
                    offenders.append(f"{path.relative_to(DATA)}:{n}: {line.strip()[:80]}")
    assert offenders == []


def test_contacts_are_organisations_roles_and_pages_only():
    for path in sorted((DATA / "cases").glob("*.yaml")):
        contact = yaml.safe_load(path.read_text(encoding="utf-8"))["contact"]
        assert set(contact) == {"organisation", "role", "url"}, path.name


def test_phone_detector_knows_phones_from_years_and_counts():
    assert looks_like_phone("call 020 7946 0991")
    assert looks_like_phone("+44 20 7946 0991")
    assert not looks_like_phone("between 2012 and 2014, 2,310 patients")
    assert not looks_like_phone("the 2014-2019 strategy")
