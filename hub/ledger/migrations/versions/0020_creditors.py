"""creditors: many creditor companies on one hub; every creditor's row carries creditor_id

The existing rows become the default creditor's (id 1), whose profile stays the one in
HUB_CREDITOR_FILE. Keys that are unique per company (customer codes, invoice numbers, ...)
become unique per creditor. On PostgreSQL every tenant table gets row-level security.

Revision ID: 0020_creditors
Revises: 0019_campaigns
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from hub.ledger.tables import PER_CREDITOR_UNIQUE
from hub.ledger.tables import TENANT_TABLES
from hub.ledger.tenancy_migration import add_tenant_tables
from hub.ledger.tenancy_migration import drop_tenant_tables

revision = '0020_creditors'
down_revision = '0019_campaigns'
branch_labels = None
depends_on = None

# Frozen here: what this revision changed, whatever later code adds to the lists.
TABLES = ("users", "customers", "contacts", "invoices", "credit_notes", "payments",
          "allocations", "events", "import_runs", "promises", "payment_plans",
          "plan_instalments", "disputes", "dispute_invoices", "tasks", "sales_holds",
          "charges", "cycle_runs", "applied_decisions", "cycle_partitions", "portal_links",
          "api_tokens", "messages", "customer_addresses", "audit_log", "sheet_books",
          "sheet_rows", "rule_versions", "checkout_sessions", "experiment_assignments",
          "model_versions")
UNIQUE = {"customers": ("code",), "invoices": ("number",), "credit_notes": ("number",),
          "payments": ("reference",), "tasks": ("key",), "sales_holds": ("decision_key",),
          "charges": ("unique_key",), "applied_decisions": ("decision_key",),
          "api_tokens": ("name",), "messages": ("idempotency_key",),
          "sheet_books": ("backend", "book")}
assert set(TABLES) <= set(TENANT_TABLES) and UNIQUE.items() <= PER_CREDITOR_UNIQUE.items()


def _foreign_keys_off() -> None:
    """SQLite rebuilds a table to change its unique keys; with foreign keys on, dropping
    the old copy would delete (ON DELETE CASCADE) or refuse the rows that refer to it."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("PRAGMA foreign_keys=OFF")  # ignored inside a transaction with writes
    if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar():
        op.execute("PRAGMA defer_foreign_keys=ON")
        filled = [name for name in ("customers", "invoices", "sheet_books")
                  if op.get_bind().exec_driver_sql(f"SELECT 1 FROM {name} LIMIT 1").first()]
        if filled:
            raise RuntimeError("the creditors migration must start its own transaction on "
                               "SQLite: run `python app.py db upgrade` on its own")


def upgrade() -> None:
    creditors = op.create_table(
        'creditors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('profile', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_creditors')),
        sa.UniqueConstraint('code', name=op.f('uq_creditors_code')),
    )
    op.create_table(
        'creditor_grants',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('creditor_id', sa.Integer(), nullable=False),
        sa.Column('granted_by', sa.String(length=320), nullable=False),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], ondelete='CASCADE',
                                name=op.f('fk_creditor_grants_creditor_id_creditors')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_creditor_grants_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', 'creditor_id', name=op.f('pk_creditor_grants')),
    )
    _foreign_keys_off()
    add_tenant_tables(TABLES, UNIQUE)
    op.bulk_insert(creditors, [{"id": 1, "code": "default", "name": "Default creditor",
                                "profile": None, "created_at": datetime.now(UTC)}])


def downgrade() -> None:
    _foreign_keys_off()
    drop_tenant_tables(TABLES, UNIQUE)
    op.drop_table('creditor_grants')
    op.drop_table('creditors')
