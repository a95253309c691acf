"""The build: the guide's framework in the graph, dumps that round-trip and agree with
independent parsers (rapper, pyld), byte-identical rebuilds, SHACL, counts that match the YAML."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from conftest import DATA, ROOT, have

from pcmh_kg.authoring import synthetic
from pcmh_kg.build import outdir, shapes
from pcmh_kg.build import pipeline as build
from pcmh_kg.model.vocab import FLAGS, ORGANISATION_TYPES, ORIGINS, PCMH, SCHEMA, SCOPES, SKOS, STATUSES, Minter
from pcmh_kg.sinks import formats, registry
from pcmh_kg.sources import loader

SEED_REVIEW = ROOT.parent / "shared" / "seeds" / "001_4809133d56d2be83.txt"

# The guide's themes and lessons, in its own words and order (seeds: the guide's contents page
# and the National Elf review). The test checks the graph against this specification.
THEMES = ["Community based mental health care", "Accessible mental health services",
          "Co-ordinated mental health care"]
LESSONS = {
    1: (1, "Local champions drive forward implementation"),
    2: (1, "Effective Health and Wellbeing Boards can be enormously helpful"),
    3: (1, "Primary care education and training will enable change"),
    4: (1, "Money needs to move with the patient"),
    5: (1, "Co-production will deliver ownership by people with mental illness and carers as well as better services"),
    6: (2, "The service needs to cover all ages"),
    7: (2, "A mosaic of services needs to be provided to wrap around individuals and carers"),
    8: (3, "Specialists’ time should be freed to look after people with complex needs and to be available for rapid advice and help for primary care"),
    9: (3, "IT enabled communications between primary care and mental health is vital for a fully functioning service"),
    10: (3, "Managing long term conditions"),
}


def triples_of(path: Path, fmt) -> set:
    return set(ox.parse(path=str(path), format=fmt))


@pytest.fixture(scope="module")
def store(real_dist):
    st = ox.Store()
    st.bulk_load(path=str(real_dist / "pcmh-kg.nt"), format=ox.RdfFormat.N_TRIPLES)
    return st


def test_three_themes_and_ten_lessons_with_the_guides_titles(store):
    themes = {int(s["n"].value): s["t"].value for s in store.query(
        f"SELECT ?n ?t WHERE {{ ?x a <{PCMH}Theme> ; <{PCMH}order> ?n ; <{SKOS}prefLabel> ?t }}")}
    assert themes == {i + 1: t for i, t in enumerate(THEMES)}
    rows = store.query(f"""SELECT ?n ?t ?tn (COUNT(?th) AS ?themes) WHERE {{
        ?l a <{PCMH}Lesson> ; <{PCMH}order> ?n ; <{SKOS}prefLabel> ?t ; <{PCMH}theme> ?th .
        ?th <{PCMH}order> ?tn }} GROUP BY ?n ?t ?tn""")
    lessons = {int(r["n"].value): (int(r["tn"].value), r["t"].value) for r in rows}
    assert lessons == LESSONS
    for r in store.query(f"SELECT ?l (COUNT(?th) AS ?k) WHERE {{ ?l a <{PCMH}Lesson> ; <{PCMH}theme> ?th }} GROUP BY ?l"):
        assert int(r["k"].value) == 1


@pytest.mark.skipif(not SEED_REVIEW.exists(), reason="the seed documents live beside the repository in the dev workspace and CI only")
def test_lesson_titles_match_the_seed_review():
    text = SEED_REVIEW.read_text(encoding="utf-8")
    for number, (_, title) in LESSONS.items():
        assert f"{number}) {title}" in text


def test_every_dump_parses_back_to_the_same_triples(real_dist):
    nt = triples_of(real_dist / "pcmh-kg.nt", ox.RdfFormat.N_TRIPLES)
    assert len(nt) == json.loads((real_dist / "build.json").read_text())["triples"]
    assert triples_of(real_dist / "pcmh-kg.ttl", ox.RdfFormat.TURTLE) == nt
    assert triples_of(real_dist / "pcmh-kg.rdf", ox.RdfFormat.RDF_XML) == nt
    assert triples_of(real_dist / "pcmh-kg.jsonld", ox.RdfFormat.JSON_LD) == nt


def _rapper_triples(path: Path, syntax: str) -> set[str]:
    out = subprocess.run(["rapper", "-q", "-i", syntax, "-o", "ntriples", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return {canonical(line) for line in out.splitlines() if line.strip()}


def canonical(line: str) -> str:
    """One N-Triples line in a canonical form, so that rapper's escapes compare with ours."""
    return str(next(iter(ox.parse(line.encode() + b"\n", format=ox.RdfFormat.N_TRIPLES))))


