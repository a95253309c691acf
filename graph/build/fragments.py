"""Every dump written as the concatenation of per-chunk fragments.

A chunk is a group of triples whose subjects no other chunk has: one case study (with its
contact and lesson links), the framework, the web sources, the query catalogue, the ontology.
Each chunk is serialised on its own (N-Triples, Turtle statements, RDF/XML descriptions, JSON-LD
node objects), so the work spreads over worker processes, the dumps are written as a stream in a
fixed order (byte-identical for the same input, bounded memory at 100k cases), and a rebuild
copies the bytes of unchanged cases from the previous dumps.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pcmh_kg.model.vocab import RDF
from pcmh_kg.sinks import formats, jsonld, registry

KINDS = registry.KINDS
FILES = registry.DUMP_FILES
RDF_TYPE = RDF + "type"


@dataclass(slots=True)
class Stats:
    triples: int = 0
    subjects: int = 0
    types: Counter = field(default_factory=Counter)
    predicates: set = field(default_factory=set)

    def key(self) -> tuple:
        return (self.triples, self.subjects, tuple(sorted(self.types.items())), frozenset(self.predicates))


@dataclass(slots=True)
class Fragment:
    parts: dict  # kind -> bytes
    stats: Stats


TTL_HEADER = formats.TURTLE_HEADER.encode()
RDF_HEAD, RDF_TAIL = formats.RDFXML_HEAD.encode(), formats.RDFXML_TAIL.encode()
JSONLD_HEAD, JSONLD_TAIL = jsonld.DOCUMENT_HEAD.encode(), jsonld.DOCUMENT_TAIL.encode()
JSON_SEP = b",\n"
_JSON_GAP = len(JSON_SEP)

WHERE = struct.Struct(f"<{2 * len(KINDS)}q")
"""Where a fragment's bytes are: (offset, length) in each file, in the order of KINDS, packed as
one bytes object. The main process keeps one per case (100k at once): packed, 97 bytes each
instead of 519 (five tuples and eight ints)."""


_SPAN = struct.Struct("<2q")


def offset_length(where: bytes, kind: int) -> tuple[int, int]:
    """(offset, length) of the fragment in the file of KINDS[kind]."""
    return _SPAN.unpack_from(where, _SPAN.size * kind)


def make(triples: list[tuple]) -> Fragment:
    """Serialise one chunk (the emitter's triples, grouped by subject) every way."""
    stats = Stats(triples=len(triples), subjects=len({t[0] for t in triples}),
                  types=Counter([t[2][1] for t in triples if t[1] == RDF_TYPE and t[2][0] == formats.IRI]),
                  predicates=frozenset([t[1] for t in triples]))
    return Fragment({"nt": formats.ntriples(triples).encode("utf-8"),
                     "ttl": formats.turtle(triples).encode("utf-8"),
                     "rdf": formats.rdfxml(triples).encode("utf-8"),
                     "jsonld": jsonld.node_lines(triples).encode("utf-8")}, stats)


def segment_names(seq: int) -> dict[str, str]:
    return {kind: f"{seq:06d}.{kind}" for kind in KINDS}


class SegmentWriter:
    """A worker's run of fragments, written as segment files with no file header or tail: the
    build copies them into the dumps like the unchanged cases of a previous build
    (DumpWriter.copy), never holding them in memory. A run is a few MB, so it is held here and
    written once per file when the run ends: writing each case's parts as they came cost a worker
    ~26 us per case, this 8-9 us (8k distinct cases, best of 5)."""

    def __init__(self, folder: Path, seq: int):
        self.paths = {kind: Path(folder) / name for kind, name in segment_names(seq).items()}
        self.parts: dict[str, list] = {kind: [] for kind in KINDS}
        self.pos = dict.fromkeys(KINDS, 0)

    def add(self, fragment: Fragment) -> bytes:
        """Where the fragment's bytes will be in the segments (WHERE); neighbouring JSON-LD node
        lines are a separator apart, as in the dumps."""
        where = []
        for kind in KINDS:
            data, at = fragment.parts[kind], self.pos[kind]
            if kind == "jsonld" and data and at:
                self.parts[kind].append(JSON_SEP)
                at += _JSON_GAP
            self.parts[kind].append(data)
            self.pos[kind] = at + len(data)
            where += (at, len(data))
        return WHERE.pack(*where)

    def close(self) -> None:
        for kind, path in self.paths.items():
            with open(path, "wb") as fh:
                fh.write(b"".join(self.parts[kind]))
        self.parts = {}


class DumpWriter:
    """Streams fragments into the four dump files and records where each one lands."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        # unbuffered, as most of their bytes are copied file to file
        self.files = {k: open(self.folder / FILES[k], "wb", buffering=0) for k in KINDS}
        self.pos = dict.fromkeys(KINDS, 0)
        self._write("ttl", TTL_HEADER)
        self._write("rdf", RDF_HEAD)
        self._write("jsonld", JSONLD_HEAD)
        self._json_started = False
        self._pending: dict = {}  # kind -> [source file, start, end, offset in this file]
        self._stats: dict = {}  # id -> [Stats, how many fragments had it]

    @property
    def stats(self) -> Stats:
        total = Stats()
        for stats, n in self._stats.values():
            total.triples += stats.triples * n
            total.subjects += stats.subjects * n
            for cls, k in stats.types.items():
                total.types[cls] += k * n
            total.predicates |= stats.predicates
        return total

    def _count(self, stats: Stats) -> None:
        seen = self._stats.get(id(stats))
        if seen is None:
            self._stats[id(stats)] = [stats, 1]
        else:
            seen[1] += 1

    def add(self, fragment: Fragment) -> bytes:
        """Write a fragment; returns where its bytes are (WHERE)."""
        self._flush()
        where = [n for kind in KINDS for n in self._put(kind, fragment.parts[kind])]
        self._count(fragment.stats)
        return WHERE.pack(*where)

    def copy(self, source: dict, where: bytes, stats: Stats) -> bytes:
        """Copy a fragment's bytes from the previous dumps or a segment (open files by kind);
        returns where they are now (WHERE). Fragments that were neighbours there are copied as
        one span: a few large copies."""
        out = []
        pending = self._pending
        was = WHERE.unpack(where)
        for i, kind in enumerate(KINDS):
            offset, length = was[2 * i], was[2 * i + 1]
            gap = _JSON_GAP if kind == "jsonld" else 0  # neighbouring JSON-LD fragments sit a separator apart
            span = pending.get(kind)
            if span is None or not length or span[0] is not source[kind] or offset != span[2] + gap:
                if span is not None:
                    self._flush(kind)
                if not length:
                    out += self._put(kind, b"")
                    continue
                sep = gap if (gap and self._json_started) else 0
                span = pending[kind] = [source[kind], offset, offset, self.pos[kind] + sep]
            span[2] = offset + length
            out += (span[3] + offset - span[1], length)
        self._count(stats)
        return WHERE.pack(*out)

    def flush(self) -> None:
        """Write out pending copies, so that their sources may be closed."""
        self._flush()

    def _flush(self, *kinds) -> None:
        for kind in kinds or KINDS:
            span = self._pending.pop(kind, None)
            if not span:
                continue
            if kind == "jsonld":
                if self._json_started:
                    self._write(kind, JSON_SEP)
                self._json_started = True
            src, start, end, _ = span
            _copy_range(src, self.files[kind], start, end - start)
            self.pos[kind] += end - start

    def _write(self, kind: str, data: bytes) -> None:
        fh = self.files[kind]
        view = memoryview(data)
        while view:  # an unbuffered write may be partial
            view = view[fh.write(view):]
        self.pos[kind] += len(data)

    def _put(self, kind: str, data: bytes) -> tuple[int, int]:
        if kind == "jsonld" and data:
            if self._json_started:
                self._write(kind, JSON_SEP)
            self._json_started = True
        offset = self.pos[kind]
        self._write(kind, data)
        return offset, len(data)

    def close(self) -> dict[str, int]:
        self._flush()
        self._write("rdf", RDF_TAIL)
        self._write("jsonld", JSONLD_TAIL)
        sizes = {FILES[kind]: self.pos[kind] for kind in KINDS}
        for fh in self.files.values():
            fh.close()
        return sizes

    def abort(self) -> None:
        for fh in self.files.values():
            fh.close()


def _copy_range(src, dst, start: int, length: int) -> None:
    """Append `length` bytes of `src` from `start` to the unbuffered `dst`: in the kernel
    (copy_file_range) where it can, else through a buffer."""
    if hasattr(os, "copy_file_range"):
        try:
            while length:
                n = os.copy_file_range(src.fileno(), dst.fileno(), length, start)
                if n <= 0:
                    break
                start += n
                length -= n
        except OSError:
            pass  # e.g. not supported by this file system: the loop below copies the rest
    src.seek(start)
    while length:
        block = src.read(min(length, 1 << 20))
        if not block:
            raise OSError(f"{src.name} ended early: the previous dumps changed during the build")
        view = memoryview(block)
        while view:
            view = view[dst.write(view):]
        length -= len(block)


class Segments:
    """The segment files of the workers' runs, opened in run order as the build copies them into
    the dumps, and deleted once copied: at most a few runs' bytes are on disk at a time."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir()
        self.seq = None
        self.files: dict = {}

    def open(self, seq: int, writer: DumpWriter) -> dict:
        if seq != self.seq:
            writer.flush()
            self._drop()
            self.seq = seq
            self.files = {k: open(self.folder / name, "rb") for k, name in segment_names(seq).items()}
        return self.files

    def _drop(self) -> None:
        for fh in self.files.values():
            fh.close()
            os.unlink(fh.name)
        self.files = {}

    def close(self) -> None:
        self._drop()
        shutil.rmtree(self.folder, ignore_errors=True)
