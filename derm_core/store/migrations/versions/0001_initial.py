"""The first schema: ruleset versions and head, audit log, overrides, NCCI files and edits.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    head = op.create_table(
        "ruleset_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("number", sa.Integer, nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "number": 0}])
    op.create_table(
        "ruleset_versions",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("parent", sa.Integer, nullable=True),
        sa.Column("ruleset", sa.Text, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("claim_ref", sa.String(200), nullable=False),
        sa.Column("line", sa.Integer, nullable=True),
        sa.Column("ruleset_version", sa.String(40), nullable=True),
    )
    op.create_index("ix_overrides_rule", "overrides", ["rule"])
    op.create_table(
        "ncci_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(3), nullable=False),
        sa.Column("quarter", sa.String(6), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows_loaded", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("min_effective", sa.Date, nullable=True),
        sa.Column("max_effective", sa.Date, nullable=True),
        sa.Column("max_deletion", sa.Date, nullable=True),
        sa.Column("deleted_rows", sa.Integer, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "ncci_ptp",
        sa.Column("file_id", sa.Integer, sa.ForeignKey("ncci_files.id", ondelete="CASCADE"), nullable=False),
        sa.Column("column1", sa.String(5), nullable=False),
        sa.Column("column2", sa.String(5), nullable=False),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("deletion", sa.Date, nullable=True),
        sa.Column("modifier", sa.SmallInteger, nullable=False),
        sa.Column("rationale", sa.Text, nullable=False),
    )
    op.create_index("ix_ncci_ptp_pair", "ncci_ptp", ["file_id", "column1", "column2"])
    op.create_table(
        "ncci_mue",
        sa.Column("file_id", sa.Integer, sa.ForeignKey("ncci_files.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("mai", sa.SmallInteger, nullable=False),
        sa.Column("rationale", sa.Text, nullable=False),
    )
    op.create_index("ix_ncci_mue_code", "ncci_mue", ["file_id", "code"])


def downgrade() -> None:
    for name in ("ncci_mue", "ncci_ptp", "ncci_files", "overrides", "audit_log", "ruleset_versions", "ruleset_head"):
        op.drop_table(name)
