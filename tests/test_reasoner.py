"""The graph in an OWL 2 DL reasoner: HermiT (bundled with owlready2) loads the real graph together
with SKOS, PROV-O, DCAT, vCard, GeoSPARQL and the Organization Ontology, finds it consistent and finds
no class unsatisfiable; and it refuses graphs that break the modelling, so the check can fail.

HermiT is run from owlready2's bundle on the merged N-Triples file, with its command line: a consistency
check (-k) and a classification (-c) take seconds. owlready2's sync_reasoner() would run the same
reasoner, but writing the results back into its own store takes a minute here and then fails on
PROV-O's properties that are both annotation and object properties (prov:wasRevisionOf ...).

The vocabularies are local files (tests/vocab/, see its README): nothing is fetched at test time. They
are loaded as DL subsets, because some of their own axioms are outside OWL 2 DL whatever our data says:
  - three ranges name datatypes that are not OWL 2 datatypes, which HermiT refuses to load: DCAT's
    xsd:duration for dcat:temporalResolution, and vCard's unions with xsd:gYear for vcard:bday and
    vcard:anniversary;
  - DCAT makes both dcat:theme (an object property) and dcat:keyword (a datatype property)
    sub-properties of dcterms:subject, which OWL 2 DL forbids; we keep dcat:theme's, since our tags are
    IRIs (dcterms:subject is an object property in our ontology), and leave out dcat:keyword's;
  - owl:imports are left out (the imported modules are in the files already, or not needed: no network);
  - GeoSPARQL's literal datatypes (geosparql:wktLiteral ...) are not OWL 2 datatypes: they are given a
    datatype definition (as xsd:string), and because HermiT cannot parse literals even of a defined
    datatype, the WKT points of our places are read as xsd:string. This is the one change made to our
    graph; every other triple is loaded as built.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import owlready2  # test extras: it bundles HermiT
import pyoxigraph as ox
import pytest

pytestmark = pytest.mark.skipif(shutil.which("java") is None,
                                reason="HermiT needs Java: install Debian default-jre-headless (make test does)")

VOCAB = Path(__file__).parent / "vocab"
VOCABULARIES = ("skos", "prov", "dcat", "vcard", "geo", "org")
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NOT_OWL2 = {XSD + name for name in ("duration", "date", "time", "gYear", "gYearMonth", "gMonth", "gDay", "gMonthDay")}
GEOSPARQL_DATATYPES = ("wktLiteral", "gmlLiteral", "geoJSONLiteral", "kmlLiteral", "dggsLiteral")


NOT_DL = {("http://www.w3.org/ns/dcat#keyword", "http://www.w3.org/2000/01/rdf-schema#subPropertyOf",
           "http://purl.org/dc/terms/subject")}
WKT = "<http://www.opengis.net/ont/geosparql#wktLiteral>"
IMPORTS = "http://www.w3.org/2002/07/owl#imports"
HERMIT = Path(owlready2.__file__).parent / "hermit"


def dl_subset(name: str) -> tuple[str, list[str]]:
    """A vocabulary as N-Triples without the rdfs:range axioms that name non-OWL-2 datatypes (directly
    or inside an owl:unionOf list) and the NOT_DL axioms, and the subjects of the axioms left out."""
    triples = list(ox.parse(path=str(VOCAB / f"{name}.nt"), format=ox.RdfFormat.N_TRIPLES))
    bad = {t.subject for t in triples if t.predicate.value == RDF + "first" and t.object.value in NOT_OWL2}
    grew = True
    while grew:  # the list cells and unions that hold them
        grew = False
        for t in triples:
            if t.predicate.value in (RDF + "rest", "http://www.w3.org/2002/07/owl#unionOf") \
                    and t.object in bad and t.subject not in bad:
                bad.add(t.subject)
                grew = True
    dropped = [t for t in triples if (t.predicate.value == "http://www.w3.org/2000/01/rdf-schema#range"
                                      and (t.object.value in NOT_OWL2 or t.object in bad))
               or (t.subject.value, t.predicate.value, t.object.value) in NOT_DL]
    kept = [t for t in triples if t not in dropped and t.predicate.value != IMPORTS]
    return "".join(f"{t} .\n" for t in kept), sorted(t.subject.value for t in dropped)


def vocabularies() -> str:
    text = "".join(dl_subset(name)[0] for name in VOCABULARIES)
    for dt in GEOSPARQL_DATATYPES:
        text += (f"<http://www.opengis.net/ont/geosparql#{dt}> <http://www.w3.org/2002/07/owl#equivalentClass> "
                 f"<{XSD}string> .\n")
    return text


class ReasonerRefused(Exception):
    """HermiT could not load the ontology (outside OWL 2 DL, e.g. a literal of a non-OWL-2 datatype)."""


def hermit(folder: Path, *args: str) -> str:
    graph = folder / "graph-and-vocabularies.nt"
    cmd = [owlready2.JAVA_EXE, "-Xmx2000M", "-cp", f"{HERMIT}:{HERMIT / 'HermiT.jar'}",
           "org.semanticweb.HermiT.cli.CommandLine", *args, graph.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        if "InconsistentOntologyException" in done.stderr:
            return "owl#Thing is not satisfiable (inconsistent ontology)"
        raise ReasonerRefused(" ".join(line.strip() for line in done.stderr.splitlines()
                                       if line.strip() and not line.strip().startswith("at "))[:2000])
    return done.stdout


def reason(graph_nt: str, folder: Path) -> bool:
    """Load the graph with the vocabularies into HermiT: is it consistent? (raises ReasonerRefused)"""
    graph_nt = graph_nt.replace("^^" + WKT + " .", f"^^<{XSD}string> .")
    (folder / "graph-and-vocabularies.nt").write_text(graph_nt + vocabularies(), encoding="utf-8")
    out = hermit(folder, "-k")
    assert "owl#Thing is" in out, out
    return "owl#Thing is satisfiable" in out


def test_only_the_four_known_vocabulary_axioms_are_left_out():
    assert dl_subset("dcat")[1] == ["http://www.w3.org/ns/dcat#keyword", "http://www.w3.org/ns/dcat#temporalResolution"]
    assert dl_subset("vcard")[1] == ["http://www.w3.org/2006/vcard/ns#anniversary", "http://www.w3.org/2006/vcard/ns#bday"]
    assert all(not dl_subset(name)[1] for name in ("skos", "prov", "geo", "org"))


def test_real_graph_is_consistent_with_the_vocabularies_it_uses(real_dist, tmp_path):
    graph = (real_dist / "pcmh-kg.nt").read_text(encoding="utf-8")
    assert reason(graph, tmp_path)
    hermit(tmp_path, "-c", "-o", str(tmp_path / "taxonomy.txt"))
    taxonomy = (tmp_path / "taxonomy.txt").read_text()
    assert "https://w3id.org/pcmh-kg/ontology#Guide" in taxonomy  # our classes were classified ...
    assert "owl#Nothing" not in taxonomy  # ... and none (nor any vocabulary's) is unsatisfiable


def test_fixture_graph_with_every_kind_of_change_and_status_is_consistent(tmp_path):
    """The fixture has what the real data may not yet: a split-free chain of successions, a dissolution,
    running and ended statuses (a change event's sources once made the graph inconsistent: see
    dcterms:source in the ontology)."""
    from fixture_graph import write_fixture

    from pcmh_kg.build import pipeline as build

    build.build(write_fixture(tmp_path / "data"), tmp_path / "dist", shacl=False)
    assert reason((tmp_path / "dist" / "pcmh-kg.nt").read_text(encoding="utf-8"), tmp_path)


def test_a_language_tagged_vcard_role_makes_the_graph_inconsistent(real_dist, tmp_path):
    """The check bites: vCard gives vcard:role the range xsd:string, which a tagged literal is not."""
    role = "<http://www.w3.org/2006/vcard/ns#role>"
    lines = (real_dist / "pcmh-kg.nt").read_text(encoding="utf-8").splitlines(True)
    i = next(n for n, line in enumerate(lines) if f" {role} " in line)
    assert lines[i].rstrip().endswith('" .')  # a plain string, as emitted
    lines[i] = lines[i].rstrip()[:-2] + "@en .\n"
    assert not reason("".join(lines), tmp_path)


def test_a_year_typed_as_xsd_gyear_on_a_datatype_property_cannot_be_loaded(real_dist, tmp_path):
    """Why pcmh:startYear is an integer: xsd:gYear is not an OWL 2 datatype, and HermiT refuses it."""
    graph = (real_dist / "pcmh-kg.nt").read_text(encoding="utf-8")
    graph += ('<https://w3id.org/pcmh-kg/case/x> <https://w3id.org/pcmh-kg/ontology#startYear> '
              f'"2016"^^<{XSD}gYear> .\n')
    with pytest.raises(ReasonerRefused, match="gYear"):
        reason(graph, tmp_path)
