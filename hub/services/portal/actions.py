"""What a debtor does in the portal, as ledger changes: each action goes through the
cycle's person-action services (source "portal"), so it lands on the account's timeline
and, where a person is needed, as a task in the owner's worklist; confirmations to the
debtor are queued in the outbox in the debtor's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.decisions import PolicySettings
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import message_key
from hub.domain.plans import PlanOutcome
from hub.i18n import lazy_gettext
from hub.ledger.accounts import account
from hub.ledger.accounts import add_event
from hub.ledger.outbox import debtor_contact
from hub.ledger.outbox import enqueue
from hub.ledger.tables import invoices
from hub.services.accounts import disputes
from hub.services.accounts import plans
from hub.services.accounts.documents import COPY_TEMPLATE
from hub.services.accounts.documents import invoice_document
from hub.services.accounts.promises import record_promise
from hub.services.accounts.tasks import create_task

ACTOR = "debtor (portal)"
SOURCE = "portal"
DEBTOR_CHANNELS = ("email", "sms")  # confirmations: e-mail, else a text message

COPY_DOWNLOADED = "portal.copy_downloaded"
COPY_EMAILED = "portal.copy_emailed"
PAYMENT_REPORTED = "portal.payment_reported"


@dataclass(frozen=True)
class StoredProof:
    """A proof of payment saved under var/uploads (its path relative to var/)."""

    path: str
    sha256: str
    size: int
    mime_type: str
    original_name: str


def _confirm(connection: Connection, *, template: str, customer_code: str, language: str,
             ref: object, context: dict[str, Any], now: datetime | None = None) -> None:
    enqueue(connection, OutboxMessage(
        idempotency_key=message_key("portal", template, customer_code, ref),
        template=template, customer_code=customer_code, channels=DEBTOR_CHANNELS,
        language=language, context=context), now=now)


def record_copy_download(connection: Connection, *, customer_code: str, invoice_id: int,
                         invoice_number: str, now: datetime) -> None:
    ref = account(connection, customer_code)
    add_event(connection, customer_id=ref.id, invoice_id=invoice_id, kind=COPY_DOWNLOADED,
              actor=ACTOR, now=now, summary=f"downloaded a copy of invoice {invoice_number}",
              data={"invoice": invoice_number, "source": SOURCE})


@dataclass(frozen=True)
class CopyOutcome:
    """A copy request: e-mailed to `emailed_to` (the PDF attached), or a task for a person."""

    emailed_to: str | None = None
    task_id: int | None = None


def request_copy(connection: Connection, *, customer_code: str, invoice_number: str,
                 documents_dir: Path, language: str, now: datetime,
                 today: date) -> CopyOutcome:
    """A copy on file is e-mailed to the debtor at once, through the outbox, with the PDF
    attached (once per invoice and day), and the request and the e-mail are on the
    timeline. No copy on file, or no e-mail address to send it to: one task for the
    account's owner (one per invoice and day), saying which."""
    ref = account(connection, customer_code)
    row = connection.execute(sa.select(invoices.c.id, invoices.c.document_ref).where(
        invoices.c.number == invoice_number, invoices.c.customer_id == ref.id)).one_or_none()
    if row is None:
        raise NotFound(lazy_gettext("invoice %(number)s is not one of %(code)s's",
                                    number=repr(invoice_number), code=customer_code))
    document = invoice_document(documents_dir, invoice_number, row.document_ref)
    contact = debtor_contact(connection, customer_code)
    email = contact.email if contact else None
    if document is not None and email:
        queued = enqueue(connection, OutboxMessage(
            idempotency_key=message_key("portal", COPY_TEMPLATE, customer_code,
                                        invoice_number, today.isoformat()),
            template=COPY_TEMPLATE, customer_code=customer_code, channels=("email",),
            language=language, context={"invoice": invoice_number}), now=now)
        if queued:
            add_event(connection, customer_id=ref.id, invoice_id=row.id, kind=COPY_EMAILED,
                      actor=ACTOR, now=now,
                      summary=f"asked for a copy of invoice {invoice_number} in the portal; "
                              f"it is e-mailed to {email} with {document.name} attached",
                      data={"invoice": invoice_number, "document": document.name,
                            "to": email, "source": SOURCE})
        return CopyOutcome(emailed_to=email)
    missing = "no document is on file" if document is None else (
        f"a copy is on file ({document.name}) but there is no e-mail address to send it to")
    return CopyOutcome(task_id=create_task(
        connection, customer_code=customer_code, task_type="copy_request", assignee=ref.owner,
        due_date=today, actor=ACTOR, now=now, source=SOURCE,
        key=f"portal|copy|{customer_code}|{invoice_number}|{today.isoformat()}",
        reason=f"the debtor asked for a copy of invoice {invoice_number} in the portal; "
               f"{missing}: send it to them"))


