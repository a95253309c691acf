"""Reading YAML safely and fast, and finding the line of a field when something is wrong.

The fast path is libyaml (CSafeLoader) composing the nodes and a small builder turning them into
dicts, lists and strings: ~35% faster than PyYAML's own yaml.load with the C loader, and ~8x faster
than pure-Python PyYAML. A strict safe loader refuses what a data file never needs and a hostile
one uses: aliases (billion-laughs expansion), merge keys, duplicate keys (silently dropped by
PyYAML), several documents, oversized files; every file the fast path finds unusual goes to it.
Line numbers are looked up only when reporting.
"""

from __future__ import annotations

import errno
import functools
import gc
import os
import re
import stat
from contextlib import contextmanager
from pathlib import Path

import yaml

from pcmh_kg.model.problems import Problem

MAX_FILE_BYTES = 1 << 20  # no data file of ours comes near 1 MiB
MAX_DEPTH = 100  # no data file of ours nests more than 5 levels; libyaml's own limit varies by release
DEPTH_MESSAGE = f"YAML: nested more than {MAX_DEPTH} levels deep"

_CLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _QuickResolve:
    """PyYAML's Resolver.resolve, without its Python loop where the answer is known. libyaml's
    composer calls this for every untagged node: a list or mapping gets the default tag; a quoted
    scalar, or a plain one whose first character starts no implicit type (most text), is a
    string; other plain scalars get PyYAML's answer, remembered (field names recur in every file)."""

    _known: dict = {}

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if not implicit[0] or (value and value[0] not in self._first_chars):
                return _STR
            tag = self._known.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._known) < 10_000:
                    self._known[value] = tag
            return tag
        if kind is yaml.SequenceNode:
            return _SEQ
        if kind is yaml.MappingNode:
            return _MAP
        return super().resolve(kind, value, implicit)


class _BaseLoader(_QuickResolve, _CLoader):
    # the shortcut holds only while the safe loader has no wildcard or path resolvers
    _first_chars = frozenset(_CLoader.yaml_implicit_resolvers)


if None in _BaseLoader._first_chars or _CLoader.yaml_path_resolvers:  # pragma: no cover - a PyYAML change
    raise ImportError("PyYAML's safe loader has wildcard or path resolvers: graph/yamlio.py must be updated")


class _StrictMixin:
    def construct_object(self, node, deep=False):
        if node in self.constructed_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed in data files", node.start_mark
            )
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise yaml.constructor.ConstructorError(
                        None, None, "merge keys (<<) are not allowed in data files", key_node.start_mark
                    )
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key '{key}'", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)


class StrictLoader(_StrictMixin, _BaseLoader):
    """libyaml-backed safe loader that refuses aliases, merge keys and duplicate keys."""


_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # composing only: libyaml's nodes carry lines too


