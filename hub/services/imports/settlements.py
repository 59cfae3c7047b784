"""Invoices an import says were paid in full on a given day (a `settled_on` column,
e.g. SettledDate of the IBM layout): each gets a payment on that day, allocated in
full, so the open amount is 0 today and reports as of an earlier day see it open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from hub.domain.model import PaymentStatus
from hub.ledger.bulk import BulkInsert
from hub.ledger.lookups import existing_payment_references
from hub.ledger.lookups import ids_by_key
from hub.ledger.tables import allocations
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from hub.services.imports.context import RunContext

METHOD = "import"


def settlement_reference(invoice_number: str) -> str:
    return f"settle-{invoice_number}"


@dataclass(frozen=True)
class Settlement:
    invoice_number: str
    invoice_id: int | None  # None: created in this chunk, looked up on flush
    customer_id: int
    settled_on: date
    currency: str
    amount_minor: int


class Settlements:
    def __init__(self, connection: Connection, context: RunContext) -> None:
        self._connection = connection
        self._context = context
        self._pending: list[Settlement] = []
        self.created = 0
        stamps = {"created_at": context.now, "updated_at": context.now}
        self._payments = BulkInsert(connection, payments, (
            "reference", "customer_id", "received_on", "currency", "amount_minor",
            "unallocated_minor", "status", "remittance", "source"), stamps)
        self._allocations = BulkInsert(connection, allocations, (
            "payment_id", "invoice_id", "currency", "amount_minor", "allocated_on"),
            {"method": METHOD, "actor": context.actor, "created_at": context.now})

    def add(self, settlement: Settlement) -> None:
        self._pending.append(settlement)

    def flush(self) -> None:
        """Write the pending settlements (after their invoices were inserted)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        connection = self._connection
        taken = existing_payment_references(
            connection, [settlement_reference(s.invoice_number) for s in pending])
        pending = [s for s in pending if settlement_reference(s.invoice_number) not in taken]
        missing = [s.invoice_number for s in pending if s.invoice_id is None]
        invoice_ids = ids_by_key(connection, invoices, "number", missing) if missing else {}
        remittance = f"settled according to {self._context.source_name}"
        self._payments([
            (settlement_reference(s.invoice_number), s.customer_id, s.settled_on, s.currency,
             s.amount_minor, 0, PaymentStatus.ALLOCATED.value, remittance,
             self._context.source_path[:500])
            for s in pending])
        payment_ids = ids_by_key(connection, payments, "reference",
                                 [settlement_reference(s.invoice_number) for s in pending])
        self._allocations([
            (payment_ids[settlement_reference(s.invoice_number)],
             s.invoice_id or invoice_ids[s.invoice_number], s.currency, s.amount_minor,
             s.settled_on)
            for s in pending])
        self.created += len(pending)
