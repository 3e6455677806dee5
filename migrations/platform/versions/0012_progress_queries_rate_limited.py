"""anonymous progress queries counted by the shared rate limiter

The progress_query table kept each client address in plain text; the limits now live in rate_event,
where keys are stored only as keyed hashes. Rows were only ever read for the last hour's counts, so
nothing of value is lost by dropping them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 13:11:03.221287

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.drop_table('progress_query')


def downgrade() -> None:
    """Downgrade schema."""
    op.create_table('progress_query',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number_key', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('matched', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_query'))
    )
    with op.batch_alter_table('progress_query', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_query_number_key'), ['number_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_query_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_query_address'), ['address'], unique=False)
