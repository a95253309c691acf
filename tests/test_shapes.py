"""SHACL at every size: pyshacl-turbo (the build's engine, checking the dump in parts) agrees with
pyshacl (the reference, checking the whole graph at once) on valid and broken graphs; violations
are reported as YAML file, line and field; build, validate and push refuse a graph that breaks
the shapes and write or send nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import DATA
from fixture_graph import write_fixture

from pcmh_kg.build import pipeline as build
from pcmh_kg.build import shapes
from pcmh_kg.cli import main
from pcmh_kg.model.problems import InvalidInput
from pcmh_kg.model.vocab import DCTERMS, GEO, PCMH, PROV, RDF, SCHEMA, SKOS, VCARD, XSD, Minter
from pcmh_kg.triples import emit, fields

BASE = Minter(None).base
SH = "http://www.w3.org/ns/shacl#"


def reference(nt: bytes) -> tuple[bool, set]:
    """pyshacl over rdflib, on the whole graph: the reference engine."""
    import pyshacl
    import rdflib

    data = rdflib.Graph().parse(data=nt, format="nt")
    shapes_graph = rdflib.Graph().parse(str(shapes.SHAPES_FILE), format="turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", advanced=True)
    return bool(conforms), {r.key() for r in shapes.results_of(report)}


def split(dist: Path) -> tuple[bytes, bytes, bytes, bytes]:
    """The dump as the build laid it out: framework, cases, web sources, the rest (catalogue and
    ontology), by build.json's offsets."""
    nt = (dist / "pcmh-kg.nt").read_bytes()
    parts = json.loads((dist / "build.json").read_text())["nt_parts"]
    assert parts["bytes"] == len(nt)
    cuts = [0, parts["framework_end"], parts["cases_end"], parts["sources_end"], len(nt)]
    return tuple(nt[a:b] for a, b in zip(cuts, cuts[1:]))


def agree(framework: bytes, cases: bytes, sources: bytes, rest: bytes) -> set:
    """Check one graph four ways: pyshacl whole, turbo whole, turbo in the build's parts (the
    web sources in batches, and, as a dump without that offset is, with the rest). Returns the
    results' keys, after asserting the four agree."""
    nt = framework + cases + sources + rest
    conforms, expected = reference(nt)
    whole = {r.key() for r in shapes.validate_ntriples(nt)}
    framework_end, cases_end = len(framework), len(framework) + len(cases)
    parts = {r.key() for r in shapes.check_bytes(nt, framework_end, cases_end, BASE + "case/",
                                                 cases_end + len(sources))}
    without = {r.key() for r in shapes.check_bytes(nt, framework_end, cases_end, BASE + "case/")}
    assert whole == expected and parts == expected and without == expected
    assert conforms == (not expected)
    return expected


def test_engines_agree_on_the_real_graph(real_dist):
    assert agree(*split(real_dist)) == set()
    assert json.loads((real_dist / "build.json").read_text())["shacl"] == "conforms"


def test_engines_agree_on_the_fixture_graph(tmp_path):
    out = tmp_path / "dist"
    build.build(write_fixture(tmp_path / "data"), out)  # shapes checked by default
    assert json.loads((out / "build.json").read_text())["shacl"] == "conforms"
    assert agree(*split(out)) == set()


def _line(block: bytes, subject: str, predicate: str) -> bytes:
    found = re.search(rb"^<" + re.escape(subject.encode()) + rb"> <" + re.escape(predicate.encode()) + rb"> .*\n",
                      block, re.M)
    assert found, (subject, predicate)
    return found.group(0)


def _object(line: bytes) -> str:
    return line.decode().split(" ", 2)[2].rsplit(" .", 1)[0]


