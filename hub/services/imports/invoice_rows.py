"""The part of an invoice import that needs no database: checks across the rows of
the file, digests, minor units, and rows packed ready for an INSERT.

It is kept apart from InvoiceImport so that on a large file it can run in a
reader process while the importer writes (see import_pipeline): its results are
plain tuples of str, int and bool, which cross a pipe many times faster than
records do. On a small file it runs in-process; the rows come out the same.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from itertools import repeat
from typing import Any
from typing import Final
from typing import cast

from hub.domain.model import InvoiceStatus
from hub.domain.records import ImportRecord
from hub.domain.records import InvoiceColumns
from hub.domain.records import InvoiceRecord
from hub.domain.records import RejectedRow
from hub.services.imports.context import minor_scale as _scale
from hub.services.imports.customer_codes import NewCustomer

# A packed invoice: plain values only (dates as ISO text), so that a chunk of them
# crosses a pipe with marshal. They are in the form the SQLite driver binds fastest:
# flags as 0/1 and a missing text as '' (see hub.ledger.bulk._null_marker). Items 0-12
# are the values of INVOICE_COLUMNS, with the customer's code where the ledger stores
# its id; the rest say where the row came from and what an update or a settlement needs.
PackedInvoice = tuple[
    str, str, str, str, str, int, int, str, int, int, str, str, str,
    int, Sequence[object], int | None, str | None, int]
INVOICE_COLUMNS = ("customer_id", "number", "issue_date", "due_date", "currency",
                   "amount_minor", "open_minor", "status", "disputed", "excluded",
                   "document_ref", "description", "source_hash")
# Positions in a PackedInvoice (Final, so that mypy knows each item's type).
CODE: Final = 0
NUMBER: Final = 1
ISSUE: Final = 2
DUE: Final = 3
CURRENCY: Final = 4
AMOUNT: Final = 5
OPEN: Final = 6
STATUS: Final = 7
DISPUTED: Final = 8
EXCLUDED: Final = 9
DOCUMENT: Final = 10
DESCRIPTION: Final = 11
DIGEST: Final = 12
LINE: Final = 13
CELLS: Final = 14
FILE_OPEN: Final = 15
SETTLED_ON: Final = 16
SETTLED: Final = 17

_PAID, _PARTLY, _OPEN = (InvoiceStatus.PAID.value, InvoiceStatus.PARTIALLY_PAID.value,
                         InvoiceStatus.OPEN.value)


def status_of(amount_minor: int, open_minor: int) -> str:
    if open_minor <= 0:
        return _PAID
    return _PARTLY if open_minor < amount_minor else _OPEN


def pack(record: InvoiceRecord, keep_cells: bool = True) -> PackedInvoice:
    """An invoice (a positive amount) as it would be created. A `settled_on` date with
    money still open makes it paid: SETTLED is the amount a settlement must cover.
    CELLS, the row as read, is only needed if the ledger may refuse the row."""
    currency = record.currency
    scale = _scale(currency)
    amount = int(record.amount.scaleb(scale))
    open_amount = record.open_amount
    file_open = None if open_amount is None else int(open_amount.scaleb(scale))
    open_minor = amount if file_open is None else file_open
    settled_on = record.settled_on
    settled = 0
    if settled_on is not None and open_minor > 0:
        settled, open_minor = open_minor, 0
    return (record.customer_code, record.number, record.issue_date.isoformat(),
            record.due_date.isoformat(), currency, amount, open_minor,
            status_of(amount, open_minor), 1 if record.disputed else 0,
            1 if record.excluded else 0, record.document_ref or "", record.description or "",
            record.digest(),
            record.line, record.cells if keep_cells else (), file_open,
            None if settled_on is None else settled_on.isoformat(), settled)


def pack_columns(batch: InvoiceColumns, keep_cells: bool = True) -> list[PackedInvoice]:
    """pack() of every row of a clean chunk (no credit notes), with the loops in C."""
    values = _packed_values(batch)
    return list(zip(
        batch.customer_code, *(values[name] for name in INVOICE_COLUMNS[1:]), batch.line,
        batch.cells if keep_cells else repeat(()), values["file_open"],
        values["settled_on"], values["settled"],
        strict=False))  # repeat() never ends


@dataclass(slots=True)
class PackedColumns:
    """A clean chunk of a first import (the ledger can refuse none of its rows), packed a
    column at a time: what pack_columns() gives, without building a tuple per row, for
    an INSERT of whole columns (BulkInsert.write_columns). `codes` are the customers'
    codes (the importer knows their ids), `values` the other INVOICE_COLUMNS; a column
    with the same value on every row of the chunk is in `same` instead. `settled`: the
    few rows a settlement must pay, as (number, code, settled_on, currency, amount)."""

    codes: list[str]
    values: dict[str, list[Any]]
    same: dict[str, Any]
    settled: list[tuple[str, str, str, str, int]]

    def __len__(self) -> int:
        return len(self.codes)


def pack_first(batch: InvoiceColumns) -> PackedColumns:
    """pack_columns() for a first import, left as columns (see PackedColumns)."""
    values = _packed_values(batch)
    settled = values["settled"]
    paid = [(number, code, day, currency, amount) for number, code, day, currency, amount
            in zip(batch.number, batch.customer_code, values["settled_on"], batch.currency,
                   settled, strict=True) if amount] if any(settled) else []
    columns: dict[str, list[Any]] = {}
    same: dict[str, Any] = {}
    for name in INVOICE_COLUMNS[1:]:
        column = values[name]
        # One value on every row (flags, texts the file does not give): said once.
        if column and type(first := column[0]) in (int, str) \
                and column.count(first) == len(column) and len(set(map(type, column))) == 1:
            same[name] = first
        else:
            columns[name] = column
    return PackedColumns(batch.customer_code, columns, same, paid)


def _packed_values(batch: InvoiceColumns) -> dict[str, list[Any]]:
    """The packed items of every row of a clean chunk, a list per item (the names of
    INVOICE_COLUMNS, and file_open, settled_on, settled), with the loops in C."""
    scales = list(map(_scale, batch.currency))
    amounts = list(map(int, map(Decimal.scaleb, batch.amount, scales)))
    if None in batch.open_amount:
        file_open: list[int | None] = [
            None if value is None else int(value.scaleb(scale))
            for value, scale in zip(batch.open_amount, scales, strict=True)]
        open_minor = [amount if value is None else value
                      for amount, value in zip(amounts, file_open, strict=True)]
    else:  # every row gives its open amount (the loops in C)
        given = cast(list[Decimal], batch.open_amount)
        open_minor = list(map(int, map(Decimal.scaleb, given, scales)))
        file_open = [*open_minor]
    settled = [0] * len(amounts)
    if any(day is not None for day in batch.settled_on):
        for index, day in enumerate(batch.settled_on):
            if day is not None and open_minor[index] > 0:
                settled[index], open_minor[index] = open_minor[index], 0
    flag = {None: 0, False: 0, True: 1}
    return {
        "number": batch.number, "issue_date": list(_isoformat(batch.issue_date)),
        "due_date": list(_isoformat(batch.due_date)), "currency": batch.currency,
        "amount_minor": amounts, "open_minor": open_minor,
        "status": list(map(status_of, amounts, open_minor)),
        "disputed": list(map(flag.__getitem__, batch.disputed)),
        "excluded": list(map(flag.__getitem__, batch.excluded)),
        "document_ref": _text(batch.document_ref), "description": _text(batch.description),
        "source_hash": batch.digests(), "file_open": file_open,
        "settled_on": [None if day is None else day.isoformat() for day in batch.settled_on],
        "settled": settled}


def _isoformat(days: list[date]) -> Iterator[str]:
    """Each date as ISO text, written once per distinct day (a year has 365)."""
    text = {day: day.isoformat() for day in set(days)}
    return map(text.__getitem__, days)


def _text(values: list[str | None]) -> list[str]:
    """'' for a missing text (see PackedInvoice)."""
    return [""] * len(values) if not any(values) else [text or "" for text in values]


@dataclass
class PreparedInvoices:
    """One chunk of a file, checked: what the importer writes."""

    rejects: list[RejectedRow] = field(default_factory=list)
    customers: list[NewCustomer] = field(default_factory=list)  # first named in this chunk
    invoices: list[PackedInvoice] = field(default_factory=list)
    credits: list[InvoiceRecord] = field(default_factory=list)  # few: kept as records
    columns: PackedColumns | None = None  # a clean chunk of a first import (not in invoices)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with the invoices in marshal's format: for plain tuples it writes and
        reads twice as fast as pickle (it keeps no memo). XLSX cells can hold datetimes,
        which marshal refuses; those chunks are pickled as they are."""
        try:
            invoices: bytes | list[PackedInvoice] = marshal.dumps(self.invoices)
        except ValueError:
            invoices = self.invoices
        columns = None if self.columns is None else marshal.dumps((
            self.columns.codes, self.columns.values, self.columns.same, self.columns.settled))
        return _unpack_chunk, (self.rejects, self.customers, invoices, self.credits, columns)


