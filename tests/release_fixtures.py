"""Two real graphs for the release and diff tests: the fixture data (tests/fixture_graph.py) and a
copy changed in known ways, written as YAML files in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from fixture_graph import write_fixture


def _edit(path: Path, change) -> None:
    record = yaml.safe_load(path.read_text())
    change(record)
    path.write_text(yaml.safe_dump(record, sort_keys=False))


def changed_copy(data: Path, out: Path) -> Path:
    """The fixture with: syn-a renamed; syn-b given lesson 2 and a personal contact (full profile
    only); syn-c moved to Lambeth, tagged children instead of shared-records, running again; syn-d's
    lesson 8 link dropped and lesson 2's reason reworded; syn-e removed; syn-f added."""
    shutil.copytree(data, out)
    cases = out / "cases"
    _edit(cases / "syn-a.yaml", lambda r: r.update(title="Synthetic A, renamed"))

    def b(r):
        r["lessons"].append({"lesson": 2, "reason": "Reason B2.", "origin": "curated"})
        r["contact"].update(name="Dr Private Person", email="private.person@example.org")
        r["notes"] = "INTERNAL NOTE not for release"
    _edit(cases / "syn-b.yaml", b)

    def c(r):
        r.update(place="lambeth", scope="london", tags=["older-people", "children"])
        r["status"] = {"value": "running", "as_of": "2026-10", "source": r["sources"][0]["url"]}
    _edit(cases / "syn-c.yaml", c)

    def d(r):
        r["lessons"] = [dict(k, reason="Reason D2, reworded.") for k in r["lessons"] if k["lesson"] == 2]
    _edit(cases / "syn-d.yaml", d)
    (cases / "syn-e.yaml").unlink()
    new = yaml.safe_load((cases / "syn-a.yaml").read_text())
    new.update(id="syn-f", title="Synthetic F", place="hackney", tags=["digital"], organisations=["org-b"],
               lessons=[{"lesson": 4, "reason": "Reason F4.", "origin": "curated"}])
    new.pop("status", None), new.pop("flags", None), new.pop("started", None)
    new["contact"] = {"organisation": "org-b", "role": "Role F", "url": "https://example.org/syn-f/contact"}
    (cases / "syn-f.yaml").write_text(yaml.safe_dump(new, sort_keys=False))
    return out


def two_data_folders(tmp: Path) -> tuple[Path, Path]:
    old = write_fixture(tmp / "old")
    return old, changed_copy(old, tmp / "new")
