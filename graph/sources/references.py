"""The checks that need the whole directory, not one file: every id defined once, no cycle in a
hierarchy or a succession, one external identifier for one entity. Each finds its problem at the
file, line and field of the item that is wrong (the second definition, the link that closes a
cycle). Items come as the loader reads them: (file shown, its text, index, record, extras)."""

from __future__ import annotations

from pcmh_kg.model.problems import Problem, field_name
from pcmh_kg.sources import yamlio


def where(display: str, text: str | None, path: tuple, message: str) -> Problem:
    line = yamlio.line_of(text, path) if text is not None else None
    return Problem(display, line, field_name(path), message)


def check_unique(items, key_name: str, kind: str, problems: list[Problem]) -> dict:
    seen: dict = {}
    for display, text, i, record, _ in items:
        rid = record["id"]
        if rid is None:
            continue
        if rid in seen:
            first = seen[rid]
            problems.append(where(display, text, (key_name, i, "id"),
                                   f"duplicate {kind} id '{rid}' (first defined in {first[0]})"))
        else:
            seen[rid] = (display, record)
    return seen


def check_acyclic(records: dict, parent_key: str, kind: str, items, key_name, problems):
    for display, text, i, record, _ in items:
        seen = {record["id"]}
        cur = record.get(parent_key)
        while cur is not None and cur in records:
            if cur in seen:
                problems.append(where(display, text, (key_name, i, parent_key),
                                       f"{kind} hierarchy has a cycle through '{cur}'"))
                break
            seen.add(cur)
            cur = records[cur][1].get(parent_key)


def check_succession_cycles(orgs: dict, items, problems: list[Problem]) -> None:
    """An organisation can never be, through its successors, its own successor."""
    for display, text, _i, record, _ in items:
        todo = [(s["organisation"], s["path"]) for s in record["succeeded_by"]]
        seen = set()
        while todo:
            oid, path = todo.pop()
            if oid == record["id"]:
                problems.append(where(display, text, path + ("organisation",),
                                       f"succession has a cycle back to '{record['id']}'"))
                break
            if oid in seen or oid not in orgs:
                continue
            seen.add(oid)
            todo.extend((s["organisation"], path) for s in orgs[oid][1]["succeeded_by"])


def check_identifiers_unique(groups, problems: list[Problem]) -> None:
    """One external identifier names one entity: the same Wikidata item, ODS code, ROR id or MeSH
    descriptor given to two places, organisations or tags is a mistake in one of them. (Tags may
    share a closeMatch: only exact matches and sameAs links must be unique.) One exception: an
    organisation and its direct successor may share one, as when a merger keeps one trust's ODS
    code under the new name (Somerset Partnership's RH5 is Somerset NHS FT's since 2020)."""
    seen: dict = {}
    successions = {(record["id"], s["organisation"]) for key, items in groups if key == "organisations"
                   for _, _, _, record, _ in items for s in record["succeeded_by"]}
    for key, items in groups:
        for display, text, i, record, _ in items:
            for field_key in ("wikidata", "ods", "ror", "mesh"):
                ident = record.get(field_key)
                if not ident or ident.get("match") == "close":
                    continue
                token = (ident["scheme"], ident["code"])
                if token in seen and {(seen[token], record["id"]), (record["id"], seen[token])} & successions:
                    continue
                if token in seen:
                    problems.append(where(display, text, (key, i, field_key),
                                           f"{ident['scheme']} {ident['code']} is also given to '{seen[token]}'"))
                else:
                    seen[token] = record["id"]
