"""shared sheets: books and per-row sync state

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sheet_books',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('backend', sa.String(length=20), nullable=False),
    sa.Column('book', sa.String(length=200), nullable=False),
    sa.Column('remote_id', sa.String(length=500), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sheet_books')),
    sa.UniqueConstraint('backend', 'book', name='uq_sheet_books_backend_book')
    )
    op.create_table('sheet_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=320), nullable=False),
    sa.Column('editable', sa.JSON(), nullable=False),
    sa.Column('computed', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['book_id'], ['sheet_books.id'],
                            name=op.f('fk_sheet_rows_book_id_sheet_books'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sheet_rows')),
    sa.UniqueConstraint('book_id', 'customer_code', name='uq_sheet_rows_book_customer')
    )


def downgrade() -> None:
    op.drop_table('sheet_rows')
    op.drop_table('sheet_books')
