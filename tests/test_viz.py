"""The explorer page in real headless Chromium, opened from file:// with the network emulated off.

Expected numbers come from SPARQL over the same store (not from the page's own code), so a page
that drops, duplicates or mislabels nodes fails.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import browsing
import pytest
import yaml
from conftest import DATA, have

from pcmh_kg import cli
from pcmh_kg.analysis import network as analysis
from pcmh_kg.query import sparql

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not (have("chromium") and have("chromedriver")),
                                 reason="needs Debian chromium and chromium-driver")]

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

HOSTILE_SUMMARY = '<script>window.__pwned = 1</script> "><img src=x onerror=alert(1)> '
HOSTILE_REASON = '"><img src=x onerror="window.__pwned=2"> trains staff'
HOSTILE_TITLE = 'Hostile </script><b>case</b>'

PREFIXES = ("PREFIX pcmh: <https://w3id.org/pcmh-kg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")


def scalar(st, select: str) -> int:
    return int(sparql.run_local(st, PREFIXES + select).rows[0][0].value)


def values(st, select: str) -> list[str]:
    return [row[0].value for row in sparql.run_local(st, PREFIXES + select).rows]


# ------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A copy of data/ in a tmp folder where one case carries markup in its title, summary and reason."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(DATA, data)
    path = sorted((data / "cases").glob("*.yaml"))[0]
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    case["title"] = HOSTILE_TITLE
    case["summary"] = HOSTILE_SUMMARY + " ".join(case["summary"].split()[:70])
    case["lessons"][0]["reason"] = HOSTILE_REASON
    path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = root / "explorer.html"
    assert cli.main(["viz", "--data", str(data), "--dist", str(root / "no-dist"), "--out", str(out), "-q"]) == 0
    return out, case["id"]


@pytest.fixture(scope="module")
def browser():
    driver, profile = browsing.chromium()
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, page: Path):
    return browsing.open_page(driver, page.as_uri())


def drawn(driver, group: str | None = None) -> list[str]:
    return driver.execute_script(
        "return pcmhExplorer.nodes.get().filter(n => !arguments[0] || n.group === arguments[0]).map(n => n.id)", group)


def panel_title(driver) -> str:
    return driver.find_element(By.ID, "panel-title").text


# ---------------------------------------------------------------------------------- tests

def test_loads_offline_and_requests_nothing(browser, real_page):
    open_page(browser, real_page)
    urls = browsing.requested_urls(browser)
    assert urls, "the performance log recorded no request at all (not even the page)"
    assert [u for u in urls if not (u.startswith("file://") or u.startswith("data:"))] == []
    assert [u for u in urls if u.startswith("file://")] == [real_page.as_uri()]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_counts_equal_the_graph(browser, real_page, real_store):
    st, _ = real_store
    nodes = (scalar(st, "SELECT (COUNT(*) AS ?n) WHERE { { ?x a pcmh:Theme } UNION { ?x a pcmh:Lesson } UNION { ?x a pcmh:CaseStudy } }")
             + scalar(st, "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?c a pcmh:CaseStudy ; dcterms:subject ?t }")
             + scalar(st, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?c a pcmh:CaseStudy ; dcterms:spatial ?p }"))
    edges = (scalar(st, "SELECT (COUNT(*) AS ?n) WHERE { ?c a pcmh:CaseStudy ; pcmh:evidencesLesson ?l }")
             + scalar(st, "SELECT (COUNT(*) AS ?n) WHERE { ?l a pcmh:Lesson ; pcmh:theme ?t }")
             + scalar(st, "SELECT (COUNT(*) AS ?n) WHERE { ?c a pcmh:CaseStudy ; dcterms:subject ?t }")
             + scalar(st, "SELECT (COUNT(*) AS ?n) WHERE { ?c a pcmh:CaseStudy ; dcterms:spatial ?p }"))
    open_page(browser, real_page)
    counts = browser.execute_script("return pcmhExplorer.counts()")
    assert (counts["nodes"], counts["edges"]) == (nodes, edges)
    # every node and edge is drawn at this size, and the status line says so
    assert len(drawn(browser)) == nodes
    assert browser.execute_script("return pcmhExplorer.edges.length") == edges
    status = browser.find_element(By.ID, "status")
    assert status.get_attribute("data-nodes") == str(nodes) and status.get_attribute("data-edges") == str(edges)
    cases = scalar(st, "SELECT (COUNT(*) AS ?n) WHERE { ?c a pcmh:CaseStudy }")
    assert len(drawn(browser, "case")) == cases


def test_search_finds_a_case_and_opens_it(browser, real_page, real_store):
    st, _ = real_store
    title = sorted(values(st, "SELECT ?t WHERE { ?c a pcmh:CaseStudy ; dcterms:title ?t }"), key=len)[-1]
    open_page(browser, real_page)
    box = browser.find_element(By.ID, "search")
    box.send_keys(title[:40])
    hits = browser.find_elements(By.CSS_SELECTOR, "#search-results .hit")
    assert hits and title in hits[0].text
    box.send_keys(Keys.ENTER)
    assert panel_title(browser) == title
    assert browser.find_element(By.ID, "panel").is_displayed()


def test_tag_filter_hides_the_other_cases(browser, real_page, real_store):
    st, base = real_store
    rows = sparql.run_local(st, PREFIXES + """SELECT ?t (COUNT(?c) AS ?n) WHERE { ?c a pcmh:CaseStudy ; dcterms:subject ?t }
        GROUP BY ?t ORDER BY DESC(?n) ?t LIMIT 1""").rows
    tag = rows[0][0].value
    expected = {c[len(base):] for c in values(st, f"SELECT ?c WHERE {{ ?c a pcmh:CaseStudy ; dcterms:subject <{tag}> }}")}
    total = scalar(st, "SELECT (COUNT(*) AS ?n) WHERE { ?c a pcmh:CaseStudy }")
    open_page(browser, real_page)
    Select(browser.find_element(By.ID, "f-tag")).select_by_value(tag[len(base):])
    shown = set(drawn(browser, "case"))
    assert shown == expected and 0 < len(shown) < total
    browser.find_element(By.ID, "reset").click()
    assert len(drawn(browser, "case")) == total


def test_multi_lesson_view_and_place_filter(browser, real_page, real_store):
    st, base = real_store
    multi = {c[len(base):] for c in values(st, """SELECT ?c WHERE { ?c a pcmh:CaseStudy ; pcmh:evidencesLesson ?l }
                                                   GROUP BY ?c HAVING (COUNT(?l) >= 2)""")}
    london = {c[len(base):] for c in values(st, f"""PREFIX schema: <http://schema.org/>
        SELECT DISTINCT ?c WHERE {{ ?c a pcmh:CaseStudy ; dcterms:spatial/schema:containedInPlace* <{base}place/london> }}""")}
    open_page(browser, real_page)
    browser.find_element(By.CSS_SELECTOR, "input[name=min][value='2']").find_element(By.XPATH, "..").click()
    assert set(drawn(browser, "case")) == multi
    Select(browser.find_element(By.ID, "f-place")).select_by_value("place/london")
    assert set(drawn(browser, "case")) == multi & london and london


def test_a_filter_change_counts_once_and_keeps_what_stays_drawn(browser, real_page):
    """One pass over the cases per change gives every facet count and the matching cases; a node
    that stays drawn is the same vis-network object after the change (not removed and re-added),
    one that leaves is gone, and the network's counts follow."""
    open_page(browser, real_page)
    keep = browser.execute_script("""const n = pcmhExplorer.network.body.nodes, c = pcmhExplorer.P.ofType.case;
        const multi = c.find(x => x.lessons >= 2).id, single = c.find(x => x.lessons === 1).id;
        window.__kept = {lesson: n['lesson/1'], multi: n[multi]};
        return [multi, single, pcmhExplorer.filterPasses()]""")
    multi, single, passes = keep
    browser.find_element(By.CSS_SELECTOR, "input[name=min][value='2']").find_element(By.XPATH, "..").click()
    same = browser.execute_script("""const n = pcmhExplorer.network.body.nodes;
        return [n['lesson/1'] === window.__kept.lesson, n[arguments[0]] === window.__kept.multi, !!n[arguments[1]],
                !!pcmhExplorer.nodes.get(arguments[1]), pcmhExplorer.filterPasses()]""", multi, single)
    assert same == [True, True, False, False, passes + 1]
    browser.find_element(By.ID, "egm-tab").click()
    Select(browser.find_element(By.ID, "f-scope")).select_by_value("london")
    assert browser.execute_script("return pcmhExplorer.filterPasses()") == passes + 2
    browser.find_element(By.ID, "network-tab").click()
    status = browser.find_element(By.ID, "status")
    drawn_cases = set(drawn(browser, "case"))
    assert int(status.get_attribute("data-cases")) == len(drawn_cases) > 0
    assert drawn_cases == {c["id"] for c in browser.execute_script("return pcmhExplorer.P.filtered()")}