@pytest.mark.parametrize("batch", [shapes.BATCH_BYTES, 40_000])
def test_engines_agree_on_planted_violations(real_dist, batch, monkeypatch):
    """One violation of each kind of constraint, planted in the cases, the framework and the
    first and last web sources; the parts agree whether the cases and sources are checked in one
    batch or cut into many (between cases, between sources)."""
    monkeypatch.setattr(shapes, "BATCH_BYTES", batch)
    framework, cases, sources, rest = split(real_dist)
    ids = re.findall(rb"^<" + re.escape(BASE.encode()) + rb"case/([a-z0-9-]+)> <" + re.escape(RDF.encode()) + rb"type>",
                     cases, re.M)
    a, b, c, d, e, f, g, h = (BASE + "case/" + x.decode() for x in ids[:8])
    place = re.search(rb"^<(" + re.escape(BASE.encode()) + rb"place/[a-z0-9-]+)> ", framework, re.M).group(1).decode()
    org = re.search(rb"^<(" + re.escape(BASE.encode()) + rb"organisation/[a-z0-9-]+)> ", framework, re.M).group(1).decode()
    tag = _object(_line(cases, a, DCTERMS + "subject")).strip("<>")  # a tag some case uses: a target

    def drop(block, s, p):
        return block.replace(_line(block, s, p), b"", 1)

    def add(block, s, p, new_object, new_p=None):  # beside the node's other lines, as the build writes them
        line = _line(block, s, p)
        return block.replace(line, line + f"<{s}> <{new_p or p}> {new_object} .\n".encode(), 1)

    def swap(block, s, p, new_object):
        line = _line(block, s, p)
        return block.replace(line, line.replace(_object(line).encode(), new_object.encode(), 1), 1)

    cases = drop(cases, a, DCTERMS + "title")                                        # minCount
    cases = swap(cases, b, DCTERMS + "title", '"no language"')                        # datatype
    cases = swap(cases, c, DCTERMS + "spatial", f"<{org}>")                           # class
    cases = swap(cases, d, DCTERMS + "identifier", '"Not_A_Slug"')                    # pattern
    cases = add(cases, e, PCMH + "scope", f"<{PCMH}National>")                        # maxCount
    cases = swap(cases, f, PCMH + "status", f"<{PCMH}Mars>")                          # in
    cases = swap(cases, g, PROV + "wasDerivedFrom", '"https://example.org/as-text"')  # nodeKind
    cases = add(cases, h + "/contact", VCARD + "role", "<mailto:x@example.org>", VCARD + "hasEmail")  # maxCount 0
    framework = swap(framework, place, GEO + "lat", f'"123.0"^^<{XSD}decimal>')        # maxInclusive
    framework = drop(framework, org, SCHEMA + "name")                                 # minCount, framework
    framework = drop(framework, tag, SKOS + "definition")                             # a tag, targeted by cases
    urls = re.findall(rb"^<([^>]+)> <" + re.escape(RDF.encode()) + rb"type>", sources, re.M)
    first, last = urls[0].decode(), urls[-1].decode()
    assert len(sources) > 3 * 40_000 and first != last
    sources = add(sources, first, RDF + "type", f"<{PCMH}Place>")                      # class target, in a source
    sources = add(sources, last, RDF + "type", f"<{org}>", DCTERMS + "subject")        # objectsOf target, framework focus
    found = agree(framework, cases, sources, rest)
    components = {(focus, component.strip("<>").removeprefix(SH)) for focus, _p, component, _s in found}
    for focus, component in [(a, "MinCountConstraintComponent"), (b, "DatatypeConstraintComponent"),
                             (c, "ClassConstraintComponent"), (d, "PatternConstraintComponent"),
                             (e, "MaxCountConstraintComponent"), (f, "InConstraintComponent"),
                             (g, "NodeKindConstraintComponent"), (h + "/contact", "MaxCountConstraintComponent"),
                             (place, "MaxInclusiveConstraintComponent"), (org, "MinCountConstraintComponent"),
                             (tag, "MinCountConstraintComponent"), (first, "MinCountConstraintComponent"),
                             (org, "ClassConstraintComponent")]:
        assert (f"<{focus}>", SH + component) in {(x, SH + y) for x, y in components}, (focus, component)


def test_a_node_described_outside_its_case_is_checked_whole(tmp_path):
    """A case citing another case's IRI as a web source gives that case a second title from the
    sources' chunk: the parts are no longer independent, the whole graph is checked, and the
    violation is reported at the YAML file, line and field of the title it doubles."""
    data = shutil.copytree(DATA, tmp_path / "data")
    out = tmp_path / "dist"
    build.build(data, out, cache_dir=None)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    citing, cited = sorted((data / "cases").glob("*.yaml"))[:2]
    text = citing.read_text()
    citing.write_text(text.replace("sources:\n", f"sources:\n  - url: {BASE}case/{cited.stem}\n"
                                   "    title: Our own page\n", 1))
    with pytest.raises(InvalidInput) as err:
        build.build(data, out, cache_dir=None)
    [problem] = err.value.problems
    title_line = next(i for i, line in enumerate(cited.read_text().splitlines(), 1) if line.startswith("title:"))
    assert (problem.file.endswith(f"cases/{cited.name}"), problem.line, problem.field) == (True, title_line, "title")
    assert "MaxCount" in problem.message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the previous dist/ as it was


