"""Big files are streamed, never read whole; rejects go beside the source."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from hub.domain.records import InvoiceRecord
from hub.domain.records import RejectedRow
from sync.sources import rejects as rejects_module
from sync.sources.rejects import CsvRejects
from sync.sources.tabular import open_source

HEADER = "invoice_number,customer_id,issue_date,due_date,currency,amount\n"


def _big_file(path: Path, megabytes: int) -> int:
    row = "INV-{:09d},C000001,2026-01-05,2026-02-04,EUR,1250.00\n"
    rows = megabytes * 1024 * 1024 // len(row.format(0))
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for start in range(0, rows, 10_000):
            handle.write("".join(row.format(i) for i in range(start, min(rows, start + 10_000))))
    return rows


def test_a_large_file_is_read_in_chunks_not_at_once(tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    rows = _big_file(path, 48)
    assert path.stat().st_size > 48 * 1024 * 1024 - 1024
    tracemalloc.start()
    try:
        with open_source(path, "invoices") as source:  # hashes and checks the whole file
            assert source.estimated_rows == rows
            records = source.records()
            first = [next(records) for _ in range(1000)]
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(first[-1], InvoiceRecord)
    assert first[-1].number == "INV-000000999"
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a 48 MB file"


def test_rejects_are_written_only_when_committed(tmp_path: Path) -> None:
    source = tmp_path / "open items.csv"
    sink = CsvRejects(source, ["invoice_number", "amount"])
    sink.add(RejectedRow(3, "amount: 'x' is not an amount", ["INV-1", "x"]))
    sink.add(RejectedRow(9, "invoice_number is empty", ["", "12.00"]))
    assert not sink.path.exists()
    assert sink.commit() == str(tmp_path / "open items.rejects.csv")
    assert sink.path.read_text(encoding="utf-8-sig").splitlines() == [
        "rejected_line,rejected_reason,invoice_number,amount",
        "3,amount: 'x' is not an amount,INV-1,x",
        "9,invoice_number is empty,,12.00",
    ]
    assert os.listdir(tmp_path) == ["open items.rejects.csv"], "no temporary file left"


def test_a_discarded_import_leaves_no_rejects_and_a_clean_one_removes_stale_rejects(
        tmp_path: Path) -> None:
    source = tmp_path / "invoices.csv"
    failed = CsvRejects(source, ["a"])
    failed.add(RejectedRow(2, "bad", ["x"]))
    failed.discard()
    assert os.listdir(tmp_path) == []
    stale = tmp_path / "invoices.rejects.csv"
    stale.write_text("from an earlier run", encoding="utf-8")
    assert CsvRejects(source, ["a"]).commit() is None
    assert not stale.exists()


def test_rejects_go_to_the_fallback_folder_when_the_source_folder_is_read_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root a read-only folder is still writable, so ask os.access the way it would answer.
    monkeypatch.setattr(rejects_module.os, "access", lambda path, mode: False)
    sink = CsvRejects(tmp_path / "shared" / "x.csv", ["a"], fallback_dir=tmp_path / "var")
    sink.add(RejectedRow(2, "bad", ["x"]))
    assert sink.commit() == str(tmp_path / "var" / "x.rejects.csv")
