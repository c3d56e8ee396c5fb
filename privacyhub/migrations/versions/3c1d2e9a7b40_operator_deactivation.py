"""operator deactivation

Revision ID: 3c1d2e9a7b40
Revises: b48f0f911e68
Create Date: 2026-11-24 09:12:00.000000

"""
from alembic import op
import sqlalchemy as sa

import privacyhub.models.types


# revision identifiers, used by Alembic.
revision = '3c1d2e9a7b40'
down_revision = 'b48f0f911e68'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', privacyhub.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
