"""pcmh-kg serve: publish the graph over HTTP (SPARQL endpoint, IRI pages, ontology, VoID, dumps)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pcmh_kg.build import pipeline as build
from pcmh_kg.cli import EXIT_USAGE, CommandError, Progress
from pcmh_kg.model.vocab import Minter
from pcmh_kg.publish import app as site
from pcmh_kg.publish import backends, http, querypool, service
from pcmh_kg.query import store

from ._common import add_data_options, add_profile_option, data_dir

NAME = "serve"
ORDER = 50
HELP = "serve the graph over HTTP: SPARQL endpoint, a page for every IRI, ontology, VoID, dumps"
DESCRIPTION = """\
Serve the graph on http://HOST:PORT/ :
  /sparql            SPARQL 1.1 Protocol (GET, POST); JSON, XML, CSV, TSV; Turtle, N-Triples, JSON-LD
  /<path>            every IRI under the base, e.g. /case/<id>: HTML, Turtle, JSON-LD or N-Triples by
                     Accept (or a .html/.ttl/.jsonld/.nt suffix); answered directly with 200
  /ontology /void /queries /explorer /dumps /context.jsonld /.well-known/sparql-examples
  /release/          the releases in --releases (default ./releases): each one's page, files and DCAT
                     (/release/latest/FILE: a redirect to the newest release's file)
The endpoint is read-only (updates get 403), refuses SERVICE unless --allow-service, stops a query
after --timeout seconds (its worker process is killed and replaced) and returns at most --max-rows
rows (header X-Result-Truncated: true when cut). It serves the built dumps in --dist when they are
fresh and of the asked profile, else it builds the data into a temporary folder first."""


def add_arguments(p) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--dist", type=Path, default=Path("dist"), metavar="DIR", help="built dumps (default: dist)")
    p.add_argument("--store", metavar="URL", default=os.environ.get("PCMH_KG_STORE"),
                   help="answer from this SPARQL endpoint instead of the embedded store ($PCMH_KG_STORE)")
    p.add_argument("--graph", metavar="IRI", help="with --store: the named graph holding the data; requests are answered from it "
                   "alone (one naming another graph, or FROM, is refused)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per query (default: 10)")
    p.add_argument("--max-rows", type=int, default=10_000, metavar="N", help="result cap (default: 10000)")
    p.add_argument("--max-bytes", type=int, default=16, metavar="MB",
                   help="result cap in megabytes per answer (default: 16; X-Result-Truncated: true when cut)")
    p.add_argument("--queue-wait", type=float, default=30.0, metavar="SECONDS",
                   help="how long a query may wait for a free worker before the client is told to retry "
                        "(503 with Retry-After; default: 30)")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="query worker processes (default: 2)")
    p.add_argument("--worker-memory", type=int, default=2048, metavar="MB",
                   help="address-space limit of each query worker (default: 2048; 0: none)")
    p.add_argument("--allow-service", action="store_true", help="allow SERVICE (federated queries)")
    p.add_argument("--releases", type=Path, default=None, metavar="DIR",
                   help="releases to serve at /release/ (default: ./releases if it exists)")
    add_profile_option(p)
    add_data_options(p)


def port_number(text: str) -> int:
    """argparse type: a TCP port, so a bad one is a usage error, not a traceback."""
    import argparse

    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"ports are 0-65535, got {port}")
    return port


def settings(args, dump: str, base: str, dist: Path | None) -> querypool.Settings:
    void = dist / "void.ttl" if dist is not None and (dist / "void.ttl").is_file() else None
    return querypool.Settings(dump, base=base, max_rows=args.max_rows, max_bytes=args.max_bytes << 20,
                              allow_service=args.allow_service, memory_mb=args.worker_memory,
                              named={service.void_graph(base): str(void)} if void else {})


def start(kind, *args, **kwargs):
    try:
        return kind(*args, **kwargs)
    except RuntimeError as exc:  # a query worker could not start: no sandbox, or the dump does not load
        raise CommandError(f"cannot start the query workers: {exc}") from None


def run(args) -> int:
    say = Progress(args.quiet)
    if min(args.timeout, args.max_rows, args.workers, args.max_bytes, args.queue_wait) <= 0 or args.worker_memory < 0:
        raise CommandError("--timeout, --queue-wait, --max-rows, --max-bytes and --workers must be positive", EXIT_USAGE)
    releases = args.releases if args.releases is not None else Path("releases")
    if args.releases is not None and not args.releases.is_dir():
        raise CommandError(f"--releases {args.releases}: no such folder", EXIT_USAGE)
    tmp = None
    backend = None
    try:
        if args.store:
            dist = args.dist if (args.dist / "void.ttl").is_file() else None
            base = Minter(args.base).base
            summary = {"profile": "remote store", "triples": "?", "cases": "?"}
            backend = start(backends.RemoteBackend, args.store, settings(args, querypool.NO_DUMP, base, None),
                            graph=args.graph, timeout=args.timeout)
        else:
            data = data_dir(args)
            if store.fresh_build(args.dist, data, args.base, args.profile) is not None:
                dist = args.dist
            else:
                tmp = Path(tempfile.mkdtemp(prefix="pcmh-kg-serve-"))
                say(f"{args.dist} is missing, stale or of another profile: building {data} ({args.profile}) ...")
                build.build(data, tmp / "dist", base=args.base, profile=args.profile, shacl=False, cache_dir=None)
                dist = tmp / "dist"
            summary = json.loads((dist / "build.json").read_text())
            base = summary["base"]
            say(f"loading {dist / store.DUMP} into {args.workers} query worker(s) ...")
            backend = start(backends.LocalBackend, settings(args, str(dist / store.DUMP), base, dist),
                            workers=args.workers, timeout=args.timeout, queue_wait=args.queue_wait)
        cfg = site.Config(base=base, dist=dist, timeout=args.timeout, max_rows=args.max_rows,
                          allow_service=args.allow_service, quiet=args.quiet, summary=summary,
                          max_bytes=args.max_bytes << 20, releases=releases if releases.is_dir() else None)
        app = site.App(backend, cfg)
        try:
            httpd = http.make_server(app, args.host, args.port)
        except (OSError, OverflowError) as exc:
            raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc}") from None
        host, port = httpd.server_address[:2]
        # the URL line is printed even with --quiet: scripts read it to find a --port 0 server
        print(f"serving {base} at http://{host}:{port}/ (SPARQL: http://{host}:{port}/sparql)", flush=True)
        try:
            httpd.serve_forever()
        finally:
            httpd.server_close()
    finally:
        if backend is not None:
            backend.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0
