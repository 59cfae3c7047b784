"""Must show: a cycle is killed (SIGKILL) in the middle of apply and the next one starts
at once. It takes the dead cycle's lock over (no two-hour wait), completes the work,
and nothing is decided or sent twice; the killed run shows as interrupted
(SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import audit_log
from hub.ledger.tables import cycle_lock
from hub.ledger.tables import events
from hub.ledger.tables import messages
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice

ROOT = Path(__file__).resolve().parents[3]
DEBTORS = 20  # four apply rounds of 5: killed in the third
DAY = "2026-11-23"


def _rule_file(tmp_path: Path) -> Path:
    """The default rules, open around the clock: the test must not depend on the hour."""
    text = (ROOT / "rules" / "policies" / "default.yaml").read_text(encoding="utf-8")
    text = text.replace('send_window: {from: "08:00", to: "20:00"}',
                        'send_window: {from: "00:00", to: "23:59"}')
    text = text.replace("business_days_only: true ", "business_days_only: false")
    path = tmp_path / "always-open.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _command(hub: Hub, rules: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_RULES_FILE": str(rules)}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _count(hub: Hub, table: sa.Table) -> int:
    with hub.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table))
                   .scalar_one())


@pytest.mark.slow
def test_a_cycle_killed_mid_apply_is_taken_over_at_once(hub: Hub, tmp_path: Path) -> None:
    with hub.engine.begin() as connection:
        for n in range(DEBTORS):
            customer = add_customer(connection, f"K{n:03d}")
            add_contact(connection, customer, "Ann Smith", email=f"ap{n}@example.com",
                        is_primary=True)
            add_invoice(connection, f"K{n:03d}-1", customer, issued="2026-10-01",
                        due="2026-11-18", amount="500.00")  # 5 days late: reminder-1
    rules = _rule_file(tmp_path)

    first = _command(hub, rules, tmp_path / "first.log",
                     str(ROOT / "tests" / "integration" / "cycle" / "killable_cycle.py"),
                     "cycle", "--as-of", DAY)
    deadline = time.monotonic() + 60
    while b"PAUSED" not in (tmp_path / "first.log").read_bytes():
        assert first.poll() is None, (tmp_path / "first.log").read_text()
        assert time.monotonic() < deadline, "the cycle never reached its third apply round"
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    assert _count(hub, applied_decisions) == 10  # two rounds kept, the third lost
    assert _count(hub, cycle_lock) == 1  # the dead cycle's lock is still there

    second = _command(hub, rules, tmp_path / "second.log", "app.py", "cycle", "--as-of", DAY)
    second.wait(timeout=120)
    output = (tmp_path / "second.log").read_text()
    assert second.returncode == 0, output
    assert f"cycle {DAY}: done" in output
    assert "another cycle is running" not in output

    with hub.engine.connect() as connection:
        keys = Counter(connection.execute(sa.select(applied_decisions.c.decision_key))
                       .scalars())
        states = Counter(connection.execute(sa.select(messages.c.state)).scalars())
        sent = Counter(connection.execute(
            sa.select(events.c.customer_id).where(events.c.kind == "message.sent")).scalars())
        takeovers = connection.execute(sa.select(audit_log).where(
            audit_log.c.action == "cycle.lock_taken_over")).all()
    assert len(keys) == DEBTORS
    assert max(keys.values()) == 1
    assert states == {"sent": DEBTORS}  # one notice each, all sent
    assert len(sent) == DEBTORS
    assert max(sent.values()) == 1
    assert _count(hub, cycle_lock) == 0
    assert len(takeovers) == 1
    assert takeovers[0].detail["pid"] == first.pid
    assert takeovers[0].detail["run_id"] == 1
    assert f"process {first.pid}" in takeovers[0].detail["reason"]

    listing = _command(hub, rules, tmp_path / "runs.log", "app.py", "cycle", "runs")
    listing.wait(timeout=60)
    lines = (tmp_path / "runs.log").read_text().splitlines()
    assert lines[1].split()[:3] == ["2", DAY, "done"]
    assert lines[2].split()[:3] == ["1", DAY, "interrupted"]
    assert lines[2].split()[3:5] == ["0", "0"]  # it was killed before it could count
