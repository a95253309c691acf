"""Loading the graph into a partner's store with the SPARQL 1.1 Graph Store HTTP Protocol.

One PUT replaces the named graph. Oxigraph does that in one transaction, but Virtuoso 7 does
not: a PUT it refuses halfway has already replaced the graph with the triples before the error
(measured in tests/test_push.py). So the previous graph is first read back with a GET, and if
the PUT finally fails it is put back (or the graph deleted, if there was none), leaving the
partner's store as it was on every store. The payload is parsed and checked against the SHACL
shapes here before anything is sent, so a broken dump, or one that breaks the shapes (edited
after the build, or built with --no-shacl), cannot reach the partner.

A 2xx is not taken on trust: after the PUT the graph is read back and must hold exactly what was
sent (the triple count and a digest of the sorted triples, blank nodes aside), or the push fails
(an endpoint answering 200 to everything is not a store). After any failure the graph is read
back again and the error says which graph the store now holds: the previous one, the new one
(the store committed and then the connection failed), neither, or that it cannot be read. Only failures that may pass (connection refused, 5xx, 429,
timeouts) are retried, with exponential backoff; a 4xx is the partner's final word and is
reported with its message.
"""

from __future__ import annotations

import decimal
import hashlib
import http.client
import json
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


@dataclass(frozen=True)
class Contents:
    """What a graph holds: its triples in a canonical form (blank node labels dropped, numbers by
    value), their count and a digest of them sorted."""

    lines: tuple[str, ...]
    digest: str

    @property
    def triples(self) -> int:
        return len(self.lines)

    @classmethod
    def of(cls, payload: bytes, ctype: str = MEDIA_TYPE) -> Contents:
        fmt = ox.RdfFormat.from_media_type(ctype) or ox.RdfFormat.N_TRIPLES
        lines = tuple(sorted(f"{_canon(t.subject)} {t.predicate} {_canon(t.object)}"
                             for t in ox.parse(payload, format=fmt)))
        return cls(lines, hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest())

    def same_as(self, other: Contents) -> bool:
        """Equal, or differing only in the form of some literal values: Virtuoso, for one, turns a
        geo:wktLiteral into its own geometry type at float precision. Subjects and predicates of the
        differing triples must then match one for one (no triple missing or added), and only typed
        values other than text may differ."""
        if self.digest == other.digest:
            return True
        if self.triples != other.triples:
            return False
        mine, theirs = set(self.lines) - set(other.lines), set(other.lines) - set(self.lines)
        key = lambda line: line.split(" ", 2)[:2]  # noqa: E731 - subject, predicate
        text = ("^^<" + XSD + "string>", "#langString>")  # plain text is never rewritten by a store
        return sorted(map(key, mine)) == sorted(map(key, theirs)) and \
            all('"' in x.split(" ", 2)[2] and not x.endswith(text) for x in mine)


XSD = "http://www.w3.org/2001/XMLSchema#"


def _canon(term) -> str:
    """A term as any store gives it back: blank node labels dropped, numbers and booleans by value
    (stores keep "54" for "54.0"^^xsd:decimal), language tags in lower case."""
    if isinstance(term, ox.BlankNode):
        return "_:"
    if not isinstance(term, ox.Literal):
        return str(term)
    dt, v = term.datatype.value, term.value
    try:
        if dt in (XSD + "decimal", XSD + "integer") or dt.startswith(XSD) and dt.endswith("Integer"):
            v = format(decimal.Decimal(v).normalize(), "f")
        elif dt in (XSD + "double", XSD + "float"):
            v = repr(float(v))
        elif dt == XSD + "boolean":
            v = str(v.strip() in ("true", "1")).lower()
    except (ArithmeticError, ValueError):
        pass
    lang = f"@{term.language.lower()}" if term.language else ""
    return f"{json.dumps(v, ensure_ascii=False)}{lang}^^<{dt}>"


