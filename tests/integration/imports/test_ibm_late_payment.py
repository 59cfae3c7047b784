"""The IBM late-payment histories with their preset: 2,466 settled invoices of 100
customers, each with its payment; the dirty copy imports its clean rows and rejects
each broken one with a reason."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.tables import allocations
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from tests.integration.imports.conftest import Importer
from tests.integration.imports.conftest import snapshot

pytestmark = pytest.mark.shared_data


def _copy(shared_data: Path, tmp_path: Path, name: str) -> Path:
    """A copy, so the rejects file is written beside it and not into ../shared."""
    target = tmp_path / name
    shutil.copy(shared_data / "ar" / name, target)
    return target


def _count(hub: Hub, table: sa.Table) -> int:
    with hub.engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


@pytest.mark.parametrize("read_ahead", [False, True], ids=["in-process", "read-ahead"])
def test_the_file_gives_2466_paid_invoices_of_100_customers(
        hub: Hub, run: Importer, shared_data: Path, tmp_path: Path, read_ahead: bool) -> None:
    result = run(_copy(shared_data, tmp_path, "ibm-late-payment-histories.csv"),
                 preset="ibm-late-payment", read_ahead=read_ahead)
    assert (result.created, result.rejected) == (2466, 0)
    assert (result.details["customers_created"], result.details["settled"]) == (100, 2466)
    assert [_count(hub, t) for t in (invoices, customers, payments, allocations)] == \
        [2466, 100, 2466, 2466]
    with hub.engine.connect() as connection:
        open_total, statuses, currencies = connection.execute(sa.select(
            sa.func.sum(invoices.c.open_minor), sa.func.count(sa.distinct(invoices.c.status)),
            sa.func.count(sa.distinct(invoices.c.currency)))).one()
        amount, paid = connection.execute(sa.select(
            sa.func.sum(invoices.c.amount_minor),
            sa.select(sa.func.sum(allocations.c.amount_minor)).scalar_subquery())).one()
        settled = connection.execute(
            sa.select(allocations.c.allocated_on, payments.c.reference)
            .join(payments, payments.c.id == allocations.c.payment_id)
            .join(invoices, invoices.c.id == allocations.c.invoice_id)
            .where(invoices.c.number == "0000611365")).one()
        segments = set(connection.execute(sa.select(customers.c.segment)).scalars())
    assert (open_total, statuses, currencies) == (0, 1, 1)
    assert amount == paid == 14770318  # 147,703.18 USD, as the file sums
    assert (settled.allocated_on.isoformat(), settled.reference) == \
        ("2013-01-15", "settle-0000611365")
    assert segments == {"country-391", "country-406", "country-770", "country-818",
                        "country-897"}


def test_the_dirty_copy_imports_clean_rows_and_rejects_the_broken_ones(
        hub: Hub, run: Importer, shared_data: Path, tmp_path: Path) -> None:
    clean = run(_copy(shared_data, tmp_path, "ibm-late-payment-histories.csv"),
                preset="ibm-late-payment")
    assert clean.created == 2466
    before = snapshot(hub)
    dirty = run(_copy(shared_data, tmp_path, "ibm-late-payment-histories-dirty.csv"),
                preset="ibm-late-payment")
    # Its 2,466 good rows are the same invoices (numbers without leading zeros, 38.0 for
    # 38): nothing changes. Its 120 added rows lack PaperlessDate and PaperlessBill.
    assert (dirty.created, dirty.updated, dirty.unchanged, dirty.rejected) == (0, 0, 2466, 120)
    assert snapshot(hub) == before
    with Path(str(dirty.rejects_path)).open(encoding="utf-8-sig", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert len(rejected) == 120
    assert {row["rejected_reason"] for row in rejected} == \
        {"PaperlessBill is empty; PaperlessDate is empty"}
    assert all(row["PaperlessBill"] == "" and row["invoiceNumber"] for row in rejected)
