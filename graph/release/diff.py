"""What changed between two graphs, case study by case study, in the terms a commissioner uses.

Each case is read from the graph (not the YAML), so any two graphs compare: two releases, a
release and the working data. A case is matched by its IRI: one missing on a side is added or
removed; one whose title differs is renamed. Its lesson links are compared lesson by lesson
(added, removed, reason changed), and every other field by value. Alongside the words, each
changed case keeps the exact triples added and removed about it and the nodes it owns (its
lesson evidence, status statement and contact point), for the machine-readable diff.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyoxigraph as ox

from pcmh_kg.model import labels
from pcmh_kg.model.vocab import DCAT, DCTERMS, PCMH, PROV, RDF, RDFS, SCHEMA, SKOS, VCARD
from pcmh_kg.release.graphs import Graph

N = ox.NamedNode
LABELS = (SKOS + "prefLabel", SCHEMA + "name", RDFS + "label", DCTERMS + "title")
OWNED = (PCMH + "hasLessonEvidence", PCMH + "statusStatement", DCAT + "contactPoint")
# field name -> (predicate on the case, several values?)
FIELDS = {
    "summary": (DCTERMS + "description", False),
    "place": (DCTERMS + "spatial", False),
    "scope": (PCMH + "scope", False),
    "organisations": (PCMH + "organisation", True),
    "start year": (PCMH + "startYear", False),
    "status": (PCMH + "status", False),
    "tags": (DCTERMS + "subject", True),
    "sources": (PROV + "wasDerivedFrom", True),
    "flags": (PCMH + "flag", True),
}


@dataclass(frozen=True)
class Link:
    lesson: int
    label: str
    reason: str
    origin: str
    sources: tuple


@dataclass
class Case:
    iri: str
    id: str
    title: str
    fields: dict
    lessons: dict  # lesson number -> Link
    triples: frozenset  # N-Triples lines about the case and the nodes it owns


@dataclass
class Changes:
    old: Graph
    new: Graph
    counts: tuple  # cases before, after
    added: list = field(default_factory=list)  # Case
    removed: list = field(default_factory=list)  # Case
    renamed: list = field(default_factory=list)  # (Case old, Case new)
    links_added: list = field(default_factory=list)  # (Case, Link)
    links_removed: list = field(default_factory=list)  # (Case, Link)
    changed: list = field(default_factory=list)  # (Case new, [(field, old, new)])
    triples: dict = field(default_factory=dict)  # case IRI -> (added lines, removed lines)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.links_added or self.links_removed
                    or self.changed)


class Reader:
    """Reads cases out of one graph, with the labels of what they point at (cached)."""

    def __init__(self, graph: Graph):
        self.store, self.base = graph.store, graph.base
        self._labels: dict = {}

    def objects(self, s: str, p: str) -> list:
        return [q.object for q in self.store.quads_for_pattern(N(s), N(p), None)]

    def one(self, s: str, p: str) -> str | None:
        found = self.objects(s, p)
        return found[0].value if found else None

    def label(self, term) -> str:
        if not isinstance(term, ox.NamedNode):
            return term.value
        if term.value not in self._labels:
            found = next((o.value for p in LABELS for o in self.objects(term.value, p)), None)
            self._labels[term.value] = found or labels.short(term.value, self.base)
        return self._labels[term.value]

    def case_iris(self) -> list[str]:
        return [q.subject.value for q in self.store.quads_for_pattern(None, N(RDF + "type"), N(PCMH + "CaseStudy"))]

    def lines(self, c: str) -> frozenset:
        """The N-Triples lines about the case and the nodes it owns."""
        subjects = [c] + [o.value for p in OWNED for o in self.objects(c, p)]
        return frozenset(str(q.triple) + " ." for s in subjects for q in self.store.quads_for_pattern(N(s), None, None))

    def digests(self) -> dict[str, bytes]:
        """Each case's lines, hashed: two releases of 100k cases are compared case by case
        without holding either, and only the cases that differ are read in full."""
        return {c: hashlib.blake2b("\n".join(sorted(self.lines(c))).encode(), digest_size=16).digest()
                for c in self.case_iris()}

    def case(self, c: str) -> Case:
        fields = {}
        for name, (p, many) in FIELDS.items():
            values = sorted(self.label(o) if name != "sources" else o.value for o in self.objects(c, p))
            fields[name] = tuple(values) if many else (values[0] if values else None)
        status = self.one(c, PCMH + "statusStatement")
        if status and fields["status"]:
            fields["status"] += f" (as of {self.one(status, DCTERMS + 'date')})"
        contact = self.one(c, DCAT + "contactPoint")
        if contact:
            org = self.objects(contact, PCMH + "organisation")
            fields["contact"] = ", ".join(filter(None, (self.one(contact, VCARD + "role"),
                                                        self.label(org[0]) if org else None,
                                                        self.one(contact, VCARD + "hasURL"))))
        lessons = {}
        for node in self.objects(c, PCMH + "hasLessonEvidence"):
            lesson = self.objects(node.value, PCMH + "lesson")[0]
            number = int(lesson.value.rstrip("/").rsplit("/", 1)[1])
            origin = self.objects(node.value, PCMH + "origin")
            lessons[number] = Link(number, self.label(lesson), self.one(node.value, PCMH + "reason") or "",
                                   self.label(origin[0]) if origin else "",
                                   tuple(sorted(o.value for o in self.objects(node.value, PROV + "wasDerivedFrom"))))
        return Case(c, self.one(c, DCTERMS + "identifier") or labels.short(c, self.base),
                    self.one(c, DCTERMS + "title") or "", fields, lessons, self.lines(c))


def compare(old: Graph, new: Graph) -> Changes:
    if old.base != new.base:
        raise ValueError(f"{old.label} was built with base {old.base} and {new.label} with {new.base}: "
                         f"compare graphs of the same base")
    was, now = Reader(old), Reader(new)
    before, after = was.digests(), now.digests()
    out = Changes(old, new, (len(before), len(after)))
    for c in sorted(after.keys() - before.keys()):
        out.added.append(now.case(c))
        out.triples[c] = (out.added[-1].triples, frozenset())
    for c in sorted(before.keys() - after.keys()):
        out.removed.append(was.case(c))
        out.triples[c] = (frozenset(), out.removed[-1].triples)
    for c in sorted(before.keys() & after.keys()):
        if before[c] == after[c]:
            continue
        a, b = was.case(c), now.case(c)
        out.triples[c] = (b.triples - a.triples, a.triples - b.triples)
        if a.title != b.title:
            out.renamed.append((a, b))
        for n in sorted(b.lessons.keys() - a.lessons.keys()):
            out.links_added.append((b, b.lessons[n]))
        for n in sorted(a.lessons.keys() - b.lessons.keys()):
            out.links_removed.append((b, a.lessons[n]))
        fields = [(name, a.fields.get(name), b.fields.get(name)) for name in (*FIELDS, "contact")
                  if a.fields.get(name) != b.fields.get(name)]
        for n in sorted(a.lessons.keys() & b.lessons.keys()):
            la, lb = a.lessons[n], b.lessons[n]
            for what in ("reason", "origin", "sources"):
                if getattr(la, what) != getattr(lb, what):
                    fields.append((f"lesson {n} {what}", getattr(la, what), getattr(lb, what)))
        if fields:
            out.changed.append((b, fields))
    return out
