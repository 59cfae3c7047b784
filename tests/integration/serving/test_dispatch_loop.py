"""`python app.py dispatch --loop`: the compose file's worker process sends the outbox on
its interval and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.outbox import enqueue
from hub.ledger.tables import messages
from rules import DEFAULT_POLICY
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice

ROOT = Path(__file__).resolve().parents[3]


def _states(hub: Hub) -> list[str]:
    with hub.engine.connect() as connection:
        return list(connection.execute(sa.select(messages.c.state)).scalars())


def _always_open(folder: Path) -> Path:
    """The shipped rule file with a send window open all day, every day: the loop runs on
    the wall clock, and the test must not depend on the hour or the weekday it runs at."""
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    opened = text.replace('send_window: {from: "08:00", to: "20:00"}',
                          'send_window: {from: "00:00", to: "23:59"}')
    opened = opened.replace("business_days_only: true", "business_days_only: false")
    assert opened.count("23:59") == 1
    assert "business_days_only: false" in opened
    path = folder / "always-open.yaml"
    path.write_text(opened, encoding="utf-8")
    return path


def test_dispatch_loop_sends_what_is_due_and_stops_on_sigterm(hub: Hub,
                                                              tmp_path: Path) -> None:
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example")
        enqueue(connection, notice("ACME", "email"), now=hub.clock.now())
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(HUB_DATABASE_URL=hub.settings.database_url,
               HUB_VAR_DIR=str(hub.settings.var_dir), HUB_PROGRESS="0",
               HUB_SCHEDULER_DISPATCH_SECONDS="5",
               HUB_RULES_FILE=str(_always_open(tmp_path)))
    process = subprocess.Popen([sys.executable, "app.py", "dispatch", "--loop"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        deadline = time.monotonic() + 30
        while _states(hub) != ["sent"] and time.monotonic() < deadline:
            assert process.poll() is None
            time.sleep(0.2)
        assert _states(hub) == ["sent"]
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "dispatching every 5 seconds" in output
    assert output.rstrip().endswith("dispatcher stopped")
    assert len(list((hub.settings.var_dir / "mail").rglob("*.eml"))) == 1
