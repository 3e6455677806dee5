"""terminal kinds: a registered terminal is a self-service kiosk or a counter window's card reader and
camera (the counter channel; issue 16, decisions 0018 and 0022)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 16:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0020'
down_revision: Union[str, Sequence[str], None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: every terminal registered so far is a kiosk."""
    with op.batch_alter_table('kiosk_terminal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='kiosk', nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('kiosk_terminal', schema=None) as batch_op:
        batch_op.drop_column('kind')