@contextmanager
def paused_gc():
    """The loader allocates many small containers that are never cyclic; GC passes are waste.

    On the way out the objects made meanwhile are moved to the oldest generation (freeze, then
    unfreeze): enabled as they are, the first allocation would start a young-generation pass over
    every one of them (0.3 s after a 10k rebuild, seconds at 100k), to find nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


class _Unusual(Exception):
    """Something the fast path leaves to the strict loader (which gives the canonical answer)."""


class _TooDeep(Exception):
    """Nested deeper than MAX_DEPTH: refused the same way whatever libyaml release is installed."""


def _depth(value, limit: int = MAX_DEPTH) -> int:
    """How deep lists and mappings nest in a loaded value, counting no further than limit + 1."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            depth += 1
            if depth > limit:
                return depth
            deepest = max(deepest, depth)
            stack.extend((v, depth) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _fast_load(text: str):
    """libyaml composes the nodes; plain mappings, lists and strings are built here directly.

    PyYAML's constructor spends ~40% of a load on generic machinery (a generator per mapping,
    merge-key flattening, bookkeeping for aliases). A data file has no anchors (the caller checks
    for '&' and '<<' first), so none of that is needed. Any other scalar (numbers, dates, null)
    is built by PyYAML's own safe constructor, and anything unusual (a duplicate key, a tag
    other than str, seq or map, a complex key) raises _Unusual: the strict loader then runs."""
    loader = _BaseLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build_node(node, loader, 0)
    finally:
        loader.dispose()


def _build_node(node, loader, depth):
    kind = node.__class__
    if kind is yaml.ScalarNode:
        return node.value if node.tag == _STR else loader.construct_object(node, deep=True)
    depth += 1
    if depth > MAX_DEPTH:
        raise _TooDeep
    if kind is yaml.SequenceNode and node.tag == _SEQ:
        return [_build_node(item, loader, depth) for item in node.value]
    if kind is yaml.MappingNode and node.tag == _MAP:
        out: dict = {}
        raw_keys = set()
        for key_node, value_node in node.value:
            if key_node.__class__ is not yaml.ScalarNode or key_node.value in raw_keys:
                raise _Unusual
            raw_keys.add(key_node.value)
            key = key_node.value if key_node.tag == _STR else loader.construct_object(key_node, deep=True)
            if key in out:
                raise _Unusual
            out[key] = _build_node(value_node, loader, depth)
        return out
    raise _Unusual


_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)
# what the YAML reader refuses (C0 controls but tab and newlines, DEL, C1 but NEL, surrogates,
# U+FFFE/U+FFFF), found here so that the problem gets its line: libyaml's error carries none
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")


def _breaking(text: str | None) -> str | None:
    """The text if it holds a character only YAML takes for a line break, else None (most files:
    their marks' lines are right as they are)."""
    return text if text is not None and any(ch in text for ch in _YAML_ONLY_BREAKS) else None


def _mark_line(mark, breaking: str | None) -> int:
    """The line of a YAML mark as an editor counts it. YAML 1.1 readers (PyYAML, libyaml) also end
    lines at U+0085, U+2028 and U+2029, which editors and _line_at do not: a title pasted from a
    web page carries them, and every problem below one would otherwise be reported too low."""
    line = mark.line + 1
    if breaking is not None:
        line -= sum(breaking.count(ch, 0, mark.index) for ch in _YAML_ONLY_BREAKS)
    return line


def _refuse_unreadable(text: str, filename: str) -> None:
    """Refuse, with its line, what YAML readers disagree on or report without a line."""
    bad = _UNREADABLE.search(text)
    if bad is not None:
        char = bad.group()
        hint = " (a UTF-16 file? save it as UTF-8)" if char == "\x00" else ""
        raise ProblemError(Problem(filename, _line_at(text, bad.start()), "",
                                   f"YAML: character U+{ord(char):04X} is not allowed in a data file{hint}"))
    if "\t" in text:
        tab = _TAB_INDENT.search(text)  # libyaml accepts tabs inside flow lists; PyYAML refuses them
        if tab is not None:
            raise ProblemError(Problem(filename, _line_at(text, tab.start()), "",
                                       "YAML: a line is indented with a tab; indent with spaces"))


def parse_text(text: str, filename: str):
    """Parse one YAML document; raise a ProblemError naming file and line on any YAML error."""
    _refuse_unreadable(text, filename)
    if "&" not in text and "<<" not in text:  # no anchor, so no alias, and no merge key
        try:
            return _fast_load(text)
        except _TooDeep:
            raise ProblemError(Problem(filename, None, "", DEPTH_MESSAGE)) from None
        except (_Unusual, yaml.YAMLError, RecursionError, ValueError, OverflowError, TypeError):
            pass  # the strict loader below reports it, or reads what the fast path does not
    try:
        value = yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem):  # newer libyaml's own limit, reached before ours
            raise ProblemError(Problem(filename, None, "", DEPTH_MESSAGE)) from None
        mark = exc.problem_mark or exc.context_mark
        line = _mark_line(mark, _breaking(text)) if mark is not None else None
        message = exc.problem or str(exc)
        if exc.context and exc.problem:
            message = f"{exc.context}: {exc.problem}"
        raise ProblemError(Problem(filename, line, "", f"YAML: {message}")) from None
    except yaml.YAMLError as exc:
        raise ProblemError(Problem(filename, None, "", f"YAML: {exc}")) from None
    except RecursionError:
        raise ProblemError(Problem(filename, None, "", DEPTH_MESSAGE)) from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of thousands of digits
        raise ProblemError(Problem(filename, None, "", f"YAML: value cannot be read: {exc}")) from None
    if _depth(value) > MAX_DEPTH:
        raise ProblemError(Problem(filename, None, "", DEPTH_MESSAGE))
    return value


