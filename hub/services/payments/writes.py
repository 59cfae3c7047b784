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
from hub.ledger.accounts import mark_due


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

    def record(self, decisions: Sequence[tuple[IncomingPayment, Match]], *, source: str
               ) -> None:
        """Write new payments and what matching decided for them, a few statements for all.

        The decisions were taken in order on one open book, so each allocation saw the
        invoice as the earlier ones left it.
        """
        ids = repo.insert_payments(self.connection, [repo.payment_row(
            payment, source=source, customer_id=self._customer_id(decision),
            status=payment_status(decision.matched, decision.remainder),
            unallocated=decision.remainder, now=self.now) for payment, decision in decisions])
        allocation_rows: list[dict[str, Any]] = []
        lowered: dict[int | None, tuple[OpenInvoice, Money]] = {}  # as first seen, and left
        for payment, decision in decisions:
            customer_id = self._customer_id(decision)
            self._received(payment, customer_id, source)
            if not decision.matched:
                self.event(kinds.PAYMENT_UNMATCHED,
                           f"Payment of {payment.amount} from {_payer(payment)} waits for "
                           f"manual matching: {decision.reason}",
                           customer_id=customer_id, payment=payment.reference,
                           reason=decision.reason)
                continue
            method = decision.method.value if decision.method else "manual"
            for invoice, part in decision.allocations:
                allocation_rows.append(repo.allocation_row(
                    payment_id=ids[payment.reference], invoice=invoice, part=part,
                    method=method, allocated_on=payment.received_on, actor=self.actor,
                    now=self.now))
                left = invoice.open - part
                lowered[invoice.id] = (lowered.get(invoice.id, (invoice, left))[0], left)
                self._allocated(payment.reference, invoice, part, left=left, method=method,
                                customer_id=customer_id, reason=decision.reason)
            self.credit(payment.reference, decision.remainder, customer_id)
        repo.insert_allocations(self.connection, allocation_rows)
        repo.lower_invoices(self.connection, list(lowered.values()), self.now)

    def _customer_id(self, decision: Match) -> int | None:
        return self.view.customer_ids.get(decision.customer or "")

    def _received(self, payment: IncomingPayment, customer_id: int | None, source: str
                  ) -> None:
        self.event(kinds.PAYMENT_RECEIVED,
                   f"Payment of {payment.amount} received from {_payer(payment)}",
                   customer_id=customer_id, payment=payment.reference,
                   amount=str(payment.amount.amount), currency=payment.amount.currency,
                   received_on=payment.received_on.isoformat(), payer=payment.payer_name,
                   account=payment.payer_account, source=payment.source or source,
                   recorded_on=self.today.isoformat())

    def _allocated(self, reference: str, invoice: OpenInvoice, part: Money, *, left: Money,
                   method: str, customer_id: int | None, reason: str | None) -> None:
        owner = self.view.customer_ids.get(invoice.customer, customer_id)
        state = "now paid" if left.is_zero() else f"{left} still open"
        self.event(kinds.PAYMENT_ALLOCATED,
                   f"{part} of payment {reference} applied to invoice {invoice.number} "
                   f"({method}); {state}",
                   customer_id=owner, invoice_id=invoice.id, payment=reference,
                   invoice=invoice.number, amount=str(part.amount), currency=part.currency,
                   method=method, open_after=str(left.amount), reason=reason)

    def allocate(self, payment_id: int, reference: str,
                 plan: Sequence[tuple[OpenInvoice, Money]], *, method: str,
                 allocated_on: date, customer_id: int | None, reason: str | None = None
                 ) -> None:
        """Apply an existing payment to invoices (matching by hand)."""
        for invoice, part in plan:
            left = repo.allocate(self.connection, payment_id=payment_id, invoice=invoice,
                                 part=part, method=method, allocated_on=allocated_on,
                                 actor=self.actor, now=self.now)
            self.view.book.settle(invoice, part)
            self._allocated(reference, invoice, part, left=left, method=method,
                            customer_id=customer_id, reason=reason)

    def credit(self, reference: str, remainder: Money, customer_id: int | None) -> None:
        if remainder.is_zero():
            return
        self.event(kinds.CREDIT_RECORDED,
                   f"{remainder} of payment {reference} kept as credit on the account",
                   customer_id=customer_id, payment=reference, amount=str(remainder.amount),
                   currency=remainder.currency)

    def flush(self) -> None:
        repo.add_events(self.connection, self.events)
        mark_due(self.connection, [event.get("customer_id") for event in self.events],
                 self.today)
        self.events = []
