"""What a query is and may do, decided on the parsed query, never on its text.

A token scan over SPARQL text was bypassed (a `\\#` local-name escape read as a comment, `1SERVICE`
read as one word), so the decision is taken on rdflib's parse tree of the query: its form (SELECT,
ASK, CONSTRUCT, DESCRIBE), whether it is an update, and whether any SERVICE pattern occurs
anywhere in it. A text rdflib cannot parse is refused with the parser's message and position,
so a query is run only when the inspector has understood all of it. The parser recurses per
nesting level; `inspect` raises Python's recursion limit while it parses and refuses deeper
nesting with a one-line reason (Oxigraph itself overflows its stack at ~10,000 levels).

The query workers (querypool) call `inspect` in their own process: a slow parse there is stopped
by the query timeout like a slow query, and the server's threads never wait on it.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass

FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
RECURSION = 30_000  # enough for ~400 levels of nesting in rdflib's parser
_lock = threading.Lock()


class Refused(ValueError):
    """The text is not a query this service runs: `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Inspection:
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    service: bool  # a SERVICE pattern occurs somewhere
    from_graphs: bool  # FROM or FROM NAMED is given


def _walk(node, names: set[str]) -> None:
    """Every CompValue name in a parse tree (iteratively: trees can be deep)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, CompValue):
            names.add(x.name)
            stack.extend(x.values())
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple, ParseResults)):
            stack.extend(x)


def _parse(fn, text: str):
    old = sys.getrecursionlimit()
    with _lock:
        sys.setrecursionlimit(max(old, RECURSION))
        try:
            return fn(text)
        finally:
            sys.setrecursionlimit(old)


def _position(exc) -> str:
    line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
    message = re.sub(r"\s*\(at char \d+\), \(line:\d+, col:\d+\)", "", str(exc)).strip()
    return f"line {line}, column {col}: {message}" if line is not None else message


MAX_NESTING = 200  # brackets open at once; real queries stay under 20


def nesting(text: str) -> int:
    """The most brackets ( { [ open at once, counted on the text. It can only refuse a query (the
    parser decides everything else), and it spares the parser, whose time grows fast with
    nesting, thousands of levels: without it 10,000 nested groups ran past the time limit."""
    depth = deepest = 0
    for ch in text:
        if ch in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")}]":
            depth = max(depth - 1, 0)
    return deepest


def inspect(text: str) -> Inspection:
    """The query's form and what it does; Refused (400 bad syntax or nesting, 403 update)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if nesting(text) > MAX_NESTING:
        raise Refused(400, f"the query nests brackets more than {MAX_NESTING} deep, too deep for this service")
    try:
        tree = _parse(parseQuery, text)
    except RecursionError:
        raise Refused(400, "the query nests too deeply for this service") from None
    except ParseException as exc:
        try:
            _parse(parseUpdate, text)
        except (ParseException, RecursionError, Exception):  # noqa: BLE001 - not an update either
            raise Refused(400, f"SPARQL syntax error at {_position(exc)}") from None
        raise Refused(403, "this endpoint is read-only: SPARQL Update is refused") from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises plain exceptions for some bad prefixes
        raise Refused(400, f"SPARQL error: {exc}") from None
    names: set[str] = set()
    _walk(tree, names)
    form = next((FORMS[n] for n in FORMS if n in names), None)
    if form is None:
        raise Refused(400, "not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    return Inspection(form, "ServiceGraphPattern" in names, "DatasetClause" in names)