def _subject(line: bytes) -> bytes:
    return line[:line.index(b" ")]


def _lines_of(subject: str, n: int, width: int = 0) -> bytes:
    return b"".join(f'<{subject}> <http://example.org/p> "{i}{"x" * width}" .\n'.encode() for i in range(n))


@pytest.mark.parametrize("size", [1, 60, 150, 400, 10_000])
def test_web_sources_are_cut_into_batches_of_whole_subjects(size):
    """The batches put back together give the input; each starts where a new subject does (so
    no subject is split over two batches), even when one subject, or one line, is longer than a
    batch; and none is empty."""
    nt = (_lines_of("http://a.example/1", 3) + _lines_of("http://a.example/12", 9)
          + _lines_of("http://a.example/2", 1, width=500) + _lines_of("http://a.example/3", 2)
          + _lines_of("http://a.example/1", 1))  # a subject that starts another's name, then back
    batches = list(shapes._subject_batches(nt, size, len(nt)))
    end = len(_lines_of("http://a.example/1", 3) + _lines_of("http://a.example/12", 9))
    assert b"".join(shapes._subject_batches(nt, size, end)) == nt[:end]  # what follows is left alone
    assert b"".join(batches) == nt
    assert all(batches)
    for before, after in zip(batches, batches[1:]):
        assert _subject(before.splitlines()[-1]) != _subject(after), size
    if size >= len(nt):
        assert batches == [nt]
    if size == 1:  # as small as can be: every subject's run is a batch of its own
        assert [_subject(b) for b in batches] == [b"<http://a.example/1>", b"<http://a.example/12>",
                                                        b"<http://a.example/2>", b"<http://a.example/3>",
                                                        b"<http://a.example/1>"]


STRICTER = """
pcmhsh:Stricter a sh:NodeShape ;
    sh:targetClass pcmh:LessonEvidence ;
    sh:property [ sh:path pcmh:reason ; sh:maxLength 5 ] .
pcmhsh:StricterContact a sh:NodeShape ;
    sh:targetObjectsOf dcat:contactPoint ;
    sh:property [ sh:path vcard:hasURL ; sh:pattern "^https://nowhere\\\\.example/" ] .
pcmhsh:StricterPlace a sh:NodeShape ;
    sh:targetClass pcmh:Place ;
    sh:property [ sh:path schema:name ; sh:maxLength 3 ] .
pcmhsh:StricterCase a sh:NodeShape ;
    sh:targetClass pcmh:CaseStudy ;
    sh:property [ sh:path dcterms:subject ; sh:not [ sh:hasValue <{tag}> ] ] .
"""


def test_violations_name_yaml_file_line_and_field(tmp_path, monkeypatch, capsys):
    """Shapes made stricter than the loader: every violation lands on the field it comes from."""
    data = write_fixture(tmp_path / "data")
    case_file = sorted((data / "cases").glob("*.yaml"))[0]
    case = emit_case(case_file)
    tag = case["tags"][-1]
    stricter = tmp_path / "shapes.ttl"
    stricter.write_text(shapes.SHAPES_FILE.read_text() + STRICTER.replace("{tag}", Minter(None).tag(tag)))
    monkeypatch.setattr(shapes, "SHAPES_FILE", stricter)
    with pytest.raises(InvalidInput) as err:
        build.build(data, tmp_path / "dist", cache_dir=None)
    assert not (tmp_path / "dist").exists()
    mine = [p for p in err.value.problems if p.file.endswith(case_file.name)]
    fields_seen = {p.field for p in mine}
    lines = case_file.read_text().splitlines()
    assert "contact.url" in fields_seen
    assert f"tags[{len(case['tags']) - 1}]" in fields_seen
    assert any(re.fullmatch(r"lessons\[\d\]\.reason", f) for f in fields_seen)
    for p in mine:  # each line holds the field's key (or its list item)
        key = p.field.rsplit(".", 1)[-1].split("[")[0]
        assert key in lines[p.line - 1] or lines[p.line - 1].lstrip().startswith("- "), p
    places = [p for p in err.value.problems if "/places/" in p.file]
    assert places and all(re.fullmatch(r"places\[\d+\]\.name", p.field) for p in places)
    assert all("name:" in Path(p.file).read_text().splitlines()[p.line - 1] for p in places)
    # validate says the same, and exits 1
    assert main(["validate", "-q", "--data", str(data)]) == 1
    assert f"{case_file.name}:" in capsys.readouterr().err


