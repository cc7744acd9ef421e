"""speed: search indexes (pg_trgm on PostgreSQL, FTS5 trigram on SQLite)

Revision ID: i18_speed
Revises: i15_channels
"""
from collections.abc import Sequence
from typing import Union

from alembic import op

from tracker.search_index import create_statements
from tracker.search_index import drop_statements

revision: str = 'i18_speed'
down_revision: Union[str, None] = 'i15_channels'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    for statement in create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
