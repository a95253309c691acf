"""The two sides of a diff: a release (folder or version), a build folder, or a data folder.

A release or a build is read from its N-Triples dump and its build.json (the base it was built
with); a data folder (data/, or any folder holding a guide.yaml) is built in memory on the fly,
as `pcmh-kg query` does, so the working data can be compared with the last release before it is
released.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from pcmh_kg.model.vocab import Minter
from pcmh_kg.query import store
from pcmh_kg.release import versions


@dataclass
class Graph:
    label: str  # for people: "release 2026.12", "the build in dist", "the working data in data"
    store: ox.Store
    base: str
    dataset: str  # the dataset IRI: a release's, else <base>dataset
    version: str | None = None


class GraphError(ValueError):
    pass


def open_graph(spec: str, releases: Path, base: str | None = None) -> Graph:
    path = Path(spec)
    if versions.is_version(spec) and not path.exists():
        path = Path(releases) / spec
        if not (path / "SHA256SUMS").is_file():
            known = ", ".join(versions.released(releases)) or "none"
            raise GraphError(f"no release {spec} in {releases} (releases there: {known})")
    if not path.is_dir():
        raise GraphError(f"{spec}: expected a release version (e.g. 2026.12), a release or build folder "
                         f"(holding {store.DUMP}) or a data folder (holding guide.yaml)")
    if (path / store.DUMP).is_file() and (path / "build.json").is_file():
        return _built(path)
    if (path / "guide.yaml").is_file():
        m = Minter(base)
        return Graph(f"the working data in {spec}", store.from_data(path, m.base), m.base, m.dataset)
    raise GraphError(f"{spec}: neither a release or build folder ({store.DUMP} and build.json) "
                     f"nor a data folder (guide.yaml)")


def _built(path: Path) -> Graph:
    try:
        info = json.loads((path / "build.json").read_text())
        base = info["base"]
    except (OSError, ValueError, KeyError, TypeError):
        raise GraphError(f"{path / 'build.json'}: not a build summary with a 'base'") from None
    release = info.get("release") if isinstance(info.get("release"), dict) else None
    if release:
        version = release.get("version")
        return Graph(f"release {version}", store.from_dump(path / store.DUMP), base,
                     versions.release_iri(base, version), version)
    return Graph(f"the build in {path}", store.from_dump(path / store.DUMP), base, Minter(base).dataset)
