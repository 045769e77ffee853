"""catalogue change log: one row per catalogue version, for gap-safe index refreshes

Revision ID: 0005
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_change',
                    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('version', name=op.f('pk_catalog_change')))


def downgrade() -> None:
    op.drop_table('catalog_change')
