"""The README must stay true: every setting and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click

from hub.cli import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_configuration_table() -> None:
    source = (ROOT / "hub" / "config.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"(HUB_[A-Z_]+)"', source))
    assert names, "settings are read from HUB_* variables"
    table_rows = set(re.findall(r"^\| `(HUB_[A-Z_]+)`", README, flags=re.MULTILINE))
    assert names - table_rows == set()


def _commands(group: click.Group, prefix: str) -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
        else:
            found.append(path)
    return found


def test_every_command_appears_in_the_readme() -> None:
    missing = [c for c in _commands(cli, "") if f"python app.py {c}" not in README]
    assert missing == []


def test_quick_start_is_two_make_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^make \w+", quick_start, flags=re.MULTILINE)
    assert commands == ["make demo", "make test"]
