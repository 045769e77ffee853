"""privacy: conversations keep what was understood, not what was written

Conversation messages lose their text (and the unused data column) and get a generated summary instead.
Conversations stored before this migration hold (redacted) message texts and words of the texts in their
state: they are deleted, with their shortlists (they would expire within the retention period anyway).

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM shortlist_item")
    op.execute("DELETE FROM conversation_message")
    op.execute("DELETE FROM conversation")
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_column('text')
        batch_op.drop_column('data')


def downgrade() -> None:
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_column('summary')
