"""catalogue truth: organisation standing, reviewed element counts, confirm links, outbox, referral
outcomes and match statistics for the coverage map

Revision ID: 0004
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standing', sa.String(length=20), nullable=False, server_default='active'))
        batch_op.add_column(sa.Column('standing_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_elements_count', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE offer SET reviewed_elements_count = (SELECT count(*) FROM element_assessment e "
               "WHERE e.offer_id = offer.id AND e.reviewed_at IS NOT NULL "
               "AND coalesce(e.reviewed_level, e.level) >= 2)")

    op.create_table('confirm_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_confirm_link_offer_id_offer'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirm_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_confirm_link_token_hash'))
    )
    with op.batch_alter_table('confirm_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confirm_link_offer_id'), ['offer_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_created_at'), ['created_at'], unique=False)

    op.create_table('referral_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('municipality', sa.String(length=60), nullable=True),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('concepts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_referral_outcome_offer_id_offer'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_outcome'))
    )
    with op.batch_alter_table('referral_outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_outcome_offer_id'), ['offer_id'], unique=False)

    op.create_table('match_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality', sa.String(length=60), nullable=True),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_event'))
    )
    with op.batch_alter_table('match_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_event_municipality'), ['municipality'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_event_week'), ['week'], unique=False)

    op.create_table('match_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('concept', sa.String(length=60), nullable=False),
    sa.Column('eligible', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['match_event.id'], name=op.f('fk_match_need_event_id_match_event'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_need'))
    )
    with op.batch_alter_table('match_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_need_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_need_concept'), ['concept'], unique=False)


def downgrade() -> None:
    op.drop_table('match_need')
    op.drop_table('match_event')
    op.drop_table('referral_outcome')
    op.drop_table('outbox_message')
    op.drop_table('confirm_link')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_column('reviewed_elements_count')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('standing_reason')
        batch_op.drop_column('standing')
