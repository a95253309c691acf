"""JSON-LD output, compacted with the project's published context.

pyoxigraph writes JSON-LD only in expanded form (full IRIs everywhere); people and JavaScript
read the compacted form far more easily. This writes compact IRIs for the context's prefixes and
keeps every value's exact lexical form, so the dump round-trips to the same triples.
"""

from __future__ import annotations

import json

from . import formats
from .formats import BLANK, COMPACT, IRI, LITERAL, RDF_TYPE
from .vocab import PREFIXES


def context() -> dict:
    return {"@context": dict(sorted(PREFIXES.items()))}


def _name(value: str) -> str:
    return COMPACT(value) or value


def _term(o: tuple):
    kind = o[0]
    if kind == IRI:
        return {"@id": COMPACT(o[1]) or o[1]}
    if kind == BLANK:
        return {"@id": f"_:{o[1]}"}
    if kind == LITERAL:
        return {"@value": o[1], "@language": o[2]} if o[2] else o[1]
    return {"@value": o[1], "@type": COMPACT(o[2]) or o[2]}


def nodes(triples) -> list[dict]:
    """One node object per subject, in first-seen order (the emitter's triples)."""
    by_subject: dict[str, dict] = {}
    for s, p, o in triples:
        node = by_subject.get(s)
        if node is None:
            node = by_subject[s] = {"@id": s if s.startswith("_:") else _name(s)}
        if p == RDF_TYPE and o[0] == IRI:
            node.setdefault("@type", []).append(_name(o[1]))
            continue
        node.setdefault(_name(p), []).append(_term(o))
    out = []
    for node in by_subject.values():
        for k, v in node.items():
            if isinstance(v, list) and len(v) == 1:
                node[k] = v[0]
        out.append(node)
    return out


def node_lines(triples) -> str:
    """The node objects of a chunk as members of the dump's @graph array, one per line."""
    return ",\n".join("  " + json.dumps(n, ensure_ascii=False) for n in nodes(triples))


def document(ox_triples) -> bytes:
    """A whole JSON-LD document for triples read from Oxigraph (the server's per-resource views)."""
    doc = {"@context": context()["@context"], "@graph": nodes(formats.from_oxigraph(ox_triples))}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8") + b"\n"
