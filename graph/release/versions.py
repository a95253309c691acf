"""Release versions and the IRIs of a release, said once.

A version is dated: YYYY.MM, or YYYY.MM.N for a further release in the same month (2026.12,
2026.12.1). Versions sort by their numbers, so 2026.12.1 follows 2026.12 and precedes 2027.01.

IRI scheme (under the data's base, https://w3id.org/pcmh-kg/ by default):
  <base>release/                     the catalogue of releases (dcat:Catalog)
  <base>release/2026.12              release 2026.12 (a dcat:Dataset, version of <base>dataset)
  <base>release/2026.12/pcmh-kg.ttl  one of its files (dump, CITATION.cff, ...)
  https://w3id.org/pcmh-kg/ontology/2026.12   the ontology as released (owl:versionIRI)
"""

from __future__ import annotations

import re
from pathlib import Path

from pcmh_kg.model.vocab import Minter

VERSION = re.compile(r"(?P<year>20\d\d)\.(?P<month>0[1-9]|1[0-2])(?:\.(?P<n>[1-9]\d{0,2}))?")
ONTOLOGY = "https://w3id.org/pcmh-kg/ontology"
USAGE = "versions are dated: YYYY.MM, or YYYY.MM.N for a further release in the same month (e.g. 2026.12, 2026.12.1)"


class VersionError(ValueError):
    pass


def check(version: str) -> str:
    if not isinstance(version, str) or not VERSION.fullmatch(version):
        raise VersionError(f"{version!r} is not a release version; {USAGE}")
    return version


def is_version(text: str) -> bool:
    return bool(VERSION.fullmatch(text))


def key(version: str) -> tuple[int, int, int]:
    m = VERSION.fullmatch(check(version))
    return int(m["year"]), int(m["month"]), int(m["n"] or 0)


def released(folder: Path | None) -> list[str]:
    """The versions released in a releases folder (sub-folders named by version holding a
    SHA256SUMS, the file written last), oldest first."""
    if folder is None or not Path(folder).is_dir():
        return []
    found = [p.name for p in Path(folder).iterdir()
             if is_version(p.name) and p.is_dir() and not p.is_symlink() and (p / "SHA256SUMS").is_file()]
    return sorted(found, key=key)


def previous(folder: Path | None, version: str) -> str | None:
    older = [v for v in released(folder) if key(v) < key(version)]
    return older[-1] if older else None


class ReleaseMinter(Minter):
    """The Minter of one release: its dataset is the release, its dumps are the release's files
    (so the build's VoID writer describes the release as it describes a build)."""

    def __init__(self, base: str | None, version: str):
        super().__init__(base)
        self.version = check(version)

    @property
    def catalog(self) -> str:
        return f"{self.base}release/"

    @property
    def dataset(self) -> str:
        return release_iri(self.base, self.version)

    @property
    def living(self) -> str:
        """The unversioned dataset every release is a version of."""
        return Minter(self.base).dataset

    def dump(self, filename: str) -> str:
        return f"{self.dataset}/{filename}"


def release_iri(base: str, version: str) -> str:
    return f"{Minter(base).base}release/{check(version)}"


def ontology_version(version: str) -> str:
    return f"{ONTOLOGY}/{check(version)}"
