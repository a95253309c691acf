"""Reading the data directory into validated records, with every problem found at once.

Each case file is checked on its own (case_record), in worker processes when there are many
(graph/build/workers.py); what needs the whole picture (unknown or duplicate ids, dangling
references, cycles in hierarchies) is checked here, in one process.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from pcmh_kg.model.problems import InvalidInput, Problem, field_name
from pcmh_kg.model.vocab import Minter
from pcmh_kg.sources import references, schema, yamlio
from pcmh_kg.sources.schema import Checker

CASES_DIR = "cases"


@dataclass
class Data:
    root: Path
    guide: dict = field(default_factory=dict)
    topics: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    lessons: list = field(default_factory=list)
    scheme: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    places: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    case_triples: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)


def display_path(path: Path) -> str:
    """A path as problems name it: relative to the working folder when inside it."""
    folder, name = os.path.split(os.fspath(path))
    shown = _display_folder(os.getcwd(), folder) if name not in ("", ".", "..") else ".."
    if shown == "..":  # the name may lead back in (the working folder itself): worked out in full
        rel = os.path.relpath(path)
        return os.fspath(path) if rel.startswith("..") else rel
    if shown is None:
        return os.fspath(path)
    return name if shown == "." else os.path.join(shown, name)


@functools.lru_cache(maxsize=64)
def _display_folder(cwd: str, folder: str) -> str | None:
    """A folder relative to `cwd`, or None when outside it (and not its parent). Worked out once
    per folder: relpath's abspath calls cost a build's workers ~3% of their time (two per case file)."""
    rel = os.path.relpath(folder or ".", cwd)
    return None if rel.startswith("..") and rel != ".." else rel


def _located(display: str, text: str | None, problems: list[tuple[tuple, str]]) -> list[Problem]:
    out = []
    for path, message in problems:
        line = yamlio.line_of(text, path) if text is not None else None
        out.append(Problem(display, line, field_name(path), message))
    return out


def _read(path: Path, problems: list[Problem]):
    display = display_path(path)
    try:
        text, raw = yamlio.read_file(path, display)
    except yamlio.ProblemError as exc:
        problems.append(exc.problem)
        return display, None, None
    return display, text, raw


# ---------------------------------------------------------------------------------------- cases

def case_record(path: Path, raw: bytes, display: str | None = None) -> tuple[dict | None, list[Problem]]:
    """One case file's bytes -> (its validated record, []) or (None, its problems). Pure, so that
    worker processes can call it (graph/build/workers.py)."""
    display = display or display_path(path)
    try:
        text, value = yamlio.parse_bytes(raw, display)
    except yamlio.ProblemError as exc:
        return None, [exc.problem]
    case, found = schema.check_case(value, expected_id=path.stem)
    if found:
        return None, _located(display, text, found)
    return case, []


def case_paths(root: Path) -> list[Path]:
    """The case files in name order (sorting names, not Path objects: 10x faster at 100k)."""
    folder = Path(root) / CASES_DIR
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        return [folder / name for name in sorted(e.name for e in entries if e.name.endswith(".yaml"))]


# ------------------------------------------------------------------------------------ framework

def _guide_lists(m: dict, c: Checker, data: Data) -> None:
    """The guide's topics, themes and lessons, each numbered once, every lesson in a known theme
    and every theme with a lesson."""
    for key, target in (("topics", data.topics), ("themes", data.themes)):
        items = m.get(key) or []
        if not isinstance(items, list):
            c.err((key,), "must be a list")
            continue
        for i, item in enumerate(items):
            im = c.mapping(item, (key, i), {"id", "number", "title"}, {"id", "number", "title"})
            if im is not None:
                target.append({
                    "id": c.slug(im.get("id"), (key, i, "id")),
                    "number": c.integer(im.get("number"), (key, i, "number"), 1, 99),
                    "title": c.text(im.get("title"), (key, i, "title"), one_line=True),
                })
    items = m.get("lessons") or []
    if not isinstance(items, list):
        c.err(("lessons",), "must be a list")
        items = []
    for i, item in enumerate(items):
        im = c.mapping(item, ("lessons", i), {"number", "theme", "title"}, {"number", "theme", "title"})
        if im is not None:
            data.lessons.append({
                "number": c.integer(im.get("number"), ("lessons", i, "number"), 1, 99),
                "theme": c.slug(im.get("theme"), ("lessons", i, "theme")),
                "title": c.text(im.get("title"), ("lessons", i, "title"), one_line=True),
            })
    theme_ids = {t["id"] for t in data.themes}
    for key, items in (("topics", data.topics), ("themes", data.themes), ("lessons", data.lessons)):
        seen_numbers = set()
        for i, item in enumerate(items):
            if item["number"] in seen_numbers:
                c.err((key, i, "number"), f"number {item['number']} is used twice")
            seen_numbers.add(item["number"])
            if key == "lessons" and item["theme"] and item["theme"] not in theme_ids:
                c.err((key, i, "theme"), f"unknown theme '{item['theme']}'")
    for i, theme in enumerate(data.themes):
        if not any(lesson["theme"] == theme["id"] for lesson in data.lessons):
            c.err(("themes", i), f"theme '{theme['id']}' has no lesson")


def _load_guide(root: Path, data: Data, problems: list[Problem]) -> None:
    path = root / "guide.yaml"
    if not path.exists():
        problems.append(Problem(display_path(path), None, "", "missing: the guide, its themes and lessons"))
        return
    display, text, raw = _read(path, problems)
    if raw is None:
        return
    c = Checker()
    m = c.mapping(raw, (), {"guide", "topics", "themes", "lessons"}, {"guide", "themes", "lessons"})
    if m is not None:
        g = c.mapping(m.get("guide"), ("guide",),
                      {"id", "title", "subtitle", "publisher", "issued", "cases_reviewed",
                       "cases_in_directory", "summary", "sources"},
                      {"id", "title", "publisher", "issued", "summary", "sources"})
        if g is not None:
            issued = str(g.get("issued", ""))
            if not (len(issued) == 7 and issued[:4].isdigit() and issued[4] == "-" and issued[5:].isdigit()):
                c.err(("guide", "issued"), f"must be a year and month such as 2014-07, got {g.get('issued')!r}")
            data.guide = {
                "id": c.slug(g.get("id"), ("guide", "id")),
                "title": c.text(g.get("title"), ("guide", "title"), one_line=True),
                "subtitle": c.text(g.get("subtitle"), ("guide", "subtitle"), one_line=True),
                "publisher": c.slug(g.get("publisher"), ("guide", "publisher")),
                "issued": issued,
                "cases_reviewed": c.integer(g.get("cases_reviewed"), ("guide", "cases_reviewed"), 0, 100000),
                "cases_in_directory": c.integer(g.get("cases_in_directory"), ("guide", "cases_in_directory"), 0, 100000),
                "summary": c.text(g.get("summary"), ("guide", "summary")),
                "sources": c.sources(g.get("sources"), ("guide", "sources")),
            }
        _guide_lists(m, c, data)
    problems.extend(_located(display, text, c.problems))
    data.topics.sort(key=lambda t: t["number"] or 0)
    data.themes.sort(key=lambda t: t["number"] or 0)
    data.lessons.sort(key=lambda t: t["number"] or 0)


def _load_list_files(folder: Path, key: str, check, problems: list[Problem], *,
                     extra_keys: frozenset = frozenset()) -> list[tuple[str, str, int, dict, dict]]:
    """Read every YAML file in a folder holding a list under `key`; keep each item's origin."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        display, text, raw = _read(path, problems)
        if raw is None:
            continue
        c = Checker()
        m = c.mapping(raw, (), {key, "sources"} | extra_keys, {key})
        if m is not None:
            file_sources = c.sources(m.get("sources"), ("sources",), min_items=0)
            items = m.get(key)
            if not isinstance(items, list):
                c.err((key,), f"must be a list, got {schema._type_name(items)}")
                items = []
            for i, item in enumerate(items):
                record = check(item, (key, i), c)
                if record is not None:
                    out.append((display, text, i, record, {"file_sources": file_sources, "raw": m}))
        problems.extend(_located(display, text, c.problems))
    return out


