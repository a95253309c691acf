"""The public profile keeps private contact fields out of every dump and served page, `pcmh-kg serve`
runs as a command, and its HTML is safe and navigable in real headless Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from pcmh_kg.authoring import synthetic
from pcmh_kg.build import pipeline as build

ROOT = Path(__file__).resolve().parent.parent
PRIVATE = {  # case number -> private contact fields, all made up here
    0: {"name": "Zelda Quillfeather", "email": "zelda.quillfeather@example.org", "phone": "020 7946 0321"},
    1: {"name": "Bartholomew Xanthe", "email": "bx-private@example.net", "phone": "+44 161 496 0777"},
}
HOSTILE_TITLE = 'Synthetic <script>window.pwned=1</script> & "quoted" <b>bold</b>'


@pytest.fixture(scope="module")
def private_data(tmp_path_factory) -> Path:
    out = synthetic.generate(tmp_path_factory.mktemp("private") / "data", 6, framework=ROOT / "data")
    for n, fields in PRIVATE.items():
        path = out / "cases" / f"synthetic-case-{n:06d}.yaml"
        case = yaml.safe_load(path.read_text())
        case["contact"].update(fields)
        if n == 0:
            case["title"] = HOSTILE_TITLE
        path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True))
    return out


def private_strings() -> list[str]:
    out = []
    for fields in PRIVATE.values():
        out += [fields["name"], fields["email"], "".join(fields["phone"].split()), fields["phone"]]
        out += fields["name"].split()  # not even a part of a name
    return out


@pytest.fixture(scope="module")
def full_dist(private_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("full") / "dist"
    build.build(private_data, out, profile="full", shacl=False)
    return out


def test_full_profile_holds_the_private_fields(full_dist):
    """Proves the input really carries them, so their absence from the public profile means something."""
    nt = (full_dist / "pcmh-kg.nt").read_text()
    assert all(s in nt for s in ("Zelda Quillfeather", "mailto:bx-private@example.net", "tel:+441614960777"))


def test_public_dumps_hold_no_private_contact_field(private_data, tmp_path):
    out = tmp_path / "dist"
    build.build(private_data, out, shacl=False)
    for f in sorted(out.iterdir()):
        text = f.read_text(encoding="utf-8")
        for s in private_strings():
            assert s not in text, f"{s!r} leaked into {f.name}"


@pytest.fixture(scope="module")
def served(private_data, full_dist):
    """`pcmh-kg serve` given the full dist: it must refuse it and serve a fresh public build."""
    env = {**os.environ, "PCMH_KG_DATA": str(private_data)}
    proc = subprocess.Popen([sys.executable, "-m", "pcmh_kg", "serve", "--port", "0", "--dist", str(full_dist),
                             "--timeout", "5", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=private_data.parent, text=True)
    line = proc.stdout.readline()
    m = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
    if not m:
        proc.kill()
        pytest.fail(f"serve did not start: {line!r} {proc.stderr.read()}")
    yield m.group(1)
    proc.terminate()
    proc.wait(20)


def fetch(url: str, accept: str = "*/*") -> str:
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read().decode("utf-8")


def test_served_pages_and_endpoint_hold_no_private_contact_field(served):
    case = "synthetic-case-000000"
    texts = [fetch(f"{served}/case/{case}", "text/html"), fetch(f"{served}/case/{case}/contact", "text/html"),
             fetch(f"{served}/case/synthetic-case-000001", "text/turtle"), fetch(f"{served}/dumps/pcmh-kg.nt"),
             fetch(f"{served}/sparql?" + urllib.parse.urlencode({"query": "CONSTRUCT WHERE { ?s ?p ?o }"}),
                   "application/n-triples")]
    assert "Synthetic contact role" in texts[1]  # the public part of the contact is there
    for text in texts:
        for s in private_strings():
            assert s not in text


def test_data_text_is_escaped_in_html(served):
    page = fetch(f"{served}/case/synthetic-case-000000", "text/html")
    assert "<script>window.pwned" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page


@pytest.fixture(scope="module")
def browser():
    import shutil

    import browsing

    driver, profile = browsing.chromium(offline=False)  # the pages come from the local server
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.browser
def test_pages_in_chromium(served, browser, artifacts):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/case/synthetic-case-000000")
    assert browser.execute_script("return window.pwned === undefined")  # the title's script never ran
    assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE_TITLE  # shown as the text it is
    browser.save_screenshot(str(artifacts / "serve-case.png"))
    lesson_links = [a for a in browser.find_elements(By.CSS_SELECTOR, "main a") if "/lesson/" in a.get_attribute("href")
                    and "/case/" not in a.get_attribute("href")]
    assert lesson_links, "a case page links to the lessons it evidences"
    lesson_links[0].click()
    assert "/lesson/" in browser.current_url
    assert "synthetic-case-" in browser.page_source  # the lesson page links back to cases
    browser.get(f"{served}/queries")
    browser.find_element(By.CSS_SELECTOR, "section#multi-lesson-cases a.run").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "table tr")
    assert len(rows) >= 2 and "/case/" in rows[1].find_element(By.TAG_NAME, "a").get_attribute("href")
    browser.get(f"{served}/ontology#CaseStudy")
    assert browser.find_element(By.ID, "CaseStudy").is_displayed()
