"""customers.next_evaluation_on: the day the cycle must evaluate an account next

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_evaluation_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_customers_next_evaluation_on'),
                              ['next_evaluation_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_next_evaluation_on'))
        batch_op.drop_column('next_evaluation_on')
