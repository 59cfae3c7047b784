"""cycle lock holder and heartbeat; channel pauses after an outage

The cycle lock records who holds it (host, pid, process start, a random token) and a
heartbeat, so a lock left by a killed cycle is taken over at once instead of after two
hours. `channel_status` counts consecutive transient failures and remembers a pause, so
an outage stops the dispatcher from retrying every message on a dead channel.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cycle_lock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('process_start', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('channel_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failures', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('paused_until', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('outage_since', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('channel_status', schema=None) as batch_op:
        batch_op.drop_column('outage_since')
        batch_op.drop_column('paused_until')
        batch_op.drop_column('failures')
    with op.batch_alter_table('cycle_lock', schema=None) as batch_op:
        batch_op.drop_column('run_id')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('process_start')
        batch_op.drop_column('pid')
        batch_op.drop_column('host')
        batch_op.drop_column('token')