def _unpack_chunk(rejects: list[RejectedRow], customers: list[NewCustomer],
                  invoices: bytes | list[PackedInvoice], credits: list[InvoiceRecord],
                  columns: bytes | None = None) -> PreparedInvoices:
    rows: list[PackedInvoice] = marshal.loads(invoices) if isinstance(invoices, bytes) \
        else invoices  # noqa: S302 - written by our own reader process
    packed = None if columns is None else PackedColumns(*marshal.loads(columns))  # noqa: S302
    return PreparedInvoices(rejects, customers, rows, credits, packed)


class InvoiceRows:
    """Checks that need the whole file (state is kept from chunk to chunk)."""

    def __init__(self, *, keep_cells: bool = True) -> None:
        """`keep_cells=False`: the ledger can refuse none of the rows (its invoice and
        credit-note tables are empty), so packed rows leave out the cells a rejects file
        would need: a third of what crosses the pipe."""
        self._seen: dict[str, int] = {}  # number -> line, to refuse duplicates in the file
        self._customer_facts: dict[str, tuple[int, tuple[str | None, ...]]] = {}
        self._keep_cells = keep_cells

    @property
    def keeps_cells(self) -> bool:
        """False on a first import: the ledger can refuse none of the rows."""
        return self._keep_cells

    def prepare(self, records: list[ImportRecord] | InvoiceColumns) -> PreparedInvoices:
        if isinstance(records, InvoiceColumns):
            return self._prepare_columns(records)
        prepared = PreparedInvoices()
        seen, facts_of, invoices = self._seen, self._customer_facts, prepared.invoices
        keep_cells = self._keep_cells
        for record in cast(list[InvoiceRecord], records):
            line = record.line
            known = facts_of.get(record.customer_code)
            # Nearly every row: a new number, of a customer seen before with the same facts.
            if seen.setdefault(record.number, line) != line or known is None or known[1] != (
                    record.customer_name, record.customer_country, record.customer_segment):
                problem = self._file_problem(record, prepared.customers)
                if problem:
                    prepared.rejects.append(RejectedRow(line, problem, record.cells))
                    continue
            if record.amount < 0:
                prepared.credits.append(record)
            else:
                invoices.append(pack(record, keep_cells))
        return prepared

    def _prepare_columns(self, batch: InvoiceColumns) -> PreparedInvoices:
        """prepare() of a clean chunk, a column at a time. A chunk with a duplicate
        number or a customer whose facts differ from an earlier row's is prepared row by
        row instead, which words the problem; nothing is remembered before that check."""
        numbers, codes, lines = batch.number, batch.customer_code, batch.line
        seen, facts_of = self._seen, self._customer_facts
        if len(set(numbers)) != len(numbers) or not seen.keys().isdisjoint(numbers):
            return self.prepare(batch.records())
        named = batch.customer_name, batch.customer_country, batch.customer_segment
        facts = list(zip(*named, strict=True))
        chunk_facts = dict(zip(codes, facts, strict=True))  # in order of first appearance
        # Rows that name no customer facts contradict none (the usual open-items file).
        if any(map(any, named)) and (len(set(zip(codes, facts, strict=True))) != len(
                chunk_facts) or any((known := facts_of.get(code)) is not None
                                    and known[1] != fact for code, fact in chunk_facts.items())):
            return self.prepare(batch.records())
        seen.update(zip(numbers, lines, strict=True))
        first_line = dict(zip(reversed(codes), reversed(lines), strict=True))
        prepared = PreparedInvoices()
        for code, fact in chunk_facts.items():
            if code not in facts_of:
                facts_of[code] = (first_line[code], fact)
                prepared.customers.append(NewCustomer(code, *fact))
        if self._keep_cells:
            prepared.invoices = pack_columns(batch)
        else:  # a first import: every row is inserted as it is, a column at a time
            prepared.columns = pack_first(batch)
        return prepared

    def _file_problem(self, record: InvoiceRecord, first_named: list[NewCustomer]) -> str | None:
        """Duplicates in the file, and customer facts that contradict an earlier row."""
        first = self._seen.setdefault(record.number, record.line)
        if first != record.line:
            return f"invoice number {record.number} appears twice in the file (first on line " \
                   f"{first}); this row is ignored"
        facts = (record.customer_name, record.customer_country, record.customer_segment)
        known = self._customer_facts.get(record.customer_code)
        if known is None:
            self._customer_facts[record.customer_code] = (record.line, facts)
            first_named.append(NewCustomer(record.customer_code, *facts))
            return None
        line, earlier = known
        if facts == earlier:  # nearly always: checked at C speed
            return None
        for label, now, before in zip(("name", "country", "segment"), facts, earlier,
                                      strict=True):
            if now is not None and before is not None and now != before:
                return (f"customer {record.customer_code} has {label} {now!r} here but "
                        f"{before!r} on line {line}")
        return None
