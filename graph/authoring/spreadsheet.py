"""Case submissions from a spreadsheet (CSV) into case files, held to the rules of YAML cases.

Commissioners collect submissions in spreadsheets. Each row becomes the same record a case file
holds; the rows are validated together with the existing data by the same loader (so unknown
tags, places or duplicate ids are caught), problems are reported by row and column, and the
files are written only if every row is valid.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import yaml

from pcmh_kg.model.problems import InvalidInput, Problem
from pcmh_kg.sources import loader, yamlio
from pcmh_kg.sources.checker import Checker

MAX_CSV_BYTES = 4 << 20  # ~2,500 cases; the whole data set is ~120
MAX_ROWS = 1000  # the work of one import stays bounded: every row is staged and loaded
MAX_LESSONS = 4
MAX_SOURCES = 4
LIST_SEPARATOR = ";"

COLUMNS = (
    ["id", "title", "summary", "place", "scope", "organisations", "started", "tags"]
    + [c for i in range(1, MAX_LESSONS + 1) for c in (f"lesson_{i}", f"lesson_{i}_reason", f"lesson_{i}_origin")]
    + [c for i in range(1, MAX_SOURCES + 1) for c in (f"source_{i}_url", f"source_{i}_title", f"source_{i}_publisher")]
    + ["contact_organisation", "contact_role", "contact_url", "flags"]
)
REQUIRED_COLUMNS = {"id", "title", "summary", "place", "scope", "organisations", "tags", "lesson_1",
                    "lesson_1_reason", "source_1_url", "contact_organisation", "contact_role", "contact_url"}


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()]


def _number(value: str) -> int | str:
    """A whole number as YAML's number, anything else as the text for the rules to refuse
    ('²'.isdigit() is true, and int() of 5,000 digits raises)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else value


def row_to_record(row: dict[str, str]) -> dict:
    """One spreadsheet row as the mapping a case file holds (empty cells are left out). Cells of
    ids, numbers and lists are trimmed to be parsed; texts are kept as typed, for the case rules
    (the same for YAML) to decide what their spaces mean."""
    get = lambda key: (row.get(key) or "").strip()  # noqa: E731
    text = lambda key: row[key] if get(key) else ""  # noqa: E731
    record: dict = {
        "id": get("id"),
        "title": text("title"),
        "summary": text("summary"),
        "place": get("place"),
        "scope": get("scope"),
        "organisations": _split(get("organisations")),
    }
    if get("started"):
        record["started"] = _number(get("started"))
    record["tags"] = _split(get("tags"))
    lessons = []
    for i in range(1, MAX_LESSONS + 1):
        number, reason, origin = get(f"lesson_{i}"), text(f"lesson_{i}_reason"), get(f"lesson_{i}_origin")
        if number or reason:
            lessons.append({"lesson": _number(number), "reason": reason,
                            "origin": origin or "curated"})
    record["lessons"] = lessons
    sources = []
    for i in range(1, MAX_SOURCES + 1):
        url = get(f"source_{i}_url")
        if url or get(f"source_{i}_title"):
            source = {"url": url}
            for key in ("title", "publisher"):
                if get(f"source_{i}_{key}"):
                    source[key] = text(f"source_{i}_{key}")
            sources.append(source)
    record["sources"] = sources
    record["contact"] = {"organisation": get("contact_organisation"), "role": text("contact_role"),
                         "url": get("contact_url")}
    if get("flags"):
        record["flags"] = _split(get("flags"))
    return {k: v for k, v in record.items() if v not in ("", [], None)}


def column_for(field: str) -> str:
    """The spreadsheet column of a problem's field: 'lessons[1].reason' -> 'lesson_2_reason'."""
    m = re.match(r"^lessons(?:\[(\d+)\])?(?:\.(\w+))?$", field)
    if m:
        n = int(m.group(1) or 0) + 1
        sub = m.group(2)
        return f"lesson_{n}" if sub in (None, "lesson") else f"lesson_{n}_{sub}"
    m = re.match(r"^sources(?:\[(\d+)\])?(?:\.(\w+))?$", field)
    if m:
        return f"source_{int(m.group(1) or 0) + 1}_{m.group(2) or 'url'}"
    m = re.match(r"^contact(?:\.(\w+))?$", field)
    if m:
        return f"contact_{m.group(1) or 'organisation'}"
    return re.sub(r"\[\d+\]$", "", field) or "(row)"


