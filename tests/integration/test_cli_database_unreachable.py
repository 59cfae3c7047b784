"""A database that cannot be reached: one line naming the cause, exit status 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hub.cli import cli


def test_an_unreachable_database_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {"HUB_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x", "HUB_VAR_DIR": str(tmp_path),
           "PGCONNECT_TIMEOUT": "3"}
    result = CliRunner().invoke(cli, ["db", "status"], env=env)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: the database cannot be reached: ")
    assert "Connection refused" in lines[0]
    assert "HUB_DATABASE_URL" in lines[0]
    assert "Traceback" not in result.output
