"""A tiny synthetic data directory whose every query answer can be worked out by hand.

Five synthetic cases (A-E) over a synthetic framework of tags, places and organisations, with the
guide's real themes and lessons (copied from data/guide.yaml):

  case  place        scope          lessons   tags                        orgs          started  status
  A     lambeth      london         1, 2, 6   older-people, shared-records org-a         2016 +   running (2026-11-30)
  B     hackney      london         6         children                    org-a, org-b  2010     -
  C     australia    international  8, 9      older-people, shared-records org-b         2015     ended (2015-12)
  D     south-west   national       2, 8      older-people                org-c, org-a  -        -
  E     england      national       10        digital                     org-c, org-f  -        -
  (+ A is flagged began-after-guide; a case without a status is unknown)

Organisations that changed: org-b was succeeded by org-d on 2022-07-01; org-c by org-e in 2020-04,
and org-e by org-d on 2022-07-01 (so org-d is today's successor of both); org-f was dissolved in 2021.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from conftest import DATA

SUMMARY = ("Synthetic case for the query tests; it describes no real service. " + " ".join(["words"] * 40))

TAGS = [
    {"id": "population", "label": "Population", "definition": "Synthetic top tag."},
    {"id": "older-people", "label": "Older people", "definition": "Synthetic.", "broader": "population"},
    {"id": "children", "label": "Children", "definition": "Synthetic.", "broader": "population"},
    {"id": "digital", "label": "Digital", "definition": "Synthetic top tag."},
    {"id": "shared-records", "label": "Shared records", "definition": "Synthetic.", "broader": "digital"},
]
PLACES = [
    {"id": "uk", "name": "United Kingdom", "type": "country", "iso": "GB", "lat": 55.0, "long": -3.0},
    {"id": "england", "name": "England", "type": "nation", "parent": "uk", "lat": 52.0, "long": -1.0},
    {"id": "london", "name": "London", "type": "region", "parent": "england", "lat": 51.5, "long": -0.1},
    {"id": "south-west", "name": "South West", "type": "region", "parent": "england", "lat": 51.0, "long": -3.0},
    {"id": "lambeth", "name": "Lambeth", "type": "borough", "parent": "london", "lat": 51.46, "long": -0.12},
    {"id": "hackney", "name": "Hackney", "type": "borough", "parent": "london", "lat": 51.55, "long": -0.06},
    {"id": "australia", "name": "Australia", "type": "country", "iso": "AU", "lat": -25.0, "long": 133.0},
]
ORGS = [
    {"id": "org-a", "name": "Org A", "type": "charity"},
    {"id": "org-b", "name": "Org B", "type": "nhs-provider",
     "succeeded_by": {"organisation": "org-d", "date": "2022-07-01", "source": "https://example.org/change/icbs"}},
    {"id": "org-c", "name": "Org C", "type": "local-government",
     "succeeded_by": {"organisation": "org-e", "date": "2020-04", "source": "https://example.org/change/c"}},
    {"id": "org-d", "name": "Org D", "type": "nhs-commissioner"},
    {"id": "org-e", "name": "Org E", "type": "nhs-commissioner",
     "succeeded_by": [{"organisation": "org-d", "date": "2022-07-01",
                       "source": ["https://example.org/change/e", "https://example.org/change/icbs"]}]},
    {"id": "org-f", "name": "Org F", "type": "charity",
     "dissolved": {"date": 2021, "source": "https://example.org/change/f"}},
    {"id": "london-mental-health-scn", "name": "Synthetic publisher", "type": "network"},
]


def _case(key, place, scope, lessons, tags, orgs, started=None, flags=None, lesson_sources=None, n_sources=1,
          status=None):
    cid = f"syn-{key.lower()}"
    sources = [{"url": f"https://example.org/{cid}/source-{i}", "title": f"Source {key}{i}",
                "publisher": "example.org"} for i in range(1, n_sources + 1)]
    record = {
        "id": cid, "title": f"Synthetic {key}", "summary": SUMMARY, "place": place, "scope": scope,
        "organisations": orgs, "tags": tags,
        "lessons": [{"lesson": n, "reason": f"Reason {key}{n}.", "origin": "curated",
                     **({"source": lesson_sources[n]} if lesson_sources and n in lesson_sources else {})}
                    for n in lessons],
        "sources": sources,
        "contact": {"organisation": orgs[0], "role": f"Role {key}", "url": f"https://example.org/{cid}/contact"},
    }
    if started:
        record["started"] = started
    if flags:
        record["flags"] = flags
    if status:
        record["status"] = {"value": status[0], "as_of": status[1], "source": sources[0]["url"]}
    return record


CASES = [
    _case("A", "lambeth", "london", [1, 2, 6], ["older-people", "shared-records"], ["org-a"], 2016,
          ["began-after-guide"], {1: "https://example.org/syn-a/source-1"}, n_sources=2,
          status=("running", "2026-11-30")),
    _case("B", "hackney", "london", [6], ["children"], ["org-a", "org-b"], 2010),
    _case("C", "australia", "international", [8, 9], ["older-people", "shared-records"], ["org-b"], 2015,
          status=("ended", "2015-12")),
    _case("D", "south-west", "national", [2, 8], ["older-people"], ["org-c", "org-a"]),
    _case("E", "england", "national", [10], ["digital"], ["org-c", "org-f"]),
]


def write_fixture(out: Path) -> Path:
    out.mkdir(parents=True)
    (out / "SYNTHETIC.txt").write_text("Synthetic test fixture; not real case studies.\n")
    shutil.copy(DATA / "guide.yaml", out / "guide.yaml")
    src = [{"url": "https://example.org/synthetic-framework", "title": "Synthetic framework"}]
    for folder, key, items, extra in (("tags", "tags", TAGS, {"scheme": {"id": "syn", "title": "Synthetic tags"}}),
                                      ("places", "places", PLACES, {"sources": src}),
                                      ("organisations", "organisations", ORGS, {})):
        (out / folder).mkdir()
        (out / folder / "fixture.yaml").write_text(yaml.safe_dump({**extra, key: items}, sort_keys=False))
    (out / "cases").mkdir()
    for case in CASES:
        (out / "cases" / f"{case['id']}.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    return out
