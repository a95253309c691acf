"""From the data directory to dist/: one graph, written as Turtle, N-Triples, JSON-LD and RDF/XML
with a VoID + DCAT description, all or nothing.

The graph is written as chunks in a fixed order (framework, cases by file name, web sources,
query catalogue, ontology), so the same input gives byte-identical files. Worker processes read,
check and serialise runs of case files into segment files; this process checks what needs the
whole directory and splices the segments into the dumps (in a rebuild, also the unchanged cases'
bytes from the previous dumps). The new dist/ is written beside the old one and swapped in only
when complete: a failed build leaves the previous dist/ as it was.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import platform
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from pcmh_kg import resources
from pcmh_kg.build import fragments, shapes, violations
from pcmh_kg.model.problems import InvalidInput
from pcmh_kg.model.vocab import DCAT, DCTERMS, LICENSE, PREFIXES, PROV, RDF, RDFS, VOID, XSD, Minter
from pcmh_kg.sinks import formats, jsonld, registry
from pcmh_kg.sources import loader, yamlio
from pcmh_kg.triples import emit
from pcmh_kg.triples.emit import Lines, integer, iri, text, typed

OWNED = set(registry.DUMP_FILES.values()) | {"context.jsonld", "void.ttl", "ontology.ttl", "shapes.ttl", "build.json"}


@dataclass
class BuildResult:
    out: Path
    triples: int
    classes: Counter
    cases: int
    timings: dict = field(default_factory=dict)
    shacl: str = "skipped"


def ontology_triples() -> list[tuple]:
    """The ontology itself travels with the data, so a partner's store gets labels and definitions."""
    triples = ox.parse(path=str(resources.ontology_dir() / "pcmh.ttl"), format=ox.RdfFormat.TURTLE)
    return formats.from_oxigraph(triples)


def catalogue_triples(m: Minter, cache_dir: Path | None = None) -> list[tuple]:
    from pcmh_kg.query import catalogue  # the query catalogue is optional until queries/ has files

    return catalogue.catalogue_triples(catalogue.load_catalogue(cache_dir=cache_dir), m)


def graph_chunks(data: loader.Data, m: Minter) -> list[list[tuple]]:
    """The whole graph as chunks of triples, in the order the build writes them."""
    return [emit.framework_triples(data, m), *data.case_triples, emit.source_triples(data.sources.values()),
            catalogue_triples(m), ontology_triples()]


def graph_ntriples(data: loader.Data, m: Minter) -> bytes:
    return "".join(formats.ntriples(chunk) for chunk in graph_chunks(data, m)).encode("utf-8")


def void_triples(m: Minter, data: loader.Data, stats, sizes: dict) -> list[tuple]:
    counts = stats.types
    t = Lines()
    add = t.add
    ds = m.dataset
    add(ds, RDF + "type", iri(VOID + "Dataset"))
    add(ds, RDF + "type", iri(DCAT + "Dataset"))
    add(ds, DCTERMS + "title", text("pcmh-kg: primary care mental health practice"))
    add(ds, RDFS + "label", text("pcmh-kg: primary care mental health practice"))
    add(ds, DCTERMS + "description", text(
        "A knowledge graph of the themes and lessons of 'A commissioner's guide to primary care "
        "mental health' (London Mental Health Strategic Clinical Network, July 2014) and of "
        "publicly documented case studies that evidence them, with tags, places, organisations "
        "and public contact points."))
    add(ds, DCTERMS + "license", iri(LICENSE))
    add(ds, DCTERMS + "publisher", iri(m.developers))  # an agent (described in the graph), not a name
    add(ds, DCTERMS + "source", iri(m.guide(data.guide["id"])))
    add(ds, DCTERMS + "conformsTo", iri("https://w3id.org/pcmh-kg/ontology"))
    add(ds, PROV + "wasAttributedTo", iri(m.curators))
    add(ds, VOID + "uriSpace", text(m.base, None))
    add(ds, VOID + "triples", integer(stats.triples))
    add(ds, VOID + "distinctSubjects", integer(stats.subjects))
    add(ds, VOID + "classes", integer(len(counts)))
    add(ds, VOID + "properties", integer(len(stats.predicates)))
    add(ds, VOID + "sparqlEndpoint", iri(m.base + "sparql"))
    for ns in sorted(set(PREFIXES.values())):
        add(ds, VOID + "vocabulary", iri(ns))
    examples = [m.lesson(1), m.theme(data.themes[0]["id"]) if data.themes else None]
    if data.cases:
        examples.append(m.case(data.cases[0]["id"]))
    for ex in filter(None, examples):
        add(ds, VOID + "exampleResource", iri(ex))
    for cls in sorted(counts):
        part = f"{ds}/class/{_slug_of_iri(cls)}"
        add(ds, VOID + "classPartition", iri(part))
    for fmt in registry.FORMATS:
        add(ds, VOID + "dataDump", iri(m.dump(fmt.dump)))
        add(ds, DCAT + "distribution", iri(m.dump(fmt.dump)))
    for cls, n in sorted(counts.items()):
        part = f"{ds}/class/{_slug_of_iri(cls)}"
        add(part, RDF + "type", iri(VOID + "Dataset"))
        add(part, VOID + "class", iri(cls))
        add(part, VOID + "entities", integer(n))
    for fmt in registry.FORMATS:
        d = m.dump(fmt.dump)
        add(d, RDF + "type", iri(DCAT + "Distribution"))
        add(d, DCTERMS + "title", text(f"pcmh-kg dump ({fmt.media_type})"))
        add(d, DCAT + "downloadURL", iri(d))
        add(d, DCAT + "mediaType", iri(f"https://www.iana.org/assignments/media-types/{fmt.media_type}"))
        add(d, DCAT + "byteSize", typed(sizes[fmt.dump], XSD + "nonNegativeInteger"))
        add(d, DCTERMS + "license", iri(LICENSE))
    return t.triples


