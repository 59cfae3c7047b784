"""Import open items: invoices, and credit notes (rows with a negative amount).

Each row is created, updated or left unchanged by comparing the digest of the
normalised row with the ledger's source_hash. Updating keeps what the hub knows
(see `_open_after_update`). The checks that need no database happen first, in
InvoiceRows (possibly in a reader process); this class classifies the packed rows
against the ledger and writes them a chunk at a time with bulk inserts. Events are
one per customer per run, plus one per updated invoice.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Table
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from hub.domain import events as kinds
from hub.domain.model import Event
from hub.domain.model import InvoiceStatus
from hub.domain.records import ImportRecord
from hub.domain.records import InvoiceColumns
from hub.domain.records import InvoiceRecord
from hub.domain.records import RejectedRow
from hub.ledger.accounts import mark_due
from hub.ledger.bulk import BulkInsert
from hub.ledger.bulk import DeferredIndexes
from hub.ledger.import_runs import append_events
from hub.ledger.lookups import allocated_totals
from hub.ledger.lookups import rows_by_key
from hub.ledger.lookups import update_by_id
from hub.ledger.tables import credit_notes
from hub.ledger.tables import invoices
from hub.services.imports import invoice_rows as packed
from hub.services.imports.context import Counts
from hub.services.imports.context import RunContext
from hub.services.imports.context import plural
from hub.services.imports.credit_notes import CreditNotes
from hub.services.imports.customer_codes import CustomerCodes
from hub.services.imports.invoice_rows import INVOICE_COLUMNS
from hub.services.imports.invoice_rows import InvoiceRows
from hub.services.imports.invoice_rows import PackedColumns
from hub.services.imports.invoice_rows import PackedInvoice
from hub.services.imports.invoice_rows import PreparedInvoices
from hub.services.imports.invoice_rows import status_of
from hub.services.imports.settlements import Settlement
from hub.services.imports.settlements import Settlements

_KEY_COLUMNS = ("id", "customer_id", "currency", "source_hash")
_KEPT_STATUSES = (InvoiceStatus.CANCELLED.value, InvoiceStatus.WRITTEN_OFF.value)
# Keys in random order on a large import (see DeferredIndexes); status/due stays on
# SQLite, where its upkeep hides behind the reader process. PostgreSQL maintains every
# index in the server: both are built at the end, and the foreign key checked once.
DEFERRED_INDEXES = ("ix_invoices_customer_status",)
POSTGRES_DEFERRED_INDEXES = ("ix_invoices_customer_status", "ix_invoices_status_due")
_WIDTH = len(INVOICE_COLUMNS)  # the packed items that are inserted
_SUMMARY_PARTS = (("created", "invoice", " imported"), ("updated", "invoice", " updated"),
                  ("credit_notes", "credit note", " imported"))


def _open_after_update(amount: int, file_open: int | None, allocated: int) -> int:
    """The ERP's open amount wins when the file has one, but never reopens money the
    hub has allocated: a payment matched in the hub that the ERP has not booked yet
    must not send a reminder. Without one, open = amount less the hub's allocations."""
    hub_open = max(0, amount - allocated)
    return hub_open if file_open is None else min(file_open, hub_open)


def _has_rows(connection: Connection, table: Table) -> bool:
    return bool(connection.scalar(select(exists().select_from(table))))


