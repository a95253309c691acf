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
def real_page(real_dist, tmp_path_factory) -> Path:
    """The explorer page of the real data (pcmh-kg viz), written once."""
    from pcmh_kg import cli
    out = tmp_path_factory.mktemp("viz") / "explorer.html"
    assert cli.main(["viz", "--data", str(DATA), "--dist", str(real_dist), "--out", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="session")
def real_store(real_dist):
    """The real data's store and base, as the commands open it."""
    from pcmh_kg.query import store
    return store.open_store(DATA, real_dist)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests leave files for people to look at (screenshots, reports); git-ignored."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def have(program: str) -> bool:
    return shutil.which(program) is not None
