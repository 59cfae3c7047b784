"""model_versions: trained payment-prediction models, with their data window and metrics

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'model_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('data_from', sa.Date(), nullable=False),
        sa.Column('data_to', sa.Date(), nullable=False),
        sa.Column('cut_date', sa.Date(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('metrics', sa.JSON(), nullable=False),
        sa.Column('actor', sa.String(length=320), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('library', sa.String(length=64), nullable=False),
        sa.Column('model', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_model_versions')),
    )
    op.create_index('ix_model_versions_kind_status', 'model_versions', ['kind', 'status'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_model_versions_kind_status', table_name='model_versions')
    op.drop_table('model_versions')
