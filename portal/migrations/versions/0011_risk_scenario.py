"""risk scenario

Two organisation settings: a payer-risk threshold (1-100, NULL = off) and the
stricter scenario that customers at or above it follow when none was chosen on
their page. Both start empty, so nothing changes until the creditor opts in.

Revision ID: 0011
Revises: 0004
Create Date: 2026-12-02 11:41:09.558661

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_threshold', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('risk_scenario_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_organisation_risk_scenario_id_scenarios'),
            'scenarios',
            ['risk_scenario_id'],
            ['id'],
        )


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_organisation_risk_scenario_id_scenarios'), type_='foreignkey'
        )
        batch_op.drop_column('risk_scenario_id')
        batch_op.drop_column('risk_threshold')
