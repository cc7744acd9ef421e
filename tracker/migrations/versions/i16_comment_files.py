"""comment files: several attachments per comment (issue 16, comments through the API)

Revision ID: i16_comment_files
Revises: i17_intake
"""
from collections.abc import Sequence
from typing import Union

import sqlalchemy as sa
from alembic import op

revision: str = 'i16_comment_files'
down_revision: Union[str, None] = 'i17_intake'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachment_comment_id'), ['comment_id'], unique=False)
    # the one file a comment could carry so far
    op.execute("UPDATE attachment SET comment_id = (SELECT c.id FROM task_comment c "
               "WHERE c.attachment_id = attachment.id) "
               "WHERE id IN (SELECT attachment_id FROM task_comment WHERE attachment_id IS NOT NULL)")


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_comment_id'))
        batch_op.drop_column('comment_id')
