"""CITATION.cff of a release (Citation File Format 1.2.0, checked with `cffconvert --validate`)."""

from __future__ import annotations

import datetime

import yaml

from pcmh_kg.release import describe
from pcmh_kg.release.versions import ReleaseMinter

TITLE = "pcmh-kg: primary care mental health practice"
ABSTRACT = ("A knowledge graph of the themes and lessons of 'A commissioner's guide to primary care mental "
            "health' (London Mental Health Strategic Clinical Network, July 2014) and of publicly documented "
            "case studies that evidence them, with tags, places, organisations and public contact points.")


def citation(m: ReleaseMinter, issued: str) -> str:
    record = {
        "cff-version": "1.2.0",
        "message": "If you use this release of pcmh-kg, please cite it as below.",
        "type": "dataset",
        "title": TITLE,
        "version": m.version,
        "date-released": datetime.date.fromisoformat(issued),
        "abstract": ABSTRACT,
        "authors": [{"name": describe.PUBLISHER_NAME}],
        "license": "CC-BY-4.0",
        "url": m.dataset,
        "identifiers": [{"type": "url", "value": m.dataset, "description": f"release {m.version} of pcmh-kg"}],
        "keywords": list(describe.KEYWORDS),
        "references": [{
            "type": "report",
            "title": "A commissioner's guide to primary care mental health",
            "authors": [{"name": "London Mental Health Strategic Clinical Network"}],
            "year": 2014,
            "month": 7,
        }],
    }
    return yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=100)
