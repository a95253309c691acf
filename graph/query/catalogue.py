"""The query library: .rq files with a metadata header, published in the graph as SHACL
`sh:SPARQLExecutable`s (as SIB's sparql-examples do) so partners can discover them with SPARQL.

A query file starts with comment lines of the form

    # title: Cases that evidence two or more lessons
    # description: The headline question ...
    # param: min_lessons (integer, default 2): fewest lessons a case must evidence

and the SPARQL text follows. A parameter is a variable of the query (?min_lessons) that is bound
to a typed RDF term at run time, never pasted into the text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pcmh_kg import resources
from pcmh_kg.model.vocab import DCTERMS, RDF, RDFS, SCHEMA, SH, Minter
from pcmh_kg.triples.terms import Lines, iri, text

PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>[a-z]+)(?:\s*,\s*default\s+(?P<default>[^)]*))?\)\s*:?\s*(?P<doc>.*)$"
)
PARAM_TYPES = {"integer", "string", "year", "lesson", "theme", "tag", "place", "organisation",
               "case", "scope", "iri"}
QUERY_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class Param:
    name: str
    type: str
    default: str | None
    description: str


@dataclass
class Query:
    name: str
    title: str
    description: str
    text: str
    path: Path
    params: list[Param] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)

    @cached_property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE, from the parsed query (guard.inspect)."""
        from pcmh_kg.query import guard

        try:
            return guard.inspect(self.text).form
        except guard.Refused as exc:
            raise CatalogueError(f"{self.path}: {exc}") from None


class CatalogueError(ValueError):
    pass


def parse_query_file(path: Path) -> Query:
    raw = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: list[Param] = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if ":" not in body:
            continue
        key, _, value = body.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "param":
            m = PARAM.match(value)
            if not m or m.group("type") not in PARAM_TYPES:
                raise CatalogueError(f"{path}:{n}: [param] expected 'name (type[, default X]): text' "
                                     f"with type one of {', '.join(sorted(PARAM_TYPES))}")
            default = m.group("default")
            params.append(Param(m.group("name"), m.group("type"),
                                default.strip() if default is not None else None, m.group("doc").strip()))
        elif key in ("title", "description", "keywords"):
            meta[key] = (meta.get(key, "") + " " + value).strip()
    name = path.stem
    if not QUERY_NAME.match(name):
        raise CatalogueError(f"{path}: query file names must be slugs such as cases-for-lesson.rq")
    for key in ("title", "description"):
        if not meta.get(key):
            raise CatalogueError(f"{path}:1: [{key}] every query needs a '# {key}:' header line")
    for p in params:
        if not re.search(r"[?$]" + re.escape(p.name) + r"\b", raw):
            raise CatalogueError(f"{path}: [param {p.name}] the query never uses ?{p.name}")
    keywords = [k.strip() for k in meta.get("keywords", "").split(",") if k.strip()]
    return Query(name, meta["title"], meta["description"], raw, path, params, keywords)


def load_catalogue(folder: Path | None = None, *, cache_dir: Path | None = None) -> dict[str, Query]:
    """The queries of `folder` by name. With `cache_dir`, each query's form is taken from the
    forms worked out before for the same text (see known_forms)."""
    folder = folder or resources.queries_dir()
    out = {}
    for path in sorted(Path(folder).glob("*.rq")):
        q = parse_query_file(path)
        out[q.name] = q
    if cache_dir is not None:
        known_forms(out.values(), Path(cache_dir) / FORMS_CACHE)
    return out


FORMS_CACHE = "query-forms.json"


def _forms_key() -> str:
    """What a query's form depends on besides its text: the inspector's code and the parser's
    (rdflib and pyparsing, by file size and time; found without importing them, which takes
    longer than reading the cache)."""
    import importlib.util

    from pcmh_kg.query import guard

    h = hashlib.sha256(Path(guard.__file__).read_bytes())
    for package, inner in (("rdflib", "plugins/sparql/parser.py"), ("pyparsing", "core.py")):
        spec = importlib.util.find_spec(package)
        for where in (spec.submodule_search_locations or []) if spec else []:
            try:
                st = (Path(where) / inner).stat()
            except OSError:
                continue
            h.update(f"{where}/{inner} {st.st_size} {st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def known_forms(queries, cache: Path) -> None:
    """Give each query its form from `cache` (a JSON file: a digest of the text -> the form),
    parsing only the queries not in it, and save what is new. The form comes from rdflib's parse
    (guard.inspect): for the catalogue's 21 files, 0.6 s of a build (import included) that a
    rebuild need not spend again. A query that does not parse is never cached: it fails as before."""
    key = _forms_key()
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
        forms = stored["forms"] if stored.get("key") == key else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        forms = {}
    new = False
    for q in queries:
        digest = hashlib.sha256(q.text.encode("utf-8")).hexdigest()
        form = forms.get(digest)
        if form in FORM_CLASSES:
            q.__dict__["form"] = form  # what the cached_property would store
        else:
            forms[digest] = q.form
            new = True
    if new:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
            tmp.write_text(json.dumps({"key": key, "forms": forms}, indent=0, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(tmp, cache)
        except OSError:
            pass  # a cache that cannot be written is only a slower next build


FORM_CLASSES = {"SELECT": "SPARQLSelectExecutable", "ASK": "SPARQLAskExecutable",
                "CONSTRUCT": "SPARQLConstructExecutable", "DESCRIBE": "SPARQLDescribeExecutable"}


def describe_query(t: Lines, qi: str, q: Query, query_text: str, target: tuple, schema: str = SCHEMA) -> None:
    """One query as an sh:SPARQLExecutable: the graph's catalogue (below) and the SIB examples
    document (examples.py) differ only in the text, the target and schema.org's namespace."""
    add = t.add
    add(qi, RDF + "type", iri(SH + "SPARQLExecutable"))
    add(qi, RDF + "type", iri(SH + FORM_CLASSES[q.form]))
    add(qi, RDFS + "label", text(q.title))
    add(qi, RDFS + "comment", text(q.description))
    add(qi, SH + q.form.lower(), text(query_text, None))
    add(qi, schema + "target", target)
    add(qi, DCTERMS + "identifier", text(q.name, None))
    for k in q.keywords:
        add(qi, schema + "keywords", text(k, None))


def catalogue_triples(queries: dict[str, Query], m: Minter) -> list[tuple]:
    """The catalogue in the graph: for any store the graph is loaded into, so the target is the dataset."""
    t = Lines()
    for name, q in queries.items():
        describe_query(t, m.query(name), q, q.text, iri(m.dataset))
    return t.triples
