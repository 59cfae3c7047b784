"""Import open items: invoices, and credit notes (rows with a negative amount).

Each row is created, updated or left unchanged by comparing the digest of the
normalised row with the ledger's source_hash. Updating keeps what the hub knows
(see `_open_after_update`). Rows are written a chunk at a time with bulk inserts;
events are one per customer per run, plus one per updated invoice.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from hub.domain import events as kinds
from hub.domain.model import Event
from hub.domain.model import InvoiceStatus
from hub.domain.records import ImportRecord
from hub.domain.records import InvoiceRecord
from hub.domain.records import RejectedRow
from hub.ledger.bulk import BulkInsert
from hub.ledger.import_runs import append_events
from hub.ledger.lookups import allocated_totals
from hub.ledger.lookups import rows_by_key
from hub.ledger.lookups import update_by_id
from hub.ledger.tables import credit_notes
from hub.ledger.tables import invoices
from hub.services.customer_codes import CustomerCodes
from hub.services.customer_codes import NewCustomer
from hub.services.import_context import Counts
from hub.services.import_context import RunContext
from hub.services.import_context import plural
from hub.services.import_context import to_minor
from hub.services.import_credit_notes import CreditNotes
from hub.services.import_settlements import Settlement
from hub.services.import_settlements import Settlements

INVOICE_COLUMNS = ("number", "customer_id", "issue_date", "due_date", "currency", "amount_minor",
                   "open_minor", "status", "disputed", "excluded", "document_ref", "description",
                   "source_hash")
_KEY_COLUMNS = ("id", "customer_id", "currency", "source_hash")
_KEPT_STATUSES = (InvoiceStatus.CANCELLED.value, InvoiceStatus.WRITTEN_OFF.value)


_PAID, _PARTLY, _OPEN = (InvoiceStatus.PAID.value, InvoiceStatus.PARTIALLY_PAID.value,
                         InvoiceStatus.OPEN.value)


def status_of(amount_minor: int, open_minor: int) -> str:
    if open_minor <= 0:
        return _PAID
    return _PARTLY if open_minor < amount_minor else _OPEN


def _open_after_update(amount: int, file_open: int | None, allocated: int) -> int:
    """The ERP's open amount wins when the file has one, but never reopens money the
    hub has allocated: a payment matched in the hub that the ERP has not booked yet
    must not send a reminder. Without one, open = amount less the hub's allocations."""
    hub_open = max(0, amount - allocated)
    return hub_open if file_open is None else min(file_open, hub_open)


