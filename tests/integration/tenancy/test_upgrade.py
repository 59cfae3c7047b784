"""Upgrading a single company's ledger to creditors (migrations 0020 and 0021): every row is kept
and becomes the default creditor's, on SQLite (whose tables are rebuilt to change their
unique keys) and PostgreSQL."""

from __future__ import annotations

import os
import re

import sqlalchemy as sa

from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ledger.tables import metadata

ROWS = [
    "INSERT INTO customers (id, code, name, kind, timezone, language, excluded, on_hold, "
    "created_at, updated_at) VALUES (1, 'ACME', 'Acme', 'B2B', 'UTC', 'en', false, false, "
    "'2026-11-01 00:00:00', '2026-11-01 00:00:00')",
    "INSERT INTO contacts (id, customer_id, name, is_primary, whatsapp_opt_in) "
    "VALUES (1, 1, 'Pia', true, false)",
    "INSERT INTO invoices (id, number, customer_id, issue_date, due_date, currency, "
    "amount_minor, open_minor, status, disputed, excluded, created_at, updated_at) VALUES "
    "(1, 'A-1', 1, '2026-10-01', '2026-11-01', 'EUR', 1000, 600, 'partial', false, false, "
    "'2026-11-01 00:00:00', '2026-11-01 00:00:00')",
    "INSERT INTO payments (id, reference, customer_id, received_on, currency, amount_minor, "
    "unallocated_minor, status, created_at, updated_at) VALUES (1, 'PAY-1', 1, "
    "'2026-11-02', 'EUR', 400, 0, 'allocated', '2026-11-02 00:00:00', '2026-11-02 00:00:00')",
    "INSERT INTO allocations (id, payment_id, invoice_id, currency, amount_minor, method, "
    "allocated_on, actor, created_at) VALUES (1, 1, 1, 'EUR', 400, 'manual', '2026-11-02', "
    "'test', '2026-11-02 00:00:00')",
    "INSERT INTO sheet_books (id, backend, book, calls, rows) VALUES (1, 'xlsx', 'sales', 0, 1)",
    "INSERT INTO sheet_rows (id, book_id, customer_code, owner, editable, computed, "
    "updated_at) VALUES (1, 1, 'ACME', 'ann@example.com', '{}', '{}', '2026-11-02 00:00:00')",
    # campaigns (0019) are made a creditor's own by 0021, their tables rebuilt on SQLite
    "INSERT INTO campaign_templates (id, name, settings, created_by, created_at) VALUES "
    "(1, 'Mine', '{}', 'ann@example.com', '2026-11-02 00:00:00')",
    "INSERT INTO campaigns (id, name, slug, template, state, target, started_on, paused_days, "
    "created_by, created_at, updated_at) VALUES (1, 'Spring', 'spring', 'standard', "
    "'running', '{}', '2026-11-02', 0, 'ann@example.com', '2026-11-02 00:00:00', "
    "'2026-11-02 00:00:00')",
    "INSERT INTO campaign_versions (id, campaign_id, version, settings, fragment, actor, "
    "created_at) VALUES (1, 1, 1, '{}', '{}', 'ann@example.com', '2026-11-02 00:00:00')",
    "INSERT INTO campaign_members (id, campaign_id, customer_id, joined_on, currency, "
    "owed_minor) VALUES (1, 1, 1, '2026-11-02', 'EUR', 600)",
]


def _run(database_url: str, *statements: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as c:
            for statement in statements:
                c.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _fresh(database_url: str) -> tuple[sa.Engine, str | None]:
    """An empty database beside the fixture's (which is at head already)."""
    if database_url.startswith("sqlite"):
        os.remove(database_url.removeprefix("sqlite:///"))
        return make_engine(database_url), None
    schema = f"hub_upgrade_{os.getpid()}"
    _run(database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    return make_engine(re.sub(r"search_path%3D[^&]+", f"search_path%3D{schema}",
                              database_url)), schema


def test_a_filled_single_company_ledger_upgrades_with_every_row_kept(database_url: str
                                                                     ) -> None:
    engine, schema = _fresh(database_url)
    try:
        upgrade(engine, "0019_campaigns")  # the last before creditors
        with engine.begin() as c:
            for statement in ROWS:
                c.exec_driver_sql(statement)
        engine.dispose()
        upgrade(engine)
        with engine.connect() as c:
            for name in ("customers", "contacts", "invoices", "payments", "allocations",
                         "sheet_books", "sheet_rows", "campaign_templates", "campaigns",
                         "campaign_versions", "campaign_members"):
                table = metadata.tables[name]
                assert c.execute(sa.select(table.c.creditor_id)).scalars().all() == [1], name
            codes = c.exec_driver_sql("SELECT code FROM creditors").scalars().all()
            assert codes == ["default"]
    finally:
        engine.dispose()
        if schema is not None:
            _run(database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")
