"""After `pcmh-kg push`, every catalogue query gives the same rows from Oxigraph server and from
Virtuoso as from the embedded engine: the queries are portable, and partners lose nothing by
moving the graph into their own store."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
import pytest

from pcmh_kg.model.vocab import XSD, Minter
from pcmh_kg.publish import push
from pcmh_kg.query import catalogue, results, sparql, store

pytestmark = pytest.mark.store
GRAPH = "https://w3id.org/pcmh-kg/"
QUERIES = catalogue.load_catalogue()
NUMERIC = {XSD + t for t in ("integer", "int", "long", "short", "decimal", "double", "float",
                             "nonNegativeInteger", "positiveInteger", "unsignedInt", "unsignedLong")}


def normal(t):
    """A term as comparable across stores: numbers by value, plain strings without xsd:string."""
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return ("iri", t.value)
    if isinstance(t, ox.BlankNode):
        return ("bnode",)
    dt = t.datatype.value if t.datatype else None
    if dt in NUMERIC:
        try:
            return ("number", Decimal(t.value).normalize())
        except InvalidOperation:
            pass
    if t.language:
        return ("lang", t.value, t.language.lower())
    if dt in (None, XSD + "string"):
        return ("string", t.value)
    return ("typed", t.value, dt)


def rows(r: results.Results) -> Counter:
    assert r.kind == "select", r.kind
    return Counter(tuple(normal(t) for t in row) for row in r.rows)


def bound(q) -> str:
    return sparql.with_bindings(q.text, sparql.bind(q, {}, Minter(None)))


@pytest.fixture(scope="module")
def embedded(real_dist):
    return store.from_dump(real_dist / store.DUMP)


@pytest.fixture(scope="module")
def pushed(real_dist, oxigraph_server, virtuoso):
    push.push(oxigraph_server + "/store", GRAPH, real_dist / store.DUMP)
    push.push(virtuoso.graph_store, GRAPH, real_dist / store.DUMP, user=virtuoso.user, password=virtuoso.password)
    return {"oxigraph": (oxigraph_server + "/query", GRAPH), "virtuoso": (virtuoso.sparql, GRAPH)}


@pytest.mark.parametrize("store_name", ["oxigraph", "virtuoso"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_catalogue_query_agrees(name, store_name, embedded, pushed):
    text = bound(QUERIES[name])
    expected = rows(sparql.run_local(embedded, text))
    endpoint, graph = pushed[store_name]
    got = rows(sparql.run_remote(endpoint, text, default_graphs=[graph] if graph else (), timeout=120))
    missing, extra = expected - got, got - expected
    assert not missing and not extra, (
        f"{name} on {store_name}: {sum(missing.values())} row(s) missing, e.g. {list(missing)[:2]}; "
        f"{sum(extra.values())} extra, e.g. {list(extra)[:2]}")


def test_most_queries_return_rows_so_agreement_means_something(embedded):
    empty = [n for n, q in QUERIES.items() if not rows(sparql.run_local(embedded, bound(q)))]
    assert len(empty) <= len(QUERIES) // 5, f"too many catalogue queries return nothing with defaults: {empty}"