def test_clicking_a_case_opens_its_panel(browser, real_page, real_store, artifacts):
    st, base = real_store
    ev = analysis.read_evidence(st)
    case = max(ev.cases, key=lambda c: (ev.lesson_count(c), ev.cases[c]))
    cid = case[len(base):]
    open_page(browser, real_page)
    browser.execute_script("pcmhExplorer.network.focus(arguments[0], {scale: 1.4, animation: false})", cid)
    canvas = browser.find_element(By.CSS_SELECTOR, "#network canvas")
    ActionChains(browser).move_to_element(canvas).click().perform()  # the node sits at the centre
    assert panel_title(browser) == ev.cases[case]
    panel = browser.find_element(By.ID, "panel")
    reasons = [e.text for e in panel.find_elements(By.CSS_SELECTOR, ".lessons .reason")]
    expected = values(st, f"SELECT ?r WHERE {{ <{case}> pcmh:hasLessonEvidence/pcmh:reason ?r }}")
    assert sorted(reasons) == sorted(expected)
    links = [a.get_attribute("href") for a in panel.find_elements(By.CSS_SELECTOR, "a")]
    sources = values(st, f"PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?s WHERE {{ <{case}> prov:wasDerivedFrom ?s }}")
    assert set(sources) <= set(links)
    similar = [b.text for b in panel.find_elements(By.CSS_SELECTOR, "#similar .node-link")]
    assert similar == [r["title"] for r in analysis.similar_cases(ev, case, k=5)]
    browser.save_screenshot(str(artifacts / "explorer-case-panel.png"))
    # ego view: the case and its neighbours only
    browser.find_element(By.ID, "ego").click()
    neighbours = 1 + len(ev.case_lessons[case]) + len(ev.case_tags[case]) + len(ev.case_places[case])
    assert len(drawn(browser)) == neighbours


