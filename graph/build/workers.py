"""The build's worker processes: case files read, checked and serialised in runs, in order.

Case files are independent, so when there are many they are handled in forked worker processes,
a run of consecutive files per task; for the build each run is serialised in every dump format
into segment files of its own, which the build splices into the dumps. What needs the whole
directory (unknown ids, dangling references) stays with the caller (graph/sources/loader.py).
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import struct
import sys
from collections import deque
from functools import partial
from pathlib import Path
from typing import NamedTuple

from pcmh_kg.build import children, fragments
from pcmh_kg.model.problems import Problem
from pcmh_kg.model.vocab import Minter
from pcmh_kg.sources import loader, yamlio
from pcmh_kg.triples import emit

PARALLEL_THRESHOLD = 256  # below this, starting workers costs more than it saves
RUN = 200  # consecutive case files per worker task
IN_FLIGHT = 16  # runs handed to the workers ahead of the consumer


class Stamp(bytes):
    """What a case file was when it was read: a rebuild reuses the file's bytes in the previous
    dumps only if its stat is the same (ctime and inode too: os.utime can put an mtime back, not
    a ctime) and its content hashes the same. Packed (the stat's four numbers, each modulo 2**64,
    then the digest): the main process keeps one per case, 97 bytes each instead of 257 as a
    tuple of five."""

    __slots__ = ()

    @classmethod
    def of(cls, st: os.stat_result, raw: bytes) -> Stamp:
        return cls(_stat_bytes(st) + content_digest(raw))

    def same_stat(self, st: os.stat_result) -> bool:
        return self[:_STAT.size] == _stat_bytes(st)

    @property
    def digest(self) -> bytes:
        return self[_STAT.size:]


_STAT = struct.Struct("<4Q")
_U64 = (1 << 64) - 1


def _stat_bytes(st: os.stat_result) -> bytes:
    return _STAT.pack(st.st_mtime_ns & _U64, st.st_ctime_ns & _U64, st.st_size & _U64, st.st_ino & _U64)


def content_digest(raw: bytes) -> bytes:
    """blake2b: ~1 µs for a case file, faster than sha256 and as good at telling edits apart."""
    return hashlib.blake2b(raw, digest_size=16).digest()


class Placed(NamedTuple):
    """Where a worker wrote a case: its run's segment files, the (offset, length) of its bytes in
    each (fragments.WHERE), its statistics and the file's stamp as read."""

    run: int
    where: bytes
    stats: fragments.Stats
    stamp: Stamp


class CaseResult(NamedTuple):
    """One case file's outcome: its record (None if it has problems) and, for the build, where it
    was written (`placed`), else its triples."""

    path: Path | None
    case: dict | None
    problems: list[Problem]
    placed: Placed | None = None
    triples: list | None = None


def _read(path: str, base: str, profile: str, want_triples: bool) -> tuple[CaseResult, Stamp | None]:
    display = loader.display_path(path)
    try:
        raw, st = yamlio.read_stamped(path, display)
    except yamlio.ProblemError as exc:
        return CaseResult(None, None, [exc.problem]), None
    case, found = loader.case_record(Path(path), raw, display)
    if found:
        return CaseResult(None, None, found), None
    triples = emit.case_triples(case, Minter(base), profile) if want_triples else None
    return CaseResult(None, case, [], triples=triples), Stamp.of(st, raw)


def process_case_run(task: tuple[int, list[str]], base: str, profile: str, segments: str | None) -> list[CaseResult]:
    """Worker: a run of consecutive case files -> their CaseResults, in order (without paths).

    Without `segments` each result holds the case's triples. With it, the run is serialised in
    every dump format into segment files of its own (numbered by the run) in that folder, each
    result says where (Placed), and the case is cut down to what the whole-directory checks
    need: 100k cases never pass through one process."""
    seq, path_strs = task
    if segments is None:
        return [_read(p, base, profile, want_triples=True)[0] for p in path_strs]
    out = []
    shared: dict = {}  # cases of one shape share one Stats object, sent once per run
    writer = fragments.SegmentWriter(Path(segments), seq)
    try:
        for p in path_strs:
            result, stamp = _read(p, base, profile, want_triples=True)
            if result.problems:
                out.append(result)
                continue
            fragment = fragments.make(result.triples)
            where = writer.add(fragment)
            stats = shared.setdefault(fragment.stats.key(), fragment.stats)
            out.append(CaseResult(None, slim(result.case), [], Placed(seq, where, stats, stamp)))
    finally:
        writer.close()
    return out


