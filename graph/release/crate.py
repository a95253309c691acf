"""ro-crate-metadata.json of a release (RO-Crate 1.1): the folder as a Dataset whose parts are
its files, each with its media type, size and SHA-256, so research tooling (rocrate, WorkflowHub,
Zenodo's importers) reads the release without knowing pcmh-kg."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from pcmh_kg.model.vocab import LICENSE
from pcmh_kg.release import citation, describe
from pcmh_kg.release.versions import ReleaseMinter
from pcmh_kg.sinks import files as published
from pcmh_kg.sinks import registry

METADATA = "ro-crate-metadata.json"
MEDIA_TYPES = {".cff": "application/x-yaml", ".md": "text/markdown", ".ttl": "text/turtle", ".gz": "application/gzip",
               "": "text/plain"}


def media_type(name: str) -> str:
    fmt = registry.by_extension(Path(name).suffix)
    if fmt is not None:
        return fmt.media_type
    return MEDIA_TYPES.get(Path(name).suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def crate(m: ReleaseMinter, issued: str, files: dict[str, tuple[int, str | None]]) -> str:
    """files: name -> (size, sha256 or None for a file written after the crate: SHA256SUMS)."""
    parts = [{"@id": name} for name in sorted(files)]
    graph = [
        {"@id": METADATA, "@type": "CreativeWork", "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"},
         "about": {"@id": "./"}},
        {"@id": "./", "@type": "Dataset", "name": f"{citation.TITLE}, release {m.version}",
         "description": citation.ABSTRACT, "version": m.version, "datePublished": issued,
         "identifier": m.dataset, "url": m.dataset, "license": {"@id": LICENSE},
         "publisher": {"@id": m.developers}, "creator": {"@id": m.developers},
         "keywords": ", ".join(describe.KEYWORDS), "hasPart": parts},
    ]
    for name in sorted(files):
        size, digest = files[name]
        entry = {"@id": name, "@type": "File", "name": name, "description": published.what(name),
                 "encodingFormat": media_type(name), "contentSize": str(size), "url": m.dump(name)}
        if digest is not None:
            entry["sha256"] = digest
        graph.append(entry)
    graph += [
        {"@id": m.developers, "@type": "Organization", "name": describe.PUBLISHER_NAME},
        {"@id": LICENSE, "@type": "CreativeWork", "name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
    ]
    return json.dumps({"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph}, indent=2) + "\n"
