"""pcmh-kg release: a frozen, citable release folder, checked with the tools partners use."""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from release_fixtures import two_data_folders

from pcmh_kg.cli import main
from pcmh_kg.sinks import files, registry

BASE = "https://w3id.org/pcmh-kg/"
FILES = {"pcmh-kg.ttl", "pcmh-kg.nt", "pcmh-kg.nt.gz", "pcmh-kg.jsonld", "pcmh-kg.rdf", "context.jsonld", "ontology.ttl",
         "shapes.ttl", "build.json", "void.ttl", "sparql-examples.ttl", "CHANGES.md", "changes.json",
         "changes.ttl", "CITATION.cff", "ro-crate-metadata.json", "SHA256SUMS"}
PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX owl: <http://www.w3.org/2002/07/owl#> """
# DCAT-AP 3.0.0 (SEMIC, 2024), the mandatory properties of each class a release description uses
DCAT_AP_MANDATORY = {
    "dcat:Catalog": ["dcterms:description", "dcterms:publisher", "dcterms:title"],
    "dcat:Dataset": ["dcterms:description", "dcterms:title"],
    "dcat:Distribution": ["dcat:accessURL"],
    "foaf:Agent": ["foaf:name"],
    "spdx:Checksum": ["spdx:algorithm", "spdx:checksumValue"],
}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("releases")
    old, new = two_data_folders(tmp)
    releases = tmp / "releases"
    assert main(["release", "2026.11", "--data", str(old), "--releases", str(releases), "--issued", "2026-11-30",
                 "-q"]) == 0
    assert main(["release", "2026.12", "--data", str(new), "--releases", str(releases), "--issued", "2026-12-15",
                 "-q"]) == 0
    return releases


def _store(path: Path, fmt=ox.RdfFormat.TURTLE) -> ox.Store:
    st = ox.Store()
    st.load(path=str(path), format=fmt)
    return st


def _rows(st, query):
    return [[t.value if t is not None else None for t in row] for row in st.query(PREFIXES + query)]


def test_a_release_has_every_file_and_its_checksums(released):
    folder = released / "2026.12"
    assert {p.name for p in folder.iterdir()} == FILES
    assert not [p for p in released.iterdir() if p.name.startswith(".")]  # no temporary folder left
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert set(listed) == FILES - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert all(p.stat().st_mode & 0o222 == 0 for p in folder.iterdir())


def test_the_dumps_carry_the_version(released):
    graphs = {fmt.name: _store(released / "2026.12" / fmt.dump, fmt.oxigraph) for fmt in registry.FORMATS}
    assert len({len(g) for g in graphs.values()}) == 1  # the four dumps hold the same graph
    nt = graphs["nt"]
    assert _rows(nt, "SELECT ?v ?i ?p { <https://w3id.org/pcmh-kg/ontology> owl:versionIRI ?v ; owl:versionInfo ?i ; "
                     "owl:priorVersion ?p }") == [["https://w3id.org/pcmh-kg/ontology/2026.12", "2026.12",
                                                   "https://w3id.org/pcmh-kg/ontology/2026.11"]]
    assert _rows(nt, f"SELECT ?v ?d ?prev {{ <{BASE}release/2026.12> dcat:version ?v ; dcterms:issued ?d ; "
                     "prov:wasRevisionOf ?prev }") == [["2026.12", "2026-12-15", BASE + "release/2026.11"]]
    first = _store(released / "2026.11" / "pcmh-kg.nt", ox.RdfFormat.N_TRIPLES)
    assert not _rows(first, "SELECT ?p { ?s prov:wasRevisionOf ?p }")
    assert not _rows(first, "SELECT ?p { ?s owl:priorVersion ?p }")
    ontology = _store(released / "2026.12" / "ontology.ttl")
    assert _rows(ontology, "SELECT ?v { ?o owl:versionIRI ?v }") == [["https://w3id.org/pcmh-kg/ontology/2026.12"]]


def test_public_profile_only_no_personal_data(released):
    for path in (released / "2026.12").iterdir():
        body = path.read_bytes()
        for secret in (b"Private Person", b"private.person@example.org", b"INTERNAL NOTE"):
            assert secret not in body, (path.name, secret)


