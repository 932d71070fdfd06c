"""customer timezone, formal notices by post

A customer may live in another timezone (the sending window follows it); the
organisation chooses Alsace-Moselle holidays and how formal notices go out;
formal notice letters to post, and the date each was posted, are recorded.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:56:28.280155

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('letter_path', sa.String(length=200), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=True),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.Column('tracking_number', sa.String(length=40), nullable=False),
    sa.Column('posted_recorded_by', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_notice_letters_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_letters'))
    )
    with op.batch_alter_table('notice_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_letters_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='', nullable=False))

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alsace_moselle_holidays', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('formal_notice_channel', sa.String(length=10), server_default='email', nullable=False))



def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('formal_notice_channel')
        batch_op.drop_column('alsace_moselle_holidays')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    with op.batch_alter_table('notice_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_letters_customer_id'))

    op.drop_table('notice_letters')