def read_bytes(path, display: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """A data file's bytes, refusing what is not a regular file or is oversized."""
    return read_stamped(path, display, limit)[0]


def read_stamped(path, display: str, limit: int = MAX_FILE_BYTES) -> tuple[bytes, os.stat_result]:
    """A data file's bytes and its stat as it was read (of the same open file, so a rebuild can
    tell whether it changed since). Reads at most one byte past the limit, with no buffering
    (os.read: ~3x faster than open() for small files)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):  # a directory, or a FIFO
                raise ProblemError(Problem(display, None, "", "not a regular file"))
            chunks, left = [], limit + 1
            while left:
                chunk = os.read(fd, left)
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise ProblemError(Problem(display, None, "", f"cannot be read: {_why(path, exc)}")) from None
    raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(raw) > limit:
        raise ProblemError(Problem(display, None, "", f"file is larger than {limit} bytes"))
    return raw, st


def _why(path, exc: OSError) -> str:
    """The system's reason, and where a symbolic link points when that is the trouble."""
    try:
        target = os.readlink(path)
    except OSError:
        return exc.strerror or str(exc)
    if exc.errno == errno.ELOOP:
        return f"it is a symbolic link in a loop (to {target})"
    if exc.errno == errno.ENOENT:
        return f"it is a symbolic link to {target}, which does not exist"
    return f"{exc.strerror} (it is a symbolic link to {target})"


def decode(raw: bytes, display: str) -> str:
    """A file's bytes as text, refusing what is not UTF-8 with the line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = " (UTF-16? save it as UTF-8)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ProblemError(Problem(display, line, "", f"file is not valid UTF-8{hint}")) from None


def parse_bytes(raw: bytes, display: str):
    """(text, value) of a data file's bytes, refusing what is not UTF-8 (with the line)."""
    text = decode(raw, display)
    return text, parse_text(text, display)


def read_file(path: Path, display: str | None = None):
    """Read and parse one data file, refusing oversized or non-UTF-8 files."""
    display = display or str(path)
    return parse_bytes(read_bytes(path, display), display)


class ProblemError(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def line_of(text: str, path: tuple) -> int | None:
    """The line (1-based) of the value at `path` in the YAML text, or of its nearest parent."""
    return _finder(text).line(path)


@functools.lru_cache(maxsize=8)
def _finder(text: str) -> LineFinder:
    """One composition per file text, however many of its problems ask for a line."""
    return LineFinder(text)


class LineFinder:
    """Lines of fields in one YAML text, composing its nodes once however many problems it has
    (composing per problem made 1,000 problems in one file take minutes)."""

    def __init__(self, text: str | None):
        self.root, self.breaking = None, _breaking(text)
        if text is not None:
            try:
                self.root = yaml.compose(text, Loader=_COMPOSER)
            except (yaml.YAMLError, RecursionError, ValueError):  # the line is a nicety; never fail on it
                self.root = None

    def line(self, path: tuple) -> int | None:
        return _walk(self.root, path, self.breaking)


def _walk(node, path: tuple, breaking: str | None) -> int | None:
    line = _mark_line(node.start_mark, breaking) if node is not None else None
    for part in path:
        if node is None:
            break
        nxt = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    line = _mark_line(key_node.start_mark, breaking)
                    nxt = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                nxt = node.value[part]
                line = _mark_line(nxt.start_mark, breaking)
        node = nxt
    return line
