"""Options shared by several commands, so they are spelled and documented once."""

from __future__ import annotations

from pathlib import Path

from pcmh_kg import resources
from pcmh_kg.model.vocab import BASE_ENV, DEFAULT_BASE


def add_data_options(p, *, base: bool = True) -> None:
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="data directory (default: $PCMH_KG_DATA, else ./data, else the packaged data)")
    if base:
        p.add_argument("--base", default=None, metavar="IRI",
                       help=f"base IRI of the data (default: ${BASE_ENV}, else {DEFAULT_BASE})")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")


def data_dir(args) -> Path:
    return args.data if args.data is not None else resources.default_data_dir()


def add_profile_option(p) -> None:
    p.add_argument("--profile", choices=("public", "full"), default="public",
                   help="public (default): no personal data, no internal notes; full: everything")
