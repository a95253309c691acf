"""`pcmh-kg viz` without a browser: what it writes, what it refuses, and the JSON escaping."""

from __future__ import annotations

import json
import re

from conftest import DATA

from pcmh_kg import cli
from pcmh_kg.viz import explorer


def test_page_is_self_contained(real_dist, tmp_path):
    out = tmp_path / "sub" / "explorer.html"
    assert cli.main(["viz", "--data", str(DATA), "--dist", str(real_dist), "--out", str(out), "-q"]) == 0
    html = out.read_text(encoding="utf-8")
    # nothing is loaded from anywhere: no src= or stylesheet links, no remote @import, a CSP forbids fetching
    assert not re.search(r"<(script|img|iframe|link)\b[^>]*\b(src|href)\s*=", html, re.I)
    assert not re.search(r"@import\s+(url\()?[\"']?https?:", html)
    assert "default-src 'none'" in html and "connect-src 'none'" in html
    assert "vis-network" in html and [p.name for p in tmp_path.iterdir()] == ["sub"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["explorer.html"]  # no temp file left


def test_refuses_bad_options(real_dist, tmp_path, capsys):
    assert cli.main(["viz", "--dist", str(real_dist), "--out", str(tmp_path), "-q"]) == cli.EXIT_USAGE
    assert cli.main(["viz", "--dist", str(real_dist), "--case-limit", "0", "-q"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "is a directory" in err and "--case-limit" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_script_json_cannot_close_its_block():
    hostile = {"s": '</script><script>alert(1)</script> & "quotes" \u2028'}
    text = explorer.script_json(hostile)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == hostile


def help_text(argv, capsys) -> str:
    try:
        cli.main(argv)
    except SystemExit:
        pass
    return " ".join(capsys.readouterr().out.split())


def test_help_says_what_the_explorer_shows(capsys):
    """The command list and `viz --help` name the views the page has, not the old network-only page."""
    listing, own = help_text(["--help"], capsys), help_text(["viz", "--help"], capsys)
    assert "evidence-and-gap map, map of places, network and table" in listing
    assert all(f" {view} " in own for view in ("evidence map", "map", "network", "table"))
    assert "network explorer" not in (listing + own).lower()
    assert all((explorer.HERE / "assets" / m).is_file() for m in explorer.MODULES + ["explorer.js"])
