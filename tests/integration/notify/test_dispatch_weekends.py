"""The send window keeps the debtor's country's weekend (from the holidays package, as
wired in hub/bootstrap/notify.py): Israel rests on Friday and Saturday and works on
Sunday, the Netherlands the other way round."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import time

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.notify import build_dispatcher
from hub.domain.clock import FixedClock
from hub.domain.decisions import PolicySettings
from hub.ledger.outbox import enqueue
from hub.ledger.tables import messages
from hub.services.notify.dispatch import Dispatcher
from tests.integration.notify.helpers import ScriptedTransport
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice

BUSINESS_HOURS = PolicySettings(send_window=(time(8), time(20)), business_days_only=True)
FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 11:00 in Tel Aviv, 10:00 in Amsterdam
SUNDAY = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def _dispatcher(hub: Hub, email: ScriptedTransport) -> Dispatcher:
    return build_dispatcher(hub.settings, hub.engine, hub.clock, transports={"email": email},
                            policy=BUSINESS_HOURS, portal=hub.portal_links(), creditor=None)


def _states(hub: Hub) -> dict[str, tuple[str, datetime | None]]:
    with hub.engine.connect() as connection:
        return {row.customer_code: (row.state, row.next_attempt_at) for row in
                connection.execute(sa.select(messages.c.customer_code, messages.c.state,
                                             messages.c.next_attempt_at))}


def test_debtors_are_contacted_on_their_own_working_days(hub: Hub, clock: FixedClock) -> None:
    email = ScriptedTransport("email")
    clock.moment = FRIDAY
    with hub.engine.begin() as connection:
        debtor(connection, "TLV", email="ap@tlv.example", country="IL",
               timezone="Asia/Jerusalem")
        debtor(connection, "AMS", email="ap@ams.example", country="NL",
               timezone="Europe/Amsterdam")
        for code in ("TLV", "AMS"):
            enqueue(connection, notice(code, "email"), now=FRIDAY)
    _dispatcher(hub, email).run()
    states = _states(hub)
    assert [delivery.address for delivery in email.sent] == ["ap@ams.example"]
    assert states["TLV"][0] == "queued"
    waits = states["TLV"][1]
    assert waits is not None
    # Sunday 08:00 in Israel (UTC+2), not Monday
    assert waits.replace(tzinfo=UTC) == datetime(2026, 11, 29, 6, 0, tzinfo=UTC)

    clock.moment = SUNDAY
    with hub.engine.begin() as connection:
        enqueue(connection, notice("AMS", "email", template="reminder-2"), now=SUNDAY)
    _dispatcher(hub, email).run()
    assert [delivery.address for delivery in email.sent] == ["ap@ams.example", "ap@tlv.example"]
    with hub.engine.connect() as connection:
        waiting = connection.execute(sa.select(messages.c.next_attempt_at).where(
            messages.c.state == "queued")).scalar_one()
    # Monday 08:00 in Amsterdam
    assert waiting.replace(tzinfo=UTC) == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
