"""A small ledger for the notification tests, and a scripted in-memory transport."""

from __future__ import annotations

from collections import deque
from datetime import time

from sqlalchemy import Connection

from hub.domain.decisions import PolicySettings
from hub.domain.outbox import AddressError
from hub.domain.outbox import Delivery
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import PostalAddress
from hub.domain.outbox import TransportError
from hub.ledger.addresses import set_addresses
from tests.builders import STAMP
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice

ALWAYS = PolicySettings(send_window=(time(0, 0), time(23, 59, 59)), business_days_only=False)


def debtor(connection: Connection, code: str, *, language: str = "en", email: str | None = None,
           phone: str | None = None, address: bool = False, country: str = "NL",
           timezone: str = "UTC", amount: str = "1234.56", owner: str | None = None,
           department: str = "sales") -> int:
    customer_id = add_customer(connection, code, name=f"{code} B.V.", language=language,
                               country=country, timezone=timezone, owner=owner,
                               department=department)
    add_contact(connection, customer_id, "Ann Smith", email=email, phone=phone,
                is_primary=True)
    add_invoice(connection, f"{code}-1", customer_id, issued="2026-10-01", due="2026-10-31",
                amount=amount)
    if address:
        set_addresses(connection, {customer_id: PostalAddress(
            "", ("Keizersgracht 1",), "1015 AA", "Amsterdam", "NL")}, now=STAMP)
    return customer_id


def notice(code: str, *channels: str, template: str = "reminder-1",
           language: str = "en") -> OutboxMessage:
    return OutboxMessage(idempotency_key=f"{code}|{template}|2026-11-23|send",
                         template=template, customer_code=code,
                         channels=channels or ("email",), language=language,
                         batch="2026-11-23")


class ScriptedTransport:
    """Answers each send with the next scripted outcome (None: success)."""

    def __init__(self, channel: str, *outcomes: TransportError | None) -> None:
        self.channel = channel
        self.outcomes: deque[TransportError | None] = deque(outcomes)
        self.sent: list[Delivery] = []

    def prepare_address(self, address: str, *, country: str | None) -> str:
        if "invalid" in address:
            raise AddressError(f"{address!r} cannot be used")
        return address

    def send(self, delivery: Delivery) -> str | None:
        outcome = self.outcomes.popleft() if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.sent.append(delivery)
        return f"id-{len(self.sent)}"
