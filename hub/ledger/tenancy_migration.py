"""Migration steps that make tables a creditor's own: the `creditor_id` column, keys unique
per creditor, and PostgreSQL's row-level security. Migrations call these, so a later
migration that adds tables with a creditor's data does the same in one line:

    add_tenant_tables(["campaigns", "campaign_steps"], unique={"campaigns": ("name",)})
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

POLICY = "creditor_isolation"
# The rows of the creditor named by the transaction's hub.creditor_id (hub.ledger.tenancy
# sets it before every transaction's first statement); 'all' only for the platform-wide
# look-ups (sign-in, a link's hash); unset or empty: nothing.
_VISIBLE = ("creditor_id = NULLIF(NULLIF(current_setting('hub.creditor_id', true), ''), "
            "'all')::integer OR current_setting('hub.creditor_id', true) = 'all'")


def add_tenant_tables(names: Sequence[str],
                      unique: Mapping[str, Sequence[str]] | None = None) -> None:
    """Give each table `creditor_id` (every existing row: the default creditor 1; no index
    of its own, see hub/ledger/tables.py), make
    `unique`'s keys unique per creditor (replacing the single-column constraint
    uq_<table>_<first column>), and on PostgreSQL enable and force row-level security."""
    unique = unique or {}
    for name in names:
        columns = unique.get(name)
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("creditor_id", sa.Integer(), nullable=False,
                                       server_default="1"))
            if columns:
                batch.drop_constraint(f"uq_{name}_{'_'.join(columns)}"
                                      if len(columns) > 1 else f"uq_{name}_{columns[0]}",
                                      type_="unique")
                batch.create_unique_constraint(f"uq_{name}_creditor_{columns[0]}",
                                               ["creditor_id", *columns])
        enable_row_security(name)


def enable_row_security(name: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {POLICY} ON {name} USING ({_VISIBLE})")


def drop_tenant_tables(names: Sequence[str],
                       unique: Mapping[str, Sequence[str]] | None = None) -> None:
    """The reverse of `add_tenant_tables` (fails when two creditors share a key)."""
    unique = unique or {}
    for name in names:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {name}")
            op.execute(f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY")
        columns = unique.get(name)
        with op.batch_alter_table(name) as batch:
            if columns:
                batch.drop_constraint(f"uq_{name}_creditor_{columns[0]}", type_="unique")
                batch.create_unique_constraint(
                    f"uq_{name}_{'_'.join(columns)}" if len(columns) > 1
                    else f"uq_{name}_{columns[0]}", list(columns))
            batch.drop_column("creditor_id")