@pytest.mark.skipif(not have("rapper"), reason="rapper (Debian raptor2-utils) is installed by `make test`")
@pytest.mark.parametrize("name,syntax", [("pcmh-kg.nt", "ntriples"), ("pcmh-kg.ttl", "turtle"),
                                         ("pcmh-kg.rdf", "rdfxml")])
def test_rapper_reads_the_same_triples(real_dist, name, syntax):
    ours = {str(t) for t in triples_of(real_dist / "pcmh-kg.nt", ox.RdfFormat.N_TRIPLES)}
    assert _rapper_triples(real_dist / name, syntax) == ours


def test_pyld_reads_the_same_triples_offline(real_dist):
    from pyld import jsonld

    def no_network(url, options=None):
        raise AssertionError(f"pyld tried to load {url}: the dump must be self-contained")

    doc = json.loads((real_dist / "pcmh-kg.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": no_network})
    theirs = {canonical(line.rsplit(" .", 1)[0] + " .") for line in nquads.splitlines() if line.strip()}
    ours = {str(t) for t in triples_of(real_dist / "pcmh-kg.nt", ox.RdfFormat.N_TRIPLES)}
    assert theirs == ours


def test_published_context_expands_the_dump_like_its_inline_context(real_dist):
    from pyld import jsonld

    context_url = "https://w3id.org/pcmh-kg/context.jsonld"
    published = json.loads((real_dist / "context.jsonld").read_text())

    def loader_(url, options=None):
        assert url == context_url
        return {"contextUrl": None, "documentUrl": url, "document": published}

    doc = json.loads((real_dist / "pcmh-kg.jsonld").read_text(encoding="utf-8"))
    by_url = {"@context": context_url, "@graph": doc["@graph"][:50]}
    inline = {"@context": doc["@context"], "@graph": doc["@graph"][:50]}
    opts = {"documentLoader": loader_}
    assert jsonld.expand(by_url, opts) == jsonld.expand(inline, opts)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_same_input_gives_byte_identical_files(real_dist, tmp_path):
    again = tmp_path / "again"
    build.build(DATA, again, shacl=False, cache_dir=tmp_path / "cache")
    build.build(DATA, tmp_path / "cached", shacl=False, cache_dir=tmp_path / "cache")  # from the cache
    first = _digest(real_dist)
    first.pop("build.json"), _digest(again).pop("build.json")
    for other in (again, tmp_path / "cached"):
        digests = _digest(other)
        digests.pop("build.json")
        assert digests == first


