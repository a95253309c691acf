"""pcmh-kg import: case submissions from a spreadsheet (CSV) become case files."""

from __future__ import annotations

from pathlib import Path

from pcmh_kg.authoring import spreadsheet
from pcmh_kg.cli import Progress

from ._common import add_data_options, data_dir

NAME = "import"
ORDER = 40
HELP = "turn a spreadsheet of case submissions (CSV, one row per case) into validated case files"
DESCRIPTION = f"""\
Turn a CSV export of a spreadsheet (one row per case) into files in data/cases/.
Columns (see data/templates/cases.csv; lists are separated by '{spreadsheet.LIST_SEPARATOR}'):
  {', '.join(spreadsheet.COLUMNS)}
Rows are validated exactly like YAML case files, together with the existing data. Problems are
reported by row and column, and nothing is written unless every row is valid. A sheet holds at
most {spreadsheet.MAX_ROWS} rows and {spreadsheet.MAX_CSV_BYTES >> 20} MiB; texts are imported as typed, ids, numbers and lists trimmed."""


def add_arguments(p) -> None:
    p.add_argument("csv", type=Path, metavar="FILE.csv", help="the spreadsheet, saved as UTF-8 CSV")
    p.add_argument("--overwrite", action="store_true", help="replace case files with the same id")
    add_data_options(p, base=False)


def run(args) -> int:
    say = Progress(args.quiet)
    target = data_dir(args)
    say(f"importing {args.csv} into {target / 'cases'} ...")
    written = spreadsheet.import_csv(args.csv, target, overwrite=args.overwrite)
    for path in written:
        print(path)
    say(f"wrote {len(written)} case file(s); run 'pcmh-kg build' to rebuild the graph")
    return 0
