"""experiment_assignments: the variant each account was dealt in a rule-file experiment

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'experiment_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('experiment', sa.String(length=40), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('variant', sa.String(length=40), nullable=False),
        sa.Column('assigned_on', sa.Date(), nullable=False),
        sa.Column('ladder', sa.String(length=100), nullable=True),
        sa.Column('step', sa.String(length=100), nullable=True),
        sa.Column('decision_key', sa.String(length=300), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('owed_minor', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_experiment_assignments_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment_assignments')),
        sa.UniqueConstraint('experiment', 'customer_id',
                            name=op.f('uq_experiment_assignments_experiment')),
    )
    op.create_index(op.f('ix_experiment_assignments_customer_id'), 'experiment_assignments',
                    ['customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_experiment_assignments_customer_id'),
                  table_name='experiment_assignments')
    op.drop_table('experiment_assignments')
