from __future__ import annotations

import csv
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.readers import import_file
from hub.ledger.tables import metadata
from hub.services.imports.run import ImportResult

INVOICE_HEADER = ["invoice_number", "customer_id", "customer_name", "issue_date", "due_date",
                  "currency", "amount", "open_amount", "disputed", "excluded", "document_ref",
                  "description"]
CUSTOMER_HEADER = ["customer_id", "name", "kind", "country", "timezone", "language", "owner",
                   "department", "segment", "currency", "credit_limit", "lifetime_value",
                   "contact_name", "contact_email", "contact_phone", "excluded"]
PAYMENT_HEADER = ["reference", "received_on", "amount", "currency", "payer_name",
                  "payer_account", "remittance", "customer_id"]

Writer = Callable[..., Path]
Importer = Callable[..., ImportResult]


@pytest.fixture
def write_csv(tmp_path: Path) -> Writer:
    def write(name: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        return path
    return write


@pytest.fixture
def run(hub: Hub) -> Importer:
    def run(path: Path, kind: str = "invoices", **options: object) -> ImportResult:
        return import_file(hub.engine, path, kind, actor="tests", clock=hub.clock,
                           **options)  # type: ignore[arg-type]
    return run


def snapshot(hub: Hub) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every ledger table but the import log: what an import may change."""
    with hub.engine.connect() as connection:
        return {table.name: sorted(map(tuple, connection.execute(sa.select(table))), key=repr)
                for table in metadata.sorted_tables if table.name != "import_runs"}
