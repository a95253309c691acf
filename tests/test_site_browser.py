"""The served site in real headless Chromium, as a commissioner and a researcher use it.

Every page type renders with no console error at phone, tablet and desktop sizes and requests
nothing outside the server (the DevTools network log is read, and the CSP header is checked);
the keyboard reaches a lesson from the home page; a crawl of every link from / finds no 404 or
5xx; the YASGUI editor runs, labels, shares and downloads a query; the case page's similar cases
are the explorer's. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

import browsing
import pytest
from conftest import DATA, have
from sites import serving

from pcmh_kg import cli

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not (have("chromium") and have("chromedriver")),
                                 reason="needs Debian chromium and chromium-driver")]
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

SIZES = {"phone": (390, 844), "tablet": (820, 1180), "desktop": (1440, 900)}
CASE = "lambeth-living-well-collaborative"
PAGES = {"home": "/", "cases": "/case/?lesson=3", "lessons": "/lesson/", "lesson": "/lesson/3",
         "case": f"/case/{CASE}", "place": "/place/london", "tag": "/tag/population", "themes": "/theme/",
         "organisation": "/organisation/lambeth-ccg", "places": "/place/", "search": "/search?q=older",
         "notfound": "/case/no-such-case", "results": "/queries/cases-for-lesson?lesson=2&format=html",
         "editor": "/sparql", "queries": "/queries", "ontology": "/ontology", "guide": "/guide/commissioners-guide-2014"}


@pytest.fixture(scope="module")
def site(real_dist, tmp_path_factory):
    dist = Path(shutil.copytree(real_dist, tmp_path_factory.mktemp("site") / "dist"))
    assert cli.main(["viz", "--data", str(DATA), "--dist", str(dist), "--out", str(dist / "explorer.html"), "-q"]) == 0
    url, _, stop = serving(dist, timeout=10.0)
    yield url, dist
    stop()


@contextlib.contextmanager
def browser_driver():
    """The shared headless Chromium (tests/browsing.py), online for the local server (also used by test_release.py)."""
    driver, profile = browsing.chromium(offline=False)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    with browser_driver() as driver:
        yield driver


def visit(driver, url: str) -> tuple[list[str], list[dict]]:
    """Open a page; return every URL it requested and its console errors."""
    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(url)
    time.sleep(0.2)
    requested = [json.loads(e["message"])["message"]["params"]["request"]["url"]
                 for e in driver.get_log("performance")
                 if json.loads(e["message"])["message"]["method"] == "Network.requestWillBeSent"]
    return requested, [e for e in driver.get_log("browser") if e["level"] == "SEVERE"
                       and not ("/case/no-such-case" in url and "404" in e["message"])]


def wait_for(driver, script: str, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while not driver.execute_script(script):
        assert time.monotonic() < deadline, f"timed out waiting for: {script}"
        time.sleep(0.1)


# ------------------------------------------------------------------------------------------ tests

@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_page_type_renders_cleanly_and_stays_on_the_server(site, browser, artifacts, size):
    url, _ = site
    browser.set_window_size(*SIZES[size])
    for name, path in PAGES.items():
        requested, errors = visit(browser, url + path)
        if name == "editor":
            wait_for(browser, "return !!document.querySelector('.yasqe .CodeMirror')")
            requested += [e["name"] for e in browser.execute_script("return performance.getEntriesByType('resource')")]
        assert errors == [], (name, errors)
        outside = [u for u in requested if not u.startswith(url + "/") and not u.startswith("data:")]
        assert outside == [], (name, outside)
        assert browser.find_element(By.TAG_NAME, "h1").text.strip(), name
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= SIZES[size][0] + 1, f"{name} scrolls sideways at {size}: {width}px"
        browser.save_screenshot(str(artifacts / f"site-{name}-{size}.png"))


@pytest.mark.parametrize("size", sorted(SIZES))
def test_index_tables_never_break_a_place_or_scope_inside_a_word(site, browser, size):
    """'International', 'Australia' and 'Yorkshire' stay whole in their columns at every size
    (cells may otherwise break anywhere, for long names and addresses), and a name keeps a
    readable width on a phone: the table scrolls in its box instead."""
    url, _ = site
    browser.set_window_size(*SIZES[size])
    for path, seen in (("/case/?lesson=3", {"London", "National", "International", "Australia"}),
                       ("/place/", {"Yorkshire", "Humber", "London"})):
        visit(browser, url + path)
        _assert_whole_words_and_readable_names(browser, seen, size)


def _assert_whole_words_and_readable_names(browser, seen: set, size: str) -> None:
    words = browser.execute_script("""
        const out = [];
        for (const td of document.querySelectorAll('table.index td.words')) {
          const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
          for (let node; (node = walk.nextNode());) {
            for (const m of node.data.matchAll(/\\S+/g)) {
              const r = document.createRange();
              r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
              out.push([m[0], new Set([...r.getClientRects()].map(b => Math.round(b.top))).size]);
            }
          }
        }
        return out;""")
    assert {word for word, _ in words} >= seen
    assert [word for word, lines in words if lines != 1] == [], size
    names = browser.execute_script(
        "return [...document.querySelectorAll('table.index td:first-child')].map(td => td.getBoundingClientRect().width)")
    assert names and min(names) >= 150, size


def test_csp_forbids_anything_but_the_server(site):
    url, _ = site
    for path in ("/", f"/case/{CASE}", "/sparql", "/lesson/"):
        req = urllib.request.Request(url + path, headers={"Accept": "text/html"})
        with urllib.request.urlopen(req, timeout=20) as r:
            csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp


def test_keyboard_reaches_a_lesson_then_a_case_and_its_contact(site, browser):
    url, _ = site
    browser.set_window_size(*SIZES["desktop"])
    visit(browser, url + "/")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    for _ in range(80):
        active = browser.switch_to.active_element
        if re.search(r"/lesson/\d+$", active.get_attribute("href") or ""):
            break
        active.send_keys(Keys.TAB)
    else:
        pytest.fail("Tab never reached a lesson link")
    active.send_keys(Keys.ENTER)
    wait_for(browser, "return /\\/lesson\\/\\d+$/.test(location.pathname)")
    reasons = browser.find_elements(By.CSS_SELECTOR, "ul.reasons .reason")
    assert reasons and all(r.text.strip() for r in reasons)  # why each case backs it
    first = browser.find_element(By.CSS_SELECTOR, "ul.reasons a")
    first.send_keys(Keys.ENTER)
    wait_for(browser, "return location.pathname.startsWith('/case/')")
    contact = browser.find_element(By.CSS_SELECTOR, "section.contact").text
    assert "Whom to contact" in contact and "Web page" in contact
    assert not browser.find_element(By.CSS_SELECTOR, "details.raw").get_attribute("open")  # no triple in sight


def test_crawl_of_the_whole_site_finds_no_broken_link(site):
    url, _ = site
    seen, todo, bad, html_pages = set(), deque(["/"]), [], 0
    while todo:
        path = todo.popleft()
        try:
            with urllib.request.urlopen(urllib.request.Request(url + path, headers={"Accept": "text/html"}),
                                        timeout=30) as r:
                ctype, text = r.headers["Content-Type"], r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            bad.append((e.code, path))
            continue
        if not ctype.startswith("text/html"):
            continue
        html_pages += 1
        for href in re.findall(r'(?:href|src)="([^"]+)"', text):
            href = urllib.parse.urljoin(path, href.replace("&amp;", "&")).split("#")[0]
            if href.startswith("/") and not href.startswith("//") and href not in seen:
                seen.add(href)
                todo.append(href)
    assert bad == []
    assert html_pages > 400 and len(seen) > 900  # really the whole site: every case, tag, place ...


def test_editor_runs_labels_shares_and_downloads_a_query(site, browser, artifacts):
    url, _ = site
    browser.set_window_size(*SIZES["desktop"])
    query = "SELECT ?case ?place WHERE { ?case a pcmh:CaseStudy ; dcterms:spatial ?place } ORDER BY ?case LIMIT 5"
    shared = url + "/sparql#" + urllib.parse.urlencode({"query": "PREFIX pcmh: <https://w3id.org/pcmh-kg/ontology#>\n"
                                                                 "PREFIX dcterms: <http://purl.org/dc/terms/>\n" + query})
    requested, errors = visit(browser, shared)
    wait_for(browser, "return !!(window.pcmhEditor && pcmhEditor.yasqe)")
    assert "ORDER BY ?case LIMIT 5" in browser.execute_script("return pcmhEditor.yasqe.getValue()")
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    wait_for(browser, "return document.querySelectorAll('.yasr table tbody tr').length === 5")
    wait_for(browser, "return document.querySelectorAll('.yasr a.iri[data-labelled]').length >= 10")
    cells = browser.execute_script("return [...document.querySelectorAll('.yasr tbody a.iri')].map(a => [a.textContent, a.getAttribute('href')])")
    assert all(not text.startswith("http") for text, _ in cells), cells  # labels, not IRIs
    assert all(href.startswith("/case/") or href.startswith("/place/") for _, href in cells)  # this server's pages
    assert "query=" in browser.execute_script("return location.hash")
    browser.save_screenshot(str(artifacts / "site-editor-results.png"))
    links = {f: browser.find_element(By.ID, f"dl-{f}").get_attribute("href") for f in ("csv", "tsv", "json")}
    with urllib.request.urlopen(links["csv"], timeout=20) as r:
        rows = r.read().decode().splitlines()
    assert rows[0] == "case,place" and len(rows) == 6
    with urllib.request.urlopen(links["json"], timeout=20) as r:
        assert len(json.loads(r.read())["results"]["bindings"]) == 5
    browser.find_element(By.ID, "examples").send_keys(Keys.DOWN)
    assert "SELECT" in browser.execute_script("return pcmhEditor.yasqe.getValue()")
    requested += [e["name"] for e in browser.execute_script("return performance.getEntriesByType('resource')")]
    assert [u for u in requested if not u.startswith(url + "/")] == []  # no prefix.cc, no LOV
    assert errors == []


def test_case_page_similar_cases_are_the_explorers(site, browser):
    url, dist = site
    visit(browser, url + f"/case/{CASE}")
    on_page = browser.execute_script(
        "return [...document.querySelectorAll('#similar li')].map(li => [li.querySelector('a').getAttribute('href'), +li.dataset.score])")
    assert len(on_page) == 5
    browser.get((dist / "explorer.html").as_uri())
    wait_for(browser, "return document.body.dataset.ready === '1'", 60)
    explorer = browser.execute_script(
        "return pcmhExplorer.similar(arguments[0], 5).map(s => [s.id, s.score])", f"case/{CASE}")
    assert [(h.rsplit("/", 1)[-1], s) for h, s in on_page] == [(i.rsplit("/", 1)[-1], s) for i, s in explorer]


def test_a_case_prints_on_one_page(site, browser):
    url, _ = site
    visit(browser, url + f"/case/{CASE}")
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})["data"]
    pages = re.findall(rb"/Type\s*/Page[^s]", base64.b64decode(pdf))
    assert len(pages) == 1, f"the case prints on {len(pages)} A4 pages"
