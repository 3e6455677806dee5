"""member invitations: when a co-applicant was last invited by SMS to authorise, and to which number
(masked; issue 24)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 06:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import anju.core.db


# revision identifiers, used by Alembic.
revision: str = '0018'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('application_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_at", anju.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('invited_phone_masked', sa.String(length=16), nullable=False, server_default='')
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('application_member', schema=None) as batch_op:
        batch_op.drop_column('invited_phone_masked')
        batch_op.drop_column('invited_at')
