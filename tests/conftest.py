"""Shared fixtures: the real data built once per session, and the test run's artifacts folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pcmh_kg.build import pipeline as build

pytest_plugins = ["stores", "sites"]  # real SPARQL stores (tests/stores.py); a served build, `site` (tests/sites.py)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def real_dist(tmp_path_factory) -> Path:
    """dist/ of the real data, built once (public profile, default base, SHACL checked)."""
    out = tmp_path_factory.mktemp("real") / "dist"
    build.build(DATA, out, shacl=True)
    return out


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests leave files for people to look at (screenshots, reports); git-ignored."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def have(program: str) -> bool:
    return shutil.which(program) is not None
