"""SPARQL queries from strangers, inspected and run in worker processes that can be killed.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped, so one expensive query
would hold a core forever. Each worker process cuts itself off from the network (sandbox.py,
unless SERVICE is allowed), limits its own memory, loads the N-Triples dump into its own
in-memory store (and VoID into its named graph), and answers one job at a time: it inspects the
parsed query (guard.py: form, update, SERVICE), runs it with the service's base IRI and the
protocol's dataset, and writes the answer bounded in rows and bytes, so only bounded bytes cross
the pipe. When a job passes the timeout its worker is killed and a fresh one started in the
background while the other workers keep serving.

Fairness: a job that has waited `slice` seconds for a worker stops a query of another client that
has run longer than `slice` (its client is told to retry): the query of the client that has used
the most worker time lately (decayed over a minute), so two clients looping slow queries cannot
keep everyone else waiting, and a light client's query is not the one stopped.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass, field

from pcmh_kg.query import guard, results

NO_DUMP = ""  # a worker that only inspects (the server answers from a remote store)


class QueryTimeout(RuntimeError):
    pass


class PoolBusy(RuntimeError):
    pass


class WorkerLost(RuntimeError):
    """The worker stopped under the query (out of memory, a crash, or stopped for fairness)."""


@dataclass
class Settings:
    dump: str
    base: str | None = None
    max_rows: int = 10_000
    max_bytes: int = 16 * 1024 * 1024
    allow_service: bool = False
    memory_mb: int = 0  # address-space limit of a worker (0: none)
    named: dict[str, str] = field(default_factory=dict)  # graph IRI -> Turtle file, loaded as a named graph


@dataclass
class Job:
    text: str
    results_fmt: str | None  # json | xml | csv | tsv | "model" (Results, for HTML) | None (none acceptable)
    graph_fmt: str | None  # an RDF registry name | "model" | None
    default_graphs: list[str] | None = None  # the protocol dataset (overrides FROM / FROM NAMED)
    named_graphs: list[str] | None = None
    spreadsheet: bool = False
    run: bool = True  # False: inspect only


@dataclass
class Model:
    results: results.Results
    truncated: bool


# ----------------------------------------------------------------------------- in the worker

def _load(s: Settings):
    import pyoxigraph as ox

    st = ox.Store()
    if s.dump:
        st.bulk_load(path=s.dump, format=ox.RdfFormat.N_TRIPLES)
    for graph, path in s.named.items():
        st.bulk_load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    return st


def _dataset(job: Job) -> dict:
    import pyoxigraph as ox

    out = {}
    try:
        if job.default_graphs is not None:
            out["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        if job.named_graphs is not None:
            out["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    except ValueError as exc:
        raise guard.Refused(400, f"default-graph-uri and named-graph-uri must be IRIs: {exc}") from None
    if job.default_graphs is not None and job.named_graphs is None:
        out["named_graphs"] = []  # a protocol dataset with no named-graph-uri has no named graphs
    if job.named_graphs is not None and job.default_graphs is None:
        out["default_graph"] = []
    return out


def do_job(st, s: Settings, job: Job):
    """('inspected', Inspection) | ('ok', Written) | ('model', Model); raises guard.Refused."""
    insp = guard.inspect(job.text)
    if insp.service and not s.allow_service:
        raise guard.Refused(403, "SERVICE (federated query) is refused by this endpoint")
    if not job.run:
        return "inspected", insp
    graph = insp.form in ("CONSTRUCT", "DESCRIBE")
    fmt = job.graph_fmt if graph else job.results_fmt
    if fmt is None:
        raise guard.Refused(406, f"no acceptable format for a {insp.form} result")
    try:
        answer = st.query(job.text, base_iri=s.base, **_dataset(job))
        r, cut = results.from_oxigraph(answer, s.max_rows, s.max_bytes)
    except SyntaxError as exc:
        raise guard.Refused(400, f"SPARQL syntax error: {exc}") from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise guard.Refused(400, f"the query failed: {exc}") from None
    if fmt == "model":
        return "model", Model(r, cut)
    return "ok", results.write(r, fmt, max_rows=s.max_rows, max_bytes=s.max_bytes,
                               spreadsheet=job.spreadsheet, truncated=cut)


def _limit_memory(mb: int) -> None:
    if mb > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))


def worker_main(conn, s: Settings) -> None:
    if not s.allow_service:
        from pcmh_kg.publish import sandbox

        if not sandbox.deny_network():
            conn.send(("failed", "cannot cut the query worker off from the network on this system "
                                 "(no seccomp, no network namespace); SERVICE could not be contained"))
            return
    try:
        st = _load(s)
    except (OSError, SyntaxError, ValueError) as exc:
        conn.send(("failed", f"cannot load the graph: {exc}"))
        return
    _limit_memory(s.memory_mb)
    guard.inspect("ASK {}")  # import and warm the SPARQL parser now, not in a client's first query
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(do_job(st, s, job))
        except guard.Refused as exc:
            conn.send(("refused", (exc.status, str(exc))))
        except MemoryError:
            conn.send(("refused", (503, "the query needs more memory than a query may use here")))


# ----------------------------------------------------------------------------- in the server

class Worker:
    def __init__(self, ctx, s: Settings, start_timeout: float):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child, s), daemon=True)
        self.proc.start()
        child.close()
        self.client, self.started, self.preempted = None, 0.0, False
        if not self.conn.poll(start_timeout):
            self.kill()
            raise RuntimeError(f"a query worker did not load {s.dump} within {start_timeout:.0f}s")
        try:
            status, message = self.conn.recv()
        except (EOFError, OSError):
            status, message = "failed", "the query worker exited while starting"
        if status != "ready":
            self.kill()
            raise RuntimeError(message)

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


USAGE_DECAY = 60.0  # seconds: how long a client's past worker time counts against it


class QueryPool:
    def __init__(self, settings: Settings, size: int = 2, timeout: float = 10.0, start_timeout: float = 300.0,
                 fair_slice: float = 2.0, queue_wait: float | None = None):
        """`queue_wait`: how long a job may wait for a free worker before the client is told to
        retry (503); by default as long as a query may run."""
        self.ctx = mp.get_context("spawn")  # never fork a process that runs server threads
        self.s, self.timeout, self.start_timeout, self.slice = settings, timeout, start_timeout, fair_slice
        self.queue_wait = timeout if queue_wait is None else queue_wait
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.busy: set[Worker] = set()
        self.lock = threading.Lock()
        self.closed = False
        self.restarts = 0
        self.usage: dict = {}  # client -> (worker seconds, decayed with USAGE_DECAY, when last updated)
        for _ in range(max(1, size)):
            self.idle.put(Worker(self.ctx, settings, start_timeout))

    def _take(self, client) -> Worker:
        deadline = time.monotonic() + self.queue_wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PoolBusy(f"every query worker stayed busy for {self.queue_wait:g}s; try again shortly")
            try:
                worker = self.idle.get(timeout=min(left, self.slice))
            except queue.Empty:
                self._preempt(client)
                continue
            with self.lock:
                worker.client, worker.started, worker.preempted = client, time.monotonic(), False
                self.busy.add(worker)
            return worker

    def _used(self, client, now: float, add: float = 0.0) -> float:
        """The client's worker time lately (seconds, decayed with USAGE_DECAY), after adding `add`."""
        seconds, when = self.usage.get(client, (0.0, now))
        seconds = seconds * math.exp(-(now - when) / USAGE_DECAY) + add
        if add:
            self.usage[client] = (seconds, now)
        return seconds

    def _preempt(self, client) -> None:
        """Stop the query, among other clients' that have had their slice, of the client that has
        used the most worker time (its finished queries lately, and this one so far)."""
        now = time.monotonic()
        with self.lock:
            others = [w for w in self.busy if w.client != client and not w.preempted and now - w.started >= self.slice]
            victim = max(others, key=lambda w: self._used(w.client, now) + (now - w.started), default=None)
            if victim is None:
                return
            victim.preempted = True
        victim.proc.kill()  # its own thread sees the pipe close and replaces it

    def run(self, job: Job, client=None):
        """The worker's answer (Written, Model or Inspection); raises guard.Refused, QueryTimeout,
        PoolBusy or WorkerLost."""
        worker = self._take(client)
        t0 = worker.started
        try:
            worker.conn.send(job)
            if not worker.conn.poll(max(0.05, self.timeout - (time.monotonic() - t0))):
                self._replace(worker)
                raise QueryTimeout(f"the query ran past the {self.timeout:g}s limit and was stopped")
            status, payload = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            if worker.preempted:
                raise WorkerLost("the query was stopped after its fair share of time, to let other "
                                 "clients' queries run; retry later") from None
            raise WorkerLost("the query stopped its worker (out of memory or a crash in the engine); "
                             "the worker has been replaced") from None
        with self.lock:
            self.busy.discard(worker)
            self._used(client, time.monotonic(), time.monotonic() - t0)
        self.idle.put(worker)
        if status == "refused":
            raise guard.Refused(*payload)
        return payload

    def inspect(self, text: str, client=None) -> guard.Inspection:
        return self.run(Job(text, None, None, run=False), client)

    def _replace(self, worker: Worker) -> None:
        with self.lock:
            self.busy.discard(worker)
            self._used(worker.client, time.monotonic(), time.monotonic() - worker.started)
        worker.kill()
        self.restarts += 1

        def start():
            if not self.closed:
                try:
                    self.idle.put(Worker(self.ctx, self.s, self.start_timeout))
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
        with self.lock:
            for w in list(self.busy):
                w.kill()
