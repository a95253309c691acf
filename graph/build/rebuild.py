"""Where each case's bytes sit in the previous dumps, so a rebuild copies unchanged cases.

The previous dist/ is the cache: the index (in the cache folder) records, per case file, its
stamp (stat and content digest, see workers.Stamp), its slim record, the offsets of its fragment
in each dump file and its statistics; it is used only if the dumps are exactly those it
describes and the code, base, profile and data folder are the same. A file is reused only if its
stat is unchanged and its content still hashes the same: an edit that keeps the size and puts
the mtime back is still seen.
"""

from __future__ import annotations

import marshal
import os
import platform
import stat
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from pcmh_kg.build import fragments, workers
from pcmh_kg.sources import yamlio


class Entry(NamedTuple):
    stamp: workers.Stamp
    case: dict
    where: bytes  # fragments.WHERE
    stats: fragments.Stats


class RebuildIndex:
    """The index of the previous build; `entries` maps a case file's name to its Entry (its name, not
    its path: the same folder named another way, relative or absolute, is the same data)."""

    def __init__(self, cache_dir: Path | None, data_dir: Path, out: Path, base: str, profile: str):
        self.path = Path(cache_dir) / f"rebuild-{profile}.marshal" if cache_dir else None
        self.out = out
        self.key = (workers.code_fingerprint(), platform.python_version(), str(Path(data_dir).resolve()),
                    str(out.resolve()), base, profile)
        self.entries: dict[str, Entry] = {}
        self.sources = None
        self.shacl_basis = None  # what the previous build's conforming shapes check rested on
        self.shacl_rest = None  # the digest of the chunks after the cases it checked

    def open_previous(self) -> dict | None:
        """The previous dumps, open by kind, if the index describes them; else None."""
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
            for path, (stamp, case, where, key) in stored["entries"].items():
                stats = shapes.get(key) or shapes.setdefault(key, _stats_of(key))
                self.entries[path] = Entry(workers.Stamp(stamp), case, where, stats)
            digest, placed = stored["sources"]
            self.sources = (digest, [(where, _stats_of(key)) for where, key in placed])
            self.shacl_basis = stored.get("shacl_basis")
            self.shacl_rest = stored.get("shacl_rest")
            return {k: open(self.out / fragments.FILES[k], "rb") for k in fragments.KINDS}
        except Exception:  # a damaged or stale cache is only a slower build
            self.entries = {}
            return None

    def unchanged(self, path: Path) -> Entry | None:
        """The entry of a case file that is as it was in the previous build, else None (also when
        it cannot be read: the workers then report why, naming the file)."""
        hit = self.entries.get(path.name)
        if hit is None:
            return None
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or not hit.stamp.same_stat(st):
                return None
            raw = os.read(fd, st.st_size + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        return hit if workers.content_digest(raw) == hit.stamp.digest else None

    @staticmethod
    def close_previous(files) -> None:
        for fh in (files or {}).values():
            fh.close()

    def save(self, entries: dict[str, Entry], sizes: dict, sources: tuple, shacl_basis: str | None = None,
             shacl_rest: bytes | None = None) -> None:
        """marshal, not pickle: 3x faster for these plain records (100k of them), and the key
        holds the Python version, whose marshal format it is. `shacl_basis`: the digest of the
        shapes, ontology and framework a conforming shapes check used (None: not checked), and
        `shacl_rest` that of the chunks after the cases it checked (shapes.Stream.finish)."""
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys: dict = {}  # marshal writes a shared key once; worked out once per Stats object
        plain = {path: (bytes(e.stamp), e.case, e.where, keys.get(id(e.stats)) or keys.setdefault(id(e.stats), e.stats.key()))
                 for path, e in entries.items()}
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            digest, placed = sources
            fh.write(marshal.dumps({
                "key": self.key, "sizes": sizes, "entries": plain, "shacl_basis": shacl_basis,
                "shacl_rest": shacl_rest,
                "sources": (digest, [(where, stats.key()) for where, stats in placed])}))
        os.replace(tmp, self.path)


def _stats_of(key: tuple) -> fragments.Stats:
    triples, subjects, types, predicates = key
    return fragments.Stats(triples, subjects, Counter(dict(types)), frozenset(predicates))
