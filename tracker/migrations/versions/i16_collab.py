"""collab: officer in charge, delegation, for-information units, comments, follows (issue 16)

Revision ID: i16_collab
Revises: i11_security
"""
from collections.abc import Sequence
from typing import Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'i16_collab'
down_revision: Union[str, None] = 'i11_security'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_may_assign', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_task_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_task_assignee_id_user_account'), 'user_account',
                                    ['assignee_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_task_parent_id_task'), 'task', ['parent_id'], ['id'])

    op.create_table('task_info_unit',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_info_unit_task_id_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_task_info_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('task_id', 'unit_id', name=op.f('pk_task_info_unit'))
    )
    with op.batch_alter_table('task_info_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_info_unit_unit_id'), ['unit_id'], unique=False)

    op.create_table('task_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('directing', sa.Boolean(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_comment_task_id_task')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_task_comment_author_id_user_account')),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'],
                            name=op.f('fk_task_comment_attachment_id_attachment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_comment'))
    )
    with op.batch_alter_table('task_comment', schema=None) as batch_op:
        batch_op.create_index('ix_task_comment_task_created', ['task_id', 'created_at'], unique=False)

    op.create_table('task_follow',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_follow_task_id_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_task_follow_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'user_id', name=op.f('pk_task_follow'))
    )
    with op.batch_alter_table('task_follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_follow_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task_follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_follow_user_id'))
    op.drop_table('task_follow')
    with op.batch_alter_table('task_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_task_comment_task_created')
    op.drop_table('task_comment')
    with op.batch_alter_table('task_info_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_info_unit_unit_id'))
    op.drop_table('task_info_unit')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_task_parent_id_task'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_task_assignee_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_task_parent_id'))
        batch_op.drop_index(batch_op.f('ix_task_assignee_id'))
        batch_op.drop_column('parent_id')
        batch_op.drop_column('assignee_id')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('staff_may_assign')