def emit_case(path: Path) -> dict:
    from pcmh_kg.sources import schema, yamlio

    case, problems = schema.check_case(yamlio.read_file(path)[1], expected_id=path.stem)
    assert not problems
    return case


def test_every_property_of_a_case_has_a_yaml_field(tmp_path):
    data = write_fixture(tmp_path / "data")
    m = Minter(None)
    for path in sorted((data / "cases").glob("*.yaml")):
        case = emit_case(path)
        for s, p, _o in emit.case_triples(case, m, "full"):
            tail = s[len(m.case(case["id"])):].split("/")[1:2] or [""]
            assert p in fields.NODES["case"][3][tail[0]], (s, p)


def test_no_shacl_skips_and_the_default_checks(tmp_path):
    data = write_fixture(tmp_path / "data")
    assert main(["build", "-q", "--data", str(data), "--out", str(tmp_path / "a"), "--no-cache"]) == 0
    assert json.loads((tmp_path / "a" / "build.json").read_text())["shacl"] == "conforms"
    assert main(["build", "-q", "--data", str(data), "--out", str(tmp_path / "b"), "--no-cache", "--no-shacl"]) == 0
    assert json.loads((tmp_path / "b" / "build.json").read_text())["shacl"] == "skipped"


@pytest.mark.store
def test_push_refuses_a_graph_that_breaks_the_shapes(oxigraph_server, real_dist, tmp_path, capsys):
    """A dump edited after the build (a case's title dropped): push refuses, exits non-zero, and
    the partner's graph is exactly as it was."""
    endpoint, graph = oxigraph_server + "/store", "https://w3id.org/pcmh-kg/shapes-test"
    assert main(["push", "--endpoint", endpoint, "--graph", graph, "--dist", str(real_dist), "-q"]) == 0
    query = oxigraph_server + "/query"

    def held() -> list:
        import urllib.parse
        import urllib.request

        url = f"{endpoint}?{urllib.parse.urlencode({'graph': graph})}"
        body = urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/n-triples"})).read()
        return sorted(str(t) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))

    before = held()
    assert query and len(before) > 1000
    dist = shutil.copytree(real_dist, tmp_path / "dist")
    nt = (dist / "pcmh-kg.nt").read_bytes()
    case = re.search(rb"^<(" + re.escape(BASE.encode()) + rb"case/[a-z0-9-]+)> ", nt, re.M).group(1).decode()
    (dist / "pcmh-kg.nt").write_bytes(nt.replace(_line(nt, case, DCTERMS + "title"), b"", 1))
    code = main(["push", "--endpoint", endpoint, "--graph", graph, "--dist", str(dist), "-q", "--retries", "0"])
    err = capsys.readouterr().err
    assert code != 0 and "SHACL" in err and case in err and "nothing was sent" in err
    assert held() == before


PLANTED = """
pcmhsh:NoPlantedWord a sh:NodeShape ;
    sh:targetClass pcmh:CaseStudy ;
    sh:property [ sh:path dcterms:description ; sh:not [ sh:pattern "PLANTEDWORD" ] ] .
"""


def _plant(case_file: Path) -> None:
    """The word the stricter shape forbids, in a case's summary (written as the importer writes)."""
    import yaml

    from pcmh_kg.authoring.spreadsheet import case_yaml

    raw = yaml.safe_load(case_file.read_text())
    raw["summary"] = raw["summary"].rstrip() + " PLANTEDWORD"
    case_file.write_text(case_yaml(raw))


