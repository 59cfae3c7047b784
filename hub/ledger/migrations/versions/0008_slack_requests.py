"""slack requests seen (replay protection for the Slack button endpoint)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slack_requests',
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('signature', name=op.f('pk_slack_requests'))
    )
    with op.batch_alter_table('slack_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_requests_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('slack_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_requests_received_at'))
    op.drop_table('slack_requests')
