"""Credit notes from an open-items file: rows with a negative amount (SAP credit
memos, QuickBooks credit memos and unapplied payments). Stored positive: what the
customer is owed. A row may name the invoice it credits (`credits_invoice`): the credit
then covers that invoice first when the balance is worked out (hub.domain.owed); an
invoice of another customer or currency, or one not in the ledger, rejects the row."""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import RowMapping

from hub.domain import events as kinds
from hub.domain.model import Event
from hub.domain.records import InvoiceRecord
from hub.domain.records import RejectedRow
from hub.ledger.bulk import BulkInsert
from hub.ledger.import_runs import append_events
from hub.ledger.lookups import rows_by_key
from hub.ledger.lookups import update_by_id
from hub.ledger.tables import credit_notes
from hub.ledger.tables import invoices
from hub.services.imports.context import RunContext
from hub.services.imports.context import to_minor

COLUMNS = ("number", "customer_id", "issue_date", "currency", "amount_minor", "open_minor",
           "reason", "source_hash", "invoice_id")


class CreditNotes:
    def __init__(self, connection: Connection, context: RunContext,
                 per_customer: defaultdict[str, Counter[str]]) -> None:
        self._connection = connection
        self._context = context
        self._per_customer = per_customer
        self.created = self.updated = self.unchanged = 0
        self._insert = BulkInsert(connection, credit_notes, COLUMNS,
                                  {"created_at": context.now, "updated_at": context.now})

    def add(self, records: list[InvoiceRecord], existing: Mapping[str, RowMapping],
            customer_ids: Mapping[str, int], rejects: list[RejectedRow]) -> None:
        if not records:
            return
        fresh: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        created_events: list[Event] = []
        named = rows_by_key(self._connection, invoices, "number",
                            {r.credits_invoice for r in records if r.credits_invoice},
                            columns=["id", "customer_id", "currency"])
        for record in records:
            customer_id = customer_ids[record.customer_code]
            invoice_id: int | None = None
            if record.credits_invoice is not None:
                target = named.get(record.credits_invoice)
                if target is None or target["customer_id"] != customer_id \
                        or target["currency"] != record.currency:
                    rejects.append(RejectedRow(record.line, _not_creditable(record, target),
                                               record.cells))
                    continue
                invoice_id = target["id"]
            amount = -to_minor(record.amount, record.currency)
            if record.open_amount is not None:
                open_minor: int | None = -to_minor(record.open_amount, record.currency)
            else:
                open_minor = 0 if record.settled_on is not None else None
            digest = record.digest()
            old = existing.get(record.number)
            if old is None:
                fresh.append((record.number, customer_id, record.issue_date, record.currency,
                              amount, amount if open_minor is None else open_minor,
                              record.description, digest, invoice_id))
                self._per_customer[record.customer_code]["credit_notes"] += 1
                created_events.append(Event(
                    occurred_at=self._context.now, actor=self._context.actor,
                    kind=kinds.CREDIT_NOTE_IMPORTED, customer_code=record.customer_code,
                    summary=f"credit note {record.number} of {-record.amount} "
                            f"{record.currency}"
                            + (f" for invoice {record.credits_invoice}"
                               if record.credits_invoice else "")
                            + f" imported from {self._context.source_name}",
                    data={"import_run": self._context.run_id, "number": record.number}))
            elif old["customer_id"] != customer_id or old["currency"] != record.currency:
                rejects.append(RejectedRow(record.line, f"credit note {record.number} belongs "
                               "to another customer or currency in the ledger", record.cells))
            elif old["source_hash"] == digest:
                self.unchanged += 1
            else:
                updates.append({
                    "row_id": old["id"], "issue_date": record.issue_date, "amount_minor": amount,
                    "open_minor": min(old["open_minor"], amount) if open_minor is None
                    else open_minor,
                    "reason": record.description, "source_hash": digest,
                    "invoice_id": invoice_id, "updated_at": self._context.now})
        self.created += self._insert(fresh)
        update_by_id(self._connection, credit_notes, updates)
        self.updated += len(updates)
        append_events(self._connection, created_events, customer_ids)


def _not_creditable(record: InvoiceRecord, target: RowMapping | None) -> str:
    name = f"credit note {record.number} credits invoice {record.credits_invoice}"
    if target is None:
        return f"{name}, which is not in the ledger (import the invoice first)"
    if target["currency"] != record.currency:
        return f"{name}, which is in {target['currency']}, not {record.currency}"
    return f"{name}, which belongs to another customer (not {record.customer_code})"
