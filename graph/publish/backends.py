"""Where answers come from: the served dump (LocalBackend) or another SPARQL store (RemoteBackend).

Both offer the same three calls: run a query and get written bytes, describe an IRI (its own
triples and those of the nodes it owns, plus links to it), and find labels for IRIs. Local SPARQL
runs in killable worker processes (querypool); IRI lookups, a few index scans, run in this
process's own copy of the graph.
"""

from __future__ import annotations

import re
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from pcmh_kg.model.vocab import DCTERMS, RDFS, SCHEMA, SKOS
from pcmh_kg.publish import querypool
from pcmh_kg.publish.http import Reply
from pcmh_kg.query import guard, results, sparql
from pcmh_kg.query import store as store_mod

MAX_INCOMING = 500  # links listed on an entity page
LABEL_PREDICATES = [SKOS + "prefLabel", RDFS + "label", DCTERMS + "title", SCHEMA + "name"]

class LocalBackend:
    """The served dump: a store in this process for IRI lookups, worker processes for SPARQL."""

    def __init__(self, settings: querypool.Settings, *, workers: int, timeout: float, fair_slice: float = 2.0,
                 queue_wait: float | None = None):
        self.store = store_mod.from_dump(Path(settings.dump))
        self.pool = querypool.QueryPool(settings, size=workers, timeout=timeout, fair_slice=fair_slice,
                                        queue_wait=queue_wait)

    def inspect(self, text: str, client=None) -> guard.Inspection:
        return self.pool.inspect(text, client)

    def query(self, job: querypool.Job, client=None):
        return self.pool.run(job, client)

    def run(self, text: str) -> sparql.Results:
        """A small query of the server's own (ids, labels) on the in-process copy."""
        return sparql.run_local(self.store, text)

    def about(self, iri: str) -> tuple[list, list]:
        node = ox.NamedNode(iri)
        own = [ox.Triple(q.subject, q.predicate, q.object) for q in self.store.quads_for_pattern(node, None, None)]
        owned = sorted({t.object.value for t in own if isinstance(t.object, ox.NamedNode)
                        and t.object.value.startswith(iri + "/")})
        for o in owned:
            own += [ox.Triple(q.subject, q.predicate, q.object)
                    for q in self.store.quads_for_pattern(ox.NamedNode(o), None, None)]
        incoming = [ox.Triple(q.subject, q.predicate, q.object) for q in
                    islice((q for q in self.store.quads_for_pattern(None, None, node)
                            if not q.subject.value.startswith(iri + "/")), MAX_INCOMING)]
        return own, incoming

    def labels(self, iris: set[str]) -> dict[str, str]:
        out = {}
        for value in iris:
            node = ox.NamedNode(value)
            for pred in LABEL_PREDICATES:
                found = [q.object for q in self.store.quads_for_pattern(node, ox.NamedNode(pred), None)]
                if found:
                    out[value] = _pick_label(found)
                    break
        return out

    def close(self) -> None:
        self.pool.close()


NO_GRAPH = "urn:pcmh-kg:no-graph"  # names no graph of any store: an empty default or named graph