def test_a_rebuild_checks_the_changed_cases_and_only_them(tmp_path, monkeypatch):
    """Unchanged cases that passed on the same shapes, ontology and framework are not checked
    again; a changed case is, and a violation in it fails the rebuild with its file."""
    data, out, cache = tmp_path / "data", tmp_path / "dist", tmp_path / "cache"
    shutil.copytree(DATA, data)
    stricter = tmp_path / "shapes.ttl"
    stricter.write_text(shapes.SHAPES_FILE.read_text() + PLANTED)
    monkeypatch.setattr(shapes, "SHAPES_FILE", stricter)
    cold = build.build(data, out, cache_dir=cache)
    assert cold.shacl == "conforms" and cold.shacl_reused_bytes == 0
    cases = sorted((data / "cases").glob("*.yaml"))
    cases[3].write_text(cases[3].read_text() + "\n# an edit that changes no triple\n")
    warm = build.build(data, out, cache_dir=cache)
    parts = json.loads((out / "build.json").read_text())["nt_parts"]
    cases_bytes = parts["cases_end"] - parts["framework_end"]
    rest_bytes = parts["bytes"] - parts["cases_end"]  # web sources, catalogue, ontology: unchanged
    assert warm.shacl == "conforms"
    assert cases_bytes * 0.9 + rest_bytes < warm.shacl_reused_bytes < cases_bytes + rest_bytes
    clean = build.build(data, tmp_path / "clean", cache_dir=None)
    assert all((out / f.name).read_bytes() == f.read_bytes() for f in clean.out.iterdir())
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    _plant(cases[7])
    with pytest.raises(InvalidInput) as err:
        build.build(data, out, cache_dir=cache)
    assert [p.file for p in err.value.problems if p.file.endswith(cases[7].name)], err.value.problems
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before


def test_new_shapes_check_every_case_again(tmp_path, monkeypatch):
    """A case that passed the old shapes is checked against new ones even if it did not change."""
    data, out, cache = tmp_path / "data", tmp_path / "dist", tmp_path / "cache"
    shutil.copytree(DATA, data)
    cases = sorted((data / "cases").glob("*.yaml"))
    _plant(cases[2])
    assert build.build(data, out, cache_dir=cache).shacl == "conforms"  # the shipped shapes allow it
    stricter = tmp_path / "shapes.ttl"
    stricter.write_text(shapes.SHAPES_FILE.read_text() + PLANTED)
    monkeypatch.setattr(shapes, "SHAPES_FILE", stricter)
    with pytest.raises(InvalidInput) as err:
        build.build(data, out, cache_dir=cache)
    assert [p.file for p in err.value.problems if p.file.endswith(cases[2].name)], err.value.problems


PLANTED_SOURCE = """
pcmhsh:NoPlantedSource a sh:NodeShape ;
    sh:targetClass schema:CreativeWork ;
    sh:property [ sh:path dcterms:title ; sh:not [ sh:pattern "PLANTEDWORD" ] ] .
"""


def test_a_rebuild_checks_the_web_sources_again_when_they_change(tmp_path, monkeypatch):
    """The chunks after the cases (web sources, catalogue, ontology) are skipped only when their
    bytes are those of the last conforming check: a case edit that changes a source's title
    puts the sources' chunk through the shapes again."""
    data, out, cache = tmp_path / "data", tmp_path / "dist", tmp_path / "cache"
    shutil.copytree(DATA, data)
    stricter = tmp_path / "shapes.ttl"
    stricter.write_text(shapes.SHAPES_FILE.read_text() + PLANTED_SOURCE)
    monkeypatch.setattr(shapes, "SHAPES_FILE", stricter)
    assert build.build(data, out, cache_dir=cache).shacl == "conforms"
    import yaml

    from pcmh_kg.authoring.spreadsheet import case_yaml

    case = sorted((data / "cases").glob("*.yaml"))[5]
    raw = yaml.safe_load(case.read_text())
    raw["sources"][0]["title"] = "PLANTEDWORD " + raw["sources"][0]["title"]
    case.write_text(case_yaml(raw))
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    with pytest.raises(InvalidInput) as err:
        build.build(data, out, cache_dir=cache)
    assert any("PLANTEDWORD" in str(p) for p in err.value.problems), err.value.problems
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before
