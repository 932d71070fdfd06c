"""customer sort names and skip reason kinds

Customers get `sort_name`, the name without case, accents or ligatures, so lists
sort as a reader expects on SQLite and PostgreSQL alike (portal/values/names.py;
the function is copied here so that this migration never changes). Skipped
reminder steps stored their reason as an English sentence; they now store a
kind that pages show in the reader's language.

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-02 10:22:46.301702

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0010'
branch_labels = None
depends_on = None

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l"})

#: The English sentences once stored, and the kinds that replace them.
_REASONS = {
    "due date passed before it could be sent": "due_date_passed",
    "no deliverable email address": "no_email",
}


def _sort_key(name):
    folded = unicodedata.normalize("NFKD", (name or "").casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(plain.translate(_LIGATURES).split())


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('sort_name', sa.String(length=200), nullable=False, server_default='')
        )
        batch_op.create_index(batch_op.f('ix_customers_sort_name'), ['sort_name'], unique=False)

    connection = op.get_bind()
    customers = sa.table('customers', sa.column('id', sa.Integer), sa.column('name', sa.String),
                         sa.column('sort_name', sa.String))
    rows = connection.execute(sa.select(customers.c.id, customers.c.name)).all()
    if rows:
        connection.execute(
            customers.update().where(customers.c.id == sa.bindparam('row_id')),
            [{'row_id': row.id, 'sort_name': _sort_key(row.name)} for row in rows],
        )

    actions = sa.table('dunning_actions', sa.column('reason', sa.String))
    for sentence, kind in _REASONS.items():
        connection.execute(actions.update().where(actions.c.reason == sentence).values(reason=kind))


def downgrade():
    actions = sa.table('dunning_actions', sa.column('reason', sa.String))
    connection = op.get_bind()
    for sentence, kind in _REASONS.items():
        connection.execute(actions.update().where(actions.c.reason == kind).values(reason=sentence))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_sort_name'))
        batch_op.drop_column('sort_name')
