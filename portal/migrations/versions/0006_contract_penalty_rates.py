"""Contract late-payment rates: the organisation's terms, overridable per customer.

The basis of the penalty rate (statutory ECB + 10 points, the contract's ECB +
margin, or the contract's fixed rate) decides whether the 3 × legal rate floor
applies (L441-10 sets it only against a contract rate). An organisation that had
changed the default margin had written a contract margin: it keeps it as
`ecb_margin`; the others get the statutory rate.

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-02 09:54:28.000069

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None


def _basis():
    return sa.Enum(
        'statutory', 'ecb_margin', 'fixed',
        name='penaltyratebasis', native_enum=False, create_constraint=False, length=20,
    )


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('penalty_rate_basis', _basis(), nullable=True))
        batch_op.add_column(sa.Column('penalty_margin_bp', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('penalty_fixed_rate_bp', sa.Integer(), nullable=True))

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('penalty_rate_basis', _basis(), nullable=False, server_default='statutory')
        )
        batch_op.add_column(sa.Column('penalty_fixed_rate_bp', sa.Integer(), nullable=True))

    op.execute(
        "UPDATE organisation SET penalty_rate_basis = 'ecb_margin' WHERE penalty_margin_bp <> 1000"
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.alter_column('penalty_rate_basis', server_default=None)


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('penalty_fixed_rate_bp')
        batch_op.drop_column('penalty_rate_basis')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('penalty_fixed_rate_bp')
        batch_op.drop_column('penalty_margin_bp')
        batch_op.drop_column('penalty_rate_basis')
