"""agencies: 帮办代办 at a counter window — who acted for whom, on what basis, before which clerk; a
consent conveyed through an agent names the agency (issue 16, decision 0018)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 16:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import anju.core.db


# revision identifiers, used by Alembic.
revision: str = '0022'
down_revision: Union[str, Sequence[str], None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('agency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('agent_applicant_id', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('proof_id', sa.Integer(), nullable=False),
    sa.Column('clerk', sa.String(length=64), nullable=False),
    sa.Column('created_at', anju.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_applicant_id'], ['applicant.id'], name=op.f('fk_agency_agent_applicant_id_applicant')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicant.id'], name=op.f('fk_agency_applicant_id_applicant')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_agency_application_id_application')),
    sa.ForeignKeyConstraint(['proof_id'], ['proof_upload.id'], name=op.f('fk_agency_proof_id_proof_upload')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency'))
    )
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_agent_applicant_id'), ['agent_applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_application_id'), ['application_id'], unique=False)
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consent_agency_id_agency'), 'agency', ['agency_id'], ['id'])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consent_agency_id_agency'), type_='foreignkey')
        batch_op.drop_column('agency_id')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_application_id'))
        batch_op.drop_index(batch_op.f('ix_agency_applicant_id'))
        batch_op.drop_index(batch_op.f('ix_agency_agent_applicant_id'))
    op.drop_table('agency')