def report_payment(connection: Connection, *, customer_code: str, paid_on: date,
                   amount: Money | None, proof: StoredProof | None, now: datetime,
                   today: date) -> int | None:
    """"I have paid": a payment check task for the owner, with the proof if one came."""
    if paid_on > today:
        raise UserError(lazy_gettext("the payment date %(paid_on)s is in the future",
                                     paid_on=paid_on))
    ref = account(connection, customer_code)
    said = f"the debtor says they paid{f' {amount}' if amount else ''} on {paid_on}"
    proof_note = f"; proof of payment: {proof.original_name} ({proof.path})" if proof else \
        "; no proof attached"
    data: dict[str, Any] = {"paid_on": paid_on.isoformat(), "source": SOURCE,
                            "amount": str(amount.amount) if amount else None,
                            "currency": amount.currency if amount else None}
    if proof:
        data["proof"] = {"path": proof.path, "sha256": proof.sha256, "size": proof.size,
                         "mime_type": proof.mime_type, "name": proof.original_name}
    add_event(connection, customer_id=ref.id, kind=PAYMENT_REPORTED, actor=ACTOR, now=now,
              summary=said + proof_note, data=data)
    return create_task(
        connection, customer_code=customer_code, task_type="payment_check",
        assignee=ref.owner, due_date=today, actor=ACTOR, now=now, source=SOURCE,
        key=f"portal|paid|{customer_code}|{paid_on.isoformat()}|{now.isoformat()}",
        reason=f"{said}: check the bank statement{proof_note}")


def promise(connection: Connection, *, customer_code: str, amount: Money, due_date: date,
            settings: PolicySettings, language: str, now: datetime, today: date,
            actor: str = ACTOR, source: str = SOURCE) -> int:
    """`actor`, `source`: the debtor in the portal, or on the phone (hub.services.notify.phone)."""
    promise_id = record_promise(
        connection, customer_code=customer_code, amount=amount, due_date=due_date,
        actor=actor, source=source, now=now, today=today,
        max_days_ahead=settings.promise_max_days_ahead)
    _confirm(connection, template="promise-confirmation", customer_code=customer_code,
             language=language, ref=promise_id,
             context={"amount": str(amount.amount), "currency": amount.currency,
                      "due_date": due_date.isoformat()})
    return promise_id


def propose_plan(connection: Connection, *, customer_code: str,
                 instalments: Sequence[tuple[date, Money]], settings: PolicySettings,
                 language: str, now: datetime, today: date) -> PlanOutcome:
    """Inside finance's limits the plan is active at once and confirmed; outside them a
    review task goes to the owner and the debtor hears it is being handled."""
    outcome = plans.propose_plan(connection, customer_code=customer_code,
                                 instalments=instalments, actor=ACTOR, source=SOURCE, now=now,
                                 limits=settings.plan_auto_approve, today=today)
    total = sum((amount for _, amount in instalments[1:]), instalments[0][1])
    _confirm(connection, template="plan-confirmation" if outcome.approved else "plan-in-review",
             customer_code=customer_code, language=language, ref=outcome.plan_id, now=now,
             context={"total": str(total.amount), "currency": total.currency,
                      # in review: the days within which the message says a colleague
                      # replies (after them the cycle escalates to the manager)
                      "review_days": settings.plan_review_days,
                      "instalments": [{"due_date": day.isoformat(), "amount": str(part.amount),
                                       "currency": part.currency}
                                      for day, part in instalments]})
    return outcome


def dispute(connection: Connection, *, customer_code: str, invoice_numbers: Sequence[str],
            reason: str, language: str, now: datetime, actor: str = ACTOR,
            source: str = SOURCE) -> int:
    reason = reason.strip()
    if not reason:
        raise UserError(lazy_gettext("tell us what is wrong with the invoice"))
    dispute_id = disputes.open_dispute(connection, customer_code=customer_code,
                                       invoice_numbers=list(invoice_numbers), reason=reason,
                                       actor=actor, source=source, now=now)
    _confirm(connection, template="dispute-received", customer_code=customer_code,
             language=language, ref=dispute_id,
             context={"invoice_numbers": list(invoice_numbers), "reason": reason})
    return dispute_id
