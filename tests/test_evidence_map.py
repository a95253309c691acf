"""The evidence-and-gap map, the map of places, links, exports and search, in real headless Chromium
opened from file:// with the network off. Expected numbers come from the query library run with
pyoxigraph over the built graph, never from the page's own code."""

from __future__ import annotations

import csv
import io
import shutil
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import browsing
import pytest
from conftest import have

from pcmh_kg.model.vocab import PCMH, SCOPES, Minter
from pcmh_kg.query import catalogue, sparql

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not (have("chromium") and have("chromedriver")),
                                 reason="needs Debian chromium and chromium-driver")]
pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

QUERIES = catalogue.load_catalogue()
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture(scope="module")
def page(real_page) -> Path:
    return real_page


@pytest.fixture(scope="module")
def graph(real_store):
    return real_store


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    driver, profile = browsing.chromium(downloads=downloads)
    browsing.set_size(driver, 1440, 900)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def library(st, name: str, **params) -> list[tuple]:
    q = QUERIES[name]
    text = sparql.with_bindings(q.text, sparql.bind(q, {k: str(v) for k, v in params.items()}, Minter()))
    return [tuple(t.value if t is not None else None for t in row) for row in sparql.run_local(st, text).rows]


def cases_of(rows, base) -> set[str]:
    return {r[0][len(base):] for r in rows}


def go(driver, page: Path, fragment: str = ""):
    return browsing.open_page(driver, page.as_uri() + fragment)


def grid(driver) -> dict[tuple[str, str], int]:
    cells = driver.execute_script("""return Array.from(document.querySelectorAll('#egm-grid .cell'))
        .map(b => [b.dataset.lesson, b.dataset.col, Number(b.dataset.count)])""")
    return {(a, b): n for a, b, n in cells}


def group_iri(base: str, colset: str, key: str) -> str:
    return PCMH + SCOPES[key] if colset == "scope" else base + key


# ---------------------------------------------------------------------------------- evidence map

@pytest.mark.parametrize("colset", ["scope", "region", "country", "theme", "tag/population"])
def test_grid_counts_equal_the_query_library(browser, page, graph, colset):
    st, base = graph
    go(browser, page, "#view=egm" + ("" if colset == "scope" else "&egm.cols=" + colset))
    cells = grid(browser)
    assert len(cells) >= 10 * 3
    for (lesson, key), n in cells.items():
        rows = library(st, "evidence-map-cell", lesson=lesson.split("/")[1], group=group_iri(base, colset, key))
        assert n == len(cases_of(rows, base)), (lesson, key)
    gaps = browser.find_elements(By.CSS_SELECTOR, "#egm-grid .cell.gap")
    assert len(gaps) == sum(1 for n in cells.values() if n == 0)
    assert all("gap" in g.get_attribute("aria-label") for g in gaps)


def test_a_cell_lists_exactly_its_cases_and_its_query_gives_them(browser, page, graph, artifacts):
    st, base = graph
    go(browser, page, "#view=egm")
    cells = grid(browser)
    (lesson, key), n = max(cells.items(), key=lambda kv: kv[1])
    cell = browser.find_element(By.CSS_SELECTOR, f"#egm-grid .cell[data-lesson='{lesson}'][data-col='{key}']")
    cell.click()
    listed = {li.get_attribute("data-id") for li in browser.find_elements(By.CSS_SELECTOR, "#egm-cell .cell-cases > li")}
    rows = library(st, "evidence-map-cell", lesson=lesson.split("/")[1], group=group_iri(base, "scope", key))
    assert listed == cases_of(rows, base) and len(listed) == n
    reasons = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#egm-cell .cell-cases .reason")]
    assert sorted(reasons) == sorted(r[2] for r in rows)
    shown_query = browser.execute_script("return document.getElementById('egm-query').textContent")
    assert {r[0].value[len(base):] for r in sparql.run_local(st, shown_query).rows} == listed
    browser.save_screenshot(str(artifacts / "egm-cell-laptop.png"))


def test_grid_is_usable_from_the_keyboard(browser, page):
    go(browser, page, "#view=egm")
    first = browser.find_element(By.CSS_SELECTOR, "#egm-grid .cell[tabindex='0']")
    first.send_keys(Keys.ARROW_RIGHT)
    active = browser.switch_to.active_element
    assert active.get_attribute("data-col") != first.get_attribute("data-col")
    active.send_keys(Keys.ARROW_DOWN)
    active = browser.switch_to.active_element
    assert active.get_attribute("data-lesson") != first.get_attribute("data-lesson")
    active.send_keys(Keys.ENTER)
    title = browser.find_element(By.ID, "egm-cell-title").text
    assert title.startswith("Lesson 2 ×")


