"""pcmh-kg query: run a catalogue query, a query file or an inline query."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pcmh_kg.cli import EXIT_USAGE, CommandError, Progress
from pcmh_kg.model.vocab import Minter
from pcmh_kg.query import catalogue, results, sparql, store

from ._common import add_data_options, data_dir

NAME = "query"
ORDER = 30
HELP = "run a query from the library (--list), a .rq file (--file) or inline SPARQL (-e)"
DESCRIPTION = """\
Run SPARQL over the graph: the embedded store (the built dist/pcmh-kg.nt, or a fresh build of
data/), or a remote SPARQL endpoint with --store.

  pcmh-kg query --list
  pcmh-kg query multi-lesson-cases
  pcmh-kg query cases-for-lesson --param lesson=2 --format csv
  pcmh-kg query -e 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'

Parameters are typed and bound as RDF terms (never pasted into the query text)."""


def add_arguments(p) -> None:
    p.add_argument("name", nargs="?", help="a query of the library (see --list)")
    p.add_argument("--list", action="store_true", help="list the library's queries and their parameters")
    p.add_argument("--file", type=Path, metavar="Q.rq", help="run the SPARQL in this file")
    p.add_argument("-e", "--expression", metavar="SPARQL", help="run this SPARQL text")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="set a parameter of a library query (repeatable)")
    p.add_argument("--format", choices=("table", "csv", "tsv", "json"), default="table",
                   help="result format (default: table; CONSTRUCT gives Turtle, N-Triples or JSON-LD)")
    p.add_argument("--store", metavar="URL", default=os.environ.get("PCMH_KG_STORE"),
                   help="query this SPARQL endpoint instead of the embedded store ($PCMH_KG_STORE)")
    p.add_argument("--graph", metavar="IRI", help="with --store: the named graph to query (default-graph-uri)")
    p.add_argument("--timeout", type=float, default=sparql.DEFAULT_TIMEOUT, help="seconds (remote stores)")
    p.add_argument("--dist", type=Path, default=Path("dist"), metavar="DIR",
                   help="where the built dumps are (default: dist)")
    add_data_options(p)


def list_queries(fmt: str) -> int:
    queries = catalogue.load_catalogue()
    if fmt == "json":
        print(json.dumps([{"name": q.name, "title": q.title, "description": q.description,
                           "params": [vars(p) for p in q.params]} for q in queries.values()], indent=1))
        return 0
    width = max(len(n) for n in queries)
    for q in queries.values():
        params = " ".join(f"{p.name}={p.default if p.default is not None else '?'}" for p in q.params)
        print(f"{q.name.ljust(width)}  {q.title}" + (f"  [{params}]" if params else ""))
    return 0


def run(args) -> int:
    if args.list:
        return list_queries(args.format)
    chosen = [x for x in (args.name, args.file, args.expression) if x]
    if len(chosen) != 1:
        raise CommandError("give one of: a query NAME, --file Q.rq or -e 'SPARQL' (or --list)", EXIT_USAGE)
    say = Progress(args.quiet)
    try:
        if args.name:
            queries = catalogue.load_catalogue()
            if args.name not in queries:
                raise sparql.QueryError(f"unknown query {args.name!r}; run 'pcmh-kg query --list'")
            query = queries[args.name]
            text = query.text
        else:
            text = args.file.read_text(encoding="utf-8") if args.file else args.expression
            if args.param:
                raise sparql.QueryError("--param works with library queries only")
        st, base, run = connect(args, say)
        if args.name:
            terms = sparql.bind(query, sparql.parse_params(args.param), Minter(base))
            sparql.check_ids(query, terms, Minter(base), run)
            text = sparql.with_bindings(text, terms)
        result = run(text)
    except sparql.QueryError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    except sparql.EndpointError as exc:
        raise CommandError(str(exc)) from None
    except (OSError, catalogue.CatalogueError) as exc:
        raise CommandError(str(exc)) from None
    sys.stdout.buffer.write(results.render(result, args.format, base))
    return 0


def connect(args, say):
    """(store or None, base IRI, run(text) -> Results) for the embedded graph or --store.
    A remote store's base is read from its VoID unless --base is given: binding ids with another
    base than the store's would silently match nothing."""
    if not args.store:
        say("loading the graph ...")
        st, base = store.open_store(data_dir(args), args.dist, args.base)
        return st, base, lambda text: sparql.run_local(st, text, base=base)
    graphs = [args.graph] if args.graph else []
    base = Minter(args.base).base
    if args.base is None:
        found = sparql.store_base(args.store, default_graphs=graphs, timeout=args.timeout)
        if found is None:
            print(f"warning: {args.store} holds no VoID void:uriSpace; binding ids with {base} (give --base)",
                  file=sys.stderr)
        base = found or base
    return None, base, lambda text: sparql.run_remote(args.store, text, default_graphs=graphs, timeout=args.timeout)
