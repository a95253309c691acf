"""The `pcmh-kg` command: one subcommand per module in pcmh_kg.commands.

Each command module has NAME, HELP, add_arguments(parser) and run(args) -> exit code; adding a
command is adding a module. Exit codes: 0 done, 1 the input is invalid (every problem listed),
2 the command line is wrong, 3 something else failed (with a message, never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time

from pcmh_kg import __version__, commands
from pcmh_kg.model.problems import InvalidInput
from pcmh_kg.model.vocab import BaseIRIError

EXIT_INVALID, EXIT_USAGE, EXIT_FAILED = 1, 2, 3


class Progress:
    """Prints what a long step is doing on stderr, with elapsed seconds; silent with --quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.t0 = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.t0:6.2f}s] {message}", file=sys.stderr, flush=True)


def command_modules(only: str | None = None):
    """The command modules; with `only`, just the module of that command if its file bears its
    name (importing all of them, networkx and Jinja2 included, costs a whole-process build 0.25 s)."""
    names = sorted(info.name for info in pkgutil.iter_modules(commands.__path__) if not info.name.startswith("_"))
    if only in names:
        module = importlib.import_module(f"{commands.__name__}.{only}")
        if getattr(module, "NAME", None) == only:
            yield module
            return
    for name in names:
        yield importlib.import_module(f"{commands.__name__}.{name}")


def make_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pcmh-kg",
        description="Build, query, explore and publish the primary care mental health knowledge graph.",
        epilog="Run 'pcmh-kg COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"pcmh-kg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in sorted(command_modules(only), key=lambda m: getattr(m, "ORDER", 50)):
        p = sub.add_parser(module.NAME, help=module.HELP, description=getattr(module, "DESCRIPTION", module.HELP),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # `pcmh-kg COMMAND ...`: only that command's module is imported
    parser = make_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args) or 0)
    except InvalidInput as exc:
        print(exc.report(), file=sys.stderr)
        print(f"pcmh-kg: {len(exc.problems)} problem(s); nothing was written.", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("pcmh-kg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except CommandError as exc:
        print(f"pcmh-kg {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except BaseIRIError as exc:
        print(f"pcmh-kg {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


class CommandError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED):
        self.code = code
        super().__init__(message)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
