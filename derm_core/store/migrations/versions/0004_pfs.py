"""CMS Physician Fee Schedule relative value files loaded by year: ``pfs_files`` and ``pfs_rows``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pfs_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows_loaded", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "pfs_rows",
        sa.Column("file_id", sa.Integer, sa.ForeignKey("pfs_files.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("status", sa.String(1), nullable=False),
        sa.Column("global_days", sa.String(3), nullable=True),
        sa.Column("pctc", sa.String(1), nullable=True),
        sa.Column("mult_proc", sa.SmallInteger, nullable=True),
        sa.Column("bilateral", sa.SmallInteger, nullable=True),
        sa.Column("assistant", sa.SmallInteger, nullable=True),
    )
    op.create_index("ix_pfs_rows_file", "pfs_rows", ["file_id"])


def downgrade() -> None:
    op.drop_index("ix_pfs_rows_file", table_name="pfs_rows")
    op.drop_table("pfs_rows")
    op.drop_table("pfs_files")
