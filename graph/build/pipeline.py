"""From the data directory to dist/: one graph, written as Turtle, N-Triples, JSON-LD and RDF/XML
with a VoID + DCAT description, all or nothing.

The graph is written as chunks in a fixed order (CHUNK_ORDER: framework, cases by file name, web
sources, query catalogue, ontology), so the same input gives byte-identical files. Worker
processes (workers.py) read, check and serialise runs of case files into segment files; this
process checks what needs the whole directory and splices the segments into the dumps (in a
rebuild, also the unchanged cases' bytes from the previous dumps, rebuild.py). The new dist/ is
written into a staging folder beside the old one and swapped in only when complete (outdir.py):
a failed or killed build leaves the previous dist/ as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from pcmh_kg import resources
from pcmh_kg.build import fragments, outdir, rebuild, shapes, violations, workers
from pcmh_kg.model.problems import InvalidInput
from pcmh_kg.model.vocab import DCAT, DCTERMS, LICENSE, PREFIXES, PROV, RDF, RDFS, VOID, XSD, Minter
from pcmh_kg.sinks import formats, jsonld, registry
from pcmh_kg.sources import loader, yamlio
from pcmh_kg.triples import emit
from pcmh_kg.triples.terms import Lines, integer, iri, text, typed

CHUNK_ORDER = ("framework", "cases", "sources", "catalogue", "ontology")
"""The graph's chunks in the order the dumps hold them, for the build and graph_chunks alike: the
SHACL check in parts relies on the framework coming first and the cases next (graph/build/shapes.py)."""
NT = fragments.KINDS.index("nt")
OWNED = set(registry.DUMP_FILES.values()) | {"context.jsonld", "void.ttl", "ontology.ttl", "shapes.ttl", "build.json"}


@dataclass
class BuildResult:
    out: Path
    triples: int
    classes: Counter
    cases: int
    timings: dict = field(default_factory=dict)
    shacl: str = "skipped"
    shacl_reused_bytes: int = 0  # N-Triples of unchanged chunks not checked again (passed last time)


def ontology_triples() -> list[tuple]:
    """The ontology itself travels with the data, so a partner's store gets labels and definitions."""
    triples = ox.parse(path=str(resources.ontology_dir() / "pcmh.ttl"), format=ox.RdfFormat.TURTLE)
    return formats.from_oxigraph(triples)


def catalogue_triples(m: Minter, cache_dir: Path | None = None) -> list[tuple]:
    from pcmh_kg.query import catalogue  # the query catalogue is optional until queries/ has files

    return catalogue.catalogue_triples(catalogue.load_catalogue(cache_dir=cache_dir), m)


def catalogue_fragment(base: str, cache_dir: Path | None) -> fragments.Fragment:
    """The query catalogue's chunk, made by a worker while the cases stream in when there are
    workers: on a cold cache, parsing the queries (rdflib's import included) takes ~0.6 s, which
    would otherwise come after the last case, on one core."""
    return fragments.make(catalogue_triples(Minter(base), cache_dir))


def graph_chunks(data: loader.Data, m: Minter) -> list[list[tuple]]:
    """The whole graph as chunks of triples, in the order the build writes them (CHUNK_ORDER)."""
    made = {
        "framework": lambda: [emit.framework_triples(data, m)],
        "cases": lambda: data.case_triples,
        "sources": lambda: [emit.source_triples(data.sources.values())],
        "catalogue": lambda: [catalogue_triples(m)],
        "ontology": lambda: [ontology_triples()],
    }
    return [chunk for step in CHUNK_ORDER for chunk in made[step]()]


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
        add_distribution(add, m.dump(fmt.dump), fmt.media_type, sizes[fmt.dump])
    return t.triples


def add_distribution(add, d: str, media_type: str, size, compressed: str | None = None) -> None:
    """One dcat:Distribution of the dumps (a build's, or a release's, which adds the gzipped one)."""
    add(d, RDF + "type", iri(DCAT + "Distribution"))
    add(d, DCTERMS + "title", text(f"pcmh-kg dump ({media_type}{', ' + compressed if compressed else ''})"))
    add(d, DCAT + "downloadURL", iri(d))
    add(d, DCAT + "mediaType", iri(registry.IANA_MEDIA_TYPES + media_type))
    if compressed:
        add(d, DCAT + "compressFormat", iri(registry.IANA_MEDIA_TYPES + "application/" + compressed))
    add(d, DCAT + "byteSize", typed(str(size), XSD + "nonNegativeInteger"))
    add(d, DCTERMS + "license", iri(LICENSE))


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
    pool = workers.Workers(len(paths))
    try:
        with yamlio.paused_gc():  # 100k slim case records, none cyclic: collection passes are waste
            run = _Build(check, pool, paths, Path(data_dir), Path(out), base=base, profile=profile,
                         say=log or (lambda msg: None))
            return run.run(cache_dir)
    finally:
        pool.close()
        if check is not None:
            check.cancel()


