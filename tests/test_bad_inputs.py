"""Every file of the hostile corpus in tests/bad_inputs/ is refused with its own clear error.

Each file's first line says what must be reported: '# expect: LINE: [FIELD] message'. The file is
dropped into a copy of the real data (its folder says where: cases/, places/, tags/,
organisations/, or guide/ for guide.yaml), `pcmh-kg validate` must exit 1 naming that file, line
and field, and `pcmh-kg build` must leave the output folder as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DATA

from pcmh_kg.cli import main

CORPUS = sorted((Path(__file__).parent / "bad_inputs").glob("*/*.yaml"))


def _expectation(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    assert first.startswith("# expect: "), f"{path} needs a '# expect:' first line"
    return first[len("# expect: "):]


def _data_with(bad: Path, tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("cases"))
    (data / "cases").mkdir()
    target = data / "guide.yaml" if bad.parent.name == "guide" else data / bad.parent.name / bad.name
    shutil.copy(bad, target)
    return data, target


@pytest.mark.parametrize("bad", CORPUS, ids=[f"{p.parent.name}/{p.stem}" for p in CORPUS])
def test_bad_file_is_refused_with_file_line_and_field(bad, tmp_path, capsys):
    data, target = _data_with(bad, tmp_path)
    code = main(["validate", "--no-shacl", "-q", "--data", str(data)])
    err = capsys.readouterr().err
    assert code == 1
    expected = f"{target}:{_expectation(bad)}" if bad.parent.name != "guide" else _expectation(bad)
    assert any(line.startswith(expected) or (bad.parent.name == "guide" and expected in line)
               for line in err.splitlines()), f"expected a line starting {expected!r} in:\n{err}"


def test_failed_build_leaves_previous_output_untouched(tmp_path, capsys):
    out = tmp_path / "dist"
    out.mkdir()
    (out / "pcmh-kg.nt").write_text("previous build\n")
    (out / "explorer.html").write_text("<p>previous explorer</p>\n")
    data, _ = _data_with(Path(__file__).parent / "bad_inputs" / "cases" / "unknown-tag.yaml", tmp_path)
    assert main(["build", "-q", "--no-cache", "--data", str(data), "--out", str(out)]) == 1
    assert "nothing was written" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["explorer.html", "pcmh-kg.nt"]
    assert (out / "pcmh-kg.nt").read_text() == "previous build\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist.tmp-")]


def test_alias_bomb_is_refused_before_expansion(tmp_path):
    """A billion-laughs file with 9^8 expansions: refused at the first alias, quickly."""
    levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        levels.append(f"a{i}: &a{i} [{refs}]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(levels) + "\n")
    from pcmh_kg.sources import yamlio

    with pytest.raises(yamlio.ProblemError, match="aliases"):
        yamlio.read_file(bomb)


def test_oversized_file_is_refused(tmp_path):
    from pcmh_kg.sources import yamlio

    big = tmp_path / "big.yaml"
    big.write_text("summary: " + "x" * (yamlio.MAX_FILE_BYTES + 1) + "\n")
    with pytest.raises(yamlio.ProblemError, match="larger than"):
        yamlio.read_file(big)


def test_every_problem_is_listed_not_just_the_first(tmp_path, capsys):
    data, _ = _data_with(Path(__file__).parent / "bad_inputs" / "cases" / "unknown-tag.yaml", tmp_path)
    shutil.copy(Path(__file__).parent / "bad_inputs" / "cases" / "unknown-place.yaml", data / "cases")
    shutil.copy(Path(__file__).parent / "bad_inputs" / "cases" / "wrong-scope.yaml", data / "cases")
    assert main(["validate", "--no-shacl", "-q", "--data", str(data)]) == 1
    err = capsys.readouterr().err
    for name in ("unknown-tag.yaml", "unknown-place.yaml", "wrong-scope.yaml"):
        assert name in err
    assert "3 problem(s)" in err


@pytest.mark.parametrize("name,content,message", [
    ("huge-integer", "id: huge-integer\nstarted: " + "9" * 5000 + "\n", "value cannot be read"),
    # refused the same way whichever libyaml PyYAML bundles (6.0.4's has a nesting limit of its own)
    ("deep-nesting", "colour: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 100 levels deep"),
    ("deep-nesting-below-libyaml", "colour: " + "[" * 150 + "]" * 150 + "\n", "nested more than 100 levels deep"),
    ("deep-block-nesting", "".join(f"{' ' * i}k{i}:\n" for i in range(120)) + " " * 120 + "x: 1\n",
     "nested more than 100 levels deep"),
    ("deep-aliased-nesting", "a: &x 1\ncolour: " + "[" * 150 + "]" * 150 + "\n", "nested more than 100 levels deep"),
    ("nesting-within-limit", "colour: " + "[" * 90 + "]" * 90 + "\n", "unknown field 'colour'"),
    ("empty", "", "must be a mapping of fields, got empty"),
])
def test_pathological_yaml_is_reported_not_crashed(name, content, message, tmp_path, capsys):
    data, _ = _data_with(Path(__file__).parent / "bad_inputs" / "cases" / "unknown-tag.yaml", tmp_path)
    (data / "cases" / "unknown-tag.yaml").unlink()
    (data / "cases" / f"{name}.yaml").write_text(content)
    assert main(["validate", "--no-shacl", "-q", "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert f"{name}.yaml" in err and message in err


def test_a_fifo_or_folder_named_like_a_case_is_refused_without_blocking(tmp_path, capsys):
    import os

    data, _ = _data_with(Path(__file__).parent / "bad_inputs" / "cases" / "unknown-tag.yaml", tmp_path)
    (data / "cases" / "unknown-tag.yaml").unlink()
    os.mkfifo(data / "cases" / "pipe.yaml")
    (data / "cases" / "folder.yaml").mkdir()
    assert main(["validate", "--no-shacl", "-q", "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert "pipe.yaml:" in err and "folder.yaml:" in err and "not a regular file" in err


LINKS = Path(__file__).parent / "hostile" / "cases"  # a dangling symbolic link and one to itself


def _refused_after_a_good_build(tmp_path, capsys, cached: bool, damage) -> tuple[Path, str]:
    """Build a copy of data/, damage it, build again: the second build must fail with exit 1 and
    leave dist/ exactly as the first left it, cold or from the cache. Returns (data dir, errors)."""
    data, out, cache = tmp_path / "data", tmp_path / "dist", tmp_path / "cache"
    shutil.copytree(DATA, data)
    cache_args = ["--cache", str(cache)] if cached else ["--no-cache"]
    assert main(["build", "-q", "--no-shacl", "--data", str(data), "--out", str(out), *cache_args]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    damage(data)
    assert main(["build", "-q", "--no-shacl", "--data", str(data), "--out", str(out), *cache_args]) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    return data, capsys.readouterr().err


@pytest.mark.parametrize("cached", [False, True], ids=["cold", "cached"])
def test_a_broken_symlink_among_the_cases_is_an_input_problem(cached, tmp_path, capsys):
    def add_links(data):
        for link in LINKS.iterdir():
            shutil.copy(link, data / "cases" / link.name, follow_symlinks=False)

    data, err = _refused_after_a_good_build(tmp_path, capsys, cached, add_links)
    cases = data / "cases"
    assert f"{cases / 'dangling.yaml'}: cannot be read: it is a symbolic link to no-such-case.yaml, which does not exist" in err
    assert f"{cases / 'loop.yaml'}: cannot be read: it is a symbolic link in a loop (to loop.yaml)" in err
    assert "cannot write" not in err


@pytest.mark.parametrize("cached", [False, True], ids=["cold", "cached"])
def test_a_plain_file_in_place_of_the_cases_folder_is_refused(cached, tmp_path, capsys):
    def replace_folder(data):
        shutil.rmtree(data / "cases")
        (data / "cases").write_text("id: not-a-folder\n")

    data, err = _refused_after_a_good_build(tmp_path, capsys, cached, replace_folder)
    assert f"{data / 'cases'}: must be a folder of cases files, not a file" in err


@pytest.mark.parametrize("where", ["data/cases/a.yaml", "./data/a.yaml", "a.yaml", "data//cases//a.yaml",
                                   "../elsewhere/a.yaml", "{tmp}/inside/a.yaml", "/", "data/..", "{tmp}"])
def test_a_problem_names_its_file_relative_to_the_working_folder_when_inside_it(where, tmp_path, monkeypatch):
    """Problems name files as os.path.relpath would, or by the path given when it lies outside the
    working folder; the folder's relative form is worked out once, so a change of folder must show."""
    import os

    from pcmh_kg.sources import loader

    (tmp_path / "work").mkdir()
    for cwd in (tmp_path / "work", tmp_path):
        monkeypatch.chdir(cwd)
        path = where.format(tmp=tmp_path)
        for given in (path, Path(path)):
            rel = os.path.relpath(given)
            assert loader.display_path(given) == (os.fspath(given) if rel.startswith("..") else rel)