class Framework:
    """The guide, tags, places and organisations of a data directory, and their ids."""

    def __init__(self, data: Data, tags: dict, places: dict, orgs: dict):
        self.data, self.tags, self.places, self.orgs = data, tags, places, orgs
        self.lesson_numbers = {lesson["number"] for lesson in data.lessons}

    def case_problems(self, path: Path, case: dict) -> list[Problem]:
        """Dangling references of one valid case (unknown place, organisation, tag, lesson)."""
        refs = []
        if case["place"] not in self.places:
            refs.append((("place",), f"unknown place '{case['place']}'"))
        for i, org in enumerate(case["organisations"]):
            if org not in self.orgs:
                refs.append((("organisations", i), f"unknown organisation '{org}'"))
        if case["contact"]["organisation"] not in self.orgs:
            refs.append((("contact", "organisation"), f"unknown organisation '{case['contact']['organisation']}'"))
        for i, tag in enumerate(case["tags"]):
            if tag not in self.tags:
                refs.append((("tags", i), f"unknown tag '{tag}'"))
        for i, link in enumerate(case["lessons"]):
            if self.lesson_numbers and link["lesson"] not in self.lesson_numbers:
                known = sorted(self.lesson_numbers)
                refs.append((("lessons", i, "lesson"),
                             f"unknown lesson {link['lesson']}; the guide's lessons are {known[0]} to {known[-1]}"))
        if not refs:
            return []
        return _located(display_path(path), path.read_text(encoding="utf-8"), refs)

    def add_case(self, case: dict) -> list[dict]:
        """Keep a valid case; returns the web sources it is the first to cite."""
        self.data.cases.append(case)
        known, new = self.data.sources, []
        for source in case["sources"]:
            if source["url"] not in known:
                known[source["url"]] = source
                new.append(source)
        return new


