"""pcmh-kg push: load the built graph into a partner's SPARQL store."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

from pcmh_kg.cli import EXIT_USAGE, CommandError, Progress
from pcmh_kg.publish import push
from pcmh_kg.query import store

NAME = "push"
ORDER = 60
HELP = "load dist/pcmh-kg.nt into a partner store as one named graph (SPARQL 1.1 Graph Store Protocol)"
DESCRIPTION = """\
Check the built graph against the SHACL shapes (nothing is sent if it breaks them), then
replace one named graph of a partner's store with it, in one HTTP PUT:

  pcmh-kg push --endpoint http://localhost:7878/store --graph https://w3id.org/pcmh-kg/
  PW=secret pcmh-kg push --endpoint http://host:8890/sparql-graph-crud-auth \\
      --graph https://w3id.org/pcmh-kg/ --user dba --password-env PW

Oxigraph server, Fuseki and GraphDB take ?graph=IRI; Virtuoso's /sparql-graph-crud-auth takes
?graph-uri=IRI and digest auth (chosen from the endpoint's path). Connection failures, 5xx and
429 are retried with backoff; any failure restores the partner's previous graph and exits
non-zero with the store's message and, read back from the store, which graph it now holds. A
2xx is checked too: the graph is read back and must hold exactly the triples sent. Query the pushed graph on Virtuoso with
default-graph-uri=IRI (pcmh-kg query --store URL --graph IRI): its default graph is all graphs."""


def add_arguments(p) -> None:
    p.add_argument("--endpoint", required=True, metavar="URL", help="the store's Graph Store Protocol endpoint")
    p.add_argument("--graph", required=True, metavar="IRI", help="the named graph to replace")
    p.add_argument("--user", metavar="U", help="user name (HTTP digest or basic auth)")
    p.add_argument("--password-env", metavar="VAR",
                   help="environment variable holding the password (never pass a password on the command line)")
    p.add_argument("--dist", type=Path, default=Path("dist"), metavar="DIR",
                   help="where the built dumps are (default: dist; run 'pcmh-kg build' first)")
    p.add_argument("--retries", type=int, default=4, metavar="N", help="retries of transient failures (default: 4)")
    p.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS", help="per attempt (default: 300)")
    p.add_argument("--no-shacl", dest="shacl", action="store_false", default=True,
                   help="send even if the graph breaks the SHACL shapes (e.g. a full-profile dump, for an internal store)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")


def run(args) -> int:
    say = Progress(args.quiet)
    try:
        parts = urllib.parse.urlsplit(args.endpoint)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise CommandError(f"--endpoint is not a valid URL ({exc}): {args.endpoint!r}", EXIT_USAGE) from None
    if parts.scheme not in ("http", "https") or not host:
        raise CommandError(f"--endpoint must be an http(s) URL, got {args.endpoint!r}", EXIT_USAGE)
    if ":" not in args.graph:
        raise CommandError(f"--graph must be an absolute IRI, got {args.graph!r}", EXIT_USAGE)
    password = None
    if args.password_env:
        if not args.user:
            raise CommandError("--password-env needs --user", EXIT_USAGE)
        password = os.environ.get(args.password_env)
        if password is None:
            raise CommandError(f"the environment variable {args.password_env} is not set", EXIT_USAGE)
    dump = args.dist / store.DUMP
    if not dump.is_file():
        raise CommandError(f"{dump} does not exist; run 'pcmh-kg build' first", EXIT_USAGE)
    say(f"pushing {dump} to {args.endpoint} as <{args.graph}> ...")
    try:
        result = push.push(args.endpoint, args.graph, dump, user=args.user, password=password,
                           retries=max(0, args.retries), timeout=args.timeout, shacl=args.shacl, log=say)
    except push.PushError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot read {dump}: {exc}") from None
    say(f"done: {result.triples} triples in <{args.graph}> ({result.status}, {result.attempts} attempt(s), "
        f"{result.seconds:.1f}s)")
    return 0
