"""`python app.py dispatch ...` as a person runs it: send, look, decide, unflag."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.ledger.outbox import enqueue
from hub.ledger.outbox import flag_channel
from hub.ledger.tables import messages
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice


def _invoke(hub: Hub, *args: str) -> Result:
    from hub.cli import cli

    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, ["dispatch", *args], env=env)


def _state(hub: Hub, code: str) -> str:
    with hub.engine.connect() as connection:
        return str(connection.execute(sa.select(messages.c.state).where(
            messages.c.customer_code == code)).scalar_one())


def test_status_release_and_clear_flag(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example")
        debtor(connection, "BOLT", email="pay@bolt.example")
        enqueue(connection, notice("ACME", "email"), now=hub.clock.now())
        enqueue(connection, notice("BOLT", "email"), now=hub.clock.now())
        connection.execute(sa.update(messages).where(messages.c.customer_code == "ACME")
                           .values(state="uncertain", last_error="stopped mid-send"))
        connection.execute(sa.update(messages).where(messages.c.customer_code == "BOLT")
                           .values(state="held", last_error="channel email is flagged: 535"))
        flag_channel(connection, "email", "SMTP login refused: 535", hub.clock.now())
        ids = {row.customer_code: row.id for row in connection.execute(
            sa.select(messages.c.customer_code, messages.c.id))}
    status = _invoke(hub, "status")
    assert status.exit_code == 0, status.output
    assert "messages: held 1, uncertain 1" in status.output
    assert "channel email is flagged: SMTP login refused: 535" in status.output
    assert f"#{ids['ACME']} uncertain: ACME|reminder-1|2026-11-23|send: stopped mid-send" \
        in status.output

    released = _invoke(hub, "release", str(ids["ACME"]), "--mark-sent")
    assert released.output.strip() == f"message #{ids['ACME']} recorded as sent"
    assert _state(hub, "ACME") == "sent"
    again = _invoke(hub, "release", str(ids["ACME"]))
    assert again.exit_code == 2
    assert "is not uncertain or held" in again.output

    cleared = _invoke(hub, "clear-flag", "email")
    assert cleared.output.strip() == "channel email cleared; 1 held message(s) queued again"
    assert _state(hub, "BOLT") == "queued"
