"""The store's tables (SQLAlchemy Core). Changes to them go through a new Alembic migration in ``migrations/``."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, SmallInteger, String, Table, Text

metadata = MetaData()

# One row (id 1): the number of the current version. Publishers lock it, so versions stay consecutive.
ruleset_head = Table(
    "ruleset_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("number", Integer, nullable=False),
)

# Immutable versions: the whole ruleset as JSON and the diff against the version before.
ruleset_versions = Table(
    "ruleset_versions",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("parent", Integer, nullable=True),
    Column("ruleset", Text, nullable=False),
    Column("diff", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(50), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("detail", Text, nullable=False),
)

overrides = Table(
    "overrides",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("rule", String(20), nullable=False),
    Column("claim_ref", String(200), nullable=False),
    Column("line", Integer, nullable=True),
    Column("ruleset_version", String(40), nullable=True),
    Index("ix_overrides_rule", "rule"),
    Index("ix_overrides_claim_ref", "claim_ref"),
)

ncci_files = Table(
    "ncci_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(3), nullable=False),  # ptp or mue
    Column("quarter", String(6), nullable=False),  # e.g. 2026Q1
    Column("name", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("min_effective", Date, nullable=True),
    Column("max_effective", Date, nullable=True),
    Column("max_deletion", Date, nullable=True),
    Column("deleted_rows", Integer, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("loaded_by", String(200), nullable=False),
)

ncci_ptp = Table(
    "ncci_ptp",
    metadata,
    Column("file_id", Integer, ForeignKey("ncci_files.id", ondelete="CASCADE"), nullable=False),
    Column("column1", String(5), nullable=False),
    Column("column2", String(5), nullable=False),
    Column("effective", Date, nullable=False),
    Column("deletion", Date, nullable=True),
    Column("modifier", SmallInteger, nullable=False),
    Column("rationale", Text, nullable=False),
    Index("ix_ncci_ptp_pair", "file_id", "column1", "column2"),
)

ncci_mue = Table(
    "ncci_mue",
    metadata,
    Column("file_id", Integer, ForeignKey("ncci_files.id", ondelete="CASCADE"), nullable=False),
    Column("code", String(5), nullable=False),
    Column("value", Integer, nullable=False),
    Column("mai", SmallInteger, nullable=False),
    Column("rationale", Text, nullable=False),
    Index("ix_ncci_mue_code", "file_id", "code"),
)

# Slack requests already handled (event ids, submitted forms), so that a retried or replayed request is answered
# once, also after a restart. Old keys are pruned: Slack retries within minutes and refuses stale signatures.
slack_seen = Table(
    "slack_seen",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_slack_seen_at", "at"),
)

# CMS Physician Fee Schedule relative value files an admin loaded (``derm data load``): per year, the indicators of
# each code. A newer file for a year (CMS revises the year's file each quarter) replaces the older one.
pfs_files = Table(
    "pfs_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("name", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("loaded_by", String(200), nullable=False),
)

pfs_rows = Table(
    "pfs_rows",
    metadata,
    Column("file_id", Integer, ForeignKey("pfs_files.id", ondelete="CASCADE"), nullable=False),
    Column("code", String(5), nullable=False),
    Column("status", String(1), nullable=False),
    Column("global_days", String(3), nullable=True),
    Column("pctc", String(1), nullable=True),
    Column("mult_proc", SmallInteger, nullable=True),
    Column("bilateral", SmallInteger, nullable=True),
    Column("assistant", SmallInteger, nullable=True),
    Index("ix_pfs_rows_file", "file_id"),
)

# Rules workbooks uploaded in Slack, waiting for Publish or Cancel: the upload as JSON (its tables, the version its
# diff is against, where the review was posted). Whichever bot replica gets the click takes it (``taken_at``: the
# row stays until it expires, so that the review's ts can still be recorded); old ones expire.
slack_pending = Table(
    "slack_pending",
    metadata,
    Column("token", String(40), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=True),
    Index("ix_slack_pending_created_at", "created_at"),
)

# Settings made in Slack (the denials digest channel): a JSON value per key, who set it and when.
slack_settings = Table(
    "slack_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)
