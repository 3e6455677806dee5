"""clerks: accounts of the clerks at 政务服务中心 windows who serve walk-ins (the counter channel; issue 16,
decision 0018)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 14:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import anju.core.db


# revision identifiers, used by Alembic.
revision: str = '0019'
down_revision: Union[str, Sequence[str], None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('clerk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('centre', sa.String(length=100), nullable=False),
    sa.Column('window', sa.String(length=32), nullable=False),
    sa.Column('created_at', anju.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', anju.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', anju.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clerk')),
    sa.UniqueConstraint('username', name=op.f('uq_clerk_username'))
    )
    with op.batch_alter_table('clerk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clerk_division_code'), ['division_code'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('clerk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clerk_division_code'))
    op.drop_table('clerk')
