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

from .vocab import PREFIXES, RDF, XSD

IRI, LITERAL, TYPED, BLANK = 0, 1, 2, 3
RDF_TYPE = RDF + "type"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = RDF + "langString"

# ------------------------------------------------------------------------------------ escaping

_NT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_NT_NEEDS = re.compile(r'[\\"\x00-\x1f\x7f]')


def _nt_char(match: re.Match) -> str:
    ch = match.group()
    return _NT_ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def escape_string(text: str) -> str:
    """The body of an N-Triples (and Turtle) string; most texts need no escape at all."""
    return _NT_NEEDS.sub(_nt_char, text) if _NT_NEEDS.search(text) else text


_XML_NEEDS = re.compile(r'[&<>"\r]')
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"}
# characters XML 1.0 cannot carry at all, escaped or not
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape_xml(text: str) -> str:
    if _XML_FORBIDDEN.search(text):
        raise ValueError(f"text cannot be written as XML 1.0 (control character): {text[:60]!r}")
    return _XML_NEEDS.sub(lambda m: _XML_ESCAPES[m.group()], text) if _XML_NEEDS.search(text) else text


# ---------------------------------------------------------------------------- compact names

_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # valid as Turtle local name, XML NCName and JSON-LD term


class Compactor:
    """IRI -> "prefix:local" for the project's prefixes, or None when it has no safe short form."""

    def __init__(self, prefixes: dict[str, str] = PREFIXES):
        # longest namespace first, so that nested namespaces compact to the most specific prefix
        self.pairs = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda x: -len(x[0]))
        self.cache: dict[str, str | None] = {}

    def __call__(self, value: str) -> str | None:
        try:
            return self.cache[value]
        except KeyError:
            pass
        out = None
        for ns, prefix in self.pairs:
            if value.startswith(ns):
                local = value[len(ns):]
                if _LOCAL.match(local):
                    out = f"{prefix}:{local}"
                break
        if len(self.cache) < 100_000:
            self.cache[value] = out
        return out


COMPACT = Compactor()  # one per process: the same predicates and classes recur in every chunk

# ----------------------------------------------------------------------------------- N-Triples


def nt_term(o: tuple) -> str:
    kind = o[0]
    if kind == IRI:
        return f"<{o[1]}>"
    if kind == LITERAL:
        return f'"{escape_string(o[1])}"@{o[2]}' if o[2] else f'"{escape_string(o[1])}"'
    if kind == TYPED:
        return f'"{escape_string(o[1])}"^^<{o[2]}>'
    return f"_:{o[1]}"


def _nt_subject(s: str) -> str:
    return s if s.startswith("_:") else f"<{s}>"


def ntriples(triples) -> str:
    return "".join(f"{_nt_subject(s)} <{p}> {nt_term(o)} .\n" for s, p, o in triples)


# -------------------------------------------------------------------------------------- Turtle

TURTLE_HEADER = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(PREFIXES.items())) + "\n"


def _ttl_iri(value: str) -> str:
    return COMPACT(value) or f"<{value}>"


def _ttl_term(o: tuple) -> str:
    kind = o[0]
    if kind == IRI:
        return COMPACT(o[1]) or f"<{o[1]}>"
    if kind == LITERAL:
        return f'"{escape_string(o[1])}"@{o[2]}' if o[2] else f'"{escape_string(o[1])}"'
    if kind == TYPED:
        return f'"{escape_string(o[1])}"^^{_ttl_iri(o[2])}'
    return f"_:{o[1]}"


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
            put(s if s.startswith("_:") else _ttl_iri(s))
            put(" a " if p == RDF_TYPE else f" {_ttl_iri(p)} ")
        elif p != predicate:
            predicate = p
            put(" ;\n\ta " if p == RDF_TYPE else f" ;\n\t{_ttl_iri(p)} ")
        else:
            put(" , ")
        put(_ttl_term(o))
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
    qname = COMPACT(p)
    if qname:
        return qname, qname
    m = _NCNAME_TAIL.search(p)
    if not m or m.start() == 0:
        raise ValueError(f"property <{p}> cannot be written as RDF/XML: it ends in no XML name")
    return f'ns0:{m.group()} xmlns:ns0="{escape_xml(p[:m.start()])}"', f"ns0:{m.group()}"


def _bnode_id(label: str) -> str:
    return "b" + "".join(ch if ch.isalnum() else "_" for ch in label)


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
            if s.startswith("_:"):
                put(f'\t<rdf:Description rdf:nodeID="{_bnode_id(s[2:])}">\n')
            else:
                put(f'\t<rdf:Description rdf:about="{escape_xml(s)}">\n')
        open_, close = _element(p)
        kind = o[0]
        if kind == IRI:
            put(f'\t\t<{open_} rdf:resource="{escape_xml(o[1])}"/>\n')
        elif kind == LITERAL:
            lang = f' xml:lang="{o[2]}"' if o[2] else ""
            put(f"\t\t<{open_}{lang}>{escape_xml(o[1])}</{close}>\n")
        elif kind == TYPED:
            put(f'\t\t<{open_} rdf:datatype="{escape_xml(o[2])}">{escape_xml(o[1])}</{close}>\n')
        else:
            put(f'\t\t<{open_} rdf:nodeID="{_bnode_id(o[1])}"/>\n')
    if subject is not None:
        put("\t</rdf:Description>\n")
    return "".join(out)


# --------------------------------------------------------------------------- from Oxigraph


def from_oxigraph(triples) -> list[tuple]:
    """Oxigraph triples (parsed from a file) as the emitter's triples, grouped by subject in
    first-seen order."""
    by_subject: dict[str, list] = {}
    for t in triples:
        s = t.subject
        key = f"_:{s.value}" if isinstance(s, ox.BlankNode) else s.value
        by_subject.setdefault(key, []).append((key, t.predicate.value, _term(t.object)))
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
