"""SHACL results reported like every other validation problem: YAML file, line and field.

A result names a node of the graph (its IRI says which case, place, organisation, tag or guide
item it is, and which part of it: a case's contact, lesson link or status statement) and a
property (graph/triples/fields.py says which YAML field it is made from). The record is found in
its file, the field narrowed to the list item whose value the result names, and the line read
from the YAML nodes. Runs only when the shapes fail, so it re-reads the files it needs.
"""

from __future__ import annotations

import re
from pathlib import Path

from pcmh_kg.build.shapes import Result
from pcmh_kg.model.problems import Problem, field_name
from pcmh_kg.model.vocab import PREFIXES, Minter
from pcmh_kg.sources import loader, yamlio
from pcmh_kg.triples import fields

GRAPH = "(the built graph)"  # for a node no data file makes (the ontology, a query, a web source)
_IRI = re.compile(r"<([^>]*)>")


def problems(results: list[Result], data_dir: Path, m: Minter) -> list[Problem]:
    finder = _Records(Path(data_dir))
    return [_problem(r, finder, m.base) for r in results]


def _curie(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda x: -len(x[1])):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _message(r: Result) -> str:
    component = r.component.strip("<>").rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    value = f" (value {r.value})" if r.value else ""
    return f"SHACL {component}: {r.message}{value}"


def _problem(r: Result, finder: _Records, base: str) -> Problem:
    focus = r.focus.strip("<>")
    prop = next(iter(_IRI.findall(r.path)), "")
    located = finder.locate(focus[len(base):].split("/"), prop, r.value) if focus.startswith(base) else None
    if located is None:
        return Problem(GRAPH, None, _curie(prop) if prop else "", f"{_message(r)} on <{focus}>")
    display, text, path = located
    return Problem(display, yamlio.line_of(text, path), field_name(path), _message(r))


class _Records:
    """The data files, read on demand: where the record of a node is, and what it holds."""

    def __init__(self, root: Path):
        self.root = root
        self.lists: dict = {}  # (file or folder, list key, id key) -> {id: (display, text, path, record)}

    def _index(self, where: str, key: str | None, id_key: str) -> dict:
        found = self.lists.get((where, key, id_key))
        if found is not None:
            return found
        found = {}
        target = self.root / where
        for path in sorted(target.glob("*.yaml")) if target.is_dir() else [target]:
            try:
                text, raw = yamlio.read_file(path, loader.display_path(path))
            except yamlio.ProblemError:
                continue
            items = raw.get(key) if isinstance(raw, dict) and key else None
            if key is None and isinstance(raw, dict):
                record = raw.get("guide", raw) if where == "guide.yaml" else raw
                prefix = ("guide",) if where == "guide.yaml" else ()
                found[str(record.get(id_key))] = (loader.display_path(path), text, prefix, record)
            for i, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict):
                    found.setdefault(str(item.get(id_key)), (loader.display_path(path), text, (key, i), item))
        self.lists[(where, key, id_key)] = found
        return found

    def locate(self, parts: list[str], prop: str, value: str) -> tuple[str, str, tuple] | None:
        kind = fields.NODES.get(parts[0])
        if kind is None or len(parts) < 2:
            return None
        where, key, id_key, tables = kind
        if parts[0] == "case":  # one file per case
            where = f"cases/{parts[1]}.yaml"
            key = None
        hit = self._index(where, key, id_key).get(parts[1])
        if hit is None:
            return None
        display, text, path, record = hit
        part = parts[2] if len(parts) > 2 else ""
        table = tables.get(part, tables[""])
        if part == "lesson" and len(parts) > 3:  # case/<id>/lesson/<n>: the link to lesson n
            links = record.get("lessons") or []
            index = next((i for i, link in enumerate(links)
                          if isinstance(link, dict) and str(link.get("lesson")) == parts[3]), None)
            path, record = (path + ("lessons", index), links[index]) if index is not None else (path + ("lessons",), {})
        elif part in ("contact", "status"):
            path, record = path + (part,), record.get(part) if isinstance(record.get(part), dict) else {}
        field = table.get(prop, ())
        return display, text, path + _narrow(record, field, value)


def _narrow(record: dict, field: tuple, value: str) -> tuple:
    """The field, down to the list item the result's value names (an id, a URL or a text)."""
    held = record
    for step in field:
        try:
            held = held[step]
        except (KeyError, IndexError, TypeError):
            return field
    if not isinstance(held, list) or not value:
        return field
    wanted = value.strip("<>").split('"')[1] if value.startswith('"') else value.strip("<>")
    for i, item in enumerate(held):
        item_value = item.get("url") if isinstance(item, dict) else item
        if str(item_value) == wanted or wanted.endswith("/" + str(item_value)):
            return field + (i,)
    return field