class RemoteBackend:
    """Another SPARQL endpoint (--store URL) answers everything. Queries are inspected first by
    local workers that hold no data, then forwarded with the protocol dataset; answers are bounded
    as locally.

    With `graph` (--graph) a partner's store holds other graphs too, and this endpoint must never
    answer from them. A request that names no dataset gets that graph as its default graph and
    its one named graph. One that names a dataset may name that graph alone (else 400) and gets
    exactly what it names: where it names no default graph (or no named graph) the store is sent
    NO_GRAPH instead, because a store that is sent none uses its own (Virtuoso: every graph).
    FROM / FROM NAMED are refused, as not every store lets the protocol dataset override them.
    Without `graph` the request's own dataset is forwarded."""

    def __init__(self, endpoint: str, settings: querypool.Settings, *, graph: str | None, timeout: float):
        self.endpoint, self.graph, self.timeout, self.s = endpoint, graph, timeout, settings
        self.pool = querypool.QueryPool(settings, size=1, timeout=timeout)

    def inspect(self, text: str, client=None) -> guard.Inspection:
        return self.pool.inspect(text, client)

    def _dataset(self, default_graphs, named_graphs, from_graphs: bool) -> tuple:
        if not self.graph:
            return default_graphs, named_graphs
        other = sorted((set(default_graphs or ()) | set(named_graphs or ())) - {self.graph})
        if other:
            raise guard.Refused(400, f"this endpoint serves one graph, <{self.graph}>: default-graph-uri and "
                                     f"named-graph-uri may name only it, not <{other[0]}>")
        if from_graphs:
            raise guard.Refused(400, f"this endpoint serves one graph, <{self.graph}>, as its default graph and "
                                     "its one named graph: leave out FROM and FROM NAMED")
        if default_graphs is None and named_graphs is None:
            return None, None  # the service's own dataset (_run)
        return list(default_graphs or [NO_GRAPH]), list(named_graphs or [NO_GRAPH])

    def _run(self, text: str, default_graphs=None, named_graphs=None) -> sparql.Results:
        """`text` over the given dataset; none given: the service's own (with `graph`, that graph)."""
        if self.graph and default_graphs is None and named_graphs is None:
            default_graphs, named_graphs = [self.graph], [self.graph]
        if self.s.base and not re.match(r"\s*BASE\b", text, re.I):
            text = f"BASE <{self.s.base}>\n{text}"  # the service defines the base, as locally
        try:
            return sparql.run_remote(self.endpoint, text, default_graphs=default_graphs or (),
                                     named_graphs=named_graphs or (), timeout=self.timeout,
                                     max_bytes=4 * self.s.max_bytes)
        except sparql.QueryError as exc:
            raise guard.Refused(400, str(exc)) from None
        except sparql.EndpointError as exc:
            raise Reply(502, str(exc)) from None

    def query(self, job: querypool.Job, client=None):
        insp = self.inspect(job.text, client)
        r = self._run(job.text, *self._dataset(job.default_graphs, job.named_graphs, insp.from_graphs))
        fmt = job.graph_fmt if r.kind == "graph" else job.results_fmt
        if fmt is None:
            raise guard.Refused(406, f"no acceptable format for a {insp.form} result")
        if fmt == "model":
            items = r.rows if r.kind == "select" else r.triples if r.kind == "graph" else []
            truncated = len(items) > self.s.max_rows
            del items[self.s.max_rows:]
            return querypool.Model(r, truncated)
        return results.write(r, fmt, max_rows=self.s.max_rows, max_bytes=self.s.max_bytes, spreadsheet=job.spreadsheet)

    def run(self, text: str) -> sparql.Results:
        return self._run(text)

    def about(self, iri: str) -> tuple[list, list]:
        i = str(ox.NamedNode(iri))
        own = self._run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ BIND({i} AS ?s) ?s ?p ?o }} UNION "
                        f"{{ {i} ?x ?s . ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), CONCAT(STR({i}), \"/\"))) }} }}")
        inc = self._run(f"SELECT ?s ?p WHERE {{ ?s ?p {i} FILTER(!STRSTARTS(STR(?s), CONCAT(STR({i}), \"/\"))) }} "
                        f"LIMIT {MAX_INCOMING}")
        incoming = [ox.Triple(s, p, ox.NamedNode(iri)) for s, p in inc.rows if s is not None and p is not None]
        return list(own.triples), incoming

    def labels(self, iris: set[str]) -> dict[str, str]:
        if not iris:
            return {}
        values = " ".join(str(ox.NamedNode(v)) for v in sorted(iris)[:1000])
        preds = " ".join(f"({str(ox.NamedNode(p))} {n})" for n, p in enumerate(LABEL_PREDICATES))
        r = self._run(f"SELECT ?x ?l ?n WHERE {{ VALUES ?x {{ {values} }} VALUES (?p ?n) {{ {preds} }} ?x ?p ?l }}")
        found: dict[str, list] = {}
        for x, label, n in r.rows:
            if x is not None and isinstance(label, ox.Literal):
                found.setdefault(x.value, []).append((int(n.value), label))
        return {k: _pick_label([lab for n, lab in sorted(v, key=lambda t: t[0]) if n == min(p for p, _ in v)])
                for k, v in found.items()}

    def close(self) -> None:
        self.pool.close()


def _pick_label(literals: list) -> str:
    for lit in literals:
        if isinstance(lit, ox.Literal) and lit.language in (None, "", "en"):
            return lit.value
    return literals[0].value