def read_rows(csv_path: Path) -> list[tuple[int, dict[str, str]]]:
    """The non-empty rows of a spreadsheet, each with its row number, or InvalidInput naming the
    file, the line and the column of the first thing that makes the sheet unreadable."""
    display = str(csv_path)
    try:
        text = yamlio.decode(yamlio.read_bytes(csv_path, display, limit=MAX_CSV_BYTES), display)
    except yamlio.ProblemError as exc:
        raise InvalidInput([exc.problem]) from None
    records = _records(text.removeprefix("\ufeff"), display)  # Excel's "CSV UTF-8" starts with a BOM
    if not records:
        return []
    header = records[0][1]
    problems = _header_problems(header, display)
    rows = []
    for number, (line, cells) in enumerate(records[1:], start=2):
        if len(cells) > len(header):
            problems.append(Problem(display, line, "", "row has more cells than the header"))
        row = dict(zip(header, (_cell(c) for c in cells), strict=False))
        if any(v.strip() for v in row.values()):
            rows.append((number, row))
    if problems:
        raise InvalidInput(problems)
    return rows


def _records(text: str, display: str) -> list[tuple[int, list[str]]]:
    """(first line, cells) of every record, blank ones too, so that a record's place in the list
    is its row in the spreadsheet even when a cell spans several lines."""
    nul = text.find("\x00")
    if nul >= 0:  # a UTF-16 file without a byte order mark is mostly NULs
        raise InvalidInput([Problem(display, text.count("\n", 0, nul) + 1, "",
                                    "character U+0000 (NUL) is not allowed (a UTF-16 file? save it as UTF-8)")])
    # newline="": the csv module's own line ends (\r, \n, \r\n), not str.splitlines(), which also
    # ends lines inside a cell at U+2028, U+2029, U+0085 and four control characters
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        while True:
            line = reader.line_num + 1  # the reader skips no line, not even a blank one
            cells = next(reader, None)
            if cells is None:
                break
            records.append((line, cells))
            if len(records) > MAX_ROWS + 1:  # bounded work: the rest is not read
                raise InvalidInput([Problem(display, None, "", f"more than {MAX_ROWS} rows; import them "
                                                              "in several files")])
    except csv.Error as exc:
        message = f"CSV: {exc}"
        if "field larger than field limit" in message:
            message = f"a cell is longer than {csv.field_size_limit()} characters"
        raise InvalidInput([Problem(display, reader.line_num, "", message)]) from None
    return records


def _cell(value: str) -> str:
    """A cell with its line breaks as YAML files hold them: a cell over several lines in a CRLF
    file keeps its CRs (newline=""), which the text rules refuse as control characters."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _header_problems(header: list[str], display: str) -> list[Problem]:
    if len(header) > 2 * len(COLUMNS):  # named one by one, a hostile header makes a report of megabytes
        return [Problem(display, 1, "", f"the header has {len(header)} columns; the template has {len(COLUMNS)} "
                                        "(see data/templates/cases.csv)")]
    problems = []
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        problems.append(Problem(display, 1, "", f"unknown column(s): {', '.join(unknown)} "
                                                f"(see data/templates/cases.csv)"))
    missing = sorted(REQUIRED_COLUMNS - set(header))
    if missing:
        problems.append(Problem(display, 1, "", f"missing column(s): {', '.join(missing)}"))
    columns: dict[str, list[str]] = {}
    for i, name in enumerate(header):
        columns.setdefault(name, []).append(_column_letter(i))
    for name, places in columns.items():
        if len(places) > 1:
            times = "twice" if len(places) == 2 else f"{len(places)} times"
            problems.append(Problem(display, 1, "", f"column '{name}' is in the header {times}: columns "
                                                    f"{', '.join(places[:-1])} and {places[-1]}"))
    return problems


def _column_letter(index: int) -> str:
    """A column as the spreadsheet shows it: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def import_csv(csv_path: Path, data_dir: Path, *, overwrite: bool = False) -> list[Path]:
    """Validate every row against the data; write one case file per row, or nothing."""
    csv_path, data_dir = Path(csv_path), Path(data_dir)
    if not data_dir.is_dir():
        raise InvalidInput([Problem(str(data_dir), None, "", "the data directory does not exist")])
    rows = read_rows(csv_path)
    if not rows:
        raise InvalidInput([Problem(str(csv_path), None, "", "no rows to import")])
    staged = _named_records(csv_path, rows, data_dir, overwrite)
    with tempfile.TemporaryDirectory() as tmp:
        root = _stage(Path(tmp) / "data", data_dir, staged)
        try:
            loader.load(root)
        except InvalidInput as exc:
            raise InvalidInput(_in_rows(exc.problems, csv_path, root, staged)) from None
        return _commit(root / "cases", data_dir / "cases", [name for name, _, _ in staged])