def _load_tags(root: Path, data: Data, problems: list[Problem]) -> tuple[dict, list]:
    """The tags and the one scheme they belong to."""
    tag_items = _load_list_files(root / "tags", "tags", schema.check_tag, problems,
                                 extra_keys=frozenset({"scheme"}))
    schemes = [(d, meta["raw"]["scheme"]) for d, _, i, _, meta in tag_items if "scheme" in meta["raw"] and i == 0]
    if len(schemes) != 1:
        problems.append(Problem(display_path(root / "tags"), None, "scheme",
                                f"exactly one tags file must hold the `scheme:`; found {len(schemes)}"))
    else:
        c = Checker()
        sm = c.mapping(schemes[0][1], ("scheme",), {"id", "title", "definition"}, {"id", "title"})
        if sm is not None:
            data.scheme = {
                "id": c.slug(sm.get("id"), ("scheme", "id")),
                "title": c.text(sm.get("title"), ("scheme", "title"), one_line=True),
                "definition": c.text(sm.get("definition"), ("scheme", "definition")),
            }
        problems.extend(Problem(schemes[0][0], None, field_name(p), msg) for p, msg in c.problems)
    tags = references.check_unique(tag_items, "tags", "tag", problems)
    for display, text, i, record, _ in tag_items:
        if record["broader"] and record["broader"] not in tags:
            problems.append(references.where(display, text, ("tags", i, "broader"), f"unknown tag '{record['broader']}'"))
    references.check_acyclic(tags, "broader", "tag", tag_items, "tags", problems)
    data.tags = [record for _, record in tags.values()]
    return tags, tag_items


