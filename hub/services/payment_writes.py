"""Writing a matching decision: the payment, its allocations, and the events
that put them on the customer's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.bank import IncomingPayment
from hub.domain.matching import Match
from hub.domain.matching import OpenInvoice
from hub.domain.model import PaymentStatus
from hub.domain.money import Money
from hub.ledger import payments as repo


def payment_status(matched: bool, remainder: Money) -> PaymentStatus:
    if not matched:
        return PaymentStatus.UNMATCHED
    return PaymentStatus.ALLOCATED if remainder.is_zero() else PaymentStatus.CREDIT


def _payer(payment: IncomingPayment) -> str:
    return payment.payer_name or payment.payer_account or "an unknown payer"


class Writer:
    """Writes decisions for one batch; events are inserted together by `flush`."""

    def __init__(self, connection: Connection, view: repo.LedgerView, *, actor: str,
                 now: datetime, today: date) -> None:
        self.connection = connection
        self.view = view
        self.actor = actor
        self.now = now
        self.today = today
        self.events: list[dict[str, Any]] = []

    def event(self, kind: str, summary: str, *, customer_id: int | None,
              invoice_id: int | None = None, **data: Any) -> None:
        self.events.append({
            "occurred_at": self.now, "actor": self.actor, "kind": kind, "summary": summary,
            "customer_id": customer_id, "invoice_id": invoice_id,
            "data": {key: value for key, value in data.items() if value is not None},
        })

    def record(self, payment: IncomingPayment, decision: Match, *, source: str) -> int:
        customer_id = self.view.customer_ids.get(decision.customer or "")
        payment_id = repo.insert_payment(
            self.connection, payment, source=source, customer_id=customer_id,
            status=payment_status(decision.matched, decision.remainder),
            unallocated=decision.remainder, now=self.now)
        self.event(kinds.PAYMENT_RECEIVED,
                   f"Payment of {payment.amount} received from {_payer(payment)}",
                   customer_id=customer_id, payment=payment.reference,
                   amount=str(payment.amount.amount), currency=payment.amount.currency,
                   received_on=payment.received_on.isoformat(), payer=payment.payer_name,
                   account=payment.payer_account, source=payment.source or source)
        if decision.customer and payment.payer_account:
            self.view.book.learn_account(payment.payer_account, decision.customer)
        if decision.matched:
            method = decision.method.value if decision.method else "manual"
            self.allocate(payment_id, payment.reference, decision.allocations, method=method,
                          allocated_on=payment.received_on, customer_id=customer_id,
                          reason=decision.reason, new_payment=True)
            self.credit(payment.reference, decision.remainder, customer_id)
        else:
            self.event(kinds.PAYMENT_UNMATCHED,
                       f"Payment of {payment.amount} from {_payer(payment)} waits for manual "
                       f"matching: {decision.reason}",
                       customer_id=customer_id, payment=payment.reference,
                       reason=decision.reason)
        return payment_id

    def allocate(self, payment_id: int, reference: str,
                 plan: Sequence[tuple[OpenInvoice, Money]], *, method: str,
                 allocated_on: date, customer_id: int | None, reason: str | None = None,
                 new_payment: bool = False) -> None:
        for invoice, part in plan:
            left = repo.allocate(self.connection, payment_id=payment_id, invoice=invoice,
                                 part=part, method=method, allocated_on=allocated_on,
                                 actor=self.actor, now=self.now, new_payment=new_payment)
            self.view.book.settle(invoice, part)
            owner = self.view.customer_ids.get(invoice.customer, customer_id)
            state = "now paid" if left.is_zero() else f"{left} still open"
            self.event(kinds.PAYMENT_ALLOCATED,
                       f"{part} of payment {reference} applied to invoice {invoice.number} "
                       f"({method}); {state}",
                       customer_id=owner, invoice_id=invoice.id, payment=reference,
                       invoice=invoice.number, amount=str(part.amount),
                       currency=part.currency, method=method, open_after=str(left.amount),
                       reason=reason)

    def credit(self, reference: str, remainder: Money, customer_id: int | None) -> None:
        if remainder.is_zero():
            return
        self.event(kinds.CREDIT_RECORDED,
                   f"{remainder} of payment {reference} kept as credit on the account",
                   customer_id=customer_id, payment=reference, amount=str(remainder.amount),
                   currency=remainder.currency)

    def flush(self) -> None:
        repo.add_events(self.connection, self.events)
        self.events = []
