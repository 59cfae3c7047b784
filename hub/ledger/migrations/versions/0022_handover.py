"""handover: accounts handed over to hard collection, their case files and status history

Revision ID: 0022_handover
Revises: 0021_campaign_creditors
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.ledger.tables import TENANT_TABLES
from hub.ledger.tenancy_migration import add_tenant_tables

revision = '0022_handover'
down_revision = '0021_campaign_creditors'
branch_labels = None
depends_on = None

# Frozen here: what this revision added, whatever later code adds to the lists.
TABLES = ("handovers", "handover_files", "handover_history")
assert set(TABLES) <= set(TENANT_TABLES)


def upgrade() -> None:
    op.create_table(
        'handovers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('approval_required', sa.Boolean(), nullable=False),
        sa.Column('requested_on', sa.Date(), nullable=False),
        sa.Column('requested_by', sa.String(length=320), nullable=False),
        sa.Column('decision_key', sa.String(length=300), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('owed', sa.JSON(), nullable=False),
        sa.Column('decided_by', sa.String(length=320), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decline_reason', sa.Text(), nullable=True),
        sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('status_by', sa.String(length=320), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status in ('awaiting_approval', 'declined', 'new', 'in_progress', "
                           "'arrangement', 'paid', 'closed', 'returned')",
                           name=op.f('ck_handovers_status')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_handovers_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handovers')),
    )
    op.create_index(op.f('ix_handovers_customer_id'), 'handovers', ['customer_id'],
                    unique=False)
    op.create_index(op.f('ix_handovers_decision_key'), 'handovers', ['decision_key'],
                    unique=False)
    op.create_table(
        'handover_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('handover_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['handover_id'], ['handovers.id'],
                                name=op.f('fk_handover_files_handover_id_handovers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_files')),
        sa.UniqueConstraint('handover_id', 'kind', name=op.f('uq_handover_files_handover_id')),
    )
    op.create_table(
        'handover_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('handover_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=320), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['handover_id'], ['handovers.id'],
                                name=op.f('fk_handover_history_handover_id_handovers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_history')),
    )
    op.create_index(op.f('ix_handover_history_handover_id'), 'handover_history',
                    ['handover_id'], unique=False)
    add_tenant_tables(TABLES)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TABLES:
            op.execute(f"DROP POLICY IF EXISTS creditor_isolation ON {name}")
    op.drop_index(op.f('ix_handover_history_handover_id'), table_name='handover_history')
    op.drop_table('handover_history')
    op.drop_table('handover_files')
    op.drop_index(op.f('ix_handovers_decision_key'), table_name='handovers')
    op.drop_index(op.f('ix_handovers_customer_id'), table_name='handovers')
    op.drop_table('handovers')
