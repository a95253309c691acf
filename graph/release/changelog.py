"""A diff (diff.Changes) written out: in words (CHANGES.md, the `diff` command), as JSON, and as
RDF (changes.ttl).

The RDF uses the Talis ChangeSet vocabulary (http://purl.org/vocab/changeset/schema#), the
established vocabulary for "what changed about this resource": one cs:ChangeSet per changed case
study, with cs:subjectOfChange the case, cs:changeReason the change in the same words as
CHANGES.md, and every triple added or removed about the case (and the nodes it owns) as a
reified rdf:Statement under cs:addition / cs:removal. Applying the removals then the additions
to the old graph's cases gives the new one's; a machine reads exactly what changed, a person
the reason, and nothing new had to be minted in the ontology. The document itself is a
prov:Entity derived from the two datasets compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from pcmh_kg.model import labels
from pcmh_kg.model.vocab import PREFIXES, PROV, RDF, RDFS, XSD
from pcmh_kg.release import diff as differ
from pcmh_kg.release import graphs, versions
from pcmh_kg.sinks import document, formats
from pcmh_kg.sinks.formats import BLANK
from pcmh_kg.triples.terms import Lines, iri, text, typed

CS = "http://purl.org/vocab/changeset/schema#"


def _short(value: str, limit: int = 70) -> str:
    one = " ".join(str(value).split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _field_words(name: str, old, new) -> str:
    if isinstance(old, tuple) or isinstance(new, tuple):
        old, new = set(old or ()), set(new or ())
        parts = []
        if new - old:
            parts.append("added " + "; ".join(sorted(new - old)))
        if old - new:
            parts.append("removed " + "; ".join(sorted(old - new)))
        return f"{name}: {', '.join(parts)}"
    if old is None:
        return f"{name}: now {_short(new)!r}"
    if new is None:
        return f"{name}: {_short(old)!r} removed"
    if name == "summary" or name.endswith(" reason"):
        return f"{name}: rewritten, was {_short(old)!r}, now {_short(new)!r}"
    return f"{name}: {old} → {new}"


def _link_words(link: differ.Link) -> str:
    return f"lesson {link.lesson} ({link.label}): {link.reason}"


def case_words(changes: differ.Changes) -> dict[str, list[str]]:
    """Per case IRI, the lines that say what changed about it (CHANGES.md and cs:changeReason)."""
    out: dict[str, list[str]] = {}
    for c in changes.added:
        out.setdefault(c.iri, []).append(f"added: {c.title} ({c.fields['place']}, {c.fields['scope']})")
        out[c.iri] += ["evidences " + _link_words(link) for link in c.lessons.values()]
    for c in changes.removed:
        out.setdefault(c.iri, []).append(f"removed: {c.title}")
    for a, b in changes.renamed:
        out.setdefault(b.iri, []).append(f"renamed: {a.title!r} is now {b.title!r}")
    for c, link in changes.links_added:
        out.setdefault(c.iri, []).append("now evidences " + _link_words(link))
    for c, link in changes.links_removed:
        out.setdefault(c.iri, []).append("no longer evidences " + _link_words(link))
    for c, fields in changes.changed:
        out.setdefault(c.iri, []).extend(_field_words(*f) for f in fields)
    return out


def summary(changes: differ.Changes) -> str:
    """The change log in one sentence (CHANGES.md's first line, the releases page)."""
    before, after = changes.counts
    return (f"{before} case studies before, {after} after: {len(changes.added)} added, {len(changes.removed)} "
            f"removed, {len(changes.renamed)} renamed, {len(changes.changed)} with changed details; "
            f"{len(changes.links_added)} lesson links added, {len(changes.links_removed)} removed.")


def words(changes: differ.Changes) -> str:
    """The change log as Markdown a commissioner reads."""
    base = changes.new.base
    lines = [f"# Changes from {changes.old.label} to {changes.new.label}", "", summary(changes), ""]
    if changes.empty:
        return "\n".join(lines + ["No case study changed.", ""])

    def section(title, items):
        if items:
            lines.extend([f"## {title}", "", *items, ""])

    def name(c):
        return f"{c.title} ({labels.short(c.iri, base)})"

    section("Case studies added", [f"- **{name(c)}**, {c.fields['place']} ({c.fields['scope']}); "
                                   + "; ".join(f"evidences {_link_words(k)}" for k in c.lessons.values())
                                   for c in changes.added])
    section("Case studies removed", [f"- **{name(c)}**" + "".join(f"; it evidenced {_link_words(k)}"
                                                                  for k in c.lessons.values())
                                     for c in changes.removed])
    section("Case studies renamed", [f"- {labels.short(b.iri, base)}: “{a.title}” is now “{b.title}”"
                                     for a, b in changes.renamed])
    section("Lesson links added", [f"- {name(c)} now evidences {_link_words(k)}" for c, k in changes.links_added])
    section("Lesson links removed", [f"- {name(c)} no longer evidences {_link_words(k)}"
                                     for c, k in changes.links_removed])
    changed = []
    for c, fields in changes.changed:
        changed.append(f"- **{name(c)}**")
        changed.extend(f"  - {_field_words(*f)}" for f in fields)
    section("Details changed", changed)
    return "\n".join(lines)


def as_json(changes: differ.Changes) -> str:
    """The change log as data (changes.json, `diff --format json`), each change with the words
    CHANGES.md gives it, so that a page or a partner can show it without a Markdown parser."""
    def case(c):
        return {"id": c.id, "iri": c.iri, "title": c.title}

    def link(c, k):
        return {**case(c), "lesson": k.lesson, "lesson_label": k.label, "reason": k.reason, "origin": k.origin}

    def value(v):
        return list(v) if isinstance(v, tuple) else v

    doc = {
        "from": {"label": changes.old.label, "dataset": changes.old.dataset, "cases": changes.counts[0]},
        "to": {"label": changes.new.label, "dataset": changes.new.dataset, "cases": changes.counts[1]},
        "summary": summary(changes),
        "added": [{**case(c), "place": c.fields["place"], "scope": c.fields["scope"],
                   "lessons": [{**link(c, k), "words": "evidences " + _link_words(k)} for k in c.lessons.values()]}
                  for c in changes.added],
        "removed": [{**case(c), "lessons": [{**link(c, k), "words": "evidenced " + _link_words(k)}
                                            for k in c.lessons.values()]} for c in changes.removed],
        "renamed": [{**case(b), "old_title": a.title} for a, b in changes.renamed],
        "lesson_links": {"added": [{**link(c, k), "words": "now evidences " + _link_words(k)}
                                   for c, k in changes.links_added],
                         "removed": [{**link(c, k), "words": "no longer evidences " + _link_words(k)}
                                     for c, k in changes.links_removed]},
        "changed": [{**case(c), "fields": [{"field": f, "old": value(o), "new": value(n),
                                            "words": _field_words(f, o, n)} for f, o, n in fields]}
                    for c, fields in changes.changed],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def rdf_triples(changes: differ.Changes, document: str, created: str) -> list[tuple]:
    t = Lines()
    add = t.add
    add(document, RDF + "type", iri(PROV + "Entity"))
    add(document, RDFS + "label", text(f"Changes from {changes.old.label} to {changes.new.label}"))
    add(document, PROV + "wasDerivedFrom", iri(changes.old.dataset))
    add(document, PROV + "wasDerivedFrom", iri(changes.new.dataset))
    reasons = case_words(changes)
    for n, (c, (added, removed)) in enumerate(sorted(changes.triples.items()), 1):
        cs = f"_:change-{n}"
        add(cs, RDF + "type", iri(CS + "ChangeSet"))
        add(cs, CS + "subjectOfChange", iri(c))
        add(cs, CS + "createdDate", typed(created, XSD + ("date" if len(created) == 10 else "dateTime")))
        add(cs, CS + "creatorName", text("pcmh-kg diff", None))
        add(cs, CS + "changeReason", text("; ".join(reasons.get(c, ["triples changed"]))))
        add(cs, PROV + "wasDerivedFrom", iri(changes.old.dataset))
        statements = [("addition", line) for line in sorted(added)] + [("removal", line) for line in sorted(removed)]
        for k, (kind, _) in enumerate(statements, 1):
            add(cs, CS + kind, (BLANK, f"change-{n}-{k}"))
        for k, (_, line) in enumerate(statements, 1):
            (triple,) = ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES)
            st = f"_:change-{n}-{k}"
            add(st, RDF + "type", iri(RDF + "Statement"))
            add(st, RDF + "subject", iri(triple.subject.value))
            add(st, RDF + "predicate", iri(triple.predicate.value))
            add(st, RDF + "object", formats.from_oxigraph([ox.Triple(triple.subject, triple.predicate, triple.object)])[0][2])
    return t.triples


def as_turtle(changes: differ.Changes, document_iri: str, created: str) -> bytes:
    return document.turtle_with_prefixes(rdf_triples(changes, document_iri, created), {**PREFIXES, "cs": CS})


def write_release_changes(folder: Path, m: versions.ReleaseMinter, issued: str, previous: str | None,
                          releases: Path) -> None:
    """CHANGES.md, changes.json and changes.ttl of a release, against the previous one (none: the
    first release, which has CHANGES.md alone)."""
    if previous is None:
        (folder / "CHANGES.md").write_text(f"# Release {m.version}\n\nThe first release: no earlier release "
                                           f"to compare with.\n", encoding="utf-8")
        (folder / "changes.ttl").write_bytes(formats.turtle_document([]))
        return
    old = graphs.open_graph(previous, releases)
    new = graphs.Graph(f"release {m.version}", _store(folder), m.base, m.dataset, m.version)
    changes = differ.compare(old, new)
    (folder / "CHANGES.md").write_text(words(changes), encoding="utf-8")
    (folder / "changes.json").write_text(as_json(changes), encoding="utf-8")
    (folder / "changes.ttl").write_bytes(as_turtle(changes, m.dump("changes.ttl"), issued))


def _store(folder: Path) -> ox.Store:
    from pcmh_kg.query import store

    return store.from_dump(folder / store.DUMP)