def _named_records(csv_path: Path, rows, data_dir: Path, overwrite: bool) -> list[tuple[str, int, dict]]:
    """(file name, row, record) of every row; refuses ids used twice or, without overwrite,
    already in the data. A row whose id is no slug gets a name no slug can take ('_row-3.yaml'):
    such an id must never reach the file system (too long, a path), nor collide with a real id."""
    problems: list[Problem] = []
    staged, seen = [], {}
    for number, row in rows:
        record = row_to_record(row)
        cid = record.get("id", "")
        where = f"{csv_path}: row {number}"
        usable = Checker().slug(cid, ("id",)) is not None
        if cid in seen:
            problems.append(Problem(where, None, "id", f"id '{cid}' is also on row {seen[cid]}"))
        seen[cid] = number
        if usable and (data_dir / "cases" / f"{cid}.yaml").exists() and not overwrite:
            problems.append(Problem(where, None, "id", f"a case '{cid}' exists already (use --overwrite to replace it)"))
        staged.append((f"{cid}.yaml" if usable else f"_row-{number}.yaml", number, record))
    if problems:
        raise InvalidInput(problems)
    return staged


def _stage(root: Path, data_dir: Path, staged) -> Path:
    """A data directory of links to the real one, with the rows as case files next to the cases
    already there: the loader then checks them exactly as it checks the data."""
    (root / "cases").mkdir(parents=True)
    for item in data_dir.iterdir():
        if item.name != "cases":
            os.symlink(item.resolve(), root / item.name)
    names = {name for name, _, _ in staged}
    for existing in (data_dir / "cases").glob("*.yaml") if (data_dir / "cases").is_dir() else []:
        if existing.name not in names:
            os.symlink(existing.resolve(), root / "cases" / existing.name)
    for name, _, record in staged:
        (root / "cases" / name).write_text(case_yaml(record), encoding="utf-8")
    return root


def _in_rows(problems: list[Problem], csv_path: Path, root: Path, staged) -> list[Problem]:
    """The loader's problems, those of a staged row told by row and column of the spreadsheet."""
    rows = {os.path.abspath(root / "cases" / name): number for name, number, _ in staged}
    out = []
    for p in problems:
        number = rows.get(os.path.abspath(p.file))
        out.append(p if number is None else Problem(f"{csv_path}: row {number}", None, column_for(p.field),
                                                    p.message))
    return out


def _commit(staged_dir: Path, out_dir: Path, names: list[str]) -> list[Path]:
    """Copy every file beside its target first, then rename them in: a failure while copying
    (a full disk) leaves the data as it was."""
    out_dir.mkdir(parents=True, exist_ok=True)
    copies = []
    try:
        for name in names:
            copy = out_dir / f".{name}.tmp"
            copies.append(copy)
            shutil.copyfile(staged_dir / name, copy)
    except OSError:
        for copy in copies:
            copy.unlink(missing_ok=True)
        raise
    for name, copy in zip(names, copies, strict=True):
        os.replace(copy, out_dir / name)
    return [out_dir / name for name in names]


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value: str):
    """Long prose folded, as people write it; but only prose that folding gives back unchanged
    (PyYAML folds a leading space or a line break into something else), and text with a U+0085,
    U+2028 or U+2029 double-quoted, the one style that escapes them: YAML 1.1 readers take them
    for line breaks (a single-quoted NEL comes back a space), YAML 1.2 ones do not."""
    if any(ch in value for ch in "\x85\u2028\u2029"):
        style = '"'
    elif len(value) > 90 and value == " ".join(value.split()):
        style = ">"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def case_yaml(record: dict) -> str:
    """A case file in the layout of data/templates/case.yaml."""
    return yaml.dump(record, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
