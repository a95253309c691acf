"""The releases on the server: /release/ (the catalogue), /release/VERSION (one release) and
/release/VERSION/FILE (its files), content-negotiated like every IRI under the base.

Only what a release lists in its SHA256SUMS is served, from a folder that is a real directory
(no symlink) directly inside --releases: a path is never joined from what the client sent, so
../, %2e%2e, absolute paths and symlinks pointing elsewhere all get 404.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from pcmh_kg.model.vocab import DCAT, Minter
from pcmh_kg.publish import negotiation, pages
from pcmh_kg.publish.documents import HTML, rdf_bytes
from pcmh_kg.publish.http import Reply, Request, Response
from pcmh_kg.release import crate, versions
from pcmh_kg.sinks import files as published

SHOWN = 200  # changes listed per section of a release page; CHANGES.md has them all


class Releases:
    def __init__(self, app, folder: Path | None):
        self.app, self.folder = app, Path(folder) if folder is not None else None
        self._read: dict[tuple, dict] = {}  # (path, inode, size, mtime) -> the JSON read

    def versions(self) -> list[str]:
        return versions.released(self.folder)

    def folder_of(self, version: str) -> Path:
        if self.folder is None or not versions.is_version(version) or version not in self.versions():
            raise Reply(404, f"no release {version!r} on this server; see /release/")
        return self.folder / version

    def listed(self, folder: Path) -> dict[str, str]:
        """name -> SHA-256, as the release's SHA256SUMS lists its files (and SHA256SUMS itself)."""
        out = {}
        sums = self._file(folder, "SHA256SUMS")
        for line in (sums.read_text(encoding="utf-8") if sums else "").splitlines():
            digest, _, name = line.partition("  ")
            if name and "/" not in name and name not in (".", ".."):
                out[name] = digest
        out["SHA256SUMS"] = ""
        return out

    def info(self, version: str) -> dict:
        folder = self.folder_of(version)
        release = self._json(folder, "build.json").get("release")
        damaged = not isinstance(release, dict)  # the page stays up, saying so
        release = {} if damaged else release
        previous = release.get("previous") if isinstance(release.get("previous"), str) else None
        changes = self._json(folder, "changes.json") if previous else {}
        summary = changes.get("summary") if isinstance(changes.get("summary"), str) else None
        if not previous and not damaged:
            summary = "the first release"
        return {"version": version, "issued": release.get("issued", ""), "previous": previous,
                "iri": versions.release_iri(self.app.cfg.base, version), "href": f"/release/{version}",
                "summary": summary or "see the release's CHANGES.md", "changes": changes, "damaged": damaged}

    def change_sections(self, changes: dict) -> list[dict]:
        """changes.json as the release page's sections: each item a case (linked to its page when
        this server publishes it) and the words of what changed about it; at most SHOWN items a
        section (a release of 100k cases can change them all), the rest counted."""
        known = self.app.people.site.cases
        link = self.app.people.linker().href

        def item(entry: dict, words: list[str]) -> dict:
            iri = entry.get("iri")
            return {"title": str(entry.get("title") or entry.get("id") or iri), "words": [str(w) for w in words],
                    "href": link(iri) if isinstance(iri, str) and iri in known else None}

        def entries(value) -> list[dict]:
            return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []

        def said(values) -> list[str]:
            return [e["words"] for e in entries(values) if isinstance(e.get("words"), str)]

        links = changes.get("lesson_links") if isinstance(changes.get("lesson_links"), dict) else {}
        sections = [
            ("Case studies added", changes.get("added"),
             lambda e: [f"{e.get('place')} ({e.get('scope')})", *said(e.get("lessons"))]),
            ("Case studies removed", changes.get("removed"), lambda e: said(e.get("lessons"))),
            ("Case studies renamed", changes.get("renamed"), lambda e: [f"was “{e.get('old_title')}”"]),
            ("Lesson links added", links.get("added"), lambda e: said([e])),
            ("Lesson links removed", links.get("removed"), lambda e: said([e])),
            ("Details changed", changes.get("changed"), lambda e: said(e.get("fields"))),
        ]
        out = []
        for title, value, words in sections:
            found = entries(value)
            if found:
                out.append({"title": title, "items": [item(e, words(e)) for e in found[:SHOWN]],
                            "more": max(len(found) - SHOWN, 0)})
        return out

    def newest(self) -> dict | None:
        done = self.versions()
        return self.info(done[-1]) if done else None

    def index(self, req: Request) -> Response:
        offer = self.app.choose(negotiation.ENTITIES, req)
        if offer is negotiation.HTML:
            rows = [self.info(v) for v in reversed(self.versions())]
            return Response(200, HTML, pages.render("releases.html", title="Releases", releases=rows),
                            self.app.people.headers({"Vary": "Accept"}))
        done = self.versions()
        triples = [t for v in done for t in self._void(v)] + self._current(done)
        return Response(200, offer.content_type, rdf_bytes(triples, offer), {"Vary": "Accept"})

    def _current(self, done: list[str]) -> list:
        """What only the server knows, as no frozen release can say it: the living dataset's
        versions and its current one, the newest release (DCAT 3 dcat:hasVersion,
        dcat:hasCurrentVersion), so a harvester finds the newest without reading dates."""
        if not done:
            return []
        living = ox.NamedNode(Minter(self.app.cfg.base).dataset)
        out = [ox.Triple(living, ox.NamedNode(DCAT + "hasVersion"), ox.NamedNode(versions.release_iri(self.app.cfg.base, v)))
               for v in done]
        out.append(ox.Triple(living, ox.NamedNode(DCAT + "hasCurrentVersion"),
                             ox.NamedNode(versions.release_iri(self.app.cfg.base, done[-1]))))
        return out

    def latest(self, req: Request) -> Response:
        """/release/latest[/FILE]: a temporary redirect (302) to the newest release or its file,
        for a partner that always loads the newest; the releases' own IRIs stay the ones to cite."""
        done = self.versions()
        if not done:
            raise Reply(404, "no release has been published on this server; see /release/")
        rest = req.match.get("rest") or ""
        query = urllib.parse.urlencode(req.params, doseq=True)
        target = f"/release/{done[-1]}{rest}" + (f"?{query}" if query else "")
        return Response(302, "text/plain; charset=utf-8", f"the newest release is at {target}\n".encode(),
                        {"Location": target, "Cache-Control": "no-cache"})

    def release(self, req: Request) -> Response:
        version = req.match["version"]
        folder = self.folder_of(version)
        offer = self.app.choose(negotiation.ENTITIES, req)
        if offer is negotiation.HTML:
            sums = self.listed(folder)
            files = [(n, f"/release/{version}/{n}", (folder / n).stat().st_size, sums[n], published.what(n))
                     for n in sorted(sums) if self._file(folder, n) is not None]
            r = self.info(version)
            body = pages.render("release.html", title=f"Release {version}", r=r, files=files,
                                sections=self.change_sections(r["changes"]))
            return Response(200, HTML, body, self.app.people.headers({"Vary": "Accept"}))
        if offer.name == "ttl" and self._file(folder, "void.ttl"):
            return Response(200, offer.content_type, folder / "void.ttl", {"Vary": "Accept"})
        return Response(200, offer.content_type, rdf_bytes(self._void(version), offer), {"Vary": "Accept"})

    def file(self, req: Request) -> Response:
        version, name = req.match["version"], req.match["name"]
        folder = self.folder_of(version)
        path = self._file(folder, name) if name in self.listed(folder) else None
        if path is None:
            raise Reply(404, f"release {version} has no file {name!r}; see /release/{version}")
        return Response(200, crate.media_type(name) + ("; charset=utf-8" if _is_text(name) else ""), path,
                        {"Cache-Control": "public, max-age=31536000, immutable"})

    def _json(self, folder: Path, name: str) -> dict:
        """A release's JSON file, or {} when it is missing or unreadable: a damaged release still
        gets its page, without that part. Read once per version of the file (releases do not
        change, and the home page names the newest on every visit)."""
        path = self._file(folder, name)
        if path is None:
            return {}
        try:
            st = path.stat()
            key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
            if key not in self._read:
                if len(self._read) >= 64:
                    self._read.clear()
                value = json.loads(path.read_text(encoding="utf-8"))
                self._read[key] = value if isinstance(value, dict) else {}
        except (OSError, ValueError):
            return {}
        return self._read[key]

    @staticmethod
    def _file(folder: Path, name: str) -> Path | None:
        path = folder / name
        if path.is_symlink() or not path.is_file() or path.resolve().parent != folder.resolve():
            return None
        return path

    def _void(self, version: str) -> list:
        path = self._file(self.folder_of(version), "void.ttl")
        return list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)) if path else []


def _is_text(name: str) -> bool:
    return crate.media_type(name).startswith("text/") or name.endswith((".cff", ".jsonld", ".json", ".nt"))
