"""The Slack bot's remaining state, so that any number of bot replicas can share one store: rules workbooks waiting
for Publish or Cancel (``slack_pending``) and settings made in Slack, such as the denials digest channel
(``slack_settings``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_pending",
        sa.Column("token", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_slack_pending_created_at", "slack_pending", ["created_at"])
    op.create_table(
        "slack_settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slack_settings")
    op.drop_index("ix_slack_pending_created_at", table_name="slack_pending")
    op.drop_table("slack_pending")