def test_the_dcat_ap_description(released):
    folder = released / "2026.12"
    st = _store(folder / "void.ttl")
    for cls, props in DCAT_AP_MANDATORY.items():
        members = _rows(st, f"SELECT ?s {{ ?s a {cls} }}")
        assert members, cls
        for p in props:
            missing = _rows(st, f"SELECT ?s {{ ?s a {cls} FILTER NOT EXISTS {{ ?s {p} ?o }} }}")
            assert not missing, (cls, p, missing)
    ds = f"<{BASE}release/2026.12>"
    assert _rows(st, f"SELECT ?v (DATATYPE(?d) AS ?t) ?prev ?pub {{ {ds} dcat:version ?v ; dcterms:issued ?d ; "
                     "prov:wasRevisionOf ?prev ; dcterms:publisher ?pub . ?pub a foaf:Agent }") == [
        ["2026.12", "http://www.w3.org/2001/XMLSchema#date", BASE + "release/2026.11", BASE + "agent/developers"]]
    dists = _rows(st, f"SELECT ?d ?url ?type ?lic ?size ?sum {{ {ds} dcat:distribution ?d . ?d dcat:downloadURL ?url ; "
                      "dcat:mediaType ?type ; dcterms:license ?lic ; dcat:byteSize ?size ; spdx:checksum ?c . "
                      "?c spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?sum }")
    assert len(dists) == len(registry.FORMATS) + 1  # and the gzipped N-Triples
    for _, url, media, lic, size, digest in dists:
        name = url.removeprefix(f"{BASE}release/2026.12/")
        fmt = registry.by_extension(Path(name.removesuffix(".gz")).suffix)
        assert media == "https://www.iana.org/assignments/media-types/" + fmt.media_type
        assert lic == "https://creativecommons.org/licenses/by/4.0/"
        assert int(size) == (folder / name).stat().st_size
        assert digest == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    # the counts describe the release's own dumps
    nt = _store(folder / "pcmh-kg.nt", ox.RdfFormat.N_TRIPLES)
    assert _rows(st, f"SELECT ?n {{ {ds} <http://rdfs.org/ns/void#triples> ?n }}") == [[str(len(nt))]]


