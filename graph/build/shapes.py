"""SHACL validation of the built graph against ontology/shapes.ttl, at every size.

The engine is pyshacl-turbo (a Rust SHACL engine with pyshacl's API): on the 10k synthetic
graph (417k triples) it checks the shapes in ~6 s where pyshacl over rdflib takes 63-93 s, and
the tests show the two agree result for result (tests/test_shapes.py). It is given N-Triples
text directly (an `Input`): handing it a pyoxigraph Store costs more, as it dumps the store to
N-Quads and parses that again.

Most of its time goes into loading the triples, and a 100k-case graph (4.2M triples) would need
several GB at once, so the dump is checked in parts (Stream), relying on how the build lays it
out (graph/build/fragments.py): the framework first, then the cases, then the web sources, the
query catalogue and the ontology, no two chunks sharing a subject. Each batch of cases is
checked together with the framework and the ontology (what its values point at: places,
organisations, lessons, tags, classes), against the shapes that a triple of the batch triggers
(a target class, or a targetObjectsOf / targetSubjectsOf predicate); the web sources likewise,
in batches of whole subjects; the query catalogue and the ontology once, with the framework,
against every shape. A shape about a case reads only the case's own chunk and the framework, and
one about a source only the source's node and the framework, so the union of the parts' results
is the whole graph's; if a web source's IRI falls among the cases' IRIs that no longer holds, and
the whole dump is checked in one go.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from pcmh_kg import resources
from pcmh_kg.build import children

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
BATCH_BYTES = 12 << 20  # ~100k triples, ~2,500 cases: the framework's share of each load stays small
SHAPES_FILE = resources.ontology_dir() / "shapes.ttl"  # the tests point it at stricter shapes
_TYPE_OBJECTS = re.compile(rb"^\S+ <" + RDF_TYPE.encode() + rb"> <([^>]*)> \.$", re.M)


@dataclass(frozen=True, order=True)
class Result:
    """One SHACL validation result, its terms written as N-Triples terms (paths in SHACL's
    Turtle form), so that results from either engine compare as plain values."""

    focus: str
    path: str
    component: str
    severity: str
    value: str = ""
    message: str = ""

    def key(self) -> tuple:
        return (self.focus, self.path, self.component, self.severity)

    def __str__(self) -> str:
        component = self.component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent>")
        value = f" (value {self.value})" if self.value else ""
        return f"{self.focus} {self.path}: {component}{value}: {self.message}"


def _term(node) -> str:
    from rdflib import BNode

    return "_:" if isinstance(node, BNode) else node.n3()


def _path(g, node) -> str:
    """A result path as SHACL writes it in Turtle: <p>, ( <p> <q> ), [ sh:inversePath <p> ] ..."""
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection

    if node is None:
        return ""
    if isinstance(node, URIRef):
        return node.n3()
    if isinstance(node, BNode) and g.value(node, URIRef(RDF_FIRST)) is not None:
        return "( " + " ".join(_path(g, item) for item in Collection(g, node)) + " )"
    for p, o in sorted(g.predicate_objects(node)):
        return f"[ {p.n3()} {_path(g, o)} ]"
    return "_:"


def results_of(report) -> list[Result]:
    """The results of an rdflib validation report graph (pyshacl's or pyshacl-turbo's)."""
    from rdflib import URIRef

    def one(r, name):
        return report.value(r, URIRef(SH + name))

    out = []
    for r in report.subjects(URIRef(RDF_TYPE), URIRef(SH + "ValidationResult")):
        value, message = one(r, "value"), one(r, "resultMessage")
        out.append(Result(_term(one(r, "focusNode")), _path(report, one(r, "resultPath")),
                          _term(one(r, "sourceConstraintComponent")), _term(one(r, "resultSeverity")),
                          _term(value) if value is not None else "", str(message or "")))
    return sorted(set(out))


@lru_cache(maxsize=2)
def _compiled(path: str):
    import pyshacl_turbo

    return pyshacl_turbo.compile_shapes(path, shacl_graph_format="turtle", advanced=True)


def prepare() -> None:
    """Import the engine and compile the shapes ahead of time (in the check's own process)."""
    _compiled(str(SHAPES_FILE))
    _shape_triggers(str(SHAPES_FILE))


def basis(framework_nt: bytes, case_prefix: str) -> str:
    """What a case's check rests on besides its own triples: the shapes, the ontology and the
    framework. A rebuild on the same basis need not check the cases that did not change."""
    import hashlib

    h = hashlib.sha256()
    for part in (SHAPES_FILE.read_bytes(), (resources.ontology_dir() / "pcmh.ttl").read_bytes(),
                 framework_nt, case_prefix.encode()):
        h.update(len(part).to_bytes(8, "big") + part)
    return h.hexdigest()


def validate_ntriples(nt: bytes | str, use_shapes: list[str] | None = None) -> list[Result]:
    """Every result of checking the N-Triples `nt` (against `use_shapes` only, if given)."""
    import pyshacl_turbo

    text = nt.decode("utf-8") if isinstance(nt, bytes) else nt
    data = pyshacl_turbo.Input(text, "nt", None, {}, preserve_ids=True)
    _conforms, report, _text = _compiled(str(SHAPES_FILE)).validate(data, use_shapes=use_shapes, allow_warnings=False)
    return results_of(report)


@lru_cache(maxsize=2)
def _shape_triggers(path: str) -> dict[str, tuple[frozenset, frozenset]]:
    """Per shape with a target: (classes whose instances it targets, subclasses included; the
    predicates of its targetSubjectsOf / targetObjectsOf)."""
    import pyoxigraph as ox

    shapes = list(ox.parse(path=path, format=ox.RdfFormat.TURTLE))
    onto = ox.parse(path=str(resources.ontology_dir() / "pcmh.ttl"), format=ox.RdfFormat.TURTLE)
    below: dict[str, set] = {}
    for t in onto:
        if t.predicate.value == SUBCLASS and isinstance(t.object, ox.NamedNode):
            below.setdefault(t.object.value, set()).add(t.subject.value)
    out: dict[str, tuple[set, set]] = {}
    for t in shapes:
        kind = t.predicate.value.removeprefix(SH)
        if kind in ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode"):
            classes, predicates = out.setdefault(str(t.subject.value), (set(), set()))
            if kind == "targetClass":
                todo = [t.object.value]
                while todo:
                    c = todo.pop()
                    if c not in classes:
                        classes.add(c)
                        todo.extend(below.get(c, ()))
            elif kind == "targetNode":
                predicates.add(None)  # a named node: checked in every part
            else:
                predicates.add(t.object.value)
    return {s: (frozenset(c), frozenset(p)) for s, (c, p) in out.items()}


def triggered(batch: bytes) -> list[str]:
    """The shapes some triple of `batch` gives a target (a false alarm only costs time)."""
    types = {m.decode() for m in _TYPE_OBJECTS.findall(batch)}
    return sorted(shape for shape, (classes, predicates) in _shape_triggers(str(SHAPES_FILE)).items()
                  if classes & types or any(p is None or f"> <{p}> ".encode() in batch for p in predicates))


class Stream:
    """Checks an N-Triples dump laid out by the build, part by part, as it is written.

    `read(start, end)` gives bytes of the dump; `framework_end` is where the framework chunk ends.
    feed(pos) says the cases are written up to `pos` (always at the end of a case); finish()
    checks the rest and returns every result."""

    def __init__(self, read, framework_end: int, case_prefix: str):
        self.read = read
        self.framework = read(0, framework_end)
        self.framework_end = self.done = self.upto = framework_end
        self.ontology = _ontology_ntriples()
        self.case_subject = re.compile(rb"^<" + re.escape(case_prefix.encode()), re.M)
        self.case_key = re.compile(rb"<" + re.escape(case_prefix.encode()) + rb"[^/>]*")
        self.results: set[Result] = set()
        self.carry = b""  # read, not yet checked: cases before a skipped stretch, or past a cut
        self.skipped = 0  # bytes left unchecked (checked by the previous build)
        self.rest_digest = None  # of the chunks after the cases (set by finish)

    def feed(self, pos: int, *, last: bool = False) -> None:
        self.upto = max(self.upto, pos)
        while len(self.carry) + self.upto - self.done >= BATCH_BYTES or (last and (self.carry or self.upto > self.done)):
            end = min(self.upto, self.done + 3 * BATCH_BYTES)  # a long stretch is read in pieces
            batch = self.carry + self.read(self.done, end)
            self.done = end
            cut = self._cut(batch, BATCH_BYTES) if len(batch) > 2 * BATCH_BYTES else len(batch)
            batch, self.carry = batch[:cut], batch[cut:]
            self._check_batch(batch)

    def skip(self, start: int, end: int) -> None:
        """Cases from `start` to `end` are unchanged since a build that conformed, with the same
        framework, ontology and shapes: a shape about a case reads only its chunk and the
        framework, so their results are the same (none). What comes before is kept for the next
        batch, so that scattered edits are still checked in batches of BATCH_BYTES."""
        if start > self.done:
            self.carry += self.read(self.done, start)
        self.skipped += end - max(start, self.done)
        self.done = max(self.done, end)
        self.upto = max(self.upto, self.done)
        self.feed(self.done)

    def _cut(self, batch: bytes, near: int) -> int:
        """Where the case reaching past `near` starts (a case's lines are together: its node's and
        its contact's, lesson links' and status's all start with <.../case/ID); the whole batch
        if there is no such place."""
        start = _unit_start(batch, near, self._case_key)
        return len(batch) if start is None else start

    def _case_key(self, nt: bytes, pos: int) -> bytes | None:
        key = self.case_key.match(nt, pos)
        return key and key.group(0)

    def _check_batch(self, batch: bytes) -> None:
        """`batch` with the framework and the ontology, against the shapes it triggers."""
        shapes = triggered(batch)
        if shapes:
            self.results.update(validate_ntriples(self.framework + batch + self.ontology, shapes))

    def finish(self, cases_end: int, total: int, rest_passed: bytes | None = None,
               sources_end: int | None = None) -> list[Result]:
        """The results, once the cases are checked and then the rest (web sources, catalogue,
        ontology). The rest's check reads nothing else, so it is skipped when its bytes hash to
        `rest_passed`: the rest of a build that conformed on the same basis (shapes, ontology,
        framework). `rest_digest` is set either way.

        Given `sources_end`, the web sources are checked like the cases, in batches against the
        shapes they trigger (a shape about a source reads its own node and the framework; at 100k
        cases they are 400k triples, which loaded at once took more memory than any batch), and
        the catalogue and ontology after them against every shape, with the framework."""
        self.feed(cases_end, last=True)
        rest = self.read(cases_end, total)
        self.rest_digest = rest_digest(rest)
        if self.case_subject.search(rest):  # some other chunk describes a case's node: check it whole
            return validate_ntriples(self.read(0, total))
        if rest_passed is not None and rest_passed == self.rest_digest:
            self.skipped += len(rest)
            return sorted(self.results)
        tail = rest
        if isinstance(sources_end, int) and cases_end <= sources_end <= total:
            for batch in _subject_batches(rest, BATCH_BYTES, sources_end - cases_end):
                self._check_batch(batch)
            tail = rest[sources_end - cases_end:]
        self.results.update(validate_ntriples(self.framework + tail))
        return sorted(self.results)


def _unit_start(nt: bytes, near: int, key, lo: int = 0) -> int | None:
    """Where the unit holding the line at `near` starts: the run of lines before it that begin
    with the same `key(nt, line_start)`. None if the line has no key, or the unit starts at `lo`
    (then there is no place to cut between `lo` and `near`)."""
    start = nt.rfind(b"\n", lo, near) + 1 or lo
    unit = key(nt, start)
    if unit is None:
        return None
    while start > lo:
        prev = nt.rfind(b"\n", lo, start - 1) + 1 or lo  # the line before
        if not nt.startswith(unit, prev):
            return start
        start = prev
    return None


def _subject_key(nt: bytes, pos: int) -> bytes:
    return nt[pos:nt.find(b" ", pos) + 1]  # with its space: <x/1> is not the start of <x/12>


def _subject_batches(nt: bytes, size: int, end: int):
    """`nt[:end]` in pieces of about `size` bytes, each cut where a new subject starts (the
    lines of a subject stand together in the dumps); a subject longer than `size` is one piece."""
    start = 0
    while end - start > size:
        cut = _unit_start(nt, start + size, _subject_key, start)
        if cut is None:  # one subject from `start` past `size`: take it whole
            unit, cut = _subject_key(nt, start), start
            while cut < end and nt.startswith(unit, cut):
                cut = nt.find(b"\n", cut, end) + 1 or end
        yield nt[start:cut]
        start = cut
    if start < end:
        yield nt[start:end]


def rest_digest(rest: bytes) -> bytes:
    import hashlib

    return hashlib.blake2b(rest, digest_size=16).digest()


@lru_cache(maxsize=1)
def _ontology_ntriples() -> bytes:
    from pcmh_kg.build import pipeline
    from pcmh_kg.sinks import formats

    return formats.ntriples(pipeline.ontology_triples()).encode("utf-8")


def check_bytes(nt: bytes, framework_end: int, cases_end: int, case_prefix: str,
                sources_end: int | None = None) -> list[Result]:
    """Check a whole dump held in memory, in the same parts as a build does."""
    stream = Stream(lambda a, b: nt[a:b], framework_end, case_prefix)
    return stream.finish(cases_end, len(nt), sources_end=sources_end)


def check_file(path, framework_end: int, cases_end: int, case_prefix: str,
               sources_end: int | None = None) -> list[Result]:
    """Check a dump file the build wrote (offsets from its build.json), in parts."""
    with open(path, "rb") as fh:
        def read(a: int, b: int) -> bytes:
            fh.seek(a)
            return fh.read(b - a)

        total = fh.seek(0, 2)
        return Stream(read, framework_end, case_prefix).finish(cases_end, total, sources_end=sources_end)


class CheckFailed(RuntimeError):
    """The SHACL check itself broke (not: the graph does not conform)."""


class ShapesCheck:
    """A Stream in a forked process started with the build: it compiles the shapes while the data
    loads, then checks each batch of cases as soon as the build has written it, on the core the
    build leaves idle, and the rest once the dumps are complete. The dumps are swapped in only if
    there are no results."""

    FEED_BYTES = 1 << 20  # tell the check at most once per MiB written

    def __init__(self):
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(target=self._run, args=(child, os.getpid()), daemon=True)
        self._proc.start()
        child.close()
        self._sent = 0
        self.skipped = 0  # bytes of unchanged chunks the check did not need to read again
        self.rest_digest = None  # of the chunks after the cases, once checked (Stream.finish)
        self._skip = None  # a stretch of unchanged cases not yet sent: [start, end]

    @staticmethod
    def _run(conn, parent: int) -> None:
        children.die_with_parent(parent)
        try:
            prepare()
            _ontology_ntriples()
            _, path, framework_end, case_prefix = conn.recv()
            with open(path, "rb") as fh:
                def read(a: int, b: int) -> bytes:
                    return os.pread(fh.fileno(), b - a, a)

                stream = Stream(read, framework_end, case_prefix)
                while True:
                    message = conn.recv()
                    if message[0] == "feed":
                        stream.feed(message[1])
                    elif message[0] == "skip":
                        stream.skip(message[1], message[2])
                    else:
                        results = stream.finish(message[1], message[3], message[4], sources_end=message[2])
                        conn.send(("done", (results, stream.skipped, stream.rest_digest)))
                        break
        except EOFError:
            pass  # the build no longer needs the check
        except BaseException as exc:  # report, never hang the parent
            conn.send(("error", f"SHACL check failed: {exc!r}"))
        finally:
            conn.close()

    def open(self, nt_path, framework_end: int, case_prefix: str) -> None:
        self._conn.send(("open", str(nt_path), framework_end, case_prefix))
        self._sent = framework_end

    def feed(self, pos: int) -> None:
        if pos - self._sent >= self.FEED_BYTES:
            self._send_skip()
            self._conn.send(("feed", pos))
            self._sent = pos

    def skip(self, start: int, end: int) -> None:
        """The case written from `start` to `end` needs no check (see Stream.skip); neighbours are
        sent as one stretch."""
        if self._skip is not None and self._skip[1] == start:
            self._skip[1] = end
            return
        self._send_skip()
        self._skip = [start, end]

    def _send_skip(self) -> None:
        if self._skip is not None:
            self._conn.send(("skip", *self._skip))
            self._sent = max(self._sent, self._skip[1])
            self._skip = None

    def finish(self, cases_end: int, sources_end: int, total: int, rest_passed: bytes | None = None) -> None:
        """The dump is complete: check the rest, unless it is `rest_passed` (see Stream.finish;
        results() waits for the answer)."""
        self._send_skip()
        self._conn.send(("finish", cases_end, sources_end, total, rest_passed))

    def results(self) -> list[Result]:
        """Every result (none: the graph conforms); raises CheckFailed if the check broke."""
        try:
            kind, payload = self._conn.recv()
        except EOFError:
            kind, payload = "error", "SHACL check process died"
        self._proc.join()
        if kind == "error":
            raise CheckFailed(payload)
        results, self.skipped, self.rest_digest = payload
        return results

    def cancel(self) -> None:
        """Stop the check if it still runs; harmless after finish()."""
        self._conn.close()
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()
