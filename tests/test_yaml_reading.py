"""The fast YAML path (libyaml's nodes, built into dicts and lists directly) reads every file
exactly as PyYAML's strict safe loader does, and leaves everything unusual to that loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import DATA

from pcmh_kg.sources import yamlio
from pcmh_kg.sources.yamlio import ProblemError

HERE = Path(__file__).parent
FILES = sorted(DATA.rglob("*.yaml")) + sorted((HERE / "bad_inputs").glob("*/*.yaml"))
TRICKY = [
    "a: yes\nb: no\nc: on\nd: ~\ne: 1e3\nf: 0x10\ng: 2014-07\nh: 2014-07-01\ni: 1_000\nj: .inf\n"
    "k: !!str 1\nl: !!binary aGVsbG8=\nm: null\nn: ''\no: 2001-12-14t21:59:43.10-05:00\np: -0\n",
    "1: a\n'1': b\n",          # the same key twice, once quoted
    "1: a\n0x1: b\n",          # equal integers, different spellings: PyYAML keeps the last
    "true: 1\n'true': 2\n",
    "null: 1\n~: 2\n",
    "[a, b]: c\n",             # a complex key
    "? - a\n: b\n",
    "!!set {a, b}\n",
    "!!omap [a: 1]\n",
    "- !!python/object/apply:os.system [echo]\n",
    "a: !local x\n",
    "a: &x 1\nb: *x\n",
    "a: {<<: {b: 1}}\n",
    "---\na: 1\n---\nb: 2\n",
    "",
    "# only a comment\n",
    "a:\n  - b: [1, 2.5, -3]\n    c: {d: e}\n",
    "{a: 1, a: 2}",
    "title: Fish & chips\n",  # an ampersand in a text, not an anchor
    "a: " + "[" * 300 + "]" * 300 + "\n",
    "a: " + "[" * 100 + "]" * 100 + "\n",   # the deepest allowed
    "a: " + "[" * 99 + "]" * 99 + "\n",
]


def _nesting(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_nesting, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_nesting, value), default=0)
    return 0


def _strict(text: str):
    """What the strict loader refuses, and otherwise what PyYAML's own safe loader reads; deeper
    than yamlio.MAX_DEPTH levels is refused whatever the libyaml release."""
    try:
        yaml.load(text, Loader=yamlio.StrictLoader)  # noqa: S506 - a SafeLoader
        value = yaml.load(text, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError):
        return "refused", None
    if _nesting(value) > yamlio.MAX_DEPTH:
        return "refused", None
    return "read", value


def _ours(text: str):
    try:
        return "read", yamlio.parse_text(text, "test.yaml")
    except ProblemError:
        return "refused", None


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_tricky_documents_read_as_the_strict_loader_reads_them(text):
    ours, theirs = _ours(text), _strict(text)
    assert ours[0] == theirs[0]
    assert repr(ours[1]) == repr(theirs[1])  # repr: types too (True is not 1, a date is not a string)


def test_every_data_and_hostile_file_reads_as_the_strict_loader_reads_it():
    assert len(FILES) > 100
    for path in FILES:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        ours, theirs = _ours(text), _strict(text)
        assert (ours[0], repr(ours[1])) == (theirs[0], repr(theirs[1])), path


SCALARS = ["", "a", "text", "Yes", "yes", "y", "n", "No", "off", "On", "true", "False", "TRUE", "null", "Null",
           "~", "0", "-1", "+1", "1.5", ".5", "1e3", "1.0e+3", ".inf", "-.Inf", ".nan", "0x1F", "0o17",
           "0b101", "1_000", "190:20:30", "2014-07", "2014-07-01", "2001-12-14t21:59:43.10-05:00", "<<",
           "=", "!x", "&x", "*x", "-", "- a", "lambeth", "Lambeth", "éclair", "7 days", "1 2"]


@pytest.mark.parametrize("implicit", [(True, False), (False, True), (False, False)])
def test_the_quick_resolver_tags_scalars_as_pyyaml_does(implicit):
    ours = yamlio.StrictLoader("")
    theirs = yaml.SafeLoader("")
    for value in SCALARS:
        assert ours.resolve(yaml.ScalarNode, value, implicit) == theirs.resolve(yaml.ScalarNode, value, implicit), value


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
def test_lines_are_counted_as_editors_count_them(char):
    """YAML 1.1 readers end a line at U+2028, U+2029 and U+0085 too; editors, and the other
    problems of a file, count newlines only, so a problem below one must keep its line."""
    text = f"title: 'one{char}two'\nsummary: x\nplace: [a\n"
    with pytest.raises(ProblemError) as exc:
        yamlio.parse_text(text, "case.yaml")
    assert exc.value.problem.line == 4  # the unclosed list is found at the end of the file
    good = f"title: 'one{char}two'\nsummary: x\nplace: [a]\n"
    assert yamlio.line_of(good, ("place",)) == 3
    assert yamlio.line_of(good, ("place", 0)) == 3
