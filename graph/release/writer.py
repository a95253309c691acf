"""`pcmh-kg release VERSION`: a frozen, citable copy of the graph in releases/VERSION/.

The data is built (public profile, shapes checked) into a temporary folder beside the release,
the release's files are written there, and the folder is renamed into place only when complete:
a failed release leaves nothing behind, and an existing release is never written over (released
IRIs and files never change). SHA256SUMS is written last; a folder without it is no release.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import itertools
import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox

from pcmh_kg import resources
from pcmh_kg.build import fragments, outdir
from pcmh_kg.build import pipeline as build
from pcmh_kg.model.vocab import DCAT, DCTERMS, OWL, PROV, RDF, VOID, XSD, Minter
from pcmh_kg.query import catalogue, examples
from pcmh_kg.release import changelog, citation, crate, describe, versions
from pcmh_kg.release.versions import ReleaseMinter
from pcmh_kg.sinks import formats, registry
from pcmh_kg.triples.terms import iri, text, typed

CHUNK = 50_000  # triples per fragment when the dumps are rewritten: bounded memory at any size
COPIED = ("context.jsonld", "shapes.ttl")
SUMS = "SHA256SUMS"


class ReleaseError(Exception):
    pass


def cut(version: str, data_dir: Path, releases: Path, *, out: Path | None = None, base: str | None = None,
        issued: str | None = None, log=None) -> Path:
    """Write release `version` to `out` (default releases/VERSION); returns the folder."""
    say = log or (lambda msg: None)
    m = ReleaseMinter(base, version)
    issued = _issued(issued)
    releases = Path(releases)
    out = Path(out) if out is not None else releases / version
    if out.exists() or out.is_symlink():
        raise ReleaseError(f"{out} already exists: a release is never written over (released IRIs and files "
                           f"never change); cut a new version, e.g. {version}.1")
    done = versions.released(releases)
    if done and versions.key(version) <= versions.key(done[-1]):
        raise ReleaseError(f"{version} does not come after the newest release in {releases}, {done[-1]}")
    previous = done[-1] if done else None
    with outdir.Staging(out) as stage:
        say(f"building {data_dir} (public profile, shapes checked) ...")
        built = build.build(Path(data_dir), stage.path / "build", base=base, profile="public", shacl=True,
                            cache_dir=None, log=log)
        folder = stage.path / "release"
        folder.mkdir()
        say(f"writing release {version} ...")
        write(built.out, folder, m, issued, previous, releases)
        stage.place(folder)  # atomic; fails rather than merge if `out` appeared meanwhile
    return out


def _issued(value: str | None) -> str:
    if value is None:
        return datetime.date.today().isoformat()
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise ReleaseError(f"--issued {value!r} is not a date such as 2026-12-15") from None


def write(build_dir: Path, folder: Path, m: ReleaseMinter, issued: str, previous: str | None,
          releases: Path) -> None:
    """Every file of the release, from a finished build; SHA256SUMS last."""
    stats, sizes = _dumps(build_dir, folder, m, issued, previous)
    _gzip(folder / registry.LOAD_DUMP, folder / registry.COMPRESSED_DUMP)
    for name in COPIED:
        shutil.copyfile(build_dir / name, folder / name)
    (folder / "ontology.ttl").write_text(_versioned_ontology(m.version, previous), encoding="utf-8")
    sums = {name: _sha256(folder / name) for name in (*registry.DUMP_FILES.values(), registry.COMPRESSED_DUMP)}
    void = build.void_triples(m, _void_examples(build_dir / "void.ttl", m), stats, sizes)
    void += describe.release_triples(m, issued, previous, sums, (folder / registry.COMPRESSED_DUMP).stat().st_size)
    (folder / "void.ttl").write_bytes(formats.turtle_document(_by_subject(void)))
    (folder / "sparql-examples.ttl").write_bytes(examples.examples_turtle(catalogue.load_catalogue(), Minter(m.base)))
    changelog.write_release_changes(folder, m, issued, previous, releases)
    summary = json.loads((build_dir / "build.json").read_text())
    summary.update(triples=stats.triples, release={"version": m.version, "issued": issued, "iri": m.dataset,
                                                   "previous": previous})
    (folder / "build.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    (folder / "CITATION.cff").write_text(citation.citation(m, issued), encoding="utf-8")
    files = {p.name: (p.stat().st_size, _sha256(p)) for p in sorted(folder.iterdir())}
    names = [*files, crate.METADATA]
    files[SUMS] = (sum(64 + 2 + len(n.encode()) + 1 for n in names), None)  # its size is known before its sums
    (folder / crate.METADATA).write_text(crate.crate(m, issued, files), encoding="utf-8")
    lines = [f"{_sha256(folder / n)}  {n}\n" for n in sorted(names)]
    (folder / SUMS).write_text("".join(lines), encoding="utf-8")
    for p in folder.iterdir():
        os.chmod(p, 0o444)


def _dumps(build_dir: Path, folder: Path, m: ReleaseMinter, issued: str, previous: str | None):
    """The build's graph with the release's version triples, written every way by the dumps' writer.

    Streamed from the build's N-Triples dump in fragments of about CHUNK triples, in the dump's
    order (a fragment ends where a subject's run of triples does), so a release of 100k cases
    never holds its graph: it held all 4M triples as tuples. The dumps are then laid out as the
    build's own (an organisation's change triples follow the framework's other statements)."""
    parsed = ox.parse(path=str(build_dir / registry.LOAD_DUMP), format=ox.RdfFormat.N_TRIPLES)
    graph = itertools.chain(_versioned(formats.oxigraph_triples(parsed), m, previous),
                            _release_chunk(m, issued, previous))
    writer = fragments.DumpWriter(folder)
    try:
        chunk: list[tuple] = []
        for t in graph:
            if len(chunk) >= CHUNK and t[0] != chunk[-1][0]:
                writer.add(fragments.make(chunk))
                chunk = []
            chunk.append(t)
        if chunk:
            writer.add(fragments.make(chunk))
        stats = writer.stats
        return stats, writer.close()
    except BaseException:
        writer.abort()
        raise


def _versioned(graph, m: ReleaseMinter, previous: str | None):
    """The ontology's owl:versionIRI and owl:versionInfo become the release's; owl:priorVersion
    names the previous release's ontology."""
    for s, p, o in graph:
        if s == versions.ONTOLOGY and p == OWL + "versionIRI":
            yield s, p, iri(versions.ontology_version(m.version))
            if previous is not None:
                yield s, OWL + "priorVersion", iri(versions.ontology_version(previous))
        elif s == versions.ONTOLOGY and p == OWL + "versionInfo":
            yield s, p, text(m.version, None)
        else:
            yield s, p, o


def _release_chunk(m: ReleaseMinter, issued: str, previous: str | None) -> list[tuple]:
    """The release in the graph itself, so a store it is loaded into can say which release it holds."""
    ds = m.dataset
    out = [(ds, RDF + "type", iri(DCAT + "Dataset")), (ds, RDF + "type", iri(VOID + "Dataset")),
           (ds, DCTERMS + "title", text(f"{citation.TITLE}, release {m.version}")),
           (ds, DCAT + "version", text(m.version, None)), (ds, DCTERMS + "issued", typed(issued, XSD + "date")),
           (ds, DCTERMS + "isVersionOf", iri(m.living))]
    if previous is not None:
        out.append((ds, PROV + "wasRevisionOf", iri(ReleaseMinter(m.base, previous).dataset)))
    return out


def _versioned_ontology(version: str, previous: str | None) -> str:
    """ontology/pcmh.ttl with the release's version lines, its comments kept."""
    src = (resources.ontology_dir() / "pcmh.ttl").read_text(encoding="utf-8")
    lines, hits = [], 0
    for line in src.splitlines(True):
        stripped = line.strip()
        if stripped.startswith("owl:versionIRI "):
            hits += 1
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(f"{indent}owl:versionIRI <{versions.ontology_version(version)}> ;\n")
            if previous is not None:
                lines.append(f"{indent}owl:priorVersion <{versions.ontology_version(previous)}> ;\n")
        elif stripped.startswith("owl:versionInfo "):
            hits += 1
            lines.append(line[: len(line) - len(line.lstrip())] + f'owl:versionInfo "{version}" ;\n')
        else:
            lines.append(line)
    if hits != 2:
        raise ReleaseError("ontology/pcmh.ttl must state owl:versionIRI and owl:versionInfo once each, "
                           "one per line ending in ';'")
    return "".join(lines)


def _void_examples(void_ttl: Path, m: Minter) -> SimpleNamespace:
    """What the VoID writer takes from the data (the guide, a theme and a case to name as examples),
    read back from the build's own VoID."""
    found = {"guide": [], "theme": [], "case": []}
    for t in ox.parse(path=str(void_ttl), format=ox.RdfFormat.TURTLE):
        if t.predicate.value in (VOID + "exampleResource", DCTERMS + "source"):
            kind, _, ident = t.object.value.removeprefix(m.base).partition("/")
            if kind in found:
                found[kind].append({"id": ident})
    return SimpleNamespace(guide=found["guide"][0], themes=found["theme"], cases=found["case"])


def _by_subject(triples: list[tuple]) -> list[tuple]:
    groups: dict = {}
    for t in triples:
        groups.setdefault(t[0], []).append(t)
    return [t for group in groups.values() for t in group]


def _gzip(source: Path, target: Path) -> None:
    """The N-Triples dump gzipped, as partners' bulk loaders take it: about a tenth of the size.
    No name or time in the header, so the same dump gives the same bytes (with the same zlib)."""
    with open(source, "rb") as src, open(target, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as out:
        shutil.copyfileobj(src, out, 1 << 20)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
