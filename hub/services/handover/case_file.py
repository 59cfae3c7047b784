"""The case file of one hand-over, read from the ledger at the hand-over: the claim
(creditor, debtor, totals), the open invoices, every message the debtor was sent with its
date and channel, the debtor's responses (portal actions, keypad answers on reminder
calls, promises, plans, disputes, online payments started), the fees and interest, and
the payments received. It is laid out as a PDF by the renderer the composition root picks
(notifications/dossier.py) and kept with its JSON form (hub.services.handover.files)."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.clock import day_of
from hub.domain.handover import CaseCharge
from hub.domain.handover import CaseFile
from hub.domain.handover import CaseInvoice
from hub.domain.handover import CasePayment
from hub.domain.handover import CaseReminder
from hub.domain.handover import CaseResponse
from hub.domain.handover import Party
from hub.domain.money import Money
from hub.ledger.tables import allocations
from hub.ledger.tables import charges
from hub.ledger.tables import contacts
from hub.ledger.tables import customer_addresses
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import handovers
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import payments

OPEN_STATUSES = ("open", "partially_paid")
GONE = ("reversed", "returned")  # payments taken back: not a payment of the claim
NOT_SENT = ("failed", "skipped")  # shown with the reason, e.g. "handed over to collection"
# what the debtor did, besides any event whose actor is the debtor (portal, phone)
RESPONSE_KINDS = ("promise.", "plan.", "dispute.", "checkout.", "portal.")


def build_case_file(connection: Connection, case_id: int, *, creditor: Party,
                    now: datetime) -> CaseFile:
    case = connection.execute(sa.select(handovers).where(handovers.c.id == case_id)).one()
    customer = connection.execute(sa.select(customers).where(
        customers.c.id == case.customer_id)).one()
    today = now.date()
    open_invoices = _invoices(connection, customer.id, today)
    numbers = [i.number for i in open_invoices]
    found_charges = _charges(connection, customer.id, numbers)
    principal = _totals(i.open for i in open_invoices)
    charged = _totals(c.amount for c in found_charges)
    total = _totals([*(i.open for i in open_invoices), *(c.amount for c in found_charges)])
    return CaseFile(
        case=case_id, produced_at=now, creditor=creditor,
        debtor=Party(customer.name, customer.code, _debtor_lines(connection, customer)),
        reason=case.reason, approved_by=case.decided_by or "",
        invoices=tuple(open_invoices), reminders=_reminders(connection, customer.code),
        responses=_responses(connection, customer.id), charges=tuple(found_charges),
        payments=_payments(connection, customer.id), principal=principal, charged=charged,
        total=total)


def _totals(amounts: Any) -> tuple[Money, ...]:
    found: dict[str, Money] = {}
    for amount in amounts:
        found[amount.currency] = found[amount.currency] + amount \
            if amount.currency in found else amount
    return tuple(found[currency] for currency in sorted(found))


def _debtor_lines(connection: Connection, customer: Any) -> tuple[str, ...]:
    lines: list[str] = []
    postal = connection.execute(sa.select(customer_addresses).where(
        customer_addresses.c.customer_id == customer.id)).first()
    if postal is not None:
        place = " ".join(part for part in (postal.postcode, postal.city) if part)
        lines += [line.strip() for line in (postal.attention, *(postal.lines or "").splitlines(),
                                            place, postal.country) if line and line.strip()]
    elif customer.country:
        lines.append(customer.country)
    for contact in connection.execute(sa.select(contacts).where(
            contacts.c.customer_id == customer.id)
            .order_by(contacts.c.is_primary.desc(), contacts.c.id)):
        lines.append(" · ".join(part for part in (contact.name, contact.email, contact.phone)
                                if part))
    kind = "business" if customer.kind == "B2B" else "consumer"
    lines.append(f"{kind}, language {customer.language}")
    return tuple(lines)


def _invoices(connection: Connection, customer_id: int, today: date) -> list[CaseInvoice]:
    rows = connection.execute(
        sa.select(invoices).where(invoices.c.customer_id == customer_id,
                                  invoices.c.status.in_(OPEN_STATUSES),
                                  invoices.c.open_minor > 0)
        .order_by(invoices.c.due_date, invoices.c.number))
    return [CaseInvoice(r.number, day_of(r.issue_date), day_of(r.due_date),
                        Money.from_minor(r.amount_minor, r.currency),
                        Money.from_minor(r.open_minor, r.currency), r.status, bool(r.disputed),
                        max(0, (today - day_of(r.due_date)).days)) for r in rows]


def _charges(connection: Connection, customer_id: int,
             numbers: list[str]) -> list[CaseCharge]:
    if not numbers:
        return []
    rows = connection.execute(
        sa.select(charges, invoices.c.number)
        .join(invoices, invoices.c.id == charges.c.invoice_id)
        .where(charges.c.customer_id == customer_id, invoices.c.number.in_(numbers))
        .order_by(invoices.c.number, charges.c.id))
    found = []
    for r in rows:
        if r.period_to is not None:
            period = f"{day_of(r.period_from or r.period_to)} - {day_of(r.period_to)}"
        else:
            period = str(day_of(r.period_from or r.created_at))
        found.append(CaseCharge(r.number, r.kind, Money.from_minor(r.amount_minor, r.currency),
                                r.basis or "", r.rate or "", period))
    return found


def _reminders(connection: Connection, code: str) -> tuple[CaseReminder, ...]:
    rows = connection.execute(
        sa.select(messages).where(messages.c.customer_code == code,
                                  messages.c.recipient_kind == "debtor")
        .order_by(messages.c.created_at, messages.c.id))
    return tuple(CaseReminder(day_of(r.sent_at or r.created_at),
                              r.channel or "/".join(r.channels or ()), r.template,
                              f"{r.state}: {r.last_error}" if r.state in NOT_SENT
                              and r.last_error else r.state,
                              (r.subject or "").strip()) for r in rows)


def _responses(connection: Connection, customer_id: int) -> tuple[CaseResponse, ...]:
    debtor = sa.or_(events.c.actor.like("debtor%"),
                    *(events.c.kind.startswith(prefix, autoescape=True)
                      for prefix in RESPONSE_KINDS))
    rows = connection.execute(
        sa.select(events.c.occurred_at, events.c.kind, events.c.summary, events.c.actor,
                  events.c.data)
        .where(events.c.customer_id == customer_id, debtor)
        .order_by(events.c.occurred_at, events.c.id))
    found = []
    for r in rows:
        data = r.data or {}
        source = str(data.get("source") or "") or (
            r.actor.split("(", 1)[1].rstrip(")") if "(" in r.actor else r.actor)
        found.append(CaseResponse(day_of(r.occurred_at), r.kind, r.summary, source))
    return tuple(found)


def _payments(connection: Connection, customer_id: int) -> tuple[CasePayment, ...]:
    rows = connection.execute(
        sa.select(payments.c.id, payments.c.reference, payments.c.received_on,
                  payments.c.amount_minor, payments.c.currency)
        .where(payments.c.customer_id == customer_id, payments.c.status.not_in(GONE))
        .order_by(payments.c.received_on, payments.c.id)).all()
    paid_on: dict[int, list[str]] = {}
    if rows:
        for payment_id, number in connection.execute(
                sa.select(allocations.c.payment_id, invoices.c.number)
                .join(invoices, invoices.c.id == allocations.c.invoice_id)
                .where(allocations.c.payment_id.in_([r.id for r in rows]))
                .order_by(invoices.c.number)):
            paid_on.setdefault(payment_id, []).append(number)
    return tuple(CasePayment(r.reference, day_of(r.received_on),
                             Money.from_minor(r.amount_minor, r.currency),
                             tuple(dict.fromkeys(paid_on.get(r.id, ())))) for r in rows)
