"""channels: one notification model for every channel (web inbox, Telegram, e-mail, Zalo)

Adds Notification.channel/.text/.read_at (the outbox of every channel), the user's
e-mail address and switched-off channels, the Zalo link tables; the daily message's
time defaults to REMINDER_TIME ('' in digest_time; users still on the old 07:30
default move to it).

Revision ID: i15_channels
Revises: 0001
"""
from collections.abc import Sequence
from typing import Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'i15_channels'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='telegram'))
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_notification_inbox', ['recipient_id', 'channel', 'read_at'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
        batch_op.add_column(sa.Column('channels_off', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
    op.execute("UPDATE user_account SET digest_time = '' WHERE digest_time = '07:30'")
    op.create_table(
        'zalo_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('linked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('deactivated_reason', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_zalo_link_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_link')),
        sa.UniqueConstraint('user_id', name=op.f('uq_zalo_link_user_id')),
    )
    with op.batch_alter_table('zalo_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zalo_link_chat_id'), ['chat_id'], unique=False)
    op.create_table(
        'zalo_link_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_zalo_link_code_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_zalo_link_code')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_zalo_link_code_code_hash')),
    )
    with op.batch_alter_table('zalo_link_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zalo_link_code_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('zalo_link_code')
    op.drop_table('zalo_link')
    op.execute("UPDATE user_account SET digest_time = '07:30' WHERE digest_time = ''")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('channels_off')
        batch_op.drop_column('email')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_inbox')
        batch_op.drop_column('read_at')
        batch_op.drop_column('text')
        batch_op.drop_column('channel')
