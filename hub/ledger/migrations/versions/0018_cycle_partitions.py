"""cycle_partitions: a cycle's accounts split over queue workers, each part's state

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'cycle_partitions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('part', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('first_id', sa.Integer(), nullable=True),
        sa.Column('last_id', sa.Integer(), nullable=True),
        sa.Column('codes', sa.JSON(), nullable=True),
        sa.Column('accounts', sa.Integer(), nullable=False),
        sa.Column('enforcement', sa.Boolean(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('worker', sa.String(length=200), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('timings', sa.JSON(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['cycle_runs.id'], ondelete='CASCADE',
                                name=op.f('fk_cycle_partitions_run_id_cycle_runs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_partitions')),
        sa.UniqueConstraint('run_id', 'part', name='uq_cycle_partitions_run_part'),
    )


def downgrade() -> None:
    op.drop_table('cycle_partitions')