class InvoiceImport:
    def __init__(self, connection: Connection, context: RunContext) -> None:
        self._connection = connection
        self._context = context
        self.customers = CustomerCodes(connection, context)
        self.counts = Counts()
        self._per_customer: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._created: Counter[str] = Counter()  # customer code -> invoices created
        # Dates arrive as ISO text, which both databases read as a date.
        self._insert = BulkInsert(connection, invoices, INVOICE_COLUMNS,
                                  {"created_at": context.now, "updated_at": context.now},
                                  ready=("issue_date", "due_date", "disputed", "excluded"),
                                  empty_is_null=("document_ref", "description"))
        assert not self._insert.needs_processing
        self._settlements = Settlements(connection, context)
        self._credits = CreditNotes(connection, context, self._per_customer)
        # Into empty tables every number is new (the file's own duplicates are refused
        # by InvoiceRows), so a first import skips the lookups.
        self._invoices_exist = _has_rows(connection, invoices)
        self._credit_notes_exist = _has_rows(connection, credit_notes)
        self._rows = InvoiceRows(keep_cells=self._invoices_exist or self._credit_notes_exist)
        postgres = connection.dialect.name == "postgresql"
        # A first import writes from this process alone (its rows are not classified
        # against the ledger): both indexes are built at the end there too.
        deferred = POSTGRES_DEFERRED_INDEXES if postgres or not self._rows.keeps_cells \
            else DEFERRED_INDEXES
        self._indexes = DeferredIndexes.start(
            connection, invoices, context.expected_rows, deferred, foreign_keys=postgres)

    def preparer(self) -> Callable[[list[ImportRecord] | InvoiceColumns], PreparedInvoices]:
        """The work that needs no database; it may run in another process."""
        return self._rows.prepare

    def add(self, records: list[ImportRecord]) -> list[RejectedRow]:
        return self.add_prepared(self._rows.prepare(records))

    def add_prepared(self, prepared: PreparedInvoices) -> list[RejectedRow]:
        rejects = prepared.rejects
        known = self.customers.ids
        self.customers.create_missing([c for c in prepared.customers if c.code not in known])
        if prepared.columns is not None:  # a clean chunk of a first import
            self._create_columns(prepared.columns)
        rows, credits = prepared.invoices, prepared.credits
        numbers = [row[packed.NUMBER] for row in rows] + [record.number for record in credits]
        # Enough to tell new, unchanged and changed apart; changed rows are read in full.
        existing = rows_by_key(self._connection, invoices, "number", numbers, _KEY_COLUMNS) \
            if self._invoices_exist else {}
        existing_credits = rows_by_key(self._connection, credit_notes, "number", numbers) \
            if self._credit_notes_exist else {}
        if existing or existing_credits:  # never on a first import: rows without cells
            fresh, changed = self._classify(rows, existing, existing_credits, rejects)
        else:
            fresh, changed = rows, []
        self._create(fresh)
        self._update(changed)
        self._reject_credits_over_invoices(credits, existing, rejects)
        self._credits.add([r for r in credits if r.number not in existing], existing_credits,
                          self.customers.ids, rejects)
        self._settlements.flush()
        return rejects

    def _classify(self, rows: list[PackedInvoice], existing: dict[str, RowMapping],
                  existing_credits: dict[str, RowMapping], rejects: list[RejectedRow],
                  ) -> tuple[list[PackedInvoice], list[tuple[PackedInvoice, RowMapping]]]:
        """New and changed invoices; unchanged ones are counted."""
        fresh: list[PackedInvoice] = []
        changed: list[tuple[PackedInvoice, RowMapping]] = []
        ids = self.customers.ids
        for row in rows:
            number = row[packed.NUMBER]
            old = existing.get(number)
            if number in existing_credits:
                rejects.append(RejectedRow(row[packed.LINE], f"{number} is a credit note in "
                                           "the ledger, not an invoice", row[packed.CELLS]))
            elif old is None:
                fresh.append(row)
            elif (problem := self._ledger_problem(row, old, ids[row[packed.CODE]])) is not None:
                rejects.append(RejectedRow(row[packed.LINE], problem, row[packed.CELLS]))
            elif old["source_hash"] == row[packed.DIGEST]:
                self.counts.unchanged += 1
            else:
                changed.append((row, old))
        return fresh, changed

    @staticmethod
    def _reject_credits_over_invoices(credits: list[InvoiceRecord],
                                      existing: dict[str, RowMapping],
                                      rejects: list[RejectedRow]) -> None:
        rejects.extend(RejectedRow(record.line, f"{record.number} is an invoice in the ledger; "
                                   "a negative amount would turn it into a credit note",
                                   record.cells)
                       for record in credits if record.number in existing)

    @staticmethod
    def _ledger_problem(row: PackedInvoice, old: RowMapping, customer_id: int) -> str | None:
        number = row[packed.NUMBER]
        if old["customer_id"] != customer_id:
            return f"invoice {number} belongs to another customer in the ledger " \
                   f"(not {row[packed.CODE]})"
        if old["currency"] != row[packed.CURRENCY]:
            return f"invoice {number} is in {old['currency']} in the ledger, " \
                   f"not {row[packed.CURRENCY]}"
        return None

    def _create(self, fresh: list[PackedInvoice]) -> None:
        if not fresh:
            return
        ids = self.customers.ids
        for row in fresh:
            if row[packed.SETTLED]:
                settled_on = row[packed.SETTLED_ON]
                assert settled_on is not None
                self._settlements.add(Settlement(
                    row[packed.NUMBER], None, ids[row[packed.CODE]],
                    date.fromisoformat(settled_on),
                    row[packed.CURRENCY], row[packed.SETTLED]))
        self._created.update([row[packed.CODE] for row in fresh])
        stamps = self._insert.constants  # no column needs processing: rows built once
        self.counts.created += self._insert.write([(ids[row[packed.CODE]], *row[1:_WIDTH],
                                                    *stamps) for row in fresh])

    def _create_columns(self, chunk: PackedColumns) -> None:
        """_create() of a clean chunk of a first import, a column at a time."""
        ids = self.customers.ids
        for number, code, settled_on, currency, amount in chunk.settled:
            self._settlements.add(Settlement(number, None, ids[code],
                                             date.fromisoformat(settled_on), currency, amount))
        self._created.update(chunk.codes)
        self.counts.created += self._insert.write_columns(
            {"customer_id": list(map(ids.__getitem__, chunk.codes)), **chunk.values},
            chunk.same)

    def _update(self, changed: list[tuple[PackedInvoice, RowMapping]]) -> None:
        if not changed:
            return
        full = rows_by_key(self._connection, invoices, "number",
                           [row[packed.NUMBER] for row, _ in changed])
        changed = [(row, full[row[packed.NUMBER]]) for row, _ in changed]
        allocated = allocated_totals(self._connection, [old["id"] for _, old in changed])
        provided = self._context.provided
        updates: list[dict[str, Any]] = []
        updated_events: list[Event] = []
        for row, old in changed:
            number, amount = row[packed.NUMBER], row[packed.AMOUNT]
            open_minor = _open_after_update(amount, row[packed.FILE_OPEN],
                                            allocated.get(old["id"], 0))
            settled_on = row[packed.SETTLED_ON]
            if settled_on is not None and open_minor > 0:
                self._settlements.add(Settlement(number, old["id"], old["customer_id"],
                                                 date.fromisoformat(settled_on),
                                                 row[packed.CURRENCY], open_minor))
                open_minor = 0
            new: dict[str, Any] = {
                "issue_date": date.fromisoformat(row[packed.ISSUE]),
                "due_date": date.fromisoformat(row[packed.DUE]),
                "amount_minor": amount, "open_minor": open_minor,
                "status": old["status"] if old["status"] in _KEPT_STATUSES
                else status_of(amount, open_minor)}
            for name, value in (("disputed", bool(row[packed.DISPUTED])),
                                ("excluded", bool(row[packed.EXCLUDED])),
                                ("document_ref", row[packed.DOCUMENT] or None),
                                ("description", row[packed.DESCRIPTION] or None)):
                new[name] = value if name in provided else old[name]
            changes = {column: [_plain(old[column]), _plain(value)]
                       for column, value in new.items() if old[column] != value}
            updates.append({"row_id": old["id"], **new, "source_hash": row[packed.DIGEST],
                            "updated_at": self._context.now})
            code = row[packed.CODE]
            self._per_customer[code]["updated"] += 1
            updated_events.append(Event(
                occurred_at=self._context.now, actor=self._context.actor,
                kind=kinds.INVOICE_UPDATED, customer_code=code, invoice_number=number,
                summary=f"invoice {number} updated from {self._context.source_name}: "
                        + (", ".join(changes) or "no visible change"),
                data={"import_run": self._context.run_id, "changes": changes}))
        update_by_id(self._connection, invoices, updates)
        append_events(self._connection, updated_events, self.customers.ids,
                      {row[packed.NUMBER]: old["id"] for row, old in changed})
        self.counts.updated += len(updates)

    def finish(self) -> Counts:
        self._settlements.flush()
        if self._indexes is not None:
            self._indexes.restore()
        context = self._context
        # One event per customer: tens of thousands on a large first import, so plain
        # dicts and one format per event rather than Counter arithmetic.
        summaries = []
        created, others = self._created, self._per_customer
        note, source = f" from {context.source_name}", context.source_name
        for code in dict.fromkeys([*created, *others]):
            tally = {"created": created[code]} if code in created else {}
            if code in others:
                tally.update((key, count) for key, count in others[code].items() if count)
            parts = [plural(tally[key], noun) + verb for key, noun, verb in _SUMMARY_PARTS
                     if key in tally]
            summaries.append(Event(
                occurred_at=context.now, actor=context.actor, kind=kinds.INVOICES_IMPORTED,
                customer_code=code, summary=", ".join(parts) + note,
                data={"import_run": context.run_id, "source": source, **tally}))
        append_events(self._connection, summaries, self.customers.ids)
        mark_due(self._connection, [self.customers.ids[code] for code in
                                    dict.fromkeys([*created, *others])
                                    if code in self.customers.ids], context.today)
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