def test_grid_shares_the_explorers_filters(browser, page, graph):
    st, base = graph
    go(browser, page, "#view=egm&place=place/london")
    london = cases_of(library(st, "cases-in-place", place="london"), base)
    for (lesson, key), n in grid(browser).items():
        want = cases_of(library(st, "evidence-map-cell", lesson=lesson.split("/")[1], group=PCMH + SCOPES[key]), base) & london
        assert n == len(want)


HEADERS_SEEN = """const wrap = document.querySelector('.egm-wrap'), edge = wrap.getBoundingClientRect();
    return Array.from(document.querySelectorAll('#egm-grid thead th:not(.corner)')).map(th => {
      const r = th.getBoundingClientRect(), hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
      return [th.textContent, r.left >= edge.left - 1 && r.right <= edge.right + 1 && r.right <= innerWidth && th.contains(hit)];
    })"""
PAGE_WIDE = "return [document.scrollingElement.scrollWidth, innerWidth]"


def test_grid_reads_on_a_phone(page, artifacts):
    """At 390 px the three scope columns fit; a longer column set scrolls inside the grid's own box,
    past the lesson names that stay put, with a cue saying how many columns are out of sight."""
    driver, profile = browsing.chromium()
    try:
        browsing.set_size(driver, 390, 844)
        go(driver, page, "#view=egm")
        wide, inner = driver.execute_script(PAGE_WIDE)
        assert wide <= inner
        seen = driver.execute_script(HEADERS_SEEN)
        assert [h for h, _ in seen] == ["London", "National", "International"]
        assert all(ok for _, ok in seen), seen
        assert not driver.find_element(By.ID, "egm-more").is_displayed()
        driver.save_screenshot(str(artifacts / "egm-phone.png"))

        Select(driver.find_element(By.ID, "egm-cols")).select_by_value("region")
        assert driver.execute_script(PAGE_WIDE)[0] <= inner  # the grid scrolls, never the page
        cue = driver.find_element(By.ID, "egm-more")
        assert cue.is_displayed() and cue.text.endswith("more columns to the right →")
        hidden = [h for h, ok in driver.execute_script(HEADERS_SEEN) if not ok]
        assert hidden and hidden[-1] == driver.execute_script(
            "return document.querySelector('#egm-grid thead th:last-child').textContent")
        for i, name in enumerate(h for h, _ in driver.execute_script(HEADERS_SEEN)):
            driver.execute_script("document.querySelectorAll('#egm-grid thead th:not(.corner)')[arguments[0]]"
                                  ".scrollIntoView({block: 'nearest', inline: 'nearest'})", i)
            assert dict(driver.execute_script(HEADERS_SEEN))[name], f"column {name} cannot be brought into view"
            assert driver.execute_script(PAGE_WIDE)[0] <= inner
        time.sleep(0.2)  # the cue follows the scroll events
        assert "to the left" in cue.text and "right" not in cue.text
        first = driver.find_element(By.CSS_SELECTOR, "#egm-grid .cell")  # the first column, now behind the names
        driver.execute_script("arguments[0].scrollIntoView({block: 'nearest', inline: 'nearest'})", first)
        first.click()  # not covered by the names: the scroller keeps their width clear
        assert driver.find_element(By.ID, "egm-cell-title").text.startswith("Lesson 1 ×")
        driver.save_screenshot(str(artifacts / "egm-phone-region-scrolled.png"))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------------------------------- the map

@pytest.mark.parametrize("which", ["london", "uk", "world"])
def test_map_counts_equal_cases_in_place(browser, page, graph, which, artifacts):
    st, base = graph
    go(browser, page, "#view=map" + ("" if which == "london" else "&map.which=" + which))
    shaded = browser.execute_script("""return Array.from(document.querySelectorAll('#map-svg [data-place]'))
        .map(a => [a.dataset.place, Number(a.dataset.count)])""")
    assert shaded
    for place, n in shaded:
        assert n == len(cases_of(library(st, "cases-in-place", place=place.split("/", 1)[1]), base)), place
    if which == "london":
        assert len(shaded) == 33  # every borough joined to its GSS code
    assert browser.execute_script("return Number(document.getElementById('map-points').dataset.points)") > 0
    browser.save_screenshot(str(artifacts / f"map-{which}-laptop.png"))


def test_clicking_a_place_lists_its_cases_and_gaps_stand_out(browser, page, graph, artifacts):
    st, base = graph
    go(browser, page, "#view=map&lesson=lesson/6")
    gaps = {e.get_attribute("data-place") for e in browser.find_elements(By.CSS_SELECTOR, "#map-svg .area.gap")}
    want = {r[0][len(base):] for r in library(st, "places-without-lesson", lesson=6, within="london")}
    assert gaps == want and gaps
    area = browser.find_element(By.CSS_SELECTOR, "#map-svg .area[data-count]:not(.gap)")
    place = area.get_attribute("data-place")
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", area)
    listed = {li.get_attribute("data-id") for li in browser.find_elements(By.CSS_SELECTOR, "#map-list li[data-id]")}
    in_place = cases_of(library(st, "cases-in-place", place=place.split("/", 1)[1]), base)
    lesson6 = cases_of(library(st, "cases-for-lesson", lesson=6), base)
    assert listed == in_place & lesson6 and listed
    browser.save_screenshot(str(artifacts / "map-gaps-lesson-6-laptop.png"))


