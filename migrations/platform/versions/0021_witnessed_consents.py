"""witnessed consents: a consent given in person at a counter window names the clerk who witnessed it
(issue 16, decision 0018)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 16:05:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0021'
down_revision: Union[str, Sequence[str], None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('witnessed_by', sa.String(length=128), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_column('witnessed_by')