class _Build:
    """One build: the chunks written in CHUNK_ORDER into a staging folder (a method per chunk),
    the files that describe them, the shapes' verdict, then the swap into place."""

    def __init__(self, check, pool: workers.Workers, paths: list[Path], data_dir: Path, out: Path, *,
                 base, profile: str, say):
        self.check, self.pool, self.paths, self.data_dir, self.out = check, pool, paths, data_dir, out
        self.m, self.profile, self.say = Minter(base), profile, say
        self.timings: dict = {}
        self.t0 = time.perf_counter()
        self.marks: dict = {}  # where the framework and the cases end in the N-Triples dump
        self.fresh: dict[str, rebuild.Entry] = {}  # this build's index entries
        self.old = None
        self.shacl_basis = None  # set when the shapes are checked (shapes.basis)
        self.checked_before = False  # the last build's shapes check passed on the same basis
        self.catalogue = None  # the catalogue's chunk, or a worker's promise of it

    def run(self, cache_dir: Path | None) -> BuildResult:
        self.cache_dir = cache_dir
        self.say("reading and validating data ...")
        self.fw, self.problems = loader.load_framework(self.data_dir)
        self.index = rebuild.RebuildIndex(cache_dir, self.data_dir, self.out, self.m.base, self.profile)
        with outdir.Staging(self.out) as stage:
            self.tmp = stage.path
            self.writer = fragments.DumpWriter(self.tmp)
            self.segments = fragments.Segments(self.tmp / ".segments")
            try:
                self.old = self.index.open_previous()
                self.sources = SourceChunks(self.pool, self.fw.data.sources.values(),
                                            self.index.sources if self.old else None)
                for step in CHUNK_ORDER:
                    getattr(self, f"_write_{step}")()
                sizes = self._finish_dumps()
                result = self._describe(sizes)
            finally:
                self.writer.abort()
                self.segments.close()
                self.index.close_previous(self.old)
            _keep_unowned(self.out, self.tmp)
            stage.swap_in()
        self.index.save(self.fresh, sizes, self.source_chunk, self.shacl_basis,
                        self.check.rest_digest if self.check is not None else None)
        self.timings["total"] = time.perf_counter() - self.t0
        return result

    def _write_framework(self) -> None:
        if self.problems:
            return  # the cases are still checked, so that every problem is listed
        framework = fragments.make(emit.framework_triples(self.fw.data, self.m))
        self.writer.add(framework)
        self.marks["framework_end"] = self.writer.pos["nt"]
        if self.check is not None:
            self.check.open(self.tmp / fragments.FILES["nt"], self.marks["framework_end"], self.m.case(""))
            self.shacl_basis = shapes.basis(framework.parts["nt"], self.m.case(""))

    def _unchanged(self) -> list[rebuild.Entry | None]:
        """The previous build's entry of each case file (in the order of self.paths) that is as it
        was then, else None; a list, not a dict by path: hashing 100k Paths three times cost a
        rebuild ~0.4 s."""
        if not self.old:
            return [None] * len(self.paths)
        return [self.index.unchanged(path) for path in self.paths]

    def _write_cases(self) -> None:
        """Each case checked against the framework and copied into the dumps, from the previous
        dumps if unchanged, else from the segment its worker wrote; after the first problem,
        only checked."""
        reused = self._unchanged()
        todo = [path for path, entry in zip(self.paths, reused) if entry is None]
        self.say(f"  {len(self.paths) - len(todo)} unchanged case files reused, {len(todo)} to read")
        pool = self.pool.get() if len(todo) >= workers.PARALLEL_THRESHOLD else None
        if pool is not None:  # first in the queue: a worker makes it while the other starts on the cases
            self.catalogue = pool.apply_async(catalogue_fragment, (self.m.base, self.cache_dir))
        made = workers.iter_cases(todo, self.m.base, self.profile, segments=self.segments.folder, pool=pool,
                                  progress=lambda n, total: self.say(f"  cases {n}/{total}"))
        shared_stats: dict = {}
        # unchanged cases need no new shapes check if the last one passed on the same basis
        self.checked_before = checked_before = (self.shacl_basis is not None
                                                and self.shacl_basis == self.index.shacl_basis)
        for path, entry in zip(self.paths, reused):
            if entry is None:
                result = next(made)
                assert result.path == path
                if result.problems:
                    self.problems.extend(result.problems)
                    continue
                run, placed = result.placed.run, result.placed
                entry = rebuild.Entry(placed.stamp, result.case, placed.where, _shared(placed.stats, shared_stats))
            else:
                run = None  # its bytes are in the previous dumps
            self.problems.extend(self.fw.case_problems(path, entry.case))
            self.sources.add(self.fw.add_case(entry.case))
            if self.problems:
                continue  # keep checking, stop writing
            source = self.old if run is None else self.segments.open(run, self.writer)
            where = self.writer.copy(source, entry.where, entry.stats)
            self.fresh[path.name] = entry._replace(where=where)
            if self.check is None:
                continue
            if run is None and checked_before:
                start, length = fragments.offset_length(where, NT)
                self.check.skip(start, start + length)
            else:
                self.check.feed(self.writer.pos["nt"])  # written up to there (copies are flushed run by run)
        if self.problems:
            raise InvalidInput(self.problems)
        self.timings["load_validate_serialise"] = time.perf_counter() - self.t0
        self.t1 = time.perf_counter()
        self.say(f"writing dumps ({len(self.fw.data.cases)} cases) ...")
        self.writer.flush()
        self.marks["cases_end"] = self.writer.pos["nt"]

    def _write_sources(self) -> None:
        self.source_chunk = self.sources.write(self.writer, self.old)
        if self.catalogue is not None:
            self.catalogue = self.catalogue.get()  # long done: it was the workers' first task
        self.pool.close()  # the last chunk the workers serialise
        self.writer.flush()  # copies from the previous dumps are counted once written
        self.marks["sources_end"] = self.writer.pos["nt"]

    def _write_catalogue(self) -> None:
        self.writer.add(self.catalogue or catalogue_fragment(self.m.base, self.cache_dir))

    def _write_ontology(self) -> None:
        self.writer.add(fragments.make(ontology_triples()))

    def _finish_dumps(self) -> dict:
        """Close the dumps (the shapes check takes the rest from there) and write the files that
        go with them; returns the dumps' sizes."""
        sizes = self.writer.close()
        if self.check is not None:
            rest_passed = self.index.shacl_rest if self.checked_before else None
            self.check.finish(self.marks["cases_end"], self.marks["sources_end"], sizes[fragments.FILES["nt"]],
                              rest_passed)  # checks while we write
        self.segments.close()
        (self.tmp / "context.jsonld").write_text(json.dumps(jsonld.context(), indent=2) + "\n")
        (self.tmp / "void.ttl").write_bytes(formats.turtle_document(void_triples(self.m, self.fw.data,
                                                                                 self.writer.stats, sizes)))
        shutil.copyfile(resources.ontology_dir() / "pcmh.ttl", self.tmp / "ontology.ttl")
        shutil.copyfile(resources.ontology_dir() / "shapes.ttl", self.tmp / "shapes.ttl")
        self.timings["write"] = time.perf_counter() - self.t1
        return sizes

    def _describe(self, sizes: dict) -> BuildResult:
        """Wait for the shapes' verdict (raising on violations), then write build.json."""
        shacl_report = "skipped" if self.profile == "public" else "skipped (full profile)"
        if self.check is not None:
            t2 = time.perf_counter()
            self.say("checking SHACL shapes ...")
            results = self.check.results()
            self.timings["shacl_wait"] = time.perf_counter() - t2
            if results:
                raise InvalidInput(violations.problems(results, self.data_dir, self.m))
            shacl_report = "conforms"
        stats = self.writer.stats
        counts = Counter(dict(stats.types))
        summary = {
            "base": self.m.base,
            "profile": self.profile,
            "triples": stats.triples,
            "cases": len(self.fw.data.cases),
            "classes": dict(sorted(counts.items())),
            "shacl": shacl_report,
            "nt_parts": {**self.marks, "bytes": sizes[fragments.FILES["nt"]]},
        }
        (self.tmp / "build.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        reused = self.check.skipped if self.check is not None else 0
        return BuildResult(self.out, stats.triples, counts, len(self.fw.data.cases), self.timings, shacl_report, reused)


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


def _keep_unowned(out: Path, new: Path) -> None:
    """Files in `out` that the build does not own (explorer.html) move on into the new output."""
    if not out.is_dir():
        return
    for item in out.iterdir():
        if item.name not in OWNED and not (new / item.name).exists():
            if item.is_dir():
                shutil.copytree(item, new / item.name)
            else:
                shutil.copy2(item, new / item.name)
