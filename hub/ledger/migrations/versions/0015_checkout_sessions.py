"""checkout_sessions and provider_events: paying online through Stripe Checkout

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'checkout_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checkout_key', sa.String(length=64), nullable=False),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('session_id', sa.String(length=255), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('invoices', sa.JSON(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('payment_reference', sa.String(length=128), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount_minor > 0', name=op.f('ck_checkout_sessions_positive')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_checkout_sessions_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkout_sessions')),
        sa.UniqueConstraint('checkout_key', name=op.f('uq_checkout_sessions_checkout_key')),
        sa.UniqueConstraint('session_id', name=op.f('uq_checkout_sessions_session_id')),
    )
    op.create_index(op.f('ix_checkout_sessions_customer_id'), 'checkout_sessions',
                    ['customer_id'], unique=False)
    op.create_table(
        'provider_events',
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('event_id', sa.String(length=255), nullable=False),
        sa.Column('kind', sa.String(length=100), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('provider', 'event_id', name=op.f('pk_provider_events')),
    )


def downgrade() -> None:
    op.drop_table('provider_events')
    op.drop_index(op.f('ix_checkout_sessions_customer_id'), table_name='checkout_sessions')
    op.drop_table('checkout_sessions')
