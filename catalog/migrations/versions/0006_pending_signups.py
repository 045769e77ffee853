"""pending sign-ups: an account and its organisation wait for the e-mail address to be confirmed

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: confirmed. Every existing user and organisation stays as it was (active).
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_until', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_pending_until'), ['pending_until'], unique=False)
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_until', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_organisation_pending_until'), ['pending_until'], unique=False)
    # A mailed one-time link confirms either an offer (reminders) or a sign-up's e-mail address.
    with op.batch_alter_table('confirm_link', schema=None) as batch_op:
        batch_op.alter_column('offer_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_confirm_link_user_id_user_account'), 'user_account',
                                    ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_confirm_link_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM confirm_link WHERE offer_id IS NULL")
    with op.batch_alter_table('confirm_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confirm_link_user_id'))
        batch_op.drop_constraint(batch_op.f('fk_confirm_link_user_id_user_account'), type_='foreignkey')
        batch_op.drop_column('user_id')
        batch_op.alter_column('offer_id', existing_type=sa.Integer(), nullable=False)
    # Sign-ups still waiting would become real accounts: remove them first.
    op.execute("DELETE FROM user_account WHERE pending_until IS NOT NULL")
    op.execute("DELETE FROM organisation WHERE pending_until IS NOT NULL")
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_pending_until'))
        batch_op.drop_column('pending_until')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_pending_until'))
        batch_op.drop_column('pending_until')
