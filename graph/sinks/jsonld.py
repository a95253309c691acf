"""JSON-LD output, compacted with the project's published context.

pyoxigraph writes JSON-LD only in expanded form (full IRIs everywhere); people and JavaScript
read the compacted form far more easily. This writes compact IRIs for the context's prefixes and
keeps every value's exact lexical form, so the dump round-trips to the same triples. Node objects
are written as text directly (each term's JSON worked out once per process), which is several
times faster than building dictionaries for json.dumps at 100k cases.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _string  # the C encoder, as json.dumps(ensure_ascii=False)

from pcmh_kg.model.vocab import PREFIXES
from pcmh_kg.sinks import formats
from pcmh_kg.sinks.formats import BLANK, IRI, LITERAL, RDF_TYPE, Tokens, compact


def context() -> dict:
    return {"@context": dict(sorted(PREFIXES.items()))}


_NAME = Tokens(lambda v: _string(v if v.startswith("_:") else (compact(v) or v)))
_REF = Tokens(lambda v: '{"@id": ' + _NAME[v] + "}")


def node_lines(triples) -> str:
    """One node object per subject (in first-seen order), one per line, as members of an @graph
    array: a property with one value holds it, one with several holds a list."""
    by_subject: dict[str, dict[str, list[str]]] = {}
    subject = props = None
    for s, p, o in triples:
        if s != subject:
            subject = s
            props = by_subject.get(s)
            if props is None:
                props = by_subject[s] = {}
        kind = o[0]
        if kind == IRI:
            if p == RDF_TYPE:
                key, value = '"@type"', _NAME[o[1]]
            else:
                key, value = _NAME[p], _REF[o[1]]
        else:
            key = _NAME[p]  # rdf:type with a literal or blank node is an ordinary property
            if kind == LITERAL:
                value = f'{{"@value": {_string(o[1])}, "@language": {_string(o[2])}}}' if o[2] else _string(o[1])
            elif kind == BLANK:
                value = _REF["_:" + o[1]]
            else:
                value = f'{{"@value": {_string(o[1])}, "@type": {_NAME[o[2]]}}}'
        values = props.get(key)
        if values is None:
            props[key] = [value]
        else:
            values.append(value)
    return ",\n".join(
        '  {"@id": ' + _NAME[s] + "".join(
            f", {k}: {v[0]}" if len(v) == 1 else f", {k}: [{', '.join(v)}]" for k, v in props.items()) + "}"
        for s, props in by_subject.items())


DOCUMENT_HEAD = '{\n "@context": ' + json.dumps(context()["@context"]) + ',\n "@graph": [\n'
DOCUMENT_TAIL = "\n ]\n}\n"


def document(ox_triples) -> bytes:
    """A whole JSON-LD document for triples read from Oxigraph (the server's per-resource views)."""
    return (DOCUMENT_HEAD + node_lines(formats.from_oxigraph(ox_triples)) + DOCUMENT_TAIL).encode("utf-8")
