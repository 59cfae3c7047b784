"""Clean chunks are read a column at a time; the result must be what the row-by-row
path gives, for clean rows and for every kind of row that sends a chunk back to it."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from typing import Any

import pytest

from hub.domain.records import InvoiceColumns
from hub.domain.records import RejectedRow
from hub.services.imports.invoice_rows import CODE
from hub.services.imports.invoice_rows import CURRENCY
from hub.services.imports.invoice_rows import INVOICE_COLUMNS
from hub.services.imports.invoice_rows import NUMBER
from hub.services.imports.invoice_rows import SETTLED
from hub.services.imports.invoice_rows import SETTLED_ON
from hub.services.imports.invoice_rows import InvoiceRows
from sync.sources.tabular import open_source

HEADER = ["invoice_number", "customer_id", "customer_name", "issue_date", "due_date",
          "currency", "amount", "open_amount", "disputed", "excluded", "document_ref",
          "description", "settled_on"]


def _clean_row(number: int, rng: random.Random) -> list[str]:
    currency = rng.choice(["EUR", "EUR", "USD", "JPY", "BHD"])
    decimals = {"JPY": 0, "BHD": 3}.get(currency, 2)
    amount = rng.randint(1, 10**7)
    text = str(amount) if decimals == 0 else f"{amount / 10**decimals:.{decimals}f}"
    open_text = rng.choice(["", text, "0" if decimals == 0 else "0." + "0" * decimals])
    day = rng.randint(1, 28)
    customer = rng.randint(1, 6)
    return [f"INV-{number}", f"C{customer}", f"Customer {customer}", f"2026-03-{day:02d}",
            f"2026-04-{day:02d}", currency, text, open_text, rng.choice(["", "no", "yes"]),
            rng.choice(["", "no"]), rng.choice(["", f"docs/{number}.pdf"]),
            rng.choice(["", "Goods", " padded "]),
            rng.choice(["", "", f"2026-05-{day:02d}"])]


# Each turns a clean row into one the columnar path must hand back to the row path
# (or, for the last few, one it reads the same way).
ODD_ROWS: list[Any] = [
    lambda row: row.__setitem__(3, "05.03.2026"),        # not ISO: the fallback parser
    lambda row: row.__setitem__(3, "2026-03-05T10:00"),  # a timestamp
    lambda row: row.__setitem__(4, "2026-02-30"),        # no such day
    lambda row: row.__setitem__(4, "2026-01-01"),        # due before issue
    lambda row: row.__setitem__(6, "1,250.00"),          # thousands separator
    lambda row: row.__setitem__(6, "12.3456"),           # too many decimals
    lambda row: row.__setitem__(6, "-50.00"),            # a credit note
    lambda row: row.__setitem__(6, "12.5"),              # fewer decimals: padded
    lambda row: row.__setitem__(6, " 100.00 "),          # spaces around
    lambda row: row.__setitem__(7, "99999999999"),       # open above the amount
    lambda row: row.__setitem__(0, ""),                  # no number
    lambda row: row.__setitem__(0, "INV-1"),             # a duplicate number
    lambda row: row.__setitem__(2, "Someone Else"),      # other customer facts
    lambda row: row.__setitem__(5, "XYZ"),               # not a currency
    lambda row: row.__setitem__(8, "maybe"),             # not yes/no
    lambda row: row.__setitem__(10, "x" * 501),          # too long
    lambda row: row.__setitem__(11, "two\nlines"),       # a line break in quotes
    lambda row: row.__setitem__(12, "2026-01-01"),       # settled before issue
    lambda row: row.append("extra"),                     # too many cells
    lambda row: row.clear(),                             # a blank line
]


def _write(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _prepared(path: Path, *, columnar: bool, size: int) -> tuple[list[Any], int]:
    """What the reader hands the importer, chunk by chunk; and how many chunks were
    read as columns."""
    rows = InvoiceRows()
    out: list[Any] = []
    as_columns = 0
    with open_source(path, "invoices") as source:
        if not columnar:
            source.mapper.columns = None
        for batch in source.batches(size):
            if isinstance(batch, InvoiceColumns):
                as_columns += 1
                refused: list[RejectedRow] = []
                prepared = rows.prepare(batch)
            else:
                refused = [item for item in batch if isinstance(item, RejectedRow)]
                prepared = rows.prepare([item for item in batch
                                         if not isinstance(item, RejectedRow)])
            out.append(([(r.line, r.reason, list(r.cells)) for r in refused],
                        [(r.line, r.reason, list(r.cells)) for r in prepared.rejects],
                        prepared.customers, prepared.invoices, prepared.credits))
    return out, as_columns


def test_a_clean_file_is_read_as_columns_with_the_same_records(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "clean.csv"
    _write(path, [_clean_row(number, rng) for number in range(1, 101)])
    with open_source(path, "invoices") as source:
        batches = list(source.batches(40))
    with open_source(path, "invoices") as source:
        one_by_one = list(source.records())
    assert [type(batch) for batch in batches] == [InvoiceColumns] * 3
    assert [record for batch in batches
            for record in batch.records()] == one_by_one  # type: ignore[union-attr]
    assert [record.line for record in one_by_one] == list(range(2, 102))


@pytest.mark.parametrize("odd", range(len(ODD_ROWS)))
def test_every_odd_row_gives_what_the_row_by_row_path_gives(tmp_path: Path, odd: int) -> None:
    columnar_chunks = 0
    for seed in range(4):
        rng = random.Random(seed)
        rows = [_clean_row(number, rng) for number in range(1, 41)]
        ODD_ROWS[odd](rows[rng.randrange(1, 40)])
        for _ in range(rng.randint(0, 2)):
            rng.choice(ODD_ROWS)(rng.choice(rows[1:]))
        path = tmp_path / f"file{seed}.csv"
        _write(path, rows)
        size = rng.choice([5, 8, 40])
        fast, as_columns = _prepared(path, columnar=True, size=size)
        slow, none = _prepared(path, columnar=False, size=size)
        assert none == 0
        assert fast == slow, f"seed {seed}"
        columnar_chunks += as_columns
    assert columnar_chunks > 0  # the comparison above is not row path against itself


def test_rows_after_a_quoted_line_break_keep_their_line_numbers(tmp_path: Path) -> None:
    rng = random.Random(3)
    rows = [_clean_row(number, rng) for number in range(1, 5)]
    rows[0][11] = "first\nsecond\nthird"
    rows[2][3] = "not a date"
    path = tmp_path / "quoted.csv"
    _write(path, rows)
    for columnar in (True, False):
        chunks, _ = _prepared(path, columnar=columnar, size=2)
        lines = [invoice[13] for chunk in chunks for invoice in chunk[3]]
        refused = [line for chunk in chunks for line, _, _ in chunk[0]]
        assert lines == [2, 5, 7]
        assert refused == [6]


@pytest.mark.parametrize("size", [3, 7, 50])
def test_a_first_import_packs_each_column_as_the_rows_would_be_packed(tmp_path: Path,
                                                                      size: int) -> None:
    """A first import (the ledger has no invoice yet) keeps a clean chunk as columns, a
    value shared by every row of the chunk said once: the same values, row for row."""
    rng = random.Random(size)
    path = tmp_path / "first.csv"
    _write(path, [_clean_row(number, rng) for number in range(1, 51)])
    first, later = InvoiceRows(keep_cells=False), InvoiceRows()
    shared = 0
    with open_source(path, "invoices") as source:
        for batch in source.batches(size):
            assert isinstance(batch, InvoiceColumns)
            columns = first.prepare(batch).columns
            rows = later.prepare(batch).invoices
            assert columns is not None
            shared += len(columns.same)
            expanded = [(code, *(columns.values[name][index] if name in columns.values
                                 else columns.same[name] for name in INVOICE_COLUMNS[1:]))
                        for index, code in enumerate(columns.codes)]
            assert expanded == [row[:len(INVOICE_COLUMNS)] for row in rows]
            assert columns.settled == [
                (row[NUMBER], row[CODE], row[SETTLED_ON], row[CURRENCY], row[SETTLED])
                for row in rows if row[SETTLED]]
    assert shared  # some chunk had a column with one value on every row
