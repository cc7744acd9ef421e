"""official reports: unit scoring rules

Revision ID: i19_reports
Revises: i14_office
"""
from collections.abc import Sequence
from typing import Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'i19_reports'
down_revision: Union[str, None] = 'i14_office'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('scoring_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('loaded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('loaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['loaded_by_id'], ['user_account.id'],
                            name=op.f('fk_scoring_rules_loaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_rules'))
    )


def downgrade() -> None:
    op.drop_table('scoring_rules')
