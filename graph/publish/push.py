"""Loading the graph into a partner's store with the SPARQL 1.1 Graph Store HTTP Protocol.

One PUT replaces the named graph. Oxigraph does that in one transaction, but Virtuoso 7 does
not: a PUT it refuses halfway has already replaced the graph with the triples before the error
(measured in tests/test_push.py). So the previous graph is first read back with a GET, and if
the PUT finally fails it is put back (or the graph deleted, if there was none), leaving the
partner's store as it was on every store. The payload is parsed here before anything is sent, so a broken
dump cannot reach the partner. Only failures that may pass (connection refused, 5xx, 429,
timeouts) are retried, with exponential backoff; a 4xx is the partner's final word and is
reported with its message.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from pcmh_kg.query import sparql

RETRYABLE = {429, 500, 502, 503, 504}
MEDIA_TYPE = "application/n-triples"


class PushError(RuntimeError):
    """The partner store refused the graph or stayed unreachable; carries its message."""

    def __init__(self, message: str, status: int | None = None):
        self.status = status
        super().__init__(message)


@dataclass
class PushResult:
    url: str
    status: int
    triples: int
    attempts: int
    seconds: float


def graph_store_url(endpoint: str, graph: str) -> str:
    """Indirect graph identification: ?graph=IRI (the standard), ?graph-uri=IRI on Virtuoso's
    /sparql-graph-crud[-auth] endpoints, which predate the standard's parameter name."""
    parts = urllib.parse.urlsplit(endpoint)
    name = "graph-uri" if parts.path.rstrip("/").endswith(("sparql-graph-crud", "sparql-graph-crud-auth")) else "graph"
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in query if k not in ("graph", "graph-uri")] + [(name, graph)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def check_payload(payload: bytes) -> int:
    """Number of triples; raises PushError if the dump is not valid N-Triples."""
    try:
        return sum(1 for _ in ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise PushError(f"the dump is not valid N-Triples, nothing was sent: {exc}") from None


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read().decode("utf-8", "replace")
    except OSError:
        body = ""
    return " ".join(body.split())[:2000] or exc.reason or "no message"


def push(endpoint: str, graph: str, dump: Path | bytes, *, user: str | None = None, password: str | None = None,
         retries: int = 4, backoff: float = 1.0, timeout: float = 300.0, check: bool = True, log=None) -> PushResult:
    """PUT the N-Triples `dump` as named graph `graph` of the Graph Store endpoint `endpoint`."""
    say = log or (lambda msg: None)
    payload = dump if isinstance(dump, bytes) else Path(dump).read_bytes()
    triples = check_payload(payload) if check else -1
    url = graph_store_url(endpoint, graph)
    opener = sparql.opener(url, user, password)
    t0 = time.perf_counter()
    try:
        backup = _send(opener, url, retries, backoff, timeout, say, method="GET")
    except PushError as exc:
        if exc.status != 404:
            raise
        backup = None  # no such graph yet: on failure, delete what the PUT left
    try:
        status, attempts = _send(opener, url, retries, backoff, timeout, say, method="PUT", payload=payload)
    except PushError as exc:
        try:
            if backup is None:
                _send(opener, url, retries, backoff, timeout, say, method="DELETE")
            else:
                _send(opener, url, retries, backoff, timeout, say, method="PUT", payload=backup[0], ctype=backup[1])
        except PushError as restore:
            if not (backup is None and restore.status == 404):
                raise PushError(f"{exc}; restoring the previous graph failed too: {restore}", exc.status) from None
        raise
    return PushResult(url, status, triples, attempts, time.perf_counter() - t0)


def _send(opener, url: str, retries: int, backoff: float, timeout: float, say, *, method: str,
          payload: bytes | None = None, ctype: str = MEDIA_TYPE):
    """One request with retries of transient failures: GET -> (body, content type);
    PUT/DELETE -> (status, attempts)."""
    attempt = 0
    while True:
        attempt += 1
        if payload is not None:
            headers = {"Content-Type": ctype, "Content-Length": str(len(payload))}
        else:
            headers = {"Accept": "application/n-triples, text/turtle;q=0.9"} if method == "GET" else {}
        req = urllib.request.Request(url, data=payload, method=method, headers=headers)
        delay = backoff * 2 ** (attempt - 1)
        try:
            with opener.open(req, timeout=timeout) as resp:
                body = resp.read()
                if method == "GET":
                    return body, resp.headers.get("Content-Type", MEDIA_TYPE).split(";")[0].strip() or MEDIA_TYPE
                return resp.status, attempt
        except urllib.error.HTTPError as exc:
            message = _message(exc)
            if exc.code not in RETRYABLE or attempt > retries:
                hint = " (check --user and the password variable)" if exc.code in (401, 403) else ""
                raise PushError(f"{url} answered {exc.code}{hint}: {message}", exc.code) from None
            retry_after = exc.headers.get("Retry-After", "") if exc.headers else ""
            if retry_after.isdigit():
                delay = min(float(retry_after), 60.0)
            say(f"attempt {attempt}: {exc.code} {message[:200]}; retrying in {delay:.1f}s")
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if attempt > retries:
                raise PushError(f"cannot reach {url} after {attempt} attempts: {reason}") from None
            say(f"attempt {attempt}: {reason}; retrying in {delay:.1f}s")
        time.sleep(delay)