def _load_places(root: Path, data: Data, problems: list[Problem]) -> tuple[dict, list]:
    place_items = _load_list_files(root / "places", "places", schema.check_place, problems)
    places = references.check_unique(place_items, "places", "place", problems)
    for display, text, i, record, meta in place_items:
        if record["parent"] and record["parent"] not in places:
            problems.append(references.where(display, text, ("places", i, "parent"), f"unknown place '{record['parent']}'"))
        record["sources"] = meta["file_sources"] + [s for s in record["sources"] if s not in meta["file_sources"]]
        record["source_urls"] = [s["url"] for s in record["sources"]]
    references.check_acyclic(places, "parent", "place", place_items, "places", problems)
    data.places = [record for _, record in places.values()]
    return places, place_items


def _load_organisations(root: Path, data: Data, places: dict, problems: list[Problem]) -> tuple[dict, list]:
    org_items = _load_list_files(root / "organisations", "organisations", schema.check_organisation, problems)
    orgs = references.check_unique(org_items, "organisations", "organisation", problems)
    for display, text, i, record, meta in org_items:
        if record["place"] and record["place"] not in places:
            problems.append(references.where(display, text, ("organisations", i, "place"), f"unknown place '{record['place']}'"))
        for succ in record["succeeded_by"]:
            if succ["organisation"] not in orgs:
                problems.append(references.where(display, text, succ["path"] + ("organisation",),
                                       f"unknown successor organisation '{succ['organisation']}'"))
        for source in meta["file_sources"]:
            data.sources.setdefault(source["url"], source)
    references.check_succession_cycles(orgs, org_items, problems)
    data.organisations = [record for _, record in orgs.values()]
    return orgs, org_items


def _check_folders(root: Path, problems: list[Problem]) -> None:
    """A plain file where a folder belongs would read as no data at all; a .yml case as no case."""
    for folder in (CASES_DIR, "tags", "places", "organisations"):
        where = root / folder
        if where.exists() and not where.is_dir():
            problems.append(Problem(display_path(where), None, "", f"must be a folder of {folder} files, not a file"))
        elif folder == CASES_DIR and not where.exists():
            problems.append(Problem(display_path(where), None, "", "the folder of case files is missing"))
    for stray in sorted((root / CASES_DIR).glob("*.yml")) if (root / CASES_DIR).is_dir() else []:
        problems.append(Problem(display_path(stray), None, "", "case files must end in .yaml"))


def load_framework(root: Path) -> tuple[Framework, list[Problem]]:
    """Read and check everything but the cases; return it with the problems found."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise InvalidInput([Problem(str(root), None, "", "data directory not found")])
    data = Data(root=root)
    _load_guide(root, data, problems)
    tags, tag_items = _load_tags(root, data, problems)
    places, place_items = _load_places(root, data, problems)
    orgs, org_items = _load_organisations(root, data, places, problems)
    references.check_identifiers_unique([("tags", tag_items), ("places", place_items), ("organisations", org_items)], problems)
    if data.guide.get("publisher") and data.guide["publisher"] not in orgs:
        problems.append(Problem(display_path(root / "guide.yaml"), None, "guide.publisher",
                                f"unknown organisation '{data.guide['publisher']}'"))
    _check_folders(root, problems)
    for source in data.guide.get("sources", []):
        data.sources.setdefault(source["url"], source)
    for place in data.places:
        for source in place["sources"]:
            data.sources.setdefault(source["url"], source)
    return Framework(data, tags, places, orgs), problems


def load(root: Path, *, base: str | None = None, profile: str = "public", progress=None) -> Data:
    """Read and validate everything under `root`; raise InvalidInput listing every problem."""
    from pcmh_kg.build import workers  # the engine that reads many files at once imports this module

    m = Minter(base)
    fw, problems = load_framework(root)
    chunks = []
    for result in workers.iter_cases(case_paths(root), m.base, profile, progress=progress):
        if result.problems:
            problems.extend(result.problems)
            continue
        problems.extend(fw.case_problems(result.path, result.case))
        fw.add_case(result.case)
        chunks.append(result.triples)
    if problems:
        raise InvalidInput(problems)
    fw.data.case_triples = chunks
    return fw.data
