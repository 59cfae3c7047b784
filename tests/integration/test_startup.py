"""Start-up: a command loads only what it uses (issue 16: every command paid for Flask,
Alembic, openpyxl and the bank parsers before it did anything)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from click.testing import CliRunner

from hub.cli import COMMAND_MODULES
from hub.cli import cli
from hub.ledger.db import MIGRATIONS
from hub.ledger.db import head_revision

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import runpy, sys, json
sys.argv = ["app.py", "db", "status"]
try:
    runpy.run_path("app.py", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in
      ("flask", "alembic", "openpyxl", "mt940", "jinja2", "fpdf", "babel"))))
"""


def test_db_status_imports_neither_the_web_app_nor_alembic(tmp_path: Path) -> None:
    env = {**os.environ, "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
           "HUB_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 4, done.stdout + done.stderr
    assert lines[1] == "revision: (empty)"
    assert json.loads(lines[-1]) == []


GC_PROBE = """
import gc, runpy, sys
sys.argv = ["app.py", "db", "status"]
try:
    runpy.run_path("app.py", run_name="__main__")
except SystemExit:
    pass
print(gc.isenabled(), gc.get_freeze_count() > 10_000)
"""


def test_the_collector_paused_for_start_up_runs_again_for_the_command(tmp_path: Path) -> None:
    env = {**os.environ, "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
           "HUB_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", GC_PROBE], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "True True", done.stdout + done.stderr


def test_the_light_head_check_agrees_with_alembic() -> None:
    assert head_revision() == ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_help_still_lists_every_command() -> None:
    listed = CliRunner().invoke(cli, ["--help"]).output
    for name in COMMAND_MODULES:
        assert f"  {name} " in listed, name


REPORT_PROBE = """
import runpy, sys, json
sys.argv = ["app.py", "report", "aging", "--as-of", "2026-11-30"]
try:
    runpy.run_path("app.py", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"alembic", "sqlalchemy"})))
"""


def test_a_command_migrates_a_new_sqlite_ledger_and_skips_alembic_once_current(
        tmp_path: Path) -> None:
    env = {**os.environ, "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
           "HUB_VAR_DIR": str(tmp_path)}

    def report() -> tuple[str, list[str]]:
        done = subprocess.run([sys.executable, "-c", REPORT_PROBE], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True, timeout=120)
        *output, modules = done.stdout.strip().splitlines()
        return "\n".join(output), json.loads(modules)

    first, loaded = report()  # an empty file: the embedded default migrates it
    assert "no open invoices as of 2026-11-30" in first
    assert "alembic" in loaded, "the first run upgrades the schema through Alembic"
    again, loaded = report()  # at head: one query of alembic_version, no Alembic
    assert again == first
    assert loaded == []  # nor SQLAlchemy: the report runs through sqlite3 (issue 16)