def test_case_panel_says_who_carries_an_ended_organisations_duties_now(browser, real_page, real_store, artifacts):
    """CCGs were abolished in 2022: the panel names, under each ended organisation of the case, the
    one carrying its duties today (as the library query organisation-successors finds it), since
    when, with a link to its page; and the initiative's status with its date and source."""
    from pcmh_kg.query import catalogue
    st, base = real_store
    successors = {}
    for row in sparql.run_local(st, catalogue.load_catalogue()["organisation-successors"].text).rows:
        org, _, ended, succ, succ_name = (x.value if x is not None else None for x in row[:5])
        successors.setdefault(org, (ended, []))[1].append((succ, succ_name))
    case = "lambeth-living-well-collaborative"
    orgs = values(st, f"SELECT ?o WHERE {{ <{base}case/{case}> pcmh:organisation ?o }}")
    ended = [o for o in orgs if o in successors]
    assert ended, "the data should give this case an organisation that has been succeeded"
    browsing.open_page(browser, real_page.as_uri() + f"#node=case/{case}")
    items = browser.find_elements(By.CSS_SELECTOR, "#panel-body .facts ul.orgs > li")
    assert len(items) == len(orgs)
    notes = {li.text.split("\n")[0]: li for li in items}
    for org in ended:
        name = values(st, f"PREFIX schema: <http://schema.org/> SELECT ?n WHERE {{ <{org}> schema:name ?n }}")[0]
        note = notes[name].find_element(By.CSS_SELECTOR, ".now")
        date, now = successors[org]
        assert note.text.startswith(f"Ended {date} · now: ") if date else note.text.startswith("Ended")
        links = {a.text: a.get_attribute("href") for a in note.find_elements(By.TAG_NAME, "a")}
        assert links == {n: s for s, n in now if s}
    assert sum(len(li.find_elements(By.CSS_SELECTOR, ".now")) for li in items) == len(ended)
    status = browser.execute_script("""const dt = [...document.querySelectorAll('#panel-body .facts dt')].find(d => d.textContent === 'Status');
        return dt ? dt.nextElementSibling.textContent : null""")
    assert status and status.split(" ")[0] in ("Running", "Ended", "Not")
    browser.execute_script("document.querySelector('#panel-body .now').scrollIntoView({block: 'center'})")
    browser.save_screenshot(str(artifacts / "explorer-case-successor.png"))
    ended_case = "cambridgeshire-and-peterborough-unitingcare-older-peoples-services"
    as_of, source = sparql.run_local(st, PREFIXES + f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?d ?s WHERE {{ <{base}case/{ended_case}> pcmh:status pcmh:Ended ; pcmh:statusStatement ?x .
        ?x dcterms:date ?d ; prov:wasDerivedFrom ?s }}""").rows[0]
    browsing.open_page(browser, real_page.as_uri() + f"#node=case/{ended_case}")
    dd = browser.find_element(By.CSS_SELECTOR, "#panel-body .facts dd.status-ended")
    assert dd.text.startswith(f"Ended (as of {as_of.value})")
    assert dd.find_element(By.TAG_NAME, "a").get_attribute("href") == source.value


def test_table_is_sortable_from_the_keyboard(browser, real_page, real_store, artifacts):
    st, _ = real_store
    titles = values(st, "SELECT ?t WHERE { ?c a pcmh:CaseStudy ; dcterms:title ?t }")
    open_page(browser, real_page)
    tab = browser.find_element(By.ID, "network-tab")
    tab.send_keys(Keys.ARROW_LEFT)  # the tabs wrap round: Network, Evidence map, Map, Table
    assert browser.find_element(By.ID, "table-view").is_displayed()
    assert browser.switch_to.active_element.get_attribute("id") == "table-tab"
    rows = browser.find_elements(By.CSS_SELECTOR, "#case-table tbody tr")
    assert len(rows) == len(titles)
    lessons = [int(r.find_elements(By.TAG_NAME, "td")[0].text) for r in rows]
    assert lessons == sorted(lessons, reverse=True)
    header = browser.find_element(By.CSS_SELECTOR, "th[data-key=title] button")
    header.send_keys(Keys.ENTER)
    shown = [r.find_element(By.TAG_NAME, "th").text for r in browser.find_elements(By.CSS_SELECTOR, "#case-table tbody tr")]
    assert shown == sorted(titles, key=str.lower)
    assert browser.find_element(By.CSS_SELECTOR, "th[data-key=title]").get_attribute("aria-sort") == "ascending"
    browser.save_screenshot(str(artifacts / "explorer-table.png"))


def test_hostile_text_shows_as_text_and_runs_nothing(browser, hostile, artifacts):
    page, case_id = hostile
    html = page.read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="pcmh-data">') + len('<script type="application/json" id="pcmh-data">')
    block = html[start:html.index("</script>", start)]
    assert "<" not in block and ">" not in block
    assert json.loads(block)["cases"][f"case/{case_id}"]["summary"].startswith(HOSTILE_SUMMARY.strip())
    assert "<img src=x" not in html and "</script><b>" not in html
    open_page(browser, page)
    browser.execute_script("pcmhExplorer.network.focus(arguments[0], {scale: 1.4, animation: false})", f"case/{case_id}")
    box = browser.find_element(By.ID, "search")
    box.send_keys("Hostile")
    box.send_keys(Keys.ENTER)
    assert panel_title(browser) == HOSTILE_TITLE
    summary = browser.find_element(By.ID, "panel-summary").text
    assert summary.startswith(HOSTILE_SUMMARY.strip())
    reasons = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".lessons .reason")]
    assert HOSTILE_REASON in reasons
    browser.find_element(By.ID, "table-tab").click()
    assert HOSTILE_TITLE in browser.find_element(By.ID, "case-table").text
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.querySelectorAll('img, b').length") == 0
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it raises when no alert is open
    browser.find_element(By.ID, "network-tab").click()
    browser.save_screenshot(str(artifacts / "explorer-hostile.png"))