# ------------------------------------------------------------------------------ links and exports

def test_a_link_restores_the_view(browser, page):
    go(browser, page)
    browser.find_element(By.ID, "egm-tab").click()
    Select(browser.find_element(By.ID, "f-scope")).select_by_value("london")
    browser.find_element(By.CSS_SELECTOR, "input[name=min][value='2']").find_element(By.XPATH, "..").click()
    Select(browser.find_element(By.ID, "egm-cols")).select_by_value("theme")
    browser.find_element(By.CSS_SELECTOR, "#egm-grid .cell:not(.gap)").click()
    title = browser.find_element(By.ID, "egm-cell-title").text
    browser.find_element(By.ID, "search").send_keys("older")
    link = browser.current_url
    assert "view=egm" in link and "scope=london" in link and "egm.cell=" in link
    browser.get("about:blank")
    browsing.open_page(browser, link)
    assert browser.find_element(By.ID, "egm-view").is_displayed()
    state = browser.execute_script("const s = pcmhExplorer.state; return [s.scope, s.min, s.view]")
    assert state == ["london", 2, "egm"]
    assert browser.find_element(By.ID, "egm-cell-title").text == title
    assert browser.find_element(By.ID, "search").get_attribute("value") == "older"
    assert browser.find_elements(By.CSS_SELECTOR, "#search-results .hit")


def test_a_link_with_an_unknown_value_says_so(browser, page):
    go(browser, page, "#lesson=lesson/99&view=egm")
    notice = browser.find_element(By.ID, "notice")
    assert notice.is_displayed() and "lesson=lesson/99" in notice.text
    assert browser.execute_script("return pcmhExplorer.state.lesson") == ""


def wait_for(folder: Path, suffix: str, before: set) -> Path:
    """The new download, once Chromium has finished writing it: a file can appear before its
    bytes do (a full suite once read a cell's CSV while it was still empty)."""
    deadline, seen = time.monotonic() + 10, None
    while time.monotonic() < deadline:
        new = [p for p in folder.glob("*" + suffix) if p not in before]
        if new and not list(folder.glob("*.crdownload")):
            size = new[0].stat().st_size
            if size and seen == (new[0], size):
                return new[0]
            seen = (new[0], size)
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} download appeared")


def read_xlsx(path: Path) -> list[list]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        root = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
        ET.fromstring(z.read("[Content_Types].xml"))
    rows = []
    for row in root.iterfind(".//m:row", NS):
        out = []
        for c in row.iterfind("m:c", NS):
            if c.get("t") == "inlineStr":
                out.append("".join(t.text or "" for t in c.iterfind(".//m:t", NS)))
            else:
                v = float(c.find("m:v", NS).text)
                out.append(int(v) if v.is_integer() else v)
        rows.append(out)
    return rows


def download(browser, downloads: Path, button: str, suffix: str) -> Path:
    before = set(downloads.glob("*"))
    browser.find_element(By.ID, button).click() if not button.startswith("[") else \
        browser.find_element(By.CSS_SELECTOR, button).click()
    return wait_for(downloads, suffix, before)


def test_exports_read_back_into_the_same_rows(browser, page, graph, downloads):
    st, base = graph
    go(browser, page, "#place=place/london")
    expected = browser.execute_script("return pcmhExplorer.exportRows()")
    london = cases_of(library(st, "cases-in-place", place="london"), base)
    assert {r[-1][len(base):] for r in expected} == london
    raw = download(browser, downloads, "export-csv", ".csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1:] == [[str(v) if v != "" else "" for v in r] for r in expected]
    x = read_xlsx(download(browser, downloads, "export-xlsx", ".xlsx"))
    assert x[0] == rows[0] and [[v for v in r] for r in x[1:]] == [[v for v in r if v != ""] for r in expected]
    # the evidence map's grid and one cell
    go(browser, page, "#view=egm")
    cells = grid(browser)
    grid_rows = read_xlsx(download(browser, downloads, "egm-xlsx", ".xlsx"))
    cols = grid_rows[0][2:]
    assert len(grid_rows) == 11 and sum(sum(r[2:]) for r in grid_rows[1:]) == sum(cells.values()) and len(cols) == 3
    browser.find_element(By.CSS_SELECTOR, "#egm-grid .cell:not(.gap)").click()
    listed = [li.get_attribute("data-id") for li in browser.find_elements(By.CSS_SELECTOR, "#egm-cell .cell-cases > li")]
    cell_rows = list(csv.reader(io.StringIO(download(browser, downloads, "[data-export=cell-csv]", ".csv").read_text("utf-8-sig"))))
    assert [r[-1][len(base):] for r in cell_rows[1:]] == listed


def test_csv_neutralises_formulas_and_xlsx_keeps_text(browser, page):
    go(browser, page)
    text = browser.execute_script("return PCMHExport.csv(['a', 'b'], [['=HYPERLINK(1)', '+1'], ['@x', 'plain, \"quoted\"']])")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["a", "b"], ["'=HYPERLINK(1)", "'+1"], ["'@x", 'plain, "quoted"']]


