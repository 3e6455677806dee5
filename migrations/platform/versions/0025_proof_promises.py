"""容缺受理: a proof promised at a counter window within the city's limit; an agency's scanned basis may be
erased with the application's content (issue 16, decision 0018)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 19:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import anju.core.db


# revision identifiers, used by Alembic.
revision: str = '0025'
down_revision: Union[str, Sequence[str], None] = '0024'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'proof_promise',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('result_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('limit', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=16), nullable=False),
        sa.Column('clerk', sa.String(length=64), nullable=False),
        sa.Column('promised_at', anju.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
        sa.ForeignKeyConstraint(['member_id'], ['application_member.id'], ),
        sa.ForeignKeyConstraint(['result_id'], ['backfill_result.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('proof_promise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proof_promise_application_id'), ['application_id'], unique=False)
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.alter_column('proof_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.alter_column('proof_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('proof_promise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proof_promise_application_id'))
    op.drop_table('proof_promise')
