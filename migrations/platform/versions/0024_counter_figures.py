"""counter figures: proofs collected on paper and scanned at a window, and who served an application
submitted at a window and for how long (issue 16, decision 0018)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 16:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0024'
down_revision: Union[str, Sequence[str], None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('proof_upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_paper', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('served_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('served_seconds', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_application_served_by'), ['served_by'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_served_by'))
        batch_op.drop_column('served_seconds')
        batch_op.drop_column('served_by')
    with op.batch_alter_table('proof_upload', schema=None) as batch_op:
        batch_op.drop_column('on_paper')
