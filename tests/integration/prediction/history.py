"""Ledgers with a payment history, for the prediction tests: dated rows of every kind the
features read (invoices and their payments, promises, disputes, messages, steps)."""

from __future__ import annotations

import random
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.ledger.tables import applied_decisions
from hub.ledger.tables import dispute_invoices
from hub.ledger.tables import disputes
from hub.ledger.tables import messages
from hub.ledger.tables import promises
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import add_payment


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def paid_invoice(connection: Connection, number: str, customer_id: int, *, issued: date,
                 terms: int, days_late: int | None, amount: str = "100.00",
                 description: str | None = None) -> int:
    """An invoice paid in full `days_late` days after its due date (None: still open)."""
    due = issued + timedelta(days=terms)
    invoice_id = add_invoice(connection, number, customer_id, issued=issued, due=due,
                             amount=amount, currency="EUR")
    if description is not None:
        connection.execute(sa.text("UPDATE invoices SET description = :d WHERE id = :i"),
                           {"d": description, "i": invoice_id})
    if days_late is not None:
        pay(connection, invoice_id, customer_id, due + timedelta(days=days_late), amount)
    return invoice_id


def pay(connection: Connection, invoice_id: int, customer_id: int, on: date,
        amount: str = "100.00") -> None:
    add_payment(connection, f"PAY-{invoice_id}-{on}", received_on=on, amount=amount,
                customer_id=customer_id, allocate={invoice_id: amount})


def promise(connection: Connection, customer_id: int, *, made: date, due: date,
            state: str, closed: date | None) -> None:
    connection.execute(sa.insert(promises).values(
        customer_id=customer_id, currency="EUR", amount_minor=5000, promised_on=made,
        due_date=due, state=state, closed_on=closed, actor="tests", source="web",
        created_at=_at(made), updated_at=_at(closed or made)))


def dispute(connection: Connection, customer_id: int, opened: date,
            invoice_id: int | None = None) -> None:
    dispute_id = connection.execute(sa.insert(disputes).values(
        customer_id=customer_id, reason="wrong quantity", state="open", opened_by="tests",
        source="web", created_at=_at(opened), updated_at=_at(opened))
        .returning(disputes.c.id)).scalar_one()
    if invoice_id is not None:
        connection.execute(sa.insert(dispute_invoices).values(dispute_id=dispute_id,
                                                              invoice_id=invoice_id))


def message(connection: Connection, code: str, channel: str, sent: date) -> None:
    key = f"{code}-{channel}-{sent}-{random.random()}"
    connection.execute(sa.insert(messages).values(
        idempotency_key=key, customer_code=code, recipient_kind="debtor", channels=[channel],
        channel=channel, skipped_channels=[], template="reminder", language="en", context={},
        state="sent", attempts=1, next_attempt_at=_at(sent), created_at=_at(sent),
        updated_at=_at(sent), sent_at=_at(sent)))


def step(connection: Connection, customer_id: int, applied: date) -> None:
    connection.execute(sa.insert(applied_decisions).values(
        decision_key=f"{customer_id}-{applied}-{random.random()}",
        customer_id=customer_id, rule="remind", source="rules.yaml", ladder="standard",
        step="reminder", applied_on=applied, facts={}, actions=[], applied_at=_at(applied)))


def late_payer_history(connection: Connection, as_of: date) -> dict[str, int]:
    """Two customers with a year of history before `as_of` and invoices open on it:
    SLOW (a business that pays late and more so lately) and PROMPT (a consumer)."""
    slow = add_customer(connection, "SLOW")
    prompt = add_customer(connection, "PROMPT", kind="B2C")
    ids: dict[str, int] = {"SLOW": slow, "PROMPT": prompt}
    start = as_of - timedelta(days=360)
    for k, late in enumerate([2, 5, 0, 9, 14, 20, 31, 40]):
        paid_invoice(connection, f"S-{k}", slow, issued=start + timedelta(days=30 * k),
                     terms=30, days_late=late, amount=f"{100 + 10 * k}.00",
                     description="Electronic bill")
    for k in range(6):
        paid_invoice(connection, f"P-{k}", prompt, issued=start + timedelta(days=50 * k),
                     terms=14, days_late=-2 if k % 3 else 1, description="Paper bill")
    # open on the day: one long overdue, one not yet due (both paid after it, later)
    ids["S-old"] = paid_invoice(connection, "S-old", slow, issued=as_of - timedelta(days=70),
                                terms=30, days_late=None, amount="400.00")
    ids["S-new"] = paid_invoice(connection, "S-new", slow, issued=as_of - timedelta(days=3),
                                terms=30, days_late=None, amount="150.00",
                                description="Electronic bill")
    ids["P-new"] = paid_invoice(connection, "P-new", prompt, issued=as_of - timedelta(days=5),
                                terms=14, days_late=None)
    promise(connection, slow, made=as_of - timedelta(days=100), due=as_of - timedelta(days=90),
            state="kept", closed=as_of - timedelta(days=90))
    promise(connection, slow, made=as_of - timedelta(days=40), due=as_of - timedelta(days=30),
            state="broken", closed=as_of - timedelta(days=27))
    dispute(connection, slow, as_of - timedelta(days=60), ids["S-old"])
    for days, channel in ((80, "email"), (50, "sms"), (20, "email"), (200, "letter")):
        message(connection, "SLOW", channel, as_of - timedelta(days=days))
        step(connection, slow, as_of - timedelta(days=days))
    return ids


def add_rows_from(connection: Connection, day: date, ids: dict[str, int]) -> None:
    """Rows dated `day` or later of every kind: payments settling the open invoices, new
    invoices, promises, a dispute on an open invoice, messages and steps."""
    slow, prompt = ids["SLOW"], ids["PROMPT"]
    pay(connection, ids["S-old"], slow, day, "400.00")  # paid on the day itself
    pay(connection, ids["S-new"], slow, day + timedelta(days=40), "150.00")
    pay(connection, ids["P-new"], prompt, day + timedelta(days=2))
    for k in range(3):
        paid_invoice(connection, f"S-later-{k}", slow, issued=day + timedelta(days=k * 20),
                     terms=30, days_late=60, amount="9000.00")
    promise(connection, slow, made=day, due=day + timedelta(days=5), state="broken",
            closed=day + timedelta(days=8))
    promise(connection, prompt, made=day + timedelta(days=1), due=day + timedelta(days=3),
            state="kept", closed=day + timedelta(days=3))
    dispute(connection, slow, day + timedelta(days=4), ids["S-new"])
    dispute(connection, prompt, day, ids["P-new"])
    for offset, channel in ((0, "call"), (3, "whatsapp"), (9, "email")):
        message(connection, "SLOW", channel, day + timedelta(days=offset))
        message(connection, "PROMPT", channel, day + timedelta(days=offset))
        step(connection, slow, day + timedelta(days=offset))
