"""SPARQL queries from strangers, run in worker processes that can be killed.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped, so one expensive query
would hold a core forever. Each worker process loads the N-Triples dump into its own in-memory
store and answers one query at a time; when a query passes the timeout its worker is killed and
a fresh one is started in the background, while the other workers keep serving. Workers write
the answer in the asked format themselves, so only bytes cross the pipe.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass

from pcmh_kg.query import sparql


class QueryTimeout(RuntimeError):
    pass


class PoolBusy(RuntimeError):
    pass


@dataclass
class Answer:
    kind: str  # select | ask | graph
    body: bytes
    truncated: bool
    rows: int


# ----------------------------------------------------------------------------- in the worker

def to_xml(r: sparql.Results) -> str:
    """SPARQL Query Results XML Format."""
    from xml.sax.saxutils import escape, quoteattr

    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    if r.kind == "ask":
        out += ["</head>", f"<boolean>{'true' if r.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out += [f"<variable name={quoteattr(v)}/>" for v in r.variables]
    out += ["</head>", "<results>"]
    for row in r.rows:
        out.append("<result>")
        for v, t in zip(r.variables, row):
            if t is None:
                continue
            cls = type(t).__name__
            if cls == "NamedNode":
                inner = f"<uri>{escape(t.value)}</uri>"
            elif cls == "BlankNode":
                inner = f"<bnode>{escape(t.value)}</bnode>"
            elif t.language:
                inner = f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
            elif t.datatype.value != sparql.XSD + "string":
                inner = f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
            else:
                inner = f"<literal>{escape(t.value)}</literal>"
            out.append(f"<binding name={quoteattr(v)}>{inner}</binding>")
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def answer(store, text: str, fmt: str, max_rows: int) -> Answer:
    """Run `text` on `store` and write it as `fmt`; raises sparql.QueryError on a bad query."""
    return written(sparql.run_local(store, text), fmt, max_rows)


def written(r: sparql.Results, fmt: str, max_rows: int) -> Answer:
    """Results cut to `max_rows` rows (or triples) and written as `fmt`."""
    truncated = False
    if r.kind == "select" and len(r.rows) > max_rows:
        r.rows, truncated = r.rows[:max_rows], True
    if r.kind == "graph" and len(r.triples) > max_rows:
        r.triples, truncated = r.triples[:max_rows], True
    n = len(r.rows) if r.kind == "select" else len(r.triples) if r.kind == "graph" else 1
    if r.kind == "graph":
        body = sparql.write_graph(r, fmt)
    else:
        write = {"json": sparql.to_json, "xml": to_xml, "csv": sparql.to_csv, "tsv": sparql.to_tsv}
        body = write.get(fmt, sparql.to_json)(r).encode("utf-8")
    return Answer(r.kind, body, truncated, n)


def worker_main(conn, dump: str, max_rows: int) -> None:
    from pcmh_kg.query import store as store_mod

    st = store_mod.from_dump(dump)
    conn.send(("ready", None))
    while True:
        try:
            text, fmt = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", answer(st, text, fmt, max_rows)))
        except sparql.QueryError as exc:
            conn.send(("bad", str(exc)))
        except Exception as exc:  # noqa: BLE001 - the query engine's error goes back to the client
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


# ----------------------------------------------------------------------------- in the server

class Worker:
    def __init__(self, ctx, dump: str, max_rows: int, start_timeout: float):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child, dump, max_rows), daemon=True)
        self.proc.start()
        child.close()
        if not self.conn.poll(start_timeout):
            self.kill()
            raise RuntimeError(f"a query worker did not load {dump} within {start_timeout:.0f}s")
        status, _ = self.conn.recv()
        assert status == "ready"

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class QueryPool:
    def __init__(self, dump: str, size: int = 2, timeout: float = 10.0, max_rows: int = 10_000,
                 start_timeout: float = 300.0):
        self.ctx = mp.get_context("spawn")  # never fork a process that runs server threads
        self.dump, self.timeout, self.max_rows, self.start_timeout = str(dump), timeout, max_rows, start_timeout
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.closed = False
        self.restarts = 0
        for _ in range(max(1, size)):
            self.idle.put(Worker(self.ctx, self.dump, max_rows, start_timeout))

    def run(self, text: str, fmt: str) -> Answer:
        t0 = time.monotonic()
        try:
            worker = self.idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy("every query worker is busy; try again shortly") from None
        left = max(0.05, self.timeout - (time.monotonic() - t0))
        try:
            worker.conn.send((text, fmt))
            if not worker.conn.poll(left):
                self._replace(worker)
                raise QueryTimeout(f"the query ran past the {self.timeout:g}s limit and was stopped")
            status, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise RuntimeError("the query worker died; it has been replaced") from None
        self.idle.put(worker)
        if status == "ok":
            return payload
        if status == "bad":
            raise sparql.QueryError(payload)
        raise RuntimeError(payload)

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        self.restarts += 1

        def start():
            if not self.closed:
                try:
                    self.idle.put(Worker(self.ctx, self.dump, self.max_rows, self.start_timeout))
                except Exception:  # noqa: BLE001 - retried on the next failure; the pool keeps its other workers
                    pass

        threading.Thread(target=start, daemon=True, name="query-worker-start").start()

    def close(self) -> None:
        self.closed = True
        while True:
            try:
                self.idle.get_nowait().kill()
            except queue.Empty:
                break
