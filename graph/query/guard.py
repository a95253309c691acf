"""What a query may do on a public endpoint, decided from its tokens, not from its text.

The query library's tokenizer (pcmh_kg.query.sparql._TOKEN) skips strings, IRIs and comments, so a
word such as SERVICE or INSERT inside a literal, an IRI or a comment is not mistaken for the
keyword, and the keyword cannot hide from a naive search either.
"""

from __future__ import annotations

import re

from pcmh_kg.query.sparql import _TOKEN

# inside one "other" token: variables, prefixed names and bare words ("SERVICE?x" is two words)
_WORD = re.compile(r"[?$]\w+|[\w.-]*:[\w.-]*|\w+")

UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
QUERY_WORDS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


def keywords(text: str):
    for tok in _TOKEN.finditer(text):
        kind = tok.lastgroup
        if kind == "other" or kind == "where":
            for word in _WORD.findall(tok.group()):
                if word[0] not in "?$" and ":" not in word:
                    yield word.upper()


def form(text: str) -> str | None:
    """SELECT/ASK/CONSTRUCT/DESCRIBE, 'UPDATE' for an update request, or None if neither is found."""
    for word in keywords(text):
        if word in QUERY_WORDS:
            return word
        if word in UPDATE_WORDS:
            return "UPDATE"
    return None


def uses_service(text: str) -> bool:
    return any(word == "SERVICE" for word in keywords(text))
