"""Where the files that ship with the package live: ontology, shapes, queries, viz assets, data.

The package is laid out as the design card asks (top-level graph/, ontology/, queries/, viz/,
data/), and pyproject maps those folders into the installed `pcmh_kg` package; this module
finds them in either layout, so a checkout and a wheel behave the same.
"""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _first(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[0]


def ontology_dir() -> Path:
    return _first(_PKG.parent / "ontology", _PKG / "ontology")


def queries_dir() -> Path:
    return _first(_PKG.parent / "queries", _PKG / "queries")


def packaged_data_dir() -> Path:
    return _first(_PKG.parent / "data", _PKG / "data")


def default_data_dir() -> Path:
    """--data, else $PCMH_KG_DATA, else ./data when it holds a guide, else the packaged data."""
    env = os.environ.get("PCMH_KG_DATA")
    if env:
        return Path(env)
    local = Path("data")
    if (local / "guide.yaml").exists():
        return local
    return packaged_data_dir()
