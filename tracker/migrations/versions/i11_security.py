"""security round 2 (issue 11): session generation, TOTP, token expiry and scope, login failures

Revision ID: i11_security
Revises: i19_reports
Create Date: 2026-12-03 17:25:00

Tokens that exist before this migration get scope "write" and an expiry 90 days from the
upgrade, so they keep working until then (outside checks hold such tokens).
"""
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'i11_security'
down_revision: Union[str, None] = 'i19_reports'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('totp_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_recovery_hashes', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=8), server_default='write',
                                      nullable=False))
    expiry = datetime.now(UTC) + timedelta(days=90)
    tokens = sa.table('api_token', sa.column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=expiry))
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_key_at', ['key', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_key_at')
    op.drop_table('login_failure')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('scope')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_recovery_hashes')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('session_generation')
