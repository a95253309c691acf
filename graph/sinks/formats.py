"""N-Triples, Turtle and RDF/XML written straight from the emitter's triples.

A case's triples are already grouped by subject when they are made, so each format is a single
pass of string building. Going through Oxigraph instead (N-Triples text -> parse -> serialise
three ways) cost most of a 100k-case build; writing directly costs a fraction of it. The output
is checked by independent parsers (rapper, pyld, Oxigraph, rdflib) in tests/test_build.py and
tests/test_formats.py.

A triple is (subject, predicate, object): the subject an IRI string, or "_:label" for a blank
node; the predicate an IRI string; the object a term tuple made by graph/emit.py:
(IRI, value), (LITERAL, lexical, language or None) or (TYPED, lexical, datatype IRI), (BLANK, label).
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from pcmh_kg.model.vocab import PREFIXES, RDF, XSD

IRI, LITERAL, TYPED, BLANK = 0, 1, 2, 3
RDF_TYPE = RDF + "type"
XSD_STRING = XSD + "string"

# ------------------------------------------------------------------------------------ escaping

_NT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_NT_NEEDS = re.compile(r'[\\"\x00-\x1f\x7f]')


def _nt_char(match: re.Match) -> str:
    ch = match.group()
    return _NT_ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def escape_string(text: str) -> str:
    """The body of an N-Triples (and Turtle) string; most texts need no escape at all."""
    return _NT_NEEDS.sub(_nt_char, text) if _NT_NEEDS.search(text) else text


_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"}
_XML_NEEDS = re.compile('[&<>"\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
# characters XML 1.0 cannot carry at all, escaped or not
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape_xml(text: str) -> str:
    """Text for XML content or a double-quoted attribute; most texts need no escape at all."""
    if not _XML_NEEDS.search(text):
        return text
    if _XML_FORBIDDEN.search(text):
        raise ValueError(f"text cannot be written as XML 1.0 (control character): {text[:60]!r}")
    return "".join(_XML_ESCAPES.get(ch, ch) for ch in text)


# ---------------------------------------------------------------------------- compact names

_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # valid as Turtle local name, XML NCName and JSON-LD term
_PREFIX_OF = {ns: p for p, ns in PREFIXES.items()}


def compact(value: str) -> str | None:
    """IRI -> "prefix:local" for the project's prefixes, or None when it has no safe short form.
    Every namespace ends in / or #, and a local name holds neither, so one split finds it."""
    cut = max(value.rfind("/"), value.rfind("#")) + 1
    prefix = _PREFIX_OF.get(value[:cut])
    local = value[cut:]
    return f"{prefix}:{local}" if prefix is not None and _LOCAL.fullmatch(local) else None


class Tokens(dict):
    """A term's spelling in one format, worked out once per process: vocabulary terms, tags,
    places and organisations recur in every case. Emptied when large (data IRIs are unique)."""

    __slots__ = ("make",)

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key: str) -> str:
        if len(self) >= 100_000:
            self.clear()
        value = self[key] = self.make(key)
        return value


# ----------------------------------------------------------------------------------- N-Triples


def ntriples(triples) -> str:
    out = []
    put = out.append
    subject = head = None
    for s, p, o in triples:
        if s != subject:
            subject, head = s, (s if s.startswith("_:") else f"<{s}>")
        kind = o[0]
        if kind == IRI:
            put(f"{head} <{p}> <{o[1]}> .\n")
        elif kind == LITERAL:
            put(f'{head} <{p}> "{escape_string(o[1])}"@{o[2]} .\n' if o[2] else f'{head} <{p}> "{escape_string(o[1])}" .\n')
        elif kind == TYPED:
            put(f'{head} <{p}> "{escape_string(o[1])}"^^<{o[2]}> .\n')
        else:
            put(f"{head} <{p}> _:{o[1]} .\n")
    return "".join(out)


# -------------------------------------------------------------------------------------- Turtle

TURTLE_HEADER = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(PREFIXES.items())) + "\n"
_TTL = Tokens(lambda v: v if v.startswith("_:") else (compact(v) or f"<{v}>"))
_TTL_PREDICATE = Tokens(lambda p: "a" if p == RDF_TYPE else _TTL[p])


