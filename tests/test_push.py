"""`pcmh-kg push` into real stores: Oxigraph server and Virtuoso, success and failure."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest
from stores import free_port

from pcmh_kg.cli import main
from pcmh_kg.publish import push
from pcmh_kg.query import sparql

pytestmark = pytest.mark.store
GRAPH = "https://w3id.org/pcmh-kg/test-graph"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(endpoint: str, graph: str, **auth) -> int:
    r = sparql.run_remote(endpoint, COUNT, default_graphs=[graph] if graph else (), **auth)
    return int(r.rows[0][0].value)


def dump_triples(dist) -> int:
    return sum(1 for _ in ox.parse(path=str(dist / "pcmh-kg.nt"), format=ox.RdfFormat.N_TRIPLES))


def test_push_into_oxigraph_server_replaces_the_graph(oxigraph_server, real_dist, tmp_path):
    endpoint = oxigraph_server + "/store"
    old = b"<https://example.org/old> <https://example.org/p> <https://example.org/o> .\n"
    push.push(endpoint, GRAPH, old)
    assert count(oxigraph_server + "/query", GRAPH) == 1
    assert main(["push", "--endpoint", endpoint, "--graph", GRAPH, "--dist", str(real_dist), "-q"]) == 0
    assert count(oxigraph_server + "/query", GRAPH) == dump_triples(real_dist)  # replaced, not added to


def test_push_into_virtuoso_with_digest_auth(virtuoso, real_dist, monkeypatch):
    monkeypatch.setenv("VIRTUOSO_PW", virtuoso.password)
    code = main(["push", "--endpoint", virtuoso.graph_store, "--graph", GRAPH, "--dist", str(real_dist),
                 "--user", virtuoso.user, "--password-env", "VIRTUOSO_PW", "-q"])
    assert code == 0
    assert count(virtuoso.sparql, GRAPH) == dump_triples(real_dist)
    # pushing again replaces rather than duplicates
    assert main(["push", "--endpoint", virtuoso.graph_store, "--graph", GRAPH, "--dist", str(real_dist),
                 "--user", virtuoso.user, "--password-env", "VIRTUOSO_PW", "-q"]) == 0
    assert count(virtuoso.sparql, GRAPH) == dump_triples(real_dist)


GRAPH_OLD = "https://w3id.org/pcmh-kg/failure-test"
OLD = b"".join(f"<https://example.org/s{i}> <https://example.org/p> \"old {i}\" .\n".encode() for i in range(5))
# valid until its last line, which no store can parse: the store must refuse it as a whole
BROKEN = OLD.replace(b"old", b"new") + b"<https://example.org/s> <https://example.org/p> \"unterminated .\n"


def test_failed_pushes_leave_the_oxigraph_graph_intact(oxigraph_server):
    endpoint = oxigraph_server + "/store"
    push.push(endpoint, GRAPH_OLD, OLD)
    with pytest.raises(push.PushError) as err:
        push.push(endpoint, GRAPH_OLD, BROKEN, check=False, retries=0)
    assert err.value.status == 400 and str(err.value)  # the server's own message is carried
    assert count(oxigraph_server + "/query", GRAPH_OLD) == 5
    r = sparql.run_remote(oxigraph_server + "/query", "SELECT ?o WHERE { ?s ?p ?o }", default_graphs=[GRAPH_OLD])
    assert sorted(row[0].value for row in r.rows) == [f"old {i}" for i in range(5)]


def test_failed_pushes_leave_the_virtuoso_graph_intact(virtuoso, capsys, monkeypatch, tmp_path):
    auth = {"user": virtuoso.user, "password": virtuoso.password}
    push.push(virtuoso.graph_store, GRAPH_OLD, OLD, **auth)
    assert count(virtuoso.sparql, GRAPH_OLD) == 5
    # wrong password: refused with 401, nothing changes, the CLI exits non-zero with the message
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "pcmh-kg.nt").write_bytes(OLD.replace(b"old", b"new"))
    monkeypatch.setenv("BAD_PW", "not-the-password")
    code = main(["push", "--endpoint", virtuoso.graph_store, "--graph", GRAPH_OLD, "--dist", str(dist),
                 "--user", virtuoso.user, "--password-env", "BAD_PW", "--retries", "0", "-q"])
    assert code != 0
    assert "401" in capsys.readouterr().err
    # a payload the server rejects
    with pytest.raises(push.PushError) as err:
        push.push(virtuoso.graph_store, GRAPH_OLD, BROKEN, check=False, retries=0, **auth)
    assert err.value.status is not None and 400 <= err.value.status < 600
    r = sparql.run_remote(virtuoso.sparql, "SELECT ?o WHERE { ?s ?p ?o }", default_graphs=[GRAPH_OLD])
    assert sorted(row[0].value for row in r.rows) == [f"old {i}" for i in range(5)]


def test_a_broken_dump_is_never_sent(oxigraph_server, tmp_path, capsys):
    endpoint = oxigraph_server + "/store"
    push.push(endpoint, GRAPH_OLD + "/2", OLD)
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "pcmh-kg.nt").write_bytes(BROKEN)
    assert main(["push", "--endpoint", endpoint, "--graph", GRAPH_OLD + "/2", "--dist", str(dist), "-q"]) != 0
    assert "not valid N-Triples" in capsys.readouterr().err
    assert count(oxigraph_server + "/query", GRAPH_OLD + "/2") == 5


def test_connection_refused_is_retried_then_reported(tmp_path, capsys):
    port = free_port()  # nothing listens there
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "pcmh-kg.nt").write_bytes(OLD)
    messages = []
    with pytest.raises(push.PushError, match="after 3 attempts"):
        push.push(f"http://127.0.0.1:{port}/store", GRAPH_OLD, OLD, retries=2, backoff=0.01, log=messages.append)
    assert len(messages) == 2  # two retries announced
    assert main(["push", "--endpoint", f"http://127.0.0.1:{port}/store", "--graph", GRAPH_OLD,
                 "--dist", str(dist), "--retries", "0", "-q"]) == 3
    assert "cannot reach" in capsys.readouterr().err


def test_virtuoso_endpoints_get_graph_uri():
    assert push.graph_store_url("http://h:8890/sparql-graph-crud-auth", "https://x/g") == \
        "http://h:8890/sparql-graph-crud-auth?graph-uri=https%3A%2F%2Fx%2Fg"
    assert push.graph_store_url("http://h:7878/store", "https://x/g") == "http://h:7878/store?graph=https%3A%2F%2Fx%2Fg"


class _Fake(BaseHTTPRequestHandler):
    """An endpoint that answers 200 to everything: not a store at all."""

    def _ok(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_PUT = do_DELETE = _ok

    def log_message(self, *args):
        pass


def serve_in_thread(handler) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def test_an_endpoint_answering_200_to_everything_is_not_a_successful_push():
    httpd, url = serve_in_thread(_Fake)
    try:
        with pytest.raises(push.PushError, match="not RDF"):
            push.push(url + "/store", GRAPH_OLD, OLD, retries=0)
    finally:
        httpd.shutdown()
        httpd.server_close()


def committing_then_dropping(store: str):
    """A proxy to `store` that forwards the first PUT but drops the connection instead of relaying
    the store's answer (the network failing after the commit); later writes never get through."""
    puts = []

    class Proxy(BaseHTTPRequestHandler):
        def _forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
            if self.command != "GET" and puts:
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            puts.extend([self.command] if self.command != "GET" else [])
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
            req = urllib.request.Request(store + self.path, data=body, method=self.command, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    status, ctype, data = r.status, r.headers.get("Content-Type", ""), r.read()
            except urllib.error.HTTPError as e:
                status, ctype, data = e.code, e.headers.get("Content-Type", ""), e.read()
            if self.command == "PUT":
                self.connection.shutdown(socket.SHUT_RDWR)  # committed, then the line goes dead
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_DELETE = _forward

        def log_message(self, *args):
            pass

    return Proxy


def test_a_push_committed_before_the_network_failed_says_the_store_holds_the_new_graph(oxigraph_server):
    push.push(oxigraph_server + "/store", GRAPH_OLD + "/3", OLD)
    httpd, url = serve_in_thread(committing_then_dropping(oxigraph_server))
    new = OLD.replace(b"old", b"new")
    try:
        with pytest.raises(push.PushError) as err:
            push.push(url + "/store", GRAPH_OLD + "/3", new, retries=1, backoff=0.01)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert "holds the NEW graph (5 triples)" in str(err.value)
    r = sparql.run_remote(oxigraph_server + "/query", "SELECT ?o WHERE { ?s ?p ?o }", default_graphs=[GRAPH_OLD + "/3"])
    assert sorted(row[0].value for row in r.rows) == [f"new {i}" for i in range(5)]  # what the message says


def test_a_refused_push_says_the_previous_graph_is_held(oxigraph_server):
    push.push(oxigraph_server + "/store", GRAPH_OLD + "/4", OLD)
    with pytest.raises(push.PushError, match="holds the previous graph \\(5 triples\\)"):
        push.push(oxigraph_server + "/store", GRAPH_OLD + "/4", BROKEN, check=False, retries=0)


@pytest.mark.parametrize("endpoint", ["http://[::1/store", "http://h:port/store", "ftp://h/store", "http:///store"])
def test_a_bad_endpoint_url_is_a_usage_error(endpoint, tmp_path, capsys):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "pcmh-kg.nt").write_bytes(OLD)
    assert main(["push", "--endpoint", endpoint, "--graph", GRAPH_OLD, "--dist", str(dist), "-q"]) == 2
    err = capsys.readouterr().err
    assert "--endpoint" in err and "Traceback" not in err
    with pytest.raises(push.PushError):
        push.push(endpoint, GRAPH_OLD, OLD, retries=0)