class InvoiceImport:
    def __init__(self, connection: Connection, context: RunContext) -> None:
        self._connection = connection
        self._context = context
        self.customers = CustomerCodes(connection, context)
        self.counts = Counts()
        self._seen: dict[str, int] = {}  # number -> line, to refuse duplicates in the file
        self._customer_facts: dict[str, tuple[int, tuple[str | None, ...]]] = {}
        self._per_customer: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._insert = BulkInsert(connection, invoices, INVOICE_COLUMNS,
                                  {"created_at": context.now, "updated_at": context.now})
        self._settlements = Settlements(connection, context)
        self._credits = CreditNotes(connection, context, self._per_customer)
        self._credit_notes_exist = bool(connection.scalar(select(exists().select_from(
            credit_notes))))

    def add(self, records: list[ImportRecord]) -> list[RejectedRow]:
        rejects: list[RejectedRow] = []
        accepted: list[InvoiceRecord] = []
        for record in records:
            assert isinstance(record, InvoiceRecord)
            problem = self._file_problem(record)
            if problem:
                rejects.append(RejectedRow(record.line, problem, record.cells))
            else:
                accepted.append(record)
        known = self.customers.ids
        self.customers.create_missing([
            NewCustomer(r.customer_code, r.customer_name, r.customer_country, r.customer_segment)
            for r in accepted if r.customer_code not in known])
        numbers = [r.number for r in accepted]
        # Enough to tell new, unchanged and changed apart; changed rows are read in full.
        existing = rows_by_key(self._connection, invoices, "number", numbers, _KEY_COLUMNS)
        if self._credit_notes_exist or any(r.is_credit for r in accepted):
            existing_credits = rows_by_key(self._connection, credit_notes, "number", numbers)
        else:
            existing_credits = {}
        fresh, changed, credits = self._classify(accepted, existing, existing_credits, rejects)
        self._create(fresh)
        self._update(changed)
        self._credits.add(credits, existing_credits, self.customers.ids, rejects)
        self._settlements.flush()
        return rejects

    def _classify(self, accepted: list[InvoiceRecord], existing: dict[str, RowMapping],
                  existing_credits: dict[str, RowMapping], rejects: list[RejectedRow],
                  ) -> tuple[list[tuple[InvoiceRecord, int, str]],
                             list[tuple[InvoiceRecord, RowMapping, str]], list[InvoiceRecord]]:
        """New invoices, changed invoices and credit notes; unchanged ones are counted."""
        fresh: list[tuple[InvoiceRecord, int, str]] = []
        changed: list[tuple[InvoiceRecord, RowMapping, str]] = []
        credits: list[InvoiceRecord] = []
        for record in accepted:
            if record.is_credit:
                if record.number in existing:
                    rejects.append(RejectedRow(record.line, f"{record.number} is an invoice in "
                                   "the ledger; a negative amount would turn it into a credit "
                                   "note", record.cells))
                else:
                    credits.append(record)
                continue
            if record.number in existing_credits:
                rejects.append(RejectedRow(record.line, f"{record.number} is a credit note in "
                                           "the ledger, not an invoice", record.cells))
                continue
            customer_id = self.customers.ids[record.customer_code]
            digest = record.digest()
            old = existing.get(record.number)
            if old is None:
                fresh.append((record, customer_id, digest))
            elif (problem := self._ledger_problem(record, old, customer_id)) is not None:
                rejects.append(RejectedRow(record.line, problem, record.cells))
            elif old["source_hash"] == digest:
                self.counts.unchanged += 1
            else:
                changed.append((record, old, digest))
        return fresh, changed, credits

    def _file_problem(self, record: InvoiceRecord) -> str | None:
        """Duplicates in the file, and customer facts that contradict an earlier row."""
        first = self._seen.get(record.number)
        if first is not None:
            return f"invoice number {record.number} appears twice in the file (first on line " \
                   f"{first}); this row is ignored"
        self._seen[record.number] = record.line
        facts = (record.customer_name, record.customer_country, record.customer_segment)
        known = self._customer_facts.get(record.customer_code)
        if known is None:
            self._customer_facts[record.customer_code] = (record.line, facts)
            return None
        line, earlier = known
        for label, now, before in zip(("name", "country", "segment"), facts, earlier,
                                      strict=True):
            if now is not None and before is not None and now != before:
                return (f"customer {record.customer_code} has {label} {now!r} here but "
                        f"{before!r} on line {line}")
        return None

    def _ledger_problem(self, record: InvoiceRecord, old: RowMapping,
                        customer_id: int) -> str | None:
        if old["customer_id"] != customer_id:
            return f"invoice {record.number} belongs to another customer in the ledger " \
                   f"(not {record.customer_code})"
        if old["currency"] != record.currency:
            return f"invoice {record.number} is in {old['currency']} in the ledger, " \
                   f"not {record.currency}"
        return None

    def _create(self, fresh: list[tuple[InvoiceRecord, int, str]]) -> None:
        rows = []
        for record, customer_id, digest in fresh:
            amount = to_minor(record.amount, record.currency)
            open_minor = amount if record.open_amount is None else \
                to_minor(record.open_amount, record.currency)
            if record.settled_on is not None and open_minor > 0:
                self._settlements.add(Settlement(record.number, None, customer_id,
                                                 record.settled_on, record.currency, open_minor))
                open_minor = 0
            rows.append((record.number, customer_id, record.issue_date, record.due_date,
                         record.currency, amount, open_minor, status_of(amount, open_minor),
                         bool(record.disputed), bool(record.excluded), record.document_ref,
                         record.description, digest))
            self._per_customer[record.customer_code]["created"] += 1
        self.counts.created += self._insert(rows)

    def _update(self, changed: list[tuple[InvoiceRecord, RowMapping, str]]) -> None:
        if not changed:
            return
        full = rows_by_key(self._connection, invoices, "number", [r.number for r, _, _ in changed])
        changed = [(record, full[record.number], digest) for record, _, digest in changed]
        allocated = allocated_totals(self._connection, [old["id"] for _, old, _ in changed])
        provided = self._context.provided
        updates: list[dict[str, Any]] = []
        updated_events: list[Event] = []
        for record, old, digest in changed:
            amount = to_minor(record.amount, record.currency)
            file_open = None if record.open_amount is None else \
                to_minor(record.open_amount, record.currency)
            open_minor = _open_after_update(amount, file_open, allocated.get(old["id"], 0))
            if record.settled_on is not None and open_minor > 0:
                self._settlements.add(Settlement(record.number, old["id"], old["customer_id"],
                                                 record.settled_on, record.currency, open_minor))
                open_minor = 0
            new: dict[str, Any] = {
                "issue_date": record.issue_date, "due_date": record.due_date,
                "amount_minor": amount, "open_minor": open_minor,
                "status": old["status"] if old["status"] in _KEPT_STATUSES
                else status_of(amount, open_minor)}
            for name in ("disputed", "excluded"):
                new[name] = bool(getattr(record, name)) if name in provided else old[name]
            for name in ("document_ref", "description"):
                new[name] = getattr(record, name) if name in provided else old[name]
            changes = {column: [_plain(old[column]), _plain(value)]
                       for column, value in new.items() if old[column] != value}
            updates.append({"row_id": old["id"], **new, "source_hash": digest,
                            "updated_at": self._context.now})
            self._per_customer[record.customer_code]["updated"] += 1
            updated_events.append(Event(
                occurred_at=self._context.now, actor=self._context.actor,
                kind=kinds.INVOICE_UPDATED, customer_code=record.customer_code,
                invoice_number=record.number,
                summary=f"invoice {record.number} updated from {self._context.source_name}: "
                        + (", ".join(changes) or "no visible change"),
                data={"import_run": self._context.run_id, "changes": changes}))
        update_by_id(self._connection, invoices, updates)
        append_events(self._connection, updated_events, self.customers.ids,
                      {record.number: old["id"] for record, old, _ in changed})
        self.counts.updated += len(updates)

    def finish(self) -> Counts:
        self._settlements.flush()
        context = self._context
        summaries = []
        for code, tally in self._per_customer.items():
            parts = [plural(tally[key], noun) + f" {verb}" for key, noun, verb in (
                ("created", "invoice", "imported"), ("updated", "invoice", "updated"),
                ("credit_notes", "credit note", "imported")) if tally[key]]
            summaries.append(Event(
                occurred_at=context.now, actor=context.actor, kind=kinds.INVOICES_IMPORTED,
                customer_code=code, summary=f"{', '.join(parts)} from {context.source_name}",
                data={"import_run": context.run_id, "source": context.source_name, **tally}))
        append_events(self._connection, summaries, self.customers.ids)
        self.counts.created += self._credits.created
        self.counts.updated += self._credits.updated
        self.counts.unchanged += self._credits.unchanged
        self.counts.details.update(customers_created=self.customers.created,
                                   credit_notes=self._credits.created,
                                   settled=self._settlements.created)
        return self.counts


def _plain(value: Any) -> Any:
    """JSON-friendly value for an event's record of a change."""
    return value.isoformat() if hasattr(value, "isoformat") else value