# ---------------------------------------------------------------------------- search and facets

@pytest.mark.parametrize("typed,must", [("depresion", "depress"), ("NHS Camden", "camden")])
def test_search_forgives_misspellings_and_reads_more_than_titles(browser, page, graph, typed, must):
    go(browser, page)
    browser.find_element(By.ID, "search").send_keys(typed)
    hits = browser.find_elements(By.CSS_SELECTOR, "#search-results .hit[data-id^='case/']")
    assert hits
    first = hits[0].get_attribute("data-id")
    text = browser.execute_script("""const c = pcmhExplorer.P.D.cases[arguments[0]], n = pcmhExplorer.P.byId.get(arguments[0]);
        return [n.label, c.summary, c.orgs.map(o => o.name).join(' '), (c.contact || {}).organisation || '',
                c.within.map(p => pcmhExplorer.P.D.places[p].label).join(' ')].join(' ')""", first)
    assert must in text.lower()


def test_facet_counts_follow_the_other_filters_and_warn_when_empty(browser, page, graph):
    st, base = graph
    go(browser, page, "#place=place/london&lesson=lesson/6")
    both = cases_of(library(st, "cases-in-place", place="london"), base) & cases_of(library(st, "cases-for-lesson", lesson=6), base)
    option = browser.find_element(By.CSS_SELECTOR, "#f-scope option[value=london]").text
    assert option.endswith(f"({len(both)})")
    tags = browser.execute_script("""return Array.from(document.querySelectorAll('#f-tag option'))
        .filter(o => o.value && / \\(0\\)$/.test(o.textContent)).map(o => o.value)""")
    assert tags
    Select(browser.find_element(By.ID, "f-tag")).select_by_value(tags[0])
    notice = browser.find_element(By.ID, "notice")
    assert notice.is_displayed() and notice.text.startswith("No case study matches")
    browser.find_element(By.CSS_SELECTOR, "#notice button[data-drop=tag]").click()
    assert len(browser.execute_script("return pcmhExplorer.exportRows()")) == len(both)


# --------------------------------------------------------------------------- sizes and no network

@pytest.mark.parametrize("size", list(browsing.SIZES))
def test_every_view_works_at_each_size_offline(page, artifacts, size):
    width, height = browsing.SIZES[size]
    driver, profile = browsing.chromium()
    try:
        browsing.set_size(driver, width, height)
        browsing.open_page(driver, page.as_uri())
        canvas = "const c = document.querySelector('#network canvas'); return [c.clientWidth, c.clientHeight]"
        first = driver.execute_script(canvas)
        time.sleep(1.0)
        assert driver.execute_script(canvas) == first, "the network canvas keeps growing"
        assert first[0] >= width * 0.9 if width < 900 else first[0] > 400
        assert first[1] >= 250 and first[1] <= height
        assert int(driver.find_element(By.ID, "network").get_attribute("data-labels")) >= 1
        top = driver.find_element(By.CSS_SELECTOR, "#ranked-list li .node-link")
        assert top.text == driver.execute_script("return pcmhExplorer.P.currentCases()[0].label")
        if width < 900:  # the filters fold away; their disclosure triangle stays on screen, inside the box
            summary = driver.find_element(By.CSS_SELECTOR, "#filters-box > summary")
            assert summary.is_displayed() and summary.rect["x"] >= 4
            assert driver.execute_script("return getComputedStyle(arguments[0]).listStylePosition", summary) == "inside"
        driver.save_screenshot(str(artifacts / f"network-{size}.png"))
        for view in ("egm", "map", "table"):
            driver.find_element(By.ID, f"{view}-tab").click()
            assert driver.find_element(By.ID, f"{view}-view").is_displayed()
            driver.save_screenshot(str(artifacts / f"{view}-{size}.png"))
        urls = browsing.requested_urls(driver)
        assert urls and [u for u in urls if not u.startswith(("file://", "data:", "blob:"))] == []
        assert browsing.severe_console(driver) == []
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
