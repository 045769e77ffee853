"""hardening: session versions and lockout on users, an audit log

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        # Bumped by logout and password change: every session cookie carrying an older number stops working.
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
        batch.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry') as batch:
        batch.create_index(batch.f('ix_audit_entry_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entry') as batch:
        batch.drop_index(batch.f('ix_audit_entry_at'))
    op.drop_table('audit_entry')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('locked_until')
        batch.drop_column('failed_logins')
        batch.drop_column('session_version')
