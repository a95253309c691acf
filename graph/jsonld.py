"""JSON-LD output, compacted with the project's published context.

pyoxigraph writes JSON-LD only in expanded form (full IRIs everywhere); people and JavaScript
read the compacted form far more easily. This writes compact IRIs for the context's prefixes and
keeps every value's exact lexical form, so the dump round-trips to the same triples.
"""

from __future__ import annotations

import json

import pyoxigraph as ox

from .vocab import PREFIXES, RDF, XSD

RDF_TYPE = RDF + "type"
XSD_STRING = XSD + "string"


def context() -> dict:
    return {"@context": dict(sorted(PREFIXES.items()))}


class Compactor:
    def __init__(self):
        # longest namespace first, so that nested namespaces compact to the most specific prefix
        self.pairs = sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))
        self.cache: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        hit = self.cache.get(value)
        if hit is not None:
            return hit
        out = value
        for ns, prefix in self.pairs:
            if value.startswith(ns):
                local = value[len(ns):]
                if local and "/" not in local and "#" not in local and ":" not in local:
                    out = f"{prefix}:{local}"
                break
        if len(self.cache) < 100_000:
            self.cache[value] = out
        return out


def _term(term, compact: Compactor):
    if isinstance(term, ox.NamedNode):
        return {"@id": compact(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    dt = term.datatype.value
    if dt == XSD_STRING:
        return term.value
    return {"@value": term.value, "@type": compact(dt)}


_SHARED = Compactor()  # one cache per process: the same predicates and classes recur in every chunk


def nodes(triples, compact: Compactor | None = None) -> list[dict]:
    """Group triples by subject in first-seen order, one node object each."""
    compact = compact or _SHARED
    by_subject: dict[str, dict] = {}
    for t in triples:
        s = t.subject
        key = s.value if isinstance(s, ox.NamedNode) else f"_:{s.value}"
        node = by_subject.get(key)
        if node is None:
            node = by_subject[key] = {"@id": compact(s.value) if isinstance(s, ox.NamedNode) else key}
        p = t.predicate.value
        if p == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(compact(t.object.value))
            continue
        node.setdefault(compact(p), []).append(_term(t.object, compact))
    out = []
    for node in by_subject.values():
        for k, v in node.items():
            if isinstance(v, list) and len(v) == 1:
                node[k] = v[0]
        out.append(node)
    return out


def document(triples) -> bytes:
    doc = {"@context": context()["@context"], "@graph": nodes(triples)}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8") + b"\n"