def test_the_gzipped_dump_is_the_n_triples_dump(released):
    import gzip

    folder = released / "2026.12"
    packed = (folder / "pcmh-kg.nt.gz").read_bytes()
    assert gzip.decompress(packed) == (folder / "pcmh-kg.nt").read_bytes()
    assert packed[4:8] == b"\0\0\0\0" and len(packed) < (folder / "pcmh-kg.nt").stat().st_size / 4  # no time in it
    cli = Path(sys.executable).parent / "oxigraph"  # a partner's bulk loader reads it as it is
    store_dir = released.parent / "partner-store"
    load = subprocess.run([str(cli), "load", "--location", str(store_dir), "--file", str(folder / "pcmh-kg.nt.gz")],
                          capture_output=True, text=True)
    assert load.returncode == 0, load.stderr
    count = subprocess.run([str(cli), "query", "--location", str(store_dir), "--results-format", "tsv",
                            "--query", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"], capture_output=True, text=True)
    assert count.stdout.split()[-1].split("^^")[0].strip('"') == str(len((folder / "pcmh-kg.nt").read_bytes().splitlines()))
    st = _store(folder / "void.ttl")
    assert _rows(st, f"SELECT ?c ?f {{ <{BASE}release/2026.12/pcmh-kg.nt.gz> dcat:compressFormat ?c ; "
                     "dcat:mediaType ?f }") == [["https://www.iana.org/assignments/media-types/application/gzip",
                                                 "https://www.iana.org/assignments/media-types/application/n-triples"]]


def test_citation_cff_is_valid(released):
    cff = Path(sys.executable).parent / "cffconvert"
    check = subprocess.run([str(cff), "--validate", "-i", str(released / "2026.12" / "CITATION.cff")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    text = (released / "2026.12" / "CITATION.cff").read_text()
    assert "version: '2026.12'" in text and "date-released: 2026-12-15" in text
    bad = released.parent / "bad.cff"
    bad.write_text(text.replace("cff-version: 1.2.0", "cff-version: 9"))
    assert subprocess.run([str(cff), "--validate", "-i", str(bad)], capture_output=True).returncode != 0


def test_ro_crate_finds_every_file(released):
    from rocrate.rocrate import ROCrate

    folder = released / "2026.12"
    crate = ROCrate(str(folder))
    entities = {e.id: e for e in crate.data_entities}
    assert set(entities) == FILES - {"ro-crate-metadata.json"}
    for name, e in entities.items():
        assert int(e["contentSize"]) == (folder / name).stat().st_size, name
        assert e["description"] and e["description"] == files.what(name), name  # every file says what it is
        if name != "SHA256SUMS":
            assert e["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    assert crate.root_dataset["version"] == "2026.12"
    assert crate.root_dataset["license"].id == "https://creativecommons.org/licenses/by/4.0/"


def test_the_release_says_what_changed(released):
    first = (released / "2026.11" / "CHANGES.md").read_text()
    assert "The first release" in first
    text = (released / "2026.12" / "CHANGES.md").read_text()
    assert text.startswith("# Changes from release 2026.11 to release 2026.12\n")
    assert "- case/syn-a: “Synthetic A” is now “Synthetic A, renamed”" in text
    assert "- **Synthetic E (case/syn-e)**; it evidenced lesson " in text  # what the lessons lose
    doc = json.loads((released / "2026.12" / "changes.json").read_text())
    assert doc["summary"] == text.splitlines()[2] and doc["summary"].startswith("5 case studies before, 5 after")
    said = [f["words"] for c in doc["changed"] for f in c["fields"]] + \
        [k["words"] for side in ("added", "removed") for k in doc["lesson_links"][side]]
    assert said and all(w in text for w in said)  # the same words as CHANGES.md
    assert [c["id"] for c in doc["added"]] == ["syn-f"] and doc["added"][0]["place"]
    assert not (released / "2026.11" / "changes.json").exists()  # the first release compares with nothing
    st = _store(released / "2026.12" / "changes.ttl")
    assert {r[0] for r in _rows(st, "SELECT ?c { ?x <http://purl.org/vocab/changeset/schema#subjectOfChange> ?c }")} \
        == {BASE + f"case/syn-{k}" for k in "abcdef"}
    examples = _store(released / "2026.12" / "sparql-examples.ttl")
    assert _rows(examples, "SELECT DISTINCT ?t { ?q <https://schema.org/target> ?t }") == [[BASE + "sparql"]]


def test_refusals(released, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(released.parent / "old", data)
    before = sorted(p.name for p in released.iterdir())
    for bad in ("2026.13", "26.12", "2026-12", "v1", "2026.12.0"):
        assert main(["release", bad, "--data", str(data), "--releases", str(released), "-q"]) == 2
        assert "is not a release version; versions are dated" in capsys.readouterr().err
    assert main(["release", "2026.12", "--data", str(data), "--releases", str(released), "-q"]) == 2
    assert "already exists: a release is never written over" in capsys.readouterr().err
    assert main(["release", "2026.10", "--data", str(data), "--releases", str(released), "-q"]) == 2
    assert "does not come after the newest release" in capsys.readouterr().err
    (data / "cases" / "syn-a.yaml").write_text("id: syn-a\ntitle: 3\n")
    assert main(["release", "2027.01", "--data", str(data), "--releases", str(released), "-q"]) == 1
    assert "syn-a.yaml" in capsys.readouterr().err
    assert sorted(p.name for p in released.iterdir()) == before  # nothing written, nothing left behind


@pytest.fixture(scope="module")
def served(released, tmp_path_factory):
    """The releases served by `pcmh-kg serve --releases`, with a secret beside them and two traps:
    a release folder that is a symlink, and a listed file replaced by a symlink to the secret."""
    from sites import serving

    root = tmp_path_factory.mktemp("served")
    (root / "secret.txt").write_text("SECRET")
    releases = Path(shutil.copytree(released, root / "releases"))
    (releases / "2027.01").symlink_to(releases / "2026.12", target_is_directory=True)
    trap = Path(shutil.copytree(releases / "2026.11", root / "trap" / "2026.11"))
    os.chmod(trap, 0o755)
    (trap / "CHANGES.md").unlink()
    (trap / "CHANGES.md").symlink_to(root / "secret.txt")
    damaged = Path(shutil.copytree(releases / "2026.12", trap.parent / "2026.12"))
    os.chmod(damaged, 0o755)
    (damaged / "changes.json").unlink()
    (damaged / "changes.json").write_text('{"summary": ["not", "words"], "added": "syn-f", "changed": [1, {}]')
    odd = Path(shutil.copytree(releases / "2026.12", trap.parent / "2026.12.1"))
    os.chmod(odd, 0o755)
    (odd / "build.json").unlink()
    (odd / "build.json").write_text('{"release": ["not", "a", "mapping"]}')
    url, _, stop = serving(releases / "2026.12", releases=releases)
    trap_url, _, stop_trap = serving(releases / "2026.12", releases=trap.parent)
    yield url, trap_url, releases
    stop()
    stop_trap()


def test_serve_lists_the_releases_and_serves_their_files(served):
    from sites import get

    url, _, releases = served
    status, headers, body = get(url + "/release/", "text/html")
    assert status == 200 and body.index(b'href="/release/2026.12"') < body.index(b'href="/release/2026.11"')
    assert b"2027.01" not in body  # a symlinked folder is no release
    status, headers, body = get(url + "/release/", "text/turtle")
    st = ox.Store()
    st.load(body, format=ox.RdfFormat.TURTLE)
    assert sorted(r[0] for r in _rows(st, f"SELECT ?d {{ <{BASE}release/> dcat:dataset ?d }}")) == \
        [BASE + "release/2026.11", BASE + "release/2026.12"]
    assert _rows(st, f"SELECT ?c {{ <{BASE}dataset> dcat:hasCurrentVersion ?c }}") == [[BASE + "release/2026.12"]]
    assert sorted(r[0] for r in _rows(st, f"SELECT ?v {{ <{BASE}dataset> dcat:hasVersion ?v . ?v dcterms:isVersionOf "
                                          f"<{BASE}dataset> }}")) == [BASE + "release/2026.11", BASE + "release/2026.12"]
    status, headers, body = get(url + "/release/2026.12", "text/html")
    assert status == 200 and b"revises" in body and b"Synthetic A, renamed" in body and b"CITATION.cff" in body
    for name in os.listdir(releases / "2026.12"):  # each file with what it is
        assert f'{name}</a></td><td data-label="what it is">{files.what(name)}</td>' in html.unescape(body.decode()), name
    status, headers, body = get(url + "/release/2026.12", "text/turtle")
    assert status == 200 and body == (releases / "2026.12" / "void.ttl").read_bytes()
    status, headers, body = get(url + "/release/2026.12", "application/ld+json")
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    for name in ("pcmh-kg.ttl", "CITATION.cff", "SHA256SUMS", "ro-crate-metadata.json", "pcmh-kg.nt.gz"):
        status, headers, body = get(f"{url}/release/2026.12/{name}")
        assert status == 200 and body == (releases / "2026.12" / name).read_bytes(), name
    assert get(url + "/release/2026.12/pcmh-kg.nt.gz")[1]["Content-Type"] == "application/gzip"
    assert get(url + "/release/2026.12/pcmh-kg.ttl")[1]["Content-Type"].startswith("text/turtle")
    status, _, body = get(url + "/", "text/html")
    assert b"2026.12" in body and b'href="/release/2026.12"' in body  # the home page names the newest
    assert b"Since release 2026.11: 5 case studies before, 5 after" in body and b'href="/release/2026.12#changes"' in body


def test_latest_redirects_to_the_newest_release(served, tmp_path):
    import http.client
    import urllib.parse

    from sites import get, serving

    url, _, releases = served

    def head(server, path):
        where = urllib.parse.urlsplit(server)
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        conn.close()
        return r.status, r.getheader("Location")

    assert head(url, "/release/latest") == (302, "/release/2026.12")
    assert head(url, "/release/latest/") == (302, "/release/2026.12/")
    assert head(url, "/release/latest/pcmh-kg.ttl") == (302, "/release/2026.12/pcmh-kg.ttl")
    assert head(url, "/release/latest?format=ttl") == (302, "/release/2026.12?format=ttl")
    assert head(url, "/release/latest/a/b")[0] == 404
    empty = tmp_path / "none"
    empty.mkdir()
    other, _, stop = serving(releases / "2026.12", releases=empty)
    try:
        assert head(other, "/release/latest/pcmh-kg.ttl") == (404, None)
        status, _, body = get(other + "/", "text/html")  # a release served as the build, none listed
        assert status == 200 and b"This server shows release 2026.12, issued 2026-12-15." in body
    finally:
        stop()


def test_serve_never_leaves_the_releases_folder(served):
    from sites import get

    url, trap_url, _ = served
    for path in ("/release/2026.12/../../secret.txt", "/release/2026.12/%2e%2e/%2e%2e/secret.txt",
                 "/release/%2e%2e/secret.txt", "/release/2026.12/..%2f..%2fsecret.txt", "/release/2027.01/SHA256SUMS",
                 "/release/2027.01", "/release/2026.12/.", "/release/2026.12/%2fetc%2fpasswd", "/release/2026.13",
                 "/release/2026.12/not-listed.txt"):
        status, _, body = get(url + path)
        assert status == 404 and b"SECRET" not in body, path
    status, _, body = get(trap_url + "/release/2026.11/CHANGES.md")
    assert status == 404 and b"SECRET" not in body
    status, _, body = get(trap_url + "/release/2026.11", "text/html")
    assert status == 200 and b"CHANGES.md</a>" not in body and b"SECRET" not in body


def test_a_release_page_says_what_changed_in_words_with_links(served):
    import html
    import re

    from sites import get

    url, trap_url, _ = served
    status, _, body = get(url + "/release/2026.12", "text/html")
    page = body.decode()
    changes = page[page.index('id="changes"'):page.index("</main>")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", changes))
    assert "**" not in text and "##" not in text and "<pre" not in changes  # no Markdown shown as it is
    assert re.findall(r"<h3>([^<]+)</h3>", changes) == [
        "Case studies added", "Case studies removed", "Case studies renamed", "Lesson links added",
        "Lesson links removed", "Details changed"]
    assert "5 case studies before, 5 after: 1 added, 1 removed, 1 renamed" in text
    assert '<a href="/case/syn-f">Synthetic F</a>' in changes  # published here: linked to its page
    assert "<strong>Synthetic E</strong>" in changes and 'href="/case/syn-e"' not in changes  # removed: named only
    assert "evidenced lesson " in text
    assert "was “Synthetic A”" in text and "no longer evidences lesson 8" in text
    for name in ("CHANGES.md", "changes.json", "changes.ttl"):
        assert f'href="/release/2026.12/{name}"' in changes
    status, _, body = get(url + "/release/2026.11", "text/html")
    assert status == 200 and b"The first release: there is no earlier release" in body
    status, _, body = get(trap_url + "/release/2026.12", "text/html")  # changes.json damaged
    assert status == 200 and b"see the release&#39;s CHANGES.md" in body and b"<h3>" not in body
    status, _, body = get(trap_url + "/release/", "text/html")
    assert status == 200 and b"see the release&#39;s CHANGES.md" in body
    status, _, body = get(trap_url + "/release/2026.12.1", "text/html")  # build.json damaged too
    assert status == 200 and b"description (build.json) cannot be read" in body and b"The first release" not in body


def test_a_long_change_log_is_cut_on_the_page_and_read_afresh_when_replaced(served, tmp_path):
    """A release of 100k cases can change them all: the page lists SHOWN a section and counts the
    rest; the file is read once, but a replaced one is read again."""
    from sites import get, serving

    from pcmh_kg.publish import releases as served_releases

    _, _, releases = served
    folder = Path(shutil.copytree(releases / "2026.12", tmp_path / "releases" / "2026.12"))
    shutil.copytree(releases / "2026.11", tmp_path / "releases" / "2026.11")
    os.chmod(folder, 0o755)
    doc = json.loads((folder / "changes.json").read_text())
    n = served_releases.SHOWN + 57
    doc["changed"] = [{"id": f"x{i}", "iri": f"{BASE}case/x{i}", "title": f"Case X{i}",
                       "fields": [{"field": "place", "old": "A", "new": "B", "words": "place: A → B"}]} for i in range(n)]
    (folder / "changes.json").unlink()
    (folder / "changes.json").write_text(json.dumps(doc))
    url, _, stop = serving(releases / "2026.12", releases=tmp_path / "releases")
    try:
        page = get(url + "/release/2026.12", "text/html")[2].decode()
        details = page[page.index("<h3>Details changed</h3>"):]
        assert details.count("place: A → B") == served_releases.SHOWN
        assert "… and 57 more: see" in details and 'href="/release/2026.12/CHANGES.md">the whole change log' in details
        doc["summary"] = "Replaced summary."
        (folder / "changes.json").write_text(json.dumps(doc))
        assert "Replaced summary." in get(url + "/release/2026.12", "text/html")[2].decode()
    finally:
        stop()


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "tablet", "desktop"])
def test_release_pages_in_a_browser(served, size, artifacts):
    from test_site_browser import SIZES, browser_driver, visit

    url, _, _ = served
    with browser_driver() as driver:
        driver.set_window_size(*SIZES[size])
        for name, path in (("releases", "/release/"), ("release", "/release/2026.12")):
            requested, errors = visit(driver, url + path)
            assert not errors, errors
            assert all(r.startswith(url) for r in requested), requested
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= SIZES[size][0] + 1, f"{name} scrolls sideways at {size}: {width}px"
            if name == "release":  # a file name read in one piece, never broken mid-word
                broken = driver.execute_script(
                    "return [...document.querySelectorAll('table.files td.name a')]"
                    ".filter(a => a.getClientRects().length !== 1).map(a => a.textContent)")
                assert driver.execute_script("return document.querySelectorAll('table.files td.name a').length")
                assert not broken, f"file names wrap at {size}: {broken}"
            driver.save_screenshot(str(artifacts / f"release-{name}-{size}.png"))