def turtle(triples) -> str:
    """Turtle statements (no prefix block): one block per subject, `;` between predicates and
    `,` between objects of a repeated predicate."""
    out = []
    put = out.append
    subject = predicate = None
    for s, p, o in triples:
        if s != subject:
            if subject is not None:
                put(" .\n\n")
            subject, predicate = s, p
            put(f"{_TTL[s]} {_TTL_PREDICATE[p]} ")
        elif p != predicate:
            predicate = p
            put(f" ;\n\t{_TTL_PREDICATE[p]} ")
        else:
            put(" , ")
        kind = o[0]
        if kind == IRI:
            put(_TTL[o[1]])
        elif kind == LITERAL:
            put(f'"{escape_string(o[1])}"@{o[2]}' if o[2] else f'"{escape_string(o[1])}"')
        elif kind == TYPED:
            put(f'"{escape_string(o[1])}"^^{_TTL[o[2]]}')
        else:
            put(f"_:{o[1]}")
    if subject is not None:
        put(" .\n\n")
    return "".join(out)


def turtle_document(triples) -> bytes:
    return (TURTLE_HEADER + turtle(triples)).encode("utf-8")


# ------------------------------------------------------------------------------------- RDF/XML

RDFXML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF'
               + "".join(f'\n\txmlns:{p}="{escape_xml(ns)}"' for p, ns in sorted(PREFIXES.items())) + ">\n")
RDFXML_TAIL = "</rdf:RDF>\n"
_NCNAME_TAIL = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*$")


def _element(p: str) -> tuple[str, str]:
    """(opening name with any namespace declaration, closing name) of a property element."""
    qname = compact(p)
    if qname:
        return qname, qname
    m = _NCNAME_TAIL.search(p)
    if not m or m.start() == 0:
        raise ValueError(f"property <{p}> cannot be written as RDF/XML: it ends in no XML name")
    return f'ns0:{m.group()} xmlns:ns0="{escape_xml(p[:m.start()])}"', f"ns0:{m.group()}"


def _node_id(label: str) -> str:
    return "b" + "".join(ch if ch.isalnum() else "_" for ch in label)


_XML_ELEMENT = Tokens(_element)
_XML_SUBJECT = Tokens(lambda s: f'\t<rdf:Description rdf:nodeID="{_node_id(s[2:])}">\n' if s.startswith("_:")
                      else f'\t<rdf:Description rdf:about="{escape_xml(s)}">\n')
_XML_DATATYPE = Tokens(lambda dt: f' rdf:datatype="{escape_xml(dt)}">')


def rdfxml(triples) -> str:
    """rdf:Description elements (no envelope), one per subject."""
    out = []
    put = out.append
    subject = None
    for s, p, o in triples:
        if s != subject:
            if subject is not None:
                put("\t</rdf:Description>\n")
            subject = s
            put(_XML_SUBJECT[s])
        open_, close = _XML_ELEMENT[p]
        kind = o[0]
        if kind == IRI:
            put(f'\t\t<{open_} rdf:resource="{escape_xml(o[1])}"/>\n')
        elif kind == LITERAL:
            if o[2]:
                put(f'\t\t<{open_} xml:lang="{o[2]}">{escape_xml(o[1])}</{close}>\n')
            else:
                put(f"\t\t<{open_}>{escape_xml(o[1])}</{close}>\n")
        elif kind == TYPED:
            put(f"\t\t<{open_}{_XML_DATATYPE[o[2]]}{escape_xml(o[1])}</{close}>\n")
        else:
            put(f'\t\t<{open_} rdf:nodeID="{_node_id(o[1])}"/>\n')
    if subject is not None:
        put("\t</rdf:Description>\n")
    return "".join(out)


# --------------------------------------------------------------------------- from Oxigraph


def oxigraph_triples(triples):
    """Oxigraph triples as the emitter's, one at a time in the order given (a stream: a dump of
    100k cases is never held)."""
    for t in triples:
        s = t.subject
        yield f"_:{s.value}" if isinstance(s, ox.BlankNode) else s.value, t.predicate.value, _term(t.object)


def from_oxigraph(triples) -> list[tuple]:
    """Oxigraph triples (parsed from a file) as the emitter's triples, grouped by subject in
    first-seen order."""
    by_subject: dict[str, list] = {}
    for t in oxigraph_triples(triples):
        by_subject.setdefault(t[0], []).append(t)
    return [t for group in by_subject.values() for t in group]


def _term(o) -> tuple:
    if isinstance(o, ox.NamedNode):
        return (IRI, o.value)
    if isinstance(o, ox.BlankNode):
        return (BLANK, o.value)
    if o.language:
        return (LITERAL, o.value, o.language)
    dt = o.datatype.value
    return (LITERAL, o.value, None) if dt == XSD_STRING else (TYPED, o.value, dt)
