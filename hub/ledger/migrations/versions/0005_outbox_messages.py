"""outbox messages, channel status, customer postal addresses

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=300), nullable=False),
    sa.Column('customer_code', sa.String(length=64), nullable=True),
    sa.Column('recipient_kind', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=True),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=True),
    sa.Column('skipped_channels', sa.JSON(), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('decision_key', sa.String(length=300), nullable=True),
    sa.Column('batch', sa.String(length=40), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state in ('queued', 'claimed', 'sending', 'sent', 'failed', 'uncertain', 'held', 'skipped')", name=op.f('ck_messages_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_messages_idempotency_key'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_customer_code'), ['customer_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_decision_key'), ['decision_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_batch'), ['batch'], unique=False)
        batch_op.create_index('ix_messages_state_next', ['state', 'next_attempt_at'], unique=False)

    op.create_table('channel_status',
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_channel_status'))
    )
    op.create_table('customer_addresses',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('attention', sa.String(length=200), nullable=True),
    sa.Column('lines', sa.Text(), nullable=False),
    sa.Column('postcode', sa.String(length=20), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_addresses_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_addresses'))
    )


def downgrade() -> None:
    op.drop_table('customer_addresses')
    op.drop_table('channel_status')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_state_next')
        batch_op.drop_index(batch_op.f('ix_messages_batch'))
        batch_op.drop_index(batch_op.f('ix_messages_decision_key'))
        batch_op.drop_index(batch_op.f('ix_messages_customer_code'))
    op.drop_table('messages')
