"""pass failures and link secrets

The scheduler's heartbeat counts the customers whose reminders could not be
written; skip reasons become keys that pages translate. Debtor links sent by
email are computed at delivery from a nonce, so the outbox points at the link
instead of holding it, and the emails already sent lose the links they held.

Revision ID: 0004
Revises: 0009
Create Date: 2026-12-02 10:02:33.148735

"""
import re

from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0009'
branch_labels = None
depends_on = None

#: The English sentences the pass used to store, and the keys that replace them.
REASON_KEYS = {
    'due date passed before it could be sent': 'due_date_passed',
    'no deliverable email address': 'no_email',
}
#: A live debtor link in a message body (services.links.redact, frozen here).
LIVE_TOKEN = re.compile(r'/p/[A-Za-z0-9_-]{20,100}')


def upgrade():
    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failures', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('access_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nonce', sa.String(length=32), nullable=True))
        batch_op.alter_column('token_hash',
               existing_type=sa.VARCHAR(length=64),
               nullable=True)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_link_id_access_links'), 'access_links', ['link_id'], ['id'], ondelete='SET NULL')

    actions = sa.table('dunning_actions', sa.column('reason', sa.String))
    for sentence, key in REASON_KEYS.items():
        op.execute(actions.update().where(actions.c.reason == sentence).values(reason=key))
    _redact_sent_messages()


def _redact_sent_messages():
    """Emails that have gone keep no link that opens an account; queued ones still need theirs."""
    messages = sa.table(
        'outbox_messages',
        sa.column('id', sa.Integer),
        sa.column('status', sa.String),
        sa.column('text_body', sa.Text),
        sa.column('html_body', sa.Text),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(messages.c.id, messages.c.text_body, messages.c.html_body).where(
            messages.c.status != 'queued',
            sa.or_(messages.c.text_body.like('%/p/%'), messages.c.html_body.like('%/p/%')),
        )
    ).all()
    for message_id, text_body, html_body in rows:
        connection.execute(
            messages.update()
            .where(messages.c.id == message_id)
            .values(
                text_body=LIVE_TOKEN.sub('/p/[redacted]', text_body or ''),
                html_body=LIVE_TOKEN.sub('/p/[redacted]', html_body or ''),
            )
        )


def downgrade():
    actions = sa.table('dunning_actions', sa.column('reason', sa.String))
    for sentence, key in REASON_KEYS.items():
        op.execute(actions.update().where(actions.c.reason == key).values(reason=sentence))

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_link_id_access_links'), type_='foreignkey')
        batch_op.drop_column('link_id')

    # Links whose email has not gone yet have no hash: the old schema cannot hold them.
    links = sa.table('access_links', sa.column('token_hash', sa.String))
    op.execute(links.delete().where(links.c.token_hash.is_(None)))
    with op.batch_alter_table('access_links', schema=None) as batch_op:
        batch_op.alter_column('token_hash',
               existing_type=sa.VARCHAR(length=64),
               nullable=False)
        batch_op.drop_column('nonce')

    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.drop_column('failures')
