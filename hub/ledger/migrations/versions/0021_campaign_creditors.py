"""campaign_creditors: campaigns, their templates, versions and members are a creditor's own

Campaigns (0019) and creditors (0020) were built side by side; this gives the campaign
tables `creditor_id`, makes a campaign's name and slug and a template's name unique per
creditor, and on PostgreSQL puts them under row-level security like every tenant table.

Revision ID: 0021_campaign_creditors
Revises: 0020_creditors
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from hub.ledger.tables import PER_CREDITOR_UNIQUE
from hub.ledger.tables import TENANT_TABLES
from hub.ledger.tenancy_migration import add_tenant_tables
from hub.ledger.tenancy_migration import drop_tenant_tables

revision = '0021_campaign_creditors'
down_revision = '0020_creditors'
branch_labels = None
depends_on = None

# Frozen here: what this revision changed, whatever later code adds to the lists.
TABLES = ("campaign_templates", "campaigns", "campaign_versions", "campaign_members")
UNIQUE = {"campaign_templates": ("name",), "campaigns": ("name",)}
assert set(TABLES) <= set(TENANT_TABLES) and UNIQUE.items() <= PER_CREDITOR_UNIQUE.items()


def _foreign_keys_off() -> None:
    """SQLite rebuilds a table to change its unique keys; with foreign keys on, dropping the
    old campaigns table would be refused while versions and members refer to it (as 0020)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("PRAGMA foreign_keys=OFF")  # ignored inside a transaction with writes
    if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar():
        op.execute("PRAGMA defer_foreign_keys=ON")  # checked at commit, when all is back


def upgrade() -> None:
    _foreign_keys_off()
    add_tenant_tables(TABLES, UNIQUE)
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_constraint("uq_campaigns_slug", type_="unique")
        batch.create_unique_constraint("uq_campaigns_creditor_slug", ["creditor_id", "slug"])


def downgrade() -> None:
    _foreign_keys_off()
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_constraint("uq_campaigns_creditor_slug", type_="unique")
        batch.create_unique_constraint("uq_campaigns_slug", ["slug"])
    drop_tenant_tables(TABLES, UNIQUE)