def check_payload(payload: bytes) -> int:
    """Number of triples; raises PushError if the dump is not valid N-Triples."""
    try:
        return sum(1 for _ in ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise PushError(f"the dump is not valid N-Triples, nothing was sent: {exc}") from None


SHOWN_RESULTS = 20


def check_shapes(payload: bytes, dump: Path | None = None) -> None:
    """Raise PushError listing the SHACL results if the graph breaks the shapes. A dump next to
    the build.json that describes it is checked in the build's parts (bounded memory at any
    size); any other payload in one go."""
    import json

    from pcmh_kg.build import shapes
    from pcmh_kg.model.vocab import Minter

    try:
        summary = json.loads((Path(dump).parent / "build.json").read_text()) if dump is not None else {}
    except (OSError, ValueError):
        summary = {}
    parts = summary.get("nt_parts") if isinstance(summary, dict) else None
    if isinstance(parts, dict) and parts.get("bytes") == len(payload) and isinstance(summary.get("base"), str):
        results = shapes.check_bytes(payload, parts["framework_end"], parts["cases_end"],
                                     Minter(summary["base"]).case(""), parts.get("sources_end"))
    else:
        results = shapes.validate_ntriples(payload)
    if results:
        shown = "\n".join(f"  {r}" for r in results[:SHOWN_RESULTS])
        more = f"\n  ... and {len(results) - SHOWN_RESULTS} more" if len(results) > SHOWN_RESULTS else ""
        raise PushError(f"the graph does not conform to the SHACL shapes (ontology/shapes.ttl), nothing was sent: "
                        f"{len(results)} result(s):\n{shown}{more}")


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read().decode("utf-8", "replace")
    except OSError:
        body = ""
    return " ".join(body.split())[:2000] or exc.reason or "no message"


def push(endpoint: str, graph: str, dump: Path | bytes, *, user: str | None = None, password: str | None = None,
         retries: int = 4, backoff: float = 1.0, timeout: float = 300.0, check: bool = True,
         shacl: bool = True, log=None) -> PushResult:
    """PUT the N-Triples `dump` as named graph `graph` of the Graph Store endpoint `endpoint`,
    then check the store holds exactly that. Before anything is sent, `check` parses the dump
    and `shacl` checks its shapes."""
    say = log or (lambda msg: None)
    payload = dump if isinstance(dump, bytes) else Path(dump).read_bytes()
    triples = check_payload(payload) if check else -1
    if check and shacl:
        check_shapes(payload, None if isinstance(dump, bytes) else Path(dump))
    try:
        url = graph_store_url(endpoint, graph)
        opener = sparql.opener(url, user, password)
    except ValueError as exc:  # e.g. http://[::1/store
        raise PushError(f"not a usable endpoint URL {endpoint!r}: {exc}") from None
    send = lambda method, body=None, ctype=MEDIA_TYPE: _send(  # noqa: E731
        opener, url, retries, backoff, timeout, say, method=method, payload=body, ctype=ctype)
    t0 = time.perf_counter()
    try:
        backup = send("GET")
    except PushError as exc:
        if exc.status != 404:
            raise
        backup = None  # no such graph yet: on failure, delete what the PUT left
    try:
        status, attempts = send("PUT", payload)
        _verify(send, payload)
    except PushError as exc:
        _restore(send, backup)
        raise PushError(f"{exc}; {_holds(send, backup, payload)}", exc.status) from None
    return PushResult(url, status, triples, attempts, time.perf_counter() - t0)


def _contents(payload: bytes, ctype: str = MEDIA_TYPE) -> Contents | None:
    try:
        return Contents.of(payload, ctype)
    except (SyntaxError, ValueError):
        return None


def _verify(send, payload: bytes) -> None:
    """Read the graph back: it must hold exactly the triples sent."""
    sent = Contents.of(payload)
    body, ctype = send("GET")
    held = _contents(body, ctype)
    if held is None:
        raise PushError(f"the store answered the PUT, but what it returns for the graph is not RDF ({ctype}): "
                        "is this a Graph Store Protocol endpoint?")
    if not held.same_as(sent):
        raise PushError(f"the store answered the PUT, but holds {held.triples} triples, not the {sent.triples} "
                        "sent" + (" (same count, other triples)" if held.triples == sent.triples else ""))


def _restore(send, backup) -> None:
    """Put the previous graph back (or delete a graph that did not exist); a failure here is
    reported by _holds, which reads what the store holds afterwards."""
    try:
        if backup is None:
            send("DELETE")
        else:
            send("PUT", backup[0], backup[1])
    except PushError:
        pass


def _holds(send, backup, payload: bytes) -> str:
    """Which graph the store holds now, read back after a failure."""
    try:
        body, ctype = send("GET")
    except PushError as exc:
        if exc.status == 404:
            return "the store now holds no such graph" + (" (as before)" if backup is None else
                                                          " (the previous graph is gone)")
        return f"what the store now holds cannot be read back ({exc}); check the graph by hand"
    held = _contents(body, ctype)
    if held is None:
        return "what the store returns for the graph now is not RDF; check the graph by hand"
    old = _contents(*backup) if backup is not None else None
    if old is not None and held.same_as(old):
        return f"the store holds the previous graph ({held.triples} triples), unchanged"
    if held.same_as(Contents.of(payload)):
        return f"the store holds the NEW graph ({held.triples} triples): it committed the push before failing"
    if backup is None and held.triples == 0:
        return "the store holds no triples in the graph (as before)"
    return f"the store holds neither the previous nor the new graph ({held.triples} triples); check it by hand"


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
        except (ValueError, http.client.InvalidURL) as exc:  # no retry can mend a malformed URL
            raise PushError(f"not a usable endpoint URL {url!r}: {exc}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            if attempt > retries:
                raise PushError(f"cannot reach {url} after {attempt} attempts: {reason}") from None
            say(f"attempt {attempt}: {reason}; retrying in {delay:.1f}s")
        time.sleep(delay)
