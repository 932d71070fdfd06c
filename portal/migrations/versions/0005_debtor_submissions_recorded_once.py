"""debtor submissions recorded once

Revision ID: 0005
Revises: 0007
Create Date: 2026-12-02 09:55:48.206168

A debtor's form sent twice is recorded once: the submission keys, and unique
indexes for one open dispute per invoice line, one open plan per invoice and
one pending promise per customer and set of invoices. Rows that already break
these rules (recorded twice before this release) stay as they are, but only the
first of each keeps the index's attention.
"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('debtor_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['access_links.id'], name=op.f('fk_debtor_submissions_link_id_access_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debtor_submissions')),
    sa.UniqueConstraint('link_id', 'key', name='uq_debtor_submissions_link_key')
    )

    with op.batch_alter_table('dispute_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_open', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('plan_invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_open', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_key', sa.String(length=400), server_default='', nullable=False))

    _backfill()

    with op.batch_alter_table('dispute_lines', schema=None) as batch_op:
        batch_op.create_index('uq_dispute_lines_open_line', ['invoice_line_id'], unique=True, sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
    with op.batch_alter_table('plan_invoices', schema=None) as batch_op:
        batch_op.create_index('uq_plan_invoices_open_invoice', ['invoice_id'], unique=True, sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.create_index('uq_promises_pending_invoices', ['customer_id', 'invoice_key'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def _backfill():
    """Copy each status where the new indexes see it; a duplicate keeps its own key."""
    bind = op.get_bind()
    disputes = sa.table('disputes', sa.column('id'), sa.column('status'))
    lines = sa.table('dispute_lines', sa.column('id'), sa.column('dispute_id'), sa.column('invoice_line_id'), sa.column('is_open', sa.Boolean))
    plans = sa.table('instalment_plans', sa.column('id'), sa.column('status'))
    held = sa.table('plan_invoices', sa.column('id'), sa.column('plan_id'), sa.column('invoice_id'), sa.column('is_open', sa.Boolean))
    promises = sa.table('promises', sa.column('id'), sa.column('customer_id'), sa.column('invoice_ids', sa.JSON), sa.column('status'), sa.column('invoice_key'))

    open_lines = bind.execute(
        sa.select(lines.c.id, lines.c.invoice_line_id).join(disputes, disputes.c.id == lines.c.dispute_id)
        .where(disputes.c.status == 'open').order_by(lines.c.id)
    ).all()
    _keep_first_open(bind, lines, {line_id for line_id, _ in _firsts(open_lines)})

    open_held = bind.execute(
        sa.select(held.c.id, held.c.invoice_id).join(plans, plans.c.id == held.c.plan_id)
        .where(plans.c.status.in_(['proposed', 'active'])).order_by(held.c.id)
    ).all()
    _keep_first_open(bind, held, {row_id for row_id, _ in _firsts(open_held)})

    seen = set()
    rows = bind.execute(sa.select(promises.c.id, promises.c.customer_id, promises.c.invoice_ids, promises.c.status).order_by(promises.c.id)).all()
    for promise_id, customer_id, invoice_ids, status in rows:
        key = ','.join(str(i) for i in sorted({int(i) for i in invoice_ids or []}))
        if status == 'pending':
            if (customer_id, key) in seen:
                key = f'{key}#{promise_id}'
            seen.add((customer_id, key))
        bind.execute(sa.update(promises).where(promises.c.id == promise_id).values(invoice_key=key))


def _firsts(rows):
    """(row id, key) of the first row for each key."""
    seen, firsts = set(), []
    for row_id, key in rows:
        if key not in seen:
            seen.add(key)
            firsts.append((row_id, key))
    return firsts


def _keep_first_open(bind, table, open_ids):
    bind.execute(sa.update(table).values(is_open=False))
    for row_id in open_ids:
        bind.execute(sa.update(table).where(table.c.id == row_id).values(is_open=True))


def downgrade():
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.drop_index('uq_promises_pending_invoices', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_column('invoice_key')

    with op.batch_alter_table('plan_invoices', schema=None) as batch_op:
        batch_op.drop_index('uq_plan_invoices_open_invoice', sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
        batch_op.drop_column('is_open')

    with op.batch_alter_table('dispute_lines', schema=None) as batch_op:
        batch_op.drop_index('uq_dispute_lines_open_line', sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
        batch_op.drop_column('is_open')

    op.drop_table('debtor_submissions')
