"""campaigns: campaign templates, campaigns with their versions, and their members

Revision ID: 0019_campaigns
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0019_campaigns'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'campaign_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.String(length=320), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_templates')),
        sa.UniqueConstraint('name', name=op.f('uq_campaign_templates_name')),
    )
    op.create_table(
        'campaigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('slug', sa.String(length=40), nullable=False),
        sa.Column('template', sa.String(length=80), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('target', sa.JSON(), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('paused_on', sa.Date(), nullable=True),
        sa.Column('paused_days', sa.Integer(), nullable=False),
        sa.Column('stopped_on', sa.Date(), nullable=True),
        sa.Column('created_by', sa.String(length=320), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state in ('running', 'paused', 'stopped')",
                           name=op.f('ck_campaigns_state')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
        sa.UniqueConstraint('name', name=op.f('uq_campaigns_name')),
        sa.UniqueConstraint('slug', name=op.f('uq_campaigns_slug')),
    )
    op.create_table(
        'campaign_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('fragment', sa.JSON(), nullable=False),
        sa.Column('actor', sa.String(length=320), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name=op.f('fk_campaign_versions_campaign_id_campaigns')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_versions')),
        sa.UniqueConstraint('campaign_id', 'version',
                            name=op.f('uq_campaign_versions_campaign_id')),
    )
    op.create_index(op.f('ix_campaign_versions_campaign_id'), 'campaign_versions',
                    ['campaign_id'], unique=False)
    op.create_table(
        'campaign_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('joined_on', sa.Date(), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('owed_minor', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name=op.f('fk_campaign_members_campaign_id_campaigns')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_campaign_members_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_members')),
        sa.UniqueConstraint('campaign_id', 'customer_id',
                            name=op.f('uq_campaign_members_campaign_id')),
    )
    op.create_index(op.f('ix_campaign_members_customer_id'), 'campaign_members',
                    ['customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_campaign_members_customer_id'), table_name='campaign_members')
    op.drop_table('campaign_members')
    op.drop_index(op.f('ix_campaign_versions_campaign_id'), table_name='campaign_versions')
    op.drop_table('campaign_versions')
    op.drop_table('campaigns')
    op.drop_table('campaign_templates')
