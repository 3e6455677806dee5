"""counter ratings: a rating pressed on a window's evaluator names the clerk who served and the window's
terminal (issue 16, decision 0018)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 16:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0023'
down_revision: Union[str, Sequence[str], None] = '0022'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clerk', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('terminal_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_evaluation_clerk'), ['clerk'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_clerk'))
        batch_op.drop_column('terminal_id')
        batch_op.drop_column('clerk')
