"""Slack requests already handled (event ids, submitted forms): ``slack_seen``, so that retries and replays are
answered once, also after a restart.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-14
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_seen",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_slack_seen_at", "slack_seen", ["at"])


def downgrade() -> None:
    op.drop_index("ix_slack_seen_at", table_name="slack_seen")
    op.drop_table("slack_seen")
