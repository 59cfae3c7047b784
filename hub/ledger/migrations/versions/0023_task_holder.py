"""task_holder: each task names whose worklist it is on (`holder`), indexed for the worklist

`holder` is the task's assignee, else its account's owner. A person's worklist reads the
tasks they hold through (holder, state, due_date) instead of every open task due in the
company and each unassigned one's account (issue 16). Existing rows are filled in here, for
every creditor.

Revision ID: 0023_task_holder
Revises: 0022_handover
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023_task_holder'
down_revision = '0022_handover'
branch_labels = None
depends_on = None

# One statement on both databases: a correlated subquery, as SQLite has no UPDATE ... FROM
# before 3.33.
BACKFILL = ("UPDATE tasks SET holder = COALESCE(assignee, (SELECT customers.owner "
            "FROM customers WHERE customers.id = tasks.customer_id))")


def upgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('holder', sa.String(length=320), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # tasks and customers are under row-level security: every creditor's rows, for this
        # transaction only, whatever engine runs the migration (hub.ledger.tenancy)
        op.execute("SELECT set_config('hub.creditor_id', 'all', true)")
    op.execute(BACKFILL)
    op.create_index('ix_tasks_holder_state_due', 'tasks', ['holder', 'state', 'due_date'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_tasks_holder_state_due', table_name='tasks')
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('holder')
