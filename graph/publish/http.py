"""HTTP plumbing: a request in, a response out, and nothing a handler does can kill the server.

Built on the standard library's threading HTTP server: the graph is small, the work per request
is in Oxigraph (native code), and a stdlib server keeps the install to what the pipeline already
needs. The handler reads the request (bounded), asks the application for a `Response`, and sends
it; a handler's `Reply` exception is an answer too (errors mostly), and any other exception is a
500 with the server still serving.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import re
import sys
import threading
import traceback
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY = 1_000_000  # bytes of a POSTed request body
TEXT = "text/plain; charset=utf-8"


class Reply(Exception):
    """An HTTP answer raised from deep in a handler (errors mostly)."""

    def __init__(self, status: int, body: bytes | str, ctype: str = TEXT, headers=None):
        self.status, self.ctype, self.headers = status, ctype, headers or {}
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        super().__init__(status)


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]  # the URL's query string, parsed
    headers: object  # email.message.Message-like: .get(name)
    body: bytes = b""
    match: dict[str, str] = field(default_factory=dict)  # the route's named groups
    client: str | None = None  # the client's address: whose share of the query workers this is
    server: tuple = ("127.0.0.1", 0)  # the address the server listens on

    @property
    def accept(self) -> str | None:
        return self.headers.get("Accept")

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


@dataclass
class Response:
    status: int
    ctype: str
    body: bytes | Path
    headers: dict[str, str] = field(default_factory=dict)
    modified: float | None = None  # when what it shows last changed (seconds since the epoch)


# sent with every answer; a page that needs more (the explorer's inline script) sets its own CSP
SECURITY = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def validators(resp: Response, st: os.stat_result | None) -> dict[str, str]:
    """ETag (a digest of the bytes, or of a file's size and time: `st`, that of the open file
    being sent) and Last-Modified of a 200."""
    if isinstance(resp.body, Path):
        tag = hashlib.sha256(f"{resp.body.name}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:32]
        modified = st.st_mtime
    else:
        tag = hashlib.sha256(resp.body).hexdigest()[:32]
        modified = resp.modified
    out = {"ETag": f'"{tag}"'}
    if modified is not None:
        out["Last-Modified"] = email.utils.formatdate(modified, usegmt=True)
    return out


UNSATISFIABLE = "unsatisfiable"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def byte_range(headers, size: int, found: dict[str, str]):
    """RFC 9110 14: the one byte range a GET asks of a file, as (start, end) with end exclusive;
    None to send the whole file (no Range, several ranges, another unit, a syntax error, or an
    If-Range the file no longer matches: a server may ignore what it does not serve); or
    UNSATISFIABLE (416) when the range starts past the end. A partner resumes a large dump with it."""
    header = headers.get("Range")
    if not header:
        return None
    if_range = headers.get("If-Range")
    if if_range is not None and if_range.strip() not in (found.get("ETag"), found.get("Last-Modified")):
        return None
    m = _RANGE.fullmatch(header.strip())
    if m is None or not (m.group(1) or m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:  # the last N bytes
        n = int(last)
        return (max(size - n, 0), size) if n > 0 and size > 0 else UNSATISFIABLE
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, min(int(last) + 1, size) if last else size


def not_modified(headers, found: dict[str, str]) -> bool:
    """RFC 9110 13.1: If-None-Match decides when given; else If-Modified-Since."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or found["ETag"] in tags
    ims, lm = headers.get("If-Modified-Since"), found.get("Last-Modified")
    if ims and lm:
        try:
            return email.utils.parsedate_to_datetime(lm) <= email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pcmh-kg"
    timeout = 60  # seconds a client may take to send its request
    app = None  # set by make_server: has .handle(Request) -> Response and .quiet

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_OPTIONS(self):
        self.send(Response(204, "text/plain", b"", {"Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
                                                     "Access-Control-Allow-Headers": "Accept, Content-Type",
                                                     "Access-Control-Max-Age": "86400"}))

    def _refuse(self):
        self.send(Response(405, TEXT, b"this server is read-only\n", {"Allow": "GET, HEAD, POST, OPTIONS"}))

    do_PUT = do_DELETE = do_PATCH = _refuse

    def read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise Reply(400, "bad Content-Length") from None
        if length > MAX_BODY or length < 0:
            self.close_connection = True
            left = min(max(length, 0), 16 * MAX_BODY)  # drain it, so the client reads our answer
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
            raise Reply(413, f"request bodies are limited to {MAX_BODY} bytes")
        return self.rfile.read(length)

    def dispatch(self, method: str) -> None:
        try:
            url = urllib.parse.urlsplit(self.path)
            body = self.read_body() if method == "POST" else b""
            try:
                params = urllib.parse.parse_qs(url.query, keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                raise Reply(400, "the query string is not UTF-8") from None
            resp = self.app.handle(Request(method, url.path, params, self.headers, body,
                                            client=self.client_address[0], server=self.server.server_address))
        except Reply as r:
            resp = Response(r.status, r.ctype, r.body, r.headers)
            if resp.status >= 400 and not resp.body.endswith(b"\n"):
                resp.body += b"\n"
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        except Exception as exc:  # noqa: BLE001 - a bug answers 500 and the server keeps serving
            traceback.print_exc(file=sys.stderr)
            resp = Response(500, TEXT, f"internal error: {exc}\n".encode())
        try:
            self.send(resp, head_only=method == "HEAD")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send(self, resp: Response, head_only: bool = False) -> None:
        """A file is streamed from one open handle (a 100k-case dump is hundreds of MB: never held
        in memory, and its length is the length of what is sent), whole or the one range asked."""
        if isinstance(resp.body, Path):
            try:
                fh = open(resp.body, "rb")
            except OSError:
                resp = Response(404, TEXT, b"this file is no longer published here\n")
            else:
                with fh:
                    self._send(resp, head_only, fh)
                return
        self._send(resp, head_only, None)

    def _send(self, resp: Response, head_only: bool, fh) -> None:
        headers = {**SECURITY, **resp.headers}
        status, start, end, st = resp.status, 0, 0, None
        if fh is not None:
            st = os.fstat(fh.fileno())
            end = st.st_size
            headers["Accept-Ranges"] = "bytes"
        if status == 200 and self.command in ("GET", "HEAD", "POST"):
            found = validators(resp, st)
            headers.update(found)
            if self.command != "POST" and not_modified(self.headers, found):
                status, head_only = 304, True
            elif fh is not None and self.command == "GET":
                asked = byte_range(self.headers, end, found)
                if asked == UNSATISFIABLE:
                    status, head_only, fh = 416, True, None
                    headers["Content-Range"] = f"bytes */{end}"
                    resp = Response(416, TEXT, b"")
                elif asked is not None:
                    status, (start, end) = 206, asked
                    headers["Content-Range"] = f"bytes {start}-{end - 1}/{st.st_size}"
        length = end - start if fh is not None else len(resp.body)
        self.send_response(status)
        self.send_header("Content-Type", resp.ctype)
        if status != 304:
            self.send_header("Content-Length", str(length))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers",
                         "ETag, Last-Modified, Link, X-Result-Truncated, Accept-Ranges, Content-Range")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if head_only:
            return
        if fh is None:
            self.wfile.write(resp.body)
            return
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                break
            self.wfile.write(chunk)
            left -= len(chunk)

    def log_message(self, fmt, *args):
        if not self.app.quiet:
            super().log_message(fmt, *args)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def make_server(app, host: str, port: int) -> Server:
    handler = type("BoundHandler", (Handler,), {"app": app})
    return Server((host, port), handler)


def serve_in_thread(app, host: str = "127.0.0.1", port: int = 0) -> tuple[Server, threading.Thread]:
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="pcmh-kg-serve")
    thread.start()
    return server, thread
