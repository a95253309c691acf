"""`pcmh-kg push` into real stores: Oxigraph server and Virtuoso, success and failure."""

from __future__ import annotations

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
