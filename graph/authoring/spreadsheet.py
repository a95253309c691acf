"""Case submissions from a spreadsheet (CSV) into case files, held to the rules of YAML cases.

Commissioners collect submissions in spreadsheets. Each row becomes the same record a case file
holds; the rows are validated together with the existing data by the same loader (so unknown
tags, places or duplicate ids are caught), problems are reported by row and column, and the
files are written only if every row is valid.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
from pathlib import Path

import yaml

from pcmh_kg.model.problems import InvalidInput, Problem
from pcmh_kg.sources import loader

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


def row_to_record(row: dict[str, str]) -> dict:
    """One spreadsheet row as the mapping a case file holds (empty cells are left out)."""
    get = lambda key: (row.get(key) or "").strip()  # noqa: E731
    record: dict = {
        "id": get("id"),
        "title": get("title"),
        "summary": get("summary"),
        "place": get("place"),
        "scope": get("scope"),
        "organisations": _split(get("organisations")),
    }
    if get("started"):
        record["started"] = int(get("started")) if get("started").isdigit() else get("started")
    record["tags"] = _split(get("tags"))
    lessons = []
    for i in range(1, MAX_LESSONS + 1):
        number, reason, origin = get(f"lesson_{i}"), get(f"lesson_{i}_reason"), get(f"lesson_{i}_origin")
        if number or reason:
            lessons.append({"lesson": int(number) if number.isdigit() else number, "reason": reason,
                            "origin": origin or "curated"})
    record["lessons"] = lessons
    sources = []
    for i in range(1, MAX_SOURCES + 1):
        url = get(f"source_{i}_url")
        if url or get(f"source_{i}_title"):
            source = {"url": url}
            for key in ("title", "publisher"):
                if get(f"source_{i}_{key}"):
                    source[key] = get(f"source_{i}_{key}")
            sources.append(source)
    record["sources"] = sources
    record["contact"] = {"organisation": get("contact_organisation"), "role": get("contact_role"),
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


def read_rows(csv_path: Path) -> list[dict[str, str]]:
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput([Problem(str(csv_path), None, "", "the spreadsheet must be saved as UTF-8 CSV")]) from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    problems = []
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        problems.append(Problem(str(csv_path), 1, "", f"unknown column(s): {', '.join(unknown)} "
                                                      f"(see data/templates/cases.csv)"))
    missing = sorted(REQUIRED_COLUMNS - set(header))
    if missing:
        problems.append(Problem(str(csv_path), 1, "", f"missing column(s): {', '.join(missing)}"))
    if problems:
        raise InvalidInput(problems)
    rows = []
    for row in reader:
        if None in row:
            problems.append(Problem(str(csv_path), reader.line_num, "", "row has more cells than the header"))
        if any((v or "").strip() for k, v in row.items() if k):
            rows.append((reader.line_num, row))
    if problems:
        raise InvalidInput(problems)
    return rows


def import_csv(csv_path: Path, data_dir: Path, *, overwrite: bool = False) -> list[Path]:
    """Validate every row against the data; write one case file per row, or nothing."""
    csv_path, data_dir = Path(csv_path), Path(data_dir)
    rows = read_rows(csv_path)
    if not rows:
        raise InvalidInput([Problem(str(csv_path), None, "", "no rows to import")])
    problems: list[Problem] = []
    records: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        record = row_to_record(row)
        cid = record.get("id", "")
        where = f"{csv_path}: row {line}"
        if cid in seen:
            problems.append(Problem(where, None, "id", f"id '{cid}' is also on row {seen[cid]}"))
        seen[cid] = line
        if cid and (data_dir / "cases" / f"{cid}.yaml").exists() and not overwrite:
            problems.append(Problem(where, None, "id", f"a case '{cid}' exists already (use --overwrite to replace it)"))
        records.append((line, record))
    if problems:
        raise InvalidInput(problems)

    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "data"
        staged.mkdir()
        for item in data_dir.iterdir():
            if item.name != "cases":
                os.symlink(item.resolve(), staged / item.name)
        (staged / "cases").mkdir()
        for existing in (data_dir / "cases").glob("*.yaml") if (data_dir / "cases").is_dir() else []:
            os.symlink(existing.resolve(), staged / "cases" / existing.name)
        by_file = {}
        for line, record in records:
            name = f"{record.get('id') or f'row-{line}'}.yaml"
            if not re.fullmatch(r"[a-z0-9-]+\.yaml", name):
                name = f"row-{line}.yaml"
            target = staged / "cases" / name
            if target.is_symlink():
                target.unlink()
            target.write_text(case_yaml(record), encoding="utf-8")
            by_file[str(target)] = line
        try:
            loader.load(staged)
        except InvalidInput as exc:
            mapped = []
            for p in exc.problems:
                line = _row_of(p.file, by_file)
                if line is not None:
                    mapped.append(Problem(f"{csv_path}: row {line}", None, column_for(p.field), p.message))
                else:
                    mapped.append(p)
            raise InvalidInput(mapped) from None
        written = []
        out_dir = data_dir / "cases"
        out_dir.mkdir(parents=True, exist_ok=True)
        for staged_file in by_file:
            src = Path(staged_file)
            tmp_target = out_dir / f".{src.name}.tmp"
            shutil.copyfile(src, tmp_target)
            written.append((tmp_target, out_dir / src.name))
        for tmp_target, final in written:
            os.replace(tmp_target, final)
        return [final for _, final in written]


def _row_of(problem_file: str, by_file: dict[str, int]) -> int | None:
    for path, line in by_file.items():
        if problem_file == path or problem_file.endswith(os.sep + Path(path).name) and "/cases/" in problem_file:
            if Path(problem_file).name == Path(path).name:
                return line
    return None


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value: str):
    style = ">" if len(value) > 90 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def case_yaml(record: dict) -> str:
    """A case file in the layout of data/templates/case.yaml."""
    return yaml.dump(record, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write_template(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(COLUMNS)
