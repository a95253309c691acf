"""Is a web address from the data an IRI every dump can carry? Checked before anything is written.

A URL from a case file becomes an IRI in every dump (a source is the subject of its triples, a
contact page and a homepage are objects). Python's urlsplit accepts what RFC 3987 refuses (bad
percent escapes such as %zz, a port that is not a number, a second '#'), and a dump holding such
an IRI is refused by Oxigraph and rapper. The check is Oxigraph's own IRI parser (oxiri, a full
RFC 3987 implementation): the parser that reads the dumps back is the one that decides.
"""

from __future__ import annotations

import pyoxigraph as ox


def iri_problem(value: str) -> str | None:
    """Why `value` is not an absolute RFC 3987 IRI, or None when it is one."""
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        return str(exc) or "not an IRI"
    return None
