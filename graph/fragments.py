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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import formats, jsonld
from .vocab import RDF

KINDS = ("nt", "ttl", "rdf", "jsonld")
FILES = {"nt": "pcmh-kg.nt", "ttl": "pcmh-kg.ttl", "rdf": "pcmh-kg.rdf", "jsonld": "pcmh-kg.jsonld"}
RDF_TYPE = RDF + "type"


@dataclass(slots=True)
class Stats:
    triples: int = 0
    subjects: int = 0
    types: Counter = field(default_factory=Counter)
    predicates: set = field(default_factory=set)

    def key(self) -> tuple:
        return (self.triples, self.subjects, tuple(sorted(self.types.items())), frozenset(self.predicates))

    def add(self, other: "Stats") -> None:
        self.triples += other.triples
        self.subjects += other.subjects
        for cls, n in other.types.items():
            self.types[cls] += n
        if not other.predicates <= self.predicates:
            self.predicates |= other.predicates


@dataclass(slots=True)
class Fragment:
    parts: dict  # kind -> bytes
    stats: Stats


TTL_HEADER = formats.TURTLE_HEADER.encode()
RDF_HEAD, RDF_TAIL = formats.RDFXML_HEAD.encode(), formats.RDFXML_TAIL.encode()
JSONLD_HEAD, JSONLD_TAIL = jsonld.DOCUMENT_HEAD.encode(), jsonld.DOCUMENT_TAIL.encode()
JSON_SEP = b",\n"


def make(triples: list[tuple]) -> Fragment:
    """Serialise one chunk (the emitter's triples, grouped by subject) every way."""
    stats = Stats(triples=len(triples))
    subjects = set()
    predicates = set()
    types = stats.types
    for s, p, o in triples:
        subjects.add(s)
        predicates.add(p)
        if p == RDF_TYPE and o[0] == formats.IRI:
            types[o[1]] += 1
    stats.subjects = len(subjects)
    stats.predicates = frozenset(predicates)
    return Fragment({"nt": formats.ntriples(triples).encode("utf-8"),
                     "ttl": formats.turtle(triples).encode("utf-8"),
                     "rdf": formats.rdfxml(triples).encode("utf-8"),
                     "jsonld": jsonld.node_lines(triples).encode("utf-8")}, stats)


def segment_names(seq: int) -> dict[str, str]:
    return {kind: f"{seq:06d}.{kind}" for kind in KINDS}


class DumpWriter:
    """Streams fragments into the four dump files and records where each one lands.

    With `envelope=False` it writes a segment instead: a run of fragments with no file header or
    tail, as a worker does for its share of the cases; the build then copies the segment into the
    dumps like the unchanged cases of a previous build (copy()), never holding it in memory."""

    def __init__(self, folder: Path, names: dict[str, str] = FILES, *, envelope: bool = True):
        self.folder = Path(folder)
        self.envelope = envelope
        self.files = {k: open(self.folder / names[k], "wb") for k in KINDS}
        if envelope:
            self.files["ttl"].write(TTL_HEADER)
            self.files["rdf"].write(RDF_HEAD)
            self.files["jsonld"].write(JSONLD_HEAD)
        self._json_started = False
        self._pending: dict = {}
        self.stats = Stats()

    def add(self, fragment: Fragment) -> dict:
        """Write a fragment; returns {kind: (offset, length)} of its bytes in each file."""
        self._flush()
        where = {}
        for kind in KINDS:
            where[kind] = self._put(kind, fragment.parts[kind])
        self.stats.add(fragment.stats)
        return where

    def copy(self, source: dict, where: dict, stats: Stats) -> dict:
        """Copy a fragment's bytes from the previous dumps or a segment (open files by kind).
        Fragments that were neighbours there are copied as one span: a few large copies."""
        out = {}
        for kind in KINDS:
            offset, length = where[kind]
            gap = len(JSON_SEP) if kind == "jsonld" else 0
            span = self._pending.get(kind)
            if not (span and length and span["src"] is source[kind] and offset == span["end"] + gap):
                self._flush(kind)
                if not length:
                    out[kind] = self._put(kind, b"")
                    continue
                sep = gap if (kind == "jsonld" and self._json_started) else 0
                span = self._pending[kind] = {"src": source[kind], "start": offset, "end": offset,
                                              "base": self.files[kind].tell() + sep}
            span["end"] = offset + length
            out[kind] = (span["base"] + offset - span["start"], length)
        self.stats.add(stats)
        return out

    def flush(self) -> None:
        """Write out pending copies, so that their sources may be closed."""
        self._flush()

    def _flush(self, *kinds) -> None:
        for kind in kinds or KINDS:
            span = self._pending.pop(kind, None)
            if not span:
                continue
            fh = self.files[kind]
            if kind == "jsonld" and self._json_started:
                fh.write(JSON_SEP)
            self._json_started = self._json_started or kind == "jsonld"
            src, left = span["src"], span["end"] - span["start"]
            src.seek(span["start"])
            while left:
                block = src.read(min(left, 1 << 20))
                fh.write(block)
                left -= len(block)

    def _put(self, kind: str, data: bytes) -> tuple[int, int]:
        fh = self.files[kind]
        if kind == "jsonld" and data:
            if self._json_started:
                fh.write(JSON_SEP)
            self._json_started = True
        offset = fh.tell()
        fh.write(data)
        return offset, len(data)

    def close(self) -> dict[str, int]:
        self._flush()
        if self.envelope:
            self.files["rdf"].write(RDF_TAIL)
            self.files["jsonld"].write(JSONLD_TAIL)
        sizes = {}
        for kind, fh in self.files.items():
            sizes[FILES[kind]] = fh.tell()
            fh.close()
        return sizes

    def abort(self) -> None:
        for fh in self.files.values():
            fh.close()


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
