"""README documents every command-line command and every import kind the code has."""

import argparse
import re
from pathlib import Path

from lib import cli
from lib.io import imports

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
# The first cell of each table row, e.g. "| `round open ĐỢT` | …" -> "round open ĐỢT".
CELLS = re.findall(r"^\| `([^`]+)`", README, flags=re.MULTILINE)


def commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    """Every leaf command of the CLI, like "user add" or "round open"."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += commands(sub, f"{prefix}{name} ")
    return found or [prefix.strip()]


def documented(command: str) -> bool:
    rows = [c for c in CELLS if c == command or c.startswith(command + " ")]
    also = re.search(rf"/ `{re.escape(command)}( [^`]*)?`", README)  # "`a` / `b`" rows
    return bool(rows or also)


def test_every_cli_command_has_a_row_in_readme():
    missing = [c for c in commands(cli.build_parser()) if not documented(c)]
    assert missing == []


def test_readme_lists_no_command_the_cli_does_not_have():
    known = set(commands(cli.build_parser()))
    words = {c.split()[0] for c in known}
    rows = [c for c in CELLS if c.split()[0] in words - set(imports.KINDS)]
    stale = [r for r in rows if not any(r == k or r.startswith(k + " ") for k in known)]
    assert stale == []


def test_every_import_kind_has_a_row_in_readme():
    rows = {c.split()[0] for c in CELLS}
    assert set(imports.KINDS) <= rows