def test_rebuild_after_an_edit_equals_a_cold_build(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    cache, out = tmp_path / "cache", tmp_path / "dist"
    build.build(data, out, shacl=False, cache_dir=cache)
    case = sorted((data / "cases").glob("*.yaml"))[len(list((data / "cases").glob("*.yaml"))) // 2]
    text = case.read_text(encoding="utf-8")
    case.write_text(re.sub(r"^title: .*$", "title: Edited title for the cache test", text, count=1, flags=re.M))
    said = []
    build.build(data, out, shacl=False, cache_dir=cache, log=said.append)  # splices unchanged cases
    n = len(list((data / "cases").glob("*.yaml")))
    assert f"  {n - 1} unchanged case files reused, 1 to read" in said
    build.build(data, tmp_path / "cold", shacl=False, cache_dir=None)
    assert "Edited title for the cache test" in (out / "pcmh-kg.nt").read_text()
    assert _digest(out) == _digest(tmp_path / "cold")


def test_a_damaged_rebuild_index_is_ignored(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "dist"
    build.build(DATA, out, shacl=False, cache_dir=cache)
    expected = _digest(out)
    for index in cache.iterdir():
        index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
    said = []
    build.build(DATA, out, shacl=False, cache_dir=cache, log=said.append)
    assert any(line.startswith("  0 unchanged case files reused") for line in said)
    assert _digest(out) == expected


def test_tampered_previous_dumps_are_not_reused(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "dist"
    build.build(DATA, out, shacl=False, cache_dir=cache)
    expected = _digest(out)
    with open(out / "pcmh-kg.ttl", "ab") as fh:
        fh.write(b"# edited by hand\n")
    build.build(DATA, out, shacl=False, cache_dir=cache)
    assert _digest(out) == expected


def test_build_fails_atomically_when_writing_fails(real_dist, tmp_path, monkeypatch):
    out = tmp_path / "dist"
    shutil.copytree(real_dist, out)
    before = _digest(out)

    def broken(*_args):
        raise OSError("disk full (simulated)")

    # fails after every dump has been written into the temporary folder
    monkeypatch.setattr(build, "void_triples", broken)
    with pytest.raises(OSError):
        build.build(DATA, out, shacl=False)
    assert _digest(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def test_real_graph_conforms_to_the_shapes_and_a_broken_one_does_not(real_dist):
    nt = (real_dist / "pcmh-kg.nt").read_text(encoding="utf-8")
    assert shapes.validate_ntriples(nt.encode()) == []
    first_source = re.search(r"^(<[^>]+/case/[^>]+>) <http://www.w3.org/ns/prov#wasDerivedFrom> <[^>]+> \.\n", nt, re.M)
    case = first_source.group(1)
    broken = "".join(line for line in nt.splitlines(True)
                     if not (line.startswith(case + " <http://www.w3.org/ns/prov#wasDerivedFrom>")))
    results = shapes.validate_ntriples(broken.encode())
    assert [r.message for r in results] == ["Every case study carries at least one public web source."]
    assert results[0].focus == case


def test_counts_match_the_yaml(real_dist):
    summary = json.loads((real_dist / "build.json").read_text())
    classes = summary["classes"]
    n_cases = len(list((DATA / "cases").glob("*.yaml")))
    n_tags = sum(len(yaml.safe_load(p.read_text())["tags"]) for p in (DATA / "tags").glob("*.yaml"))
    n_places = sum(len(yaml.safe_load(p.read_text())["places"]) for p in (DATA / "places").glob("*.yaml"))
    n_orgs = sum(len(yaml.safe_load(p.read_text())["organisations"]) for p in (DATA / "organisations").glob("*.yaml"))
    links = sum(len(yaml.safe_load(p.read_text())["lessons"]) for p in (DATA / "cases").glob("*.yaml"))
    assert summary["cases"] == classes[PCMH + "CaseStudy"] == n_cases
    assert classes[PCMH + "Lesson"] == 10 and classes[PCMH + "Theme"] == 3 and classes[PCMH + "Topic"] == 7
    assert classes[PCMH + "Place"] == n_places
    assert classes["http://schema.org/Organization"] == n_orgs
    assert classes[PCMH + "LessonEvidence"] == links
    # tags, the guide's 7 topics, 3 themes and 10 lessons, and the ontology's controlled values all state
    # skos:Concept themselves (not only through rdfs:subClassOf), for stores without inference
    controlled = len(ORIGINS) + len(SCOPES) + len(FLAGS) + len(ORGANISATION_TYPES) + len(STATUSES)
    assert classes[SKOS + "Concept"] == n_tags + 7 + 3 + 10 + controlled
    assert classes[SCHEMA + "Place"] == classes["http://purl.org/dc/terms/Location"] == n_places
    assert classes["http://www.w3.org/ns/org#Organization"] == n_orgs


def test_void_describes_the_dumps_truthfully(real_dist):
    void = ox.Store()
    void.load(path=str(real_dist / "void.ttl"), format=ox.RdfFormat.TURTLE)
    (n,) = [s["n"].value for s in void.query("SELECT ?n WHERE { ?d <http://rdfs.org/ns/void#triples> ?n }")]
    assert int(n) == json.loads((real_dist / "build.json").read_text())["triples"]
    sizes = {s["u"].value.rsplit("/", 1)[1]: int(s["b"].value) for s in void.query(
        "SELECT ?u ?b WHERE { ?u <http://www.w3.org/ns/dcat#byteSize> ?b }")}
    assert set(sizes) == set(registry.DUMP_FILES.values())
    for name, size in sizes.items():
        assert (real_dist / name).stat().st_size == size
    parts = {s["c"].value: int(s["n"].value) for s in void.query(
        "SELECT ?c ?n WHERE { ?p <http://rdfs.org/ns/void#class> ?c ; <http://rdfs.org/ns/void#entities> ?n }")}
    assert parts == json.loads((real_dist / "build.json").read_text())["classes"]
    assert bool(void.query("ASK { ?d <http://purl.org/dc/terms/license> <https://creativecommons.org/licenses/by/4.0/> }"))


def test_iris_are_readable_and_follow_the_base(tmp_path):
    data = loader.load(DATA)
    out = tmp_path / "dist"
    build.build(DATA, out, base="http://127.0.0.1:8000/kg", shacl=False)
    nt = (out / "pcmh-kg.nt").read_text(encoding="utf-8")
    first = data.cases[0]["id"]
    assert f"<http://127.0.0.1:8000/kg/case/{first}>" in nt
    assert "w3id.org/pcmh-kg/case/" not in nt


@pytest.mark.parametrize("bad", ["http://ex ample.org/", "no-scheme/", "https://x.org/<kg>/"])
def test_a_base_iri_that_would_break_the_dumps_is_refused_before_anything_is_written(bad, tmp_path, capsys):
    from pcmh_kg.cli import main

    out = tmp_path / "dist"
    assert main(["build", "-q", "--no-cache", "--base", bad, "--out", str(out)]) == 2
    assert "base IRI" in capsys.readouterr().err
    assert not out.exists()


def test_rebuild_after_a_new_source_equals_a_cold_build(tmp_path):
    """The web sources' chunk is copied from the previous dumps only while the sources are the
    same; a case citing a new source makes it be written afresh, in first-cited order."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    cache, out = tmp_path / "cache", tmp_path / "dist"
    build.build(data, out, shacl=False, cache_dir=cache)
    case = sorted((data / "cases").glob("*.yaml"))[3]
    text = case.read_text(encoding="utf-8")
    new = "  - url: https://example.org/a-new-source-for-the-cache-test\n    title: A new source\n"
    case.write_text(text.replace("sources:\n", "sources:\n" + new, 1), encoding="utf-8")
    build.build(data, out, shacl=False, cache_dir=cache)
    build.build(data, tmp_path / "cold", shacl=False, cache_dir=None)
    assert "a-new-source-for-the-cache-test> <http://www.w3.org/2000/01/rdf-schema#label>" in (out / "pcmh-kg.nt").read_text()
    assert _digest(out) == _digest(tmp_path / "cold")


def test_the_build_writes_graph_chunks_chunk_for_chunk(real_dist):
    """The dumps and graph_chunks (the in-memory graph of `validate` and `query`) follow one
    CHUNK_ORDER; the framework and case offsets in build.json are where those chunks end."""
    data = loader.load(DATA)
    nt = (real_dist / "pcmh-kg.nt").read_bytes()
    chunks = [formats.ntriples(chunk).encode("utf-8") for chunk in build.graph_chunks(data, Minter(None))]
    assert len(chunks) == len(build.CHUNK_ORDER) - 1 + len(data.cases)
    pos = 0
    for i, chunk in enumerate(chunks):
        assert nt[pos:pos + len(chunk)] == chunk, f"chunk {i} differs"
        pos += len(chunk)
    assert pos == len(nt)
    parts = json.loads((real_dist / "build.json").read_text())["nt_parts"]
    assert parts["framework_end"] == len(chunks[0])
    assert parts["cases_end"] == sum(map(len, chunks[:1 + len(data.cases)]))


def test_rebuild_sees_an_edit_of_the_same_size_with_the_mtime_put_back(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    cache, out = tmp_path / "cache", tmp_path / "dist"
    build.build(data, out, shacl=False, cache_dir=cache)
    case = sorted((data / "cases").glob("*.yaml"))[5]
    st = case.stat()
    text = case.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", text, re.M).group(1)
    edited = "Z" * len(title.encode("utf-8"))
    case.write_text(text.replace(f"title: {title}", f"title: {edited}", 1), encoding="utf-8")
    os.utime(case, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert case.stat().st_size == st.st_size and case.stat().st_mtime_ns == st.st_mtime_ns
    said = []
    build.build(data, out, shacl=False, cache_dir=cache, log=said.append)
    assert f"  {len(list((data / 'cases').glob('*.yaml'))) - 1} unchanged case files reused, 1 to read" in said
    build.build(data, tmp_path / "cold", shacl=False, cache_dir=None)
    assert edited in (out / "pcmh-kg.nt").read_text()
    assert _digest(out) == _digest(tmp_path / "cold")


def test_a_killed_builds_staging_folder_is_removed_but_a_running_ones_is_not(tmp_path):
    out = tmp_path / "dist"
    dead, running = tmp_path / ".dist.tmp-killed", tmp_path / ".dist.tmp-running"
    for folder in (dead, running):
        folder.mkdir()
        (folder / "pcmh-kg.nt").write_text("half written\n")
    fd = os.open(running, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as the build holds its own
        build.build(DATA, out, shacl=False)
        assert not dead.exists() and running.exists()
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.tmp-running", "dist"]


def test_the_output_folder_is_never_missing_during_the_swap(tmp_path, monkeypatch):
    out = tmp_path / "dist"
    build.build(DATA, out, shacl=False)
    seen = []
    for name in ("rename", "replace"):
        real = getattr(os, name)

        def spy(src, dst, *args, _real=real, **kwargs):
            _real(src, dst, *args, **kwargs)
            seen.append(out.exists())
        monkeypatch.setattr(os, name, spy)
    build.build(DATA, out, shacl=False)
    monkeypatch.undo()
    assert all(seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


KILLED_BETWEEN_RENAMES = """
import os, signal, sys
from pathlib import Path
from pcmh_kg.build import outdir, pipeline
outdir.renameat2 = lambda *args: False  # a system without it: the swap takes two renames
real = os.rename
def rename(src, dst):
    if Path(src).name.startswith(".dist.tmp-"):  # the second one
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
os.rename = rename
pipeline.build(Path(sys.argv[1]), Path(sys.argv[2]), shacl=False)
"""


def test_a_kill_between_the_two_renames_of_the_fallback_swap_is_undone_next_run(tmp_path):
    out = tmp_path / "dist"
    build.build(DATA, out, shacl=False)
    before = _digest(out)
    run = subprocess.run([sys.executable, "-c", KILLED_BETWEEN_RENAMES, str(DATA), str(out)])
    assert run.returncode == -signal.SIGKILL
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".dist.old-")]
    outdir.recover(out)
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def _processes() -> list[tuple[int, int, int]]:
    """(pid, parent pid, process group) of every live process (zombies are dead already)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        state, ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if state != "Z":
            found.append((int(entry.name), int(ppid), int(pgrp)))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="children die with the build on Linux; workers start with 2 cores or more")
def test_a_build_killed_mid_way_leaves_no_process_and_no_staging_folder(tmp_path):
    data = synthetic.generate(tmp_path / "synthetic", 400, framework=DATA)
    out, cache = tmp_path / "dist", tmp_path / "cache"
    build.build(data, out, shacl=False, cache_dir=cache)
    before = _digest(out)
    proc = subprocess.Popen([sys.executable, "-m", "pcmh_kg", "build", "-q", "--data", str(data), "--out", str(out),
                             "--no-cache"], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len([p for p in _processes() if p[1] == proc.pid]) < 3:  # the SHACL check and 2 workers
            assert proc.poll() is None, "the build ended before its workers were seen"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while left := [p for p in _processes() if proc.pid in (p[1], p[2])]:
            assert time.monotonic() < deadline, f"left behind: {left}"
            time.sleep(0.05)
    finally:  # whatever happened, nothing of the build outlives the test
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dist.tmp-")]  # what the kill left
    build.build(data, out, shacl=False, cache_dir=cache)
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "dist", "synthetic"]


@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_an_output_that_is_not_a_folder_is_replaced_without_leftovers(kind, tmp_path):
    out = tmp_path / "dist"
    if kind == "file":
        out.write_text("not a folder\n")
    else:
        (tmp_path / "elsewhere").mkdir()
        out.symlink_to(tmp_path / "elsewhere")
    build.build(DATA, out, shacl=False)
    assert out.is_dir() and not out.is_symlink() and (out / "pcmh-kg.nt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dist.")] == []



def test_the_rebuild_fingerprint_covers_every_module_a_case_passes_through():
    """A rule changed in any module a case passes through must invalidate the rebuild cache:
    every pcmh_kg module of those stages loaded by reading and serialising a case is read by the
    fingerprint (checker.py, split out of schema.py, was once missed)."""
    import subprocess
    import sys

    from pcmh_kg.build import workers

    script = (
        "import sys, pathlib\n"
        "from pcmh_kg.build import workers\n"
        "from pcmh_kg.model.vocab import Minter\n"
        "path = sorted(pathlib.Path('data/cases').glob('*.yaml'))[0]\n"
        "[r] = workers.process_case_run((0, [str(path)]), Minter(None).base, 'public', None)\n"
        "assert r.case and not r.problems, r.problems\n"
        "print('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.startswith('pcmh_kg.') and getattr(m, '__file__', None)))\n")
    root = Path(__file__).parent.parent
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True).stdout
    graph = (root / "graph").resolve()
    stages = set(workers.FINGERPRINTED_STAGES)
    used = {Path(f).resolve() for f in out.split()}
    used = {f for f in used if f.name != "__init__.py" and f.parent.name in stages}
    assert {f.parent.name for f in used} == stages, used
    covered = {f.resolve() for stage in stages for f in (graph / stage).glob("*.py")}
    assert used <= covered
    before = workers.code_fingerprint()
    checker = graph / "sources" / "checker.py"
    original = checker.read_bytes()
    try:
        checker.write_bytes(original + b"\n# a changed rule\n")
        assert workers.code_fingerprint() != before
    finally:
        checker.write_bytes(original)


def test_a_run_sends_each_repeated_identifier_once(tmp_path):
    """The main process holds a slim record per case (100k at once): within a run's results, as
    they arrive from a worker, cases citing the same place, tag, lesson or contact organisation
    share one object for it, and the records still say what each case file says."""
    import pickle

    from pcmh_kg.build import workers
    from pcmh_kg.model.vocab import Minter

    paths = sorted((DATA / "cases").glob("*.yaml"))
    [results] = [pickle.loads(pickle.dumps(workers.process_case_run((0, [str(p) for p in paths]),
                                                                   Minter(None).base, "public", str(tmp_path))))]
    cases = [r.case for r in results]
    assert all(r.problems == [] for r in results) and len(cases) == len(paths)
    for path, case in zip(paths, cases):
        raw = yaml.safe_load(path.read_text())
        assert (case["id"], case["place"], case["tags"], case["contact"]["organisation"]) == (
            raw["id"], raw["place"], raw["tags"], raw["contact"]["organisation"])
        assert [link["lesson"] for link in case["lessons"]] == [link["lesson"] for link in raw["lessons"]]
    for pick in (lambda c: [c["place"]], lambda c: c["tags"], lambda c: c["lessons"], lambda c: [c["contact"]]):
        values = [v for c in cases for v in pick(c)]
        distinct_values = {json.dumps(v, sort_keys=True) for v in values}
        assert len(values) > len(distinct_values)  # the real data repeats them
        assert len({id(v) for v in values}) == len(distinct_values)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="workers start with 2 cores or more")
def test_workers_write_what_one_process_writes_and_make_the_catalogue(tmp_path, monkeypatch):
    """With workers, the query catalogue's chunk is made by one of them while the cases stream
    in; the dumps are the bytes a build in one process writes."""
    from pcmh_kg.build import workers

    data = synthetic.generate(tmp_path / "synthetic", workers.PARALLEL_THRESHOLD + 44, framework=DATA)
    made_by = tmp_path / "made-by"
    real = build.catalogue_triples

    def recorded(*args):
        with made_by.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(*args)

    monkeypatch.setattr(build, "catalogue_triples", recorded)  # the workers are forked after this
    build.build(data, tmp_path / "pooled", shacl=False, cache_dir=None)
    [pid] = made_by.read_text().split()
    assert int(pid) != os.getpid()
    made_by.unlink()
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 10**9)
    build.build(data, tmp_path / "alone", shacl=False, cache_dir=None)
    assert made_by.read_text().split() == [str(os.getpid())]
    pooled, alone = _digest(tmp_path / "pooled"), _digest(tmp_path / "alone")
    pooled.pop("build.json"), alone.pop("build.json")
    assert pooled == alone


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="workers start with 2 cores or more")
def test_a_broken_query_fails_a_build_with_workers_naming_the_file(tmp_path, monkeypatch):
    from pcmh_kg import resources
    from pcmh_kg.build import workers
    from pcmh_kg.query import catalogue

    queries = tmp_path / "queries"
    shutil.copytree(resources.queries_dir(), queries)
    (queries / "no-title.rq").write_text("# description: a query without a title\nSELECT * WHERE { ?s ?p ?o }\n")
    monkeypatch.setattr(resources, "queries_dir", lambda: queries)
    data = synthetic.generate(tmp_path / "synthetic", workers.PARALLEL_THRESHOLD + 44, framework=DATA)
    with pytest.raises(catalogue.CatalogueError, match=r"no-title\.rq:1: \[title\]"):
        build.build(data, tmp_path / "dist", shacl=False, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "dist").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist.tmp-")]


def test_a_rebuild_reuses_the_cases_whatever_way_the_data_folder_is_named(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    cache, out = tmp_path / "cache", tmp_path / "dist"
    build.build(data, out, shacl=False, cache_dir=cache)
    monkeypatch.chdir(tmp_path)
    n = len(list((data / "cases").glob("*.yaml")))
    for named in (Path("data"), Path("./data/"), Path("dist/../data")):
        said = []
        build.build(named, out, shacl=False, cache_dir=cache, log=said.append)
        assert f"  {n} unchanged case files reused, 0 to read" in said
