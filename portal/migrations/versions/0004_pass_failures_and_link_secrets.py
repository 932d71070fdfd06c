"""pass failures and link secrets

The scheduler's heartbeat counts the customers whose reminders could not be
written; skip reasons become keys that pages translate.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02 10:02:33.148735

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None

#: The English sentences the pass used to store, and the keys that replace them.
REASON_KEYS = {
    'due date passed before it could be sent': 'due_date_passed',
    'no deliverable email address': 'no_email',
}


def upgrade():
    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failures', sa.Integer(), server_default='0', nullable=False))

    actions = sa.table('dunning_actions', sa.column('reason', sa.String))
    for sentence, key in REASON_KEYS.items():
        op.execute(actions.update().where(actions.c.reason == sentence).values(reason=key))


def downgrade():
    actions = sa.table('dunning_actions', sa.column('reason', sa.String))
    for sentence, key in REASON_KEYS.items():
        op.execute(actions.update().where(actions.c.reason == key).values(reason=sentence))

    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.drop_column('failures')
