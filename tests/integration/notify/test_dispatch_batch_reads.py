"""Must show: a dispatcher batch reads its debtors' contacts and what they owe at once
(issue 16), and still each debtor's notice names that debtor, that debtor's invoices and
that debtor's total, never a neighbour's in the same batch."""

from __future__ import annotations

from hub.bootstrap import Hub
from hub.ledger.outbox import enqueue
from hub.services.notify.dispatch import Dispatcher
from hub.services.notify.dispatch import DispatchSettings
from notifications.templates import TemplateRenderer
from tests.builders import add_invoice
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import ScriptedTransport
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice


def test_each_debtor_in_one_batch_is_told_their_own_invoices_and_total(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        for n, amount in enumerate(("100.00", "250.00", "75.50")):
            customer = debtor(connection, f"D{n}", email=f"ap{n}@d{n}.example", amount=amount)
            if n == 1:  # a second overdue invoice for one of them
                add_invoice(connection, "D1-2", customer, issued="2026-10-01",
                            due="2026-10-31", amount="50.00")
            enqueue(connection, notice(f"D{n}", "email"), now=hub.clock.now())
    mail = ScriptedTransport("email")
    dispatcher = Dispatcher(engine=hub.engine, transports={"email": mail},
                            renderer=TemplateRenderer(), clock=hub.clock, policy=ALWAYS,
                            settings=DispatchSettings(batch_size=10))
    report = dispatcher.run(max_batches=1)
    assert report.counts["sent"] == 3
    by_address = {delivery.address: delivery.text for delivery in mail.sent}
    assert "D0-1" in by_address["ap0@d0.example"]
    assert "€100.00" in by_address["ap0@d0.example"]
    assert "D1-1" in by_address["ap1@d1.example"]
    assert "D1-2" in by_address["ap1@d1.example"]
    assert "€300.00" in by_address["ap1@d1.example"]  # 250.00 + 50.00
    assert "D2-1" in by_address["ap2@d2.example"]
    assert "€75.50" in by_address["ap2@d2.example"]
    for address, text in by_address.items():
        others = {f"D{n}-1" for n in range(3)} - {f"D{address[2]}-1"}
        assert not any(number in text for number in others), (address, text)