def slim(case: dict) -> dict:
    """The parts of a (valid) case that whole-directory checks and the sources list need.

    The main process keeps one of these per case (100k at once), and reads them only: the
    identifiers are interned and the lesson links and contacts shared between cases, so that a
    run's pickle names each once and the main process holds one copy of each per run, not one
    per case (at 100k cases the main process's peak fell from 731 to 687 MB)."""
    return {
        "id": case["id"],
        "place": sys.intern(case["place"]),
        "organisations": [sys.intern(org) for org in case["organisations"]],
        "contact": _shared_contact(case["contact"]["organisation"]),
        "tags": [sys.intern(tag) for tag in case["tags"]],
        "lessons": [_shared_link(link["lesson"]) for link in case["lessons"]],
        "sources": case["sources"],
    }


_LINKS: dict = {}
_CONTACTS: dict = {}


def _shared_link(lesson: int) -> dict:
    return _LINKS.setdefault(lesson, {"lesson": lesson})


def _shared_contact(org: str) -> dict:
    return _CONTACTS.get(org) or _CONTACTS.setdefault(org, {"organisation": sys.intern(org)})


def code_fingerprint() -> str:
    """Changes whenever the code that turns a case file into triples changes: every module of
    the stages a case passes through (whole folders, so that a new module is never forgotten)."""
    graph = Path(__file__).parent.parent
    h = hashlib.sha256()
    files = [graph / "build" / "workers.py", graph / "build" / "fragments.py"]
    for stage in FINGERPRINTED_STAGES:
        files.extend(sorted((graph / stage).glob("*.py")))
    for path in files:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


FINGERPRINTED_STAGES = ("model", "sources", "triples", "sinks")


def _init_worker(parent: int) -> None:
    """No garbage collection in a worker: a case makes no reference cycles, and a pass over the
    heap inherited from the parent would copy its pages (copy-on-write)."""
    children.die_with_parent(parent)
    gc.disable()


def start_workers(n_cases: int):
    """Worker processes for reading `n_cases` case files, or None when one process is faster.

    They are forked so that they start at once with the code loaded, and early, while this
    process is small: a fork of a process holding 100k cases would share (and count) its pages.
    They die with this process, even when it is killed."""
    if n_cases < PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        return None
    return multiprocessing.get_context("fork").Pool(processes=min(os.cpu_count() or 2, 4), initializer=_init_worker,
                                                    initargs=(os.getpid(),))


class Workers:
    """The build's worker pool, started on first use (a rebuild that reuses nearly everything
    never starts it)."""

    def __init__(self, n_cases: int):
        self.n_cases = n_cases
        self._pool = None
        self._closed = False

    def get(self):
        """The pool, or None once closed (the caller then works in this process)."""
        if self._pool is None and not self._closed:
            self._pool = start_workers(self.n_cases)
        return self._pool

    def close(self) -> None:
        """Stop the workers; called as soon as the build needs them no more, so that their
        memory is given back before the dumps are finished and the shapes' verdict awaited."""
        self._closed = True
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def iter_cases(paths: list[Path], base: str, profile: str, *, segments: Path | None = None, progress=None,
               pool=None):
    """A CaseResult for each path, in order; in worker processes when many (the given pool, else
    a pool of its own). See process_case_run for what the results hold."""
    if pool is None and len(paths) >= PARALLEL_THRESHOLD:
        own = start_workers(len(paths))
        if own is not None:
            with own:
                yield from iter_cases(paths, base, profile, segments=segments, progress=progress, pool=own)
            return
    job = partial(process_case_run, base=base, profile=profile, segments=str(segments) if segments else None)
    runs = [(seq, [str(p) for p in paths[i:i + RUN]]) for seq, i in enumerate(range(0, len(paths), RUN))]
    done = 0

    def emit_run(seq, results):
        nonlocal done
        for path, res in zip(paths[seq * RUN:(seq + 1) * RUN], results):
            yield res._replace(path=path)
        before, done = done, done + len(results)
        if progress and before // 5000 != done // 5000:
            progress(done, len(paths))

    if pool is not None and len(paths) >= PARALLEL_THRESHOLD:
        # a bounded number of runs in flight: the workers never wait, and finished runs
        # waiting for the consumer (their segments on disk) stay bounded at 100k cases
        running = deque()
        for seq in range(len(runs)):
            running.append((seq, pool.apply_async(job, (runs[seq],))))
            if len(running) >= IN_FLIGHT:
                seq_done, result = running.popleft()
                yield from emit_run(seq_done, result.get())
        while running:
            seq_done, result = running.popleft()
            yield from emit_run(seq_done, result.get())
    else:
        with yamlio.paused_gc():
            for run in runs:
                yield from emit_run(run[0], job(run))
