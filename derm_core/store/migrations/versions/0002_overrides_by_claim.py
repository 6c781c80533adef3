"""Overrides looked up by claim: an index on ``overrides.claim_ref`` (a re-check shows a claim's overrides).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_overrides_claim_ref", "overrides", ["claim_ref"])


def downgrade() -> None:
    op.drop_index("ix_overrides_claim_ref", table_name="overrides")