def _slug_of_iri(value: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda x: -len(x[1])):
        if value.startswith(ns):
            return f"{prefix}-{value[len(ns):]}"
    return "".join(ch if ch.isalnum() else "-" for ch in value)


def build(data_dir: Path, out: Path, *, base: str | None = None, profile: str = "public",
          shacl: bool = True, cache_dir: Path | None = None, log=None) -> BuildResult:
    """Validate, build, check the shapes and write every dump; raise (leaving `out` untouched) on
    any failure. The shapes are for the public export (the full profile has what they forbid)."""
    Minter(base)  # a bad base IRI is refused before any process starts
    check = shapes.ShapesCheck() if profile == "public" and shacl else None
    paths = loader.case_paths(data_dir)
    workers = loader.Workers(len(paths))
    try:
        with yamlio.paused_gc():  # 100k slim case records, none cyclic: collection passes are waste
            return _build(check, workers, paths, Path(data_dir), Path(out), base=base, profile=profile,
                          cache_dir=cache_dir, say=log or (lambda msg: None))
    finally:
        workers.close()
        if check is not None:
            check.cancel()


def _build(check, workers, paths: list[Path], data_dir: Path, out: Path, *, base, profile, cache_dir, say) -> BuildResult:
    m = Minter(base)
    timings = {}
    t0 = time.perf_counter()
    say("reading and validating data ...")
    fw, problems = loader.load_framework(data_dir)
    data = fw.data
    index = RebuildIndex(cache_dir, data_dir, out, m.base, profile)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    writer = fragments.DumpWriter(tmp)
    segments = fragments.Segments(tmp / ".segments")
    old = index.open_previous()
    try:
        if not problems:
            writer.add(fragments.make(emit.framework_triples(data, m)))
            framework_end = writer.pos["nt"]
            if check is not None:
                check.open(tmp / fragments.FILES["nt"], framework_end, m.case(""))
        fresh: dict = {}
        shared_stats: dict = {}
        sources = SourceChunks(workers, data.sources.values(), index.sources if old else None)
        todo, reused = paths, {}
        if old:
            todo = []
            for path in paths:
                st = path.stat()
                hit = index.lookup(path, st)
                if hit is None:
                    todo.append(path)
                else:
                    reused[path] = (*hit, (st.st_mtime_ns, st.st_size))
        say(f"  {len(reused)} unchanged case files reused, {len(todo)} to read")
        pool = workers.get() if len(todo) >= loader.PARALLEL_THRESHOLD else None
        made = loader.iter_cases(todo, m.base, profile, segments=segments.folder, pool=pool,
                                 progress=lambda n, total: say(f"  cases {n}/{total}"))
        for path in paths:
            if path in reused:
                case, where, stats, stamp = reused[path]
                source, found = old, []
            else:
                got, case, payload, found = next(made)
                assert got == path
            if found:
                problems.extend(found)
                continue
            problems.extend(fw.case_problems(path, case))
            sources.add(fw.add_case(case))
            if problems:
                continue  # keep checking, stop writing
            if path not in reused:
                seq, where, stats, stamp = payload
                source = segments.open(seq, writer)
                stats = _shared(stats, shared_stats)
            where = writer.copy(source, where, stats)
            if check is not None:
                check.feed(writer.pos["nt"])  # written up to there (copies are flushed run by run)
            fresh[str(path)] = (*stamp, case, where, stats)
        if problems:
            raise InvalidInput(problems)
        timings["load_validate_serialise"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        say(f"writing dumps ({len(data.cases)} cases) ...")
        writer.flush()
        cases_end = writer.pos["nt"]
        source_chunk = sources.write(writer, old)
        for chunk in (catalogue_triples(m, cache_dir), ontology_triples()):
            writer.add(fragments.make(chunk))
        sizes = writer.close()
        if check is not None:
            check.finish(cases_end, sizes[fragments.FILES["nt"]])  # checks the rest while we write the rest
        segments.close()
        stats = writer.stats
        counts = Counter(dict(stats.types))
        (tmp / "context.jsonld").write_text(json.dumps(jsonld.context(), indent=2) + "\n")
        (tmp / "void.ttl").write_bytes(formats.turtle_document(void_triples(m, data, stats, sizes)))
        shutil.copyfile(resources.ontology_dir() / "pcmh.ttl", tmp / "ontology.ttl")
        shutil.copyfile(resources.ontology_dir() / "shapes.ttl", tmp / "shapes.ttl")
        timings["write"] = time.perf_counter() - t1

        shacl_report = "skipped" if profile == "public" else "skipped (full profile)"
        if check is not None:
            t2 = time.perf_counter()
            say("checking SHACL shapes ...")
            results = check.results()
            timings["shacl_wait"] = time.perf_counter() - t2
            if results:
                raise InvalidInput(violations.problems(results, data_dir, m))
            shacl_report = "conforms"
        summary = {
            "base": m.base,
            "profile": profile,
            "triples": stats.triples,
            "cases": len(data.cases),
            "classes": dict(sorted(counts.items())),
            "shacl": shacl_report,
            "nt_parts": {"framework_end": framework_end, "cases_end": cases_end, "bytes": sizes[fragments.FILES["nt"]]},
        }
        (tmp / "build.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        index.close_previous(old)
        old = None
        _swap(tmp, out)
    except BaseException:
        writer.abort()
        segments.close()
        index.close_previous(old)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    index.save(fresh, sizes, source_chunk)
    timings["total"] = time.perf_counter() - t0
    return BuildResult(out, stats.triples, counts, len(data.cases), timings, shacl_report)


class SourceChunks:
    """The web sources' chunk, in the order the data first cites them.

    In a cold build the workers serialise it in batches while the cases are still streaming in
    (at 100k cases, ~400k triples that would otherwise be written after the last case, on one
    core). In a rebuild, if the sources are the same as last time (by digest), their bytes are
    copied from the previous dumps like the unchanged cases'."""

    BATCH = 6000  # sources (~4 triples each)

    def __init__(self, workers, first, previous=None):
        self.workers = workers
        self.eager = previous is None
        self.previous = previous  # (digest, [(where, stats), ...]) of the previous build
        self.digest = hashlib.sha256()
        self.batch: list = []
        self.made: list = []
        self.add(list(first))

    def add(self, new: list[dict]) -> None:
        if not new:
            return
        for s in new:
            self.digest.update(repr((s["url"], s.get("title"), s.get("publisher"))).encode())
        self.batch.extend(new)
        if self.eager and len(self.batch) >= self.BATCH and self.workers.get() is not None:
            self._submit(self.batch)
            self.batch = []

    def _submit(self, sources: list) -> None:
        triples = emit.source_triples(sources)
        pool = self.workers.get() if len(sources) >= self.BATCH else None
        if pool is not None:
            self.made.append(pool.apply_async(fragments.make, (triples,)))
        else:
            self.made.append(_Done(fragments.make(triples)))

    def write(self, writer, old) -> tuple[str, list]:
        """Write the chunk; returns its digest and where its fragments landed, for the index."""
        digest = self.digest.hexdigest()
        if self.previous is not None and old is not None and self.previous[0] == digest:
            return digest, [(writer.copy(old, where, stats), stats) for where, stats in self.previous[1]]
        for i in range(0, len(self.batch), self.BATCH):
            self._submit(self.batch[i:i + self.BATCH])
        if not self.made:
            self._submit([])
        self.batch = []
        placed = []
        for result in self.made:
            fragment = result.get()
            placed.append((writer.add(fragment), fragment.stats))
        return digest, placed


class _Done:
    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


def _shared(stats, shared: dict):
    """One Stats object for all cases of the same shape (a small index, fast to save). A worker
    sends one object per shape and run, so the key is worked out once per object (by identity;
    the object is kept, so that its id is not reused)."""
    seen = shared.get(id(stats))
    if seen is not None and seen[0] is stats:
        return seen[1]
    canonical = shared.setdefault(stats.key(), stats)
    shared[id(stats)] = (stats, canonical)
    return canonical


class RebuildIndex:
    """Where each case's bytes sit in the previous dumps, so a rebuild copies unchanged cases.

    The previous dist/ is the cache: the index (in the cache folder) records, per case file, its
    mtime and size, its validated record, the offsets of its fragment in each dump file and its
    statistics; it is used only if the dumps are exactly those it describes and the code, base,
    profile and data folder are the same."""

    def __init__(self, cache_dir: Path | None, data_dir: Path, out: Path, base: str, profile: str):
        self.path = Path(cache_dir) / f"rebuild-{profile}.marshal" if cache_dir else None
        self.out = out
        self.key = (loader.code_fingerprint(), platform.python_version(), str(Path(data_dir).resolve()),
                    str(out.resolve()), base, profile)
        self.entries: dict = {}
        self.sources = None

    def open_previous(self):
        if not self.path or not self.path.exists():
            return None
        try:
            with open(self.path, "rb") as fh, yamlio.paused_gc():
                stored = marshal.loads(fh.read())  # marshal.load(fh) reads in small pieces: 20x slower
            if stored.get("key") != self.key:
                return None
            for name, size in stored["sizes"].items():
                if (self.out / name).stat().st_size != size:
                    return None
            shapes: dict = {}  # one Stats object per shape, as in the build that saved the index
            self.entries = {}
            for path, (mtime, size, case, where, key) in stored["entries"].items():
                stats = shapes.get(key) or shapes.setdefault(key, _stats_of(key))
                self.entries[path] = (mtime, size, case, where, stats)
            digest, placed = stored["sources"]
            self.sources = (digest, [(where, _stats_of(key)) for where, key in placed])
            return {k: open(self.out / fragments.FILES[k], "rb") for k in fragments.KINDS}
        except Exception:  # a damaged or stale cache is only a slower build
            self.entries = {}
            return None

    def lookup(self, path: Path, st) -> tuple | None:
        hit = self.entries.get(str(path))
        if hit and hit[0] == st.st_mtime_ns and hit[1] == st.st_size:
            return hit[2], hit[3], hit[4]
        return None

    @staticmethod
    def close_previous(files) -> None:
        for fh in (files or {}).values():
            fh.close()

    def save(self, entries: dict, sizes: dict, sources: tuple) -> None:
        """marshal, not pickle: 3x faster for these plain records (100k of them), and the key
        holds the Python version, whose marshal format it is."""
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys: dict = {}  # marshal writes a shared key once
        plain = {path: (mtime, size, case, where, keys.setdefault(id(stats), stats.key()))
                 for path, (mtime, size, case, where, stats) in entries.items()}
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            digest, placed = sources
            fh.write(marshal.dumps({
                "key": self.key, "sizes": sizes, "entries": plain,
                "sources": (digest, [(where, stats.key()) for where, stats in placed])}))
        os.replace(tmp, self.path)


def _stats_of(key: tuple) -> fragments.Stats:
    triples, subjects, types, predicates = key
    return fragments.Stats(triples, subjects, Counter(dict(types)), frozenset(predicates))


def _swap(new: Path, out: Path) -> None:
    """Replace `out` by `new`, keeping files in `out` that the build does not own (explorer.html)."""
    if out.exists():
        for item in out.iterdir():
            if item.name not in OWNED and not (new / item.name).exists():
                if item.is_dir():
                    shutil.copytree(item, new / item.name)
                else:
                    shutil.copy2(item, new / item.name)
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(new, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, out)
    os.chmod(out, 0o755)
