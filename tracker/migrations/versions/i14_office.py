"""office: withdraw/replace directives, granted extension dates, forced password change

Revision ID: i14_office
Revises: i18_speed
"""
from collections.abc import Sequence
from typing import Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'i14_office'
down_revision: Union[str, None] = 'i18_speed'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('directive', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_directive_replaced_by_id_directive', 'directive', ['replaced_by_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted_date', sa.Date(), nullable=True))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.drop_column('granted_date')
    with op.batch_alter_table('directive', schema=None) as batch_op:
        batch_op.drop_constraint('fk_directive_replaced_by_id_directive', type_='foreignkey')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('withdrawn_at')
