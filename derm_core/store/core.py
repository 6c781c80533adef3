"""``RulesStore``: one interface over SQLite and PostgreSQL (SQLAlchemy 2, Alembic migrations in ``migrations/``).

Versions are immutable and consecutive. Publishing validates the candidate (pydantic models, references, every
rule's own cases), then, in one transaction, locks the head row, writes the new version with its diff, moves the
head and writes the audit entry. A refused candidate changes no version; two publishers at the same moment get
two consecutive versions, or, when both started from the same version (``base``), one of them a ``Conflict``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..admin import Change, Problem, Rejected, RowNumbers, _default_rows, diff, drastic, validate_candidate
from ..ncci import with_ncci
from ..ruleset import Ruleset, default_ruleset
from .schema import (
    audit_log,
    ncci_files,
    overrides,
    pfs_files,
    ruleset_head,
    ruleset_versions,
    slack_pending,
    slack_seen,
    slack_settings,
)

HEAD_REVISION = "0005"  # the newest migration in migrations/versions; a test keeps them in step


class Conflict(Exception):
    """Someone published since the version the candidate was made from."""

    def __init__(self, base: int, head: int):
        super().__init__(
            f"version {head} is current, but this change was made from version {base}; export the rules again and redo the change"
        )
        self.base, self.head = base, head


class Unconfirmed(Exception):
    """The candidate turns off many rules or empties a table (``admin.drastic``) and was not confirmed."""

    def __init__(self, warnings: list[str], changes: list[Change]):
        super().__init__("not published without a confirmation: this change " + "; ".join(warnings))
        self.warnings, self.changes = warnings, changes


@dataclass(frozen=True)
class Version:
    number: int
    created_at: datetime
    author: str
    reason: str
    parent: int | None
    sha256: str
    diff_json: str = field(repr=False)
    ruleset_json: str | None = field(default=None, repr=False)

    @cached_property
    def ruleset(self) -> Ruleset:
        if self.ruleset_json is None:
            raise ValueError("this listing was read without the rulesets; use RulesStore.get()")
        return Ruleset.model_validate_json(self.ruleset_json)

    @property
    def changes(self) -> list[Change]:
        return [Change.from_dict(d) for d in json.loads(self.diff_json)]

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.number,
            "time": self.created_at.isoformat(timespec="seconds"),
            "author": self.author,
            "reason": self.reason,
            "changes": len(json.loads(self.diff_json)),
        }


@dataclass(frozen=True)
class Published:
    changes: list[Change]
    version: Version | None  # the new version; None for a dry run or when nothing changed
    base: Version | None  # the version the changes are against
    warnings: list[str] = field(default_factory=list)  # admin.drastic: shown loudly, confirmed before publishing


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    allowed: bool
    detail: dict[str, Any]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers go on while a publisher writes
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Writers take the write lock at once, so two publishers queue instead of failing half-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("derm_write") else "BEGIN")

    return engine


class RulesStore:
    """The rules store at a SQLAlchemy URL (see ``derm_core.store.open_store``)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = _engine(url)
        self.dialect = self.engine.dialect.name
        self._versions: dict[int, Version] = {}
        self._seen_inserts = 0
        self.migrate()

    def __repr__(self) -> str:
        return f"RulesStore({self.engine.url.render_as_string(hide_password=True)})"

    def close(self) -> None:
        self.engine.dispose()

    # --- plumbing --------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction (SQLite: BEGIN IMMEDIATE)."""
        with self.engine.connect() as conn:
            conn.execution_options(derm_write=True)
            with conn.begin():
                yield conn

    def migrate(self) -> None:
        """Bring the schema to the newest migration (cheap when it is already there)."""
        try:
            with self.engine.connect() as conn:
                if conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION:
                    return
        except SQLAlchemyError:
            pass
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
        with self.writing() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(720601)"))  # two first starts at once
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def _lock_head(self, conn: Connection) -> int:
        q = select(ruleset_head.c.number).where(ruleset_head.c.id == 1)
        if self.dialect == "postgresql":
            q = q.with_for_update()
        return int(conn.execute(q).scalar_one())

    # --- reading ---------------------------------------------------------------------------------

    def head(self) -> int:
        """The current version's number (0 before the first)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(ruleset_head.c.number).where(ruleset_head.c.id == 1)).scalar_one())

    def token(self) -> tuple[int, int, int]:
        """A cheap fingerprint of what checks depend on: the current version, the newest NCCI and fee-schedule files."""
        newest = select(func.max(ncci_files.c.id)).scalar_subquery()
        newest_pfs = select(func.max(pfs_files.c.id)).scalar_subquery()
        with self.engine.connect() as conn:
            q = select(ruleset_head.c.number, newest, newest_pfs).where(ruleset_head.c.id == 1)
            number, files, pfs = conn.execute(q).one()
        return int(number), int(files or 0), int(pfs or 0)

    def get(self, number: int) -> Version:
        """One version, with its ruleset. KeyError when there is no such version."""
        hit = self._versions.get(number)
        if hit is None:
            with self.engine.connect() as conn:
                row = conn.execute(select(ruleset_versions).where(ruleset_versions.c.number == number)).mappings().first()
            if row is None:
                raise KeyError(f"no version {number}")
            hit = self._versions[number] = self._version(row)
        return hit

    @staticmethod
    def _version(row: Any, with_ruleset: bool = True) -> Version:
        return Version(
            number=row["number"],
            created_at=_utc(row["created_at"]),
            author=row["author"],
            reason=row["reason"],
            parent=row["parent"],
            sha256=row["sha256"],
            diff_json=row["diff"],
            ruleset_json=row["ruleset"] if with_ruleset else None,
        )

    def current(self) -> Version:
        """The current version (the shipped ruleset becomes version 1 of a new store)."""
        number = self.head()
        if number == 0:
            shipped = default_ruleset()
            with suppress(Conflict):  # another process created version 1 at the same moment
                self.publish(shipped, author="derm", reason=f"Shipped ruleset {shipped.version}", base=0, run_cases=False)
            number = self.head()
        return self.get(number)

    def ruleset(self) -> Ruleset:
        """The current ruleset, with the loaded NCCI data and fee-schedule indicators attached for the rules."""
        from ..pfs import with_pfs
        from .ncci_db import StoreNcci
        from .pfs_db import open_tables

        return with_pfs(with_ncci(self.current().ruleset, StoreNcci.open(self)), open_tables(self))

    def history(self, limit: int | None = None) -> list[Version]:
        """Versions, newest first (without their rulesets)."""
        cols = [c for c in ruleset_versions.c if c.name != "ruleset"]
        q = select(*cols).order_by(ruleset_versions.c.number.desc())
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [self._version(r, with_ruleset=False) for r in conn.execute(q).mappings()]

    # --- publishing ------------------------------------------------------------------------------

    def publish(
        self,
        candidate: Ruleset | dict[str, Any],
        *,
        author: str,
        reason: str,
        base: int | None = None,
        dry_run: bool = False,
        rows: RowNumbers = _default_rows,
        run_cases: bool = True,
        action: str = "publish",
        confirm: bool = False,
    ) -> Published:
        """Validate ``candidate`` and make it the new current version.

        ``base``: the version the candidate was made from; when another version was published since, the
        publish is refused with ``Conflict`` (None: publish on top of whatever is current). Raises ``Rejected``
        with every problem when the candidate is invalid; nothing changes then. A candidate that turns off many
        rules or empties a table (``admin.drastic``) is published only with ``confirm``; otherwise ``Unconfirmed``
        (audited as refused). The audit entry of a confirmed one carries the warnings.
        """
        author, reason = author.strip(), reason.strip()
        raw = candidate.model_dump(mode="json") if isinstance(candidate, Ruleset) else dict(candidate)
        try:
            if not author or not reason:
                raise Rejected([Problem("Publish", None, None, "an author and a reason are required")])
            new = validate_candidate(raw, rows, run_cases=run_cases)
        except Rejected as e:
            self.audit(author or "?", action, {"reason": reason, "refused": [str(p) for p in e.problems[:100]]}, allowed=False)
            raise
        head = self.head()
        if base is not None and head != base:
            self.audit(author, action, {"reason": reason, "conflict": f"made from {base}, current {head}"}, allowed=False)
            raise Conflict(base, head)
        before = self.get(head) if head else None
        changes = diff(before.ruleset if before else _empty(), new)
        warnings = drastic(before.ruleset, new) if before else []
        if dry_run or not changes:
            return Published(changes, None, before, warnings)
        try:
            with self.writing() as conn:
                locked = self._lock_head(conn)
                if base is not None and locked != base:
                    raise Conflict(base, locked)
                if locked != head:  # someone published meanwhile: diff against what is current now
                    before = self._version(
                        conn.execute(select(ruleset_versions).where(ruleset_versions.c.number == locked)).mappings().one()
                    )
                    changes, warnings = diff(before.ruleset, new), drastic(before.ruleset, new)
                    if not changes:
                        return Published(changes, None, before, warnings)
                if warnings and not confirm:
                    raise Unconfirmed(warnings, changes)
                number = locked + 1
                self._insert_version(conn, number, new, author, reason, locked or None, changes)
                conn.execute(update(ruleset_head).where(ruleset_head.c.id == 1).values(number=number))
                detail: dict[str, Any] = {"version": number, "reason": reason, "changes": len(changes)}
                if warnings:
                    detail |= {"warnings": warnings, "confirmed": True}
                self._audit(conn, author, action, detail, True)
        except Conflict as e:
            self.audit(author, action, {"reason": reason, "conflict": f"made from {e.base}, current {e.head}"}, allowed=False)
            raise
        except Unconfirmed as e:
            self.audit(author, action, {"reason": reason, "warnings": e.warnings, "confirmed": False}, allowed=False)
            raise
        except IntegrityError:  # a backstop: the version number is the primary key
            raise Conflict(base if base is not None else head, self.head()) from None
        return Published(changes, self.get(number), before, warnings)

    def _insert_version(
        self, conn: Connection, number: int, new: Ruleset, author: str, reason: str, parent: int | None, changes: list[Change]
    ) -> None:
        stored = new.model_copy(update={"version": str(number), "effective": date.today(), "ncci_quarter": None})
        body = json.dumps(stored.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        conn.execute(
            insert(ruleset_versions).values(
                number=number,
                created_at=datetime.now(UTC),
                author=author,
                reason=reason,
                parent=parent,
                ruleset=body,
                diff=json.dumps([c.as_dict() for c in changes], ensure_ascii=False),
                sha256=hashlib.sha256(body.encode()).hexdigest(),
            )
        )

    def rollback(self, number: int, *, author: str, reason: str | None = None, confirm: bool = False) -> Published:
        """Make version ``number`` current again, as a new version (``confirm``: as for ``publish``)."""
        target = self.get(number)
        return self.publish(
            target.ruleset, author=author, reason=reason or f"Rollback to version {number}", action="rollback", confirm=confirm
        )

    # --- audit log -------------------------------------------------------------------------------

    def audit(self, actor: str, action: str, detail: dict[str, Any] | str, allowed: bool = True) -> None:
        """Record who did what (``allowed=False``: a refused or failed attempt, e.g. a non-admin in Slack)."""
        with self.writing() as conn:
            self._audit(conn, actor, action, detail, allowed)

    @staticmethod
    def _audit(conn: Connection, actor: str, action: str, detail: dict[str, Any] | str, allowed: bool) -> None:
        body = json.dumps(detail if isinstance(detail, dict) else {"note": detail}, ensure_ascii=False, default=str)
        conn.execute(insert(audit_log).values(at=datetime.now(UTC), actor=actor[:200], action=action[:50], allowed=allowed, detail=body))

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        """The newest entries first."""
        q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [
                AuditEntry(_utc(r["at"]), r["actor"], r["action"], r["allowed"], json.loads(r["detail"]))
                for r in conn.execute(q).mappings()
            ]

    # --- overrides -------------------------------------------------------------------------------

    def add_override(
        self, *, user: str, reason: str, rule: str, claim_ref: str, line: int | None = None, ruleset_version: str | None = None
    ) -> int:
        """Record that ``user`` overrode ``rule``'s finding on a claim (and line), and why. Returns its id."""
        from ..engine import all_rules

        rule = rule.strip().upper()
        problems = []
        if rule not in all_rules():
            problems.append(Problem("Override", None, "Rule", f"no rule {rule}"))
        if len(reason.strip()) < 3:
            problems.append(Problem("Override", None, "Reason", "a reason is required"))
        if not user.strip() or not claim_ref.strip():
            problems.append(Problem("Override", None, "User" if not user.strip() else "Claim", "required"))
        if problems:
            raise Rejected(problems)
        with self.writing() as conn:
            result = conn.execute(
                insert(overrides).values(
                    at=datetime.now(UTC),
                    user=user.strip()[:200],
                    reason=reason.strip(),
                    rule=rule,
                    claim_ref=claim_ref.strip()[:200],
                    line=line,
                    ruleset_version=ruleset_version,
                )
            )
            key = result.inserted_primary_key
            self._audit(conn, user, "override", {"rule": rule, "claim": claim_ref, "line": line}, True)
        return int(key[0]) if key else 0

    def overrides(self, rule: str | None = None, since: datetime | None = None, limit: int | None = 1000) -> list[dict[str, Any]]:
        """The newest overrides first (``limit`` None: all of them)."""
        q = select(overrides).order_by(overrides.c.id.desc()).limit(limit)
        if rule:
            q = q.where(overrides.c.rule == rule.upper())
        if since:
            q = q.where(overrides.c.at >= since)
        with self.engine.connect() as conn:
            return [dict(r) | {"at": _utc(r["at"])} for r in conn.execute(q).mappings()]

    def overrides_for(self, claim_refs: Iterable[str]) -> list[dict[str, Any]]:
        """The overrides stored for these claims (by ``claim_ref``), newest first."""
        refs = sorted({r for r in claim_refs if r})
        rows: list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            for i in range(0, len(refs), 500):
                q = select(overrides).where(overrides.c.claim_ref.in_(refs[i : i + 500]))
                rows += [dict(r) | {"at": _utc(r["at"])} for r in conn.execute(q).mappings()]
        return sorted(rows, key=lambda r: r["id"], reverse=True)

    def override_counts(self, since: datetime | None = None) -> list[tuple[str, int]]:
        """(rule, overrides) for every overridden rule, most overridden first: the first sign of a false positive."""
        n = func.count().label("n")
        q = select(overrides.c.rule, n).group_by(overrides.c.rule).order_by(n.desc(), overrides.c.rule)
        if since:
            q = q.where(overrides.c.at >= since)
        with self.engine.connect() as conn:
            return [(r, int(c)) for r, c in conn.execute(q)]

    # --- requests already handled --------------------------------------------------------------------

    SEEN_KEEP = timedelta(days=3)
    SEEN_PRUNE_EVERY = 500  # inserts between two prunings of old keys

    def first_time(self, key: str) -> bool:
        """Record ``key`` (a Slack event id, a digest of a submitted form) and say whether this is its first time:
        False when it was recorded before, by this process or another, before or after a restart."""
        try:
            with self.writing() as conn:
                conn.execute(insert(slack_seen).values(key=key[:100], at=datetime.now(UTC)))
        except IntegrityError:
            return False
        self._seen_inserts += 1
        if (self._seen_inserts - 1) % self.SEEN_PRUNE_EVERY == 0:  # the first insert after a start, then every Nth
            with self.writing() as conn:
                conn.execute(delete(slack_seen).where(slack_seen.c.at < datetime.now(UTC) - self.SEEN_KEEP))
        return True

    # --- the Slack bot's state (shared by every replica of the bot) ------------------------------------

    PENDING_KEEP = timedelta(hours=24)  # an upload waits this long for Publish or Cancel
    PENDING_MAX = 200  # uploads kept waiting at most; the oldest go first

    def hold_pending(self, token: str, body: dict[str, Any], created_at: datetime | None = None) -> None:
        """Keep ``body`` (an upload waiting for Publish or Cancel) under ``token``, replacing what it held; uploads
        older than ``PENDING_KEEP``, and the oldest beyond ``PENDING_MAX``, are dropped."""
        now = datetime.now(UTC)
        with self.writing() as conn:
            conn.execute(delete(slack_pending).where(slack_pending.c.created_at < now - self.PENDING_KEEP))
            conn.execute(delete(slack_pending).where(slack_pending.c.token == token))
            conn.execute(insert(slack_pending).values(token=token, created_at=created_at or now, body=_json(body)))
            newest = select(slack_pending.c.token).order_by(slack_pending.c.created_at.desc()).limit(self.PENDING_MAX)
            conn.execute(delete(slack_pending).where(slack_pending.c.token.not_in(newest)))

    def pending(self, token: str, *, taken: bool = False) -> dict[str, Any] | None:
        """The upload waiting under ``token``, or None (never held, taken, or expired); ``taken``: also one taken."""
        q = select(slack_pending.c.body).where(
            slack_pending.c.token == token, slack_pending.c.created_at >= datetime.now(UTC) - self.PENDING_KEEP
        )
        if not taken:
            q = q.where(slack_pending.c.taken_at.is_(None))
        with self.engine.connect() as conn:
            body = conn.execute(q).scalar()
        return json.loads(body) if body is not None else None

    def take_pending(self, token: str) -> dict[str, Any] | None:
        """Claim the upload waiting under ``token``: of two clicks at the same moment, on any replicas, one gets it and
        the others None."""
        now = datetime.now(UTC)
        claim = (
            update(slack_pending)
            .where(
                slack_pending.c.token == token, slack_pending.c.taken_at.is_(None), slack_pending.c.created_at >= now - self.PENDING_KEEP
            )
            .values(taken_at=now)
        )
        with self.writing() as conn:
            if conn.execute(claim).rowcount != 1:
                return None
            body = conn.execute(select(slack_pending.c.body).where(slack_pending.c.token == token)).scalar_one()
        return dict(json.loads(body))

    def update_pending(self, token: str, body: dict[str, Any]) -> bool:
        """Replace the body of an upload, waiting or taken (False when there is none)."""
        with self.writing() as conn:
            return bool(conn.execute(update(slack_pending).where(slack_pending.c.token == token).values(body=_json(body))).rowcount)

    def slack_setting(self, key: str) -> dict[str, Any] | None:
        """A setting made in Slack: ``{"value": ..., "set_by": ..., "set_at": datetime}``, or None when never set."""
        with self.engine.connect() as conn:
            row = conn.execute(select(slack_settings).where(slack_settings.c.key == key)).mappings().first()
        if row is None:
            return None
        return {"value": json.loads(row["value"]), "set_by": row["set_by"], "set_at": _utc(row["set_at"])}

    def set_slack_setting(self, key: str, value: Any, set_by: str) -> None:
        """Set (or replace) a setting made in Slack, and write who set it to the audit log."""
        with self.writing() as conn:
            conn.execute(delete(slack_settings).where(slack_settings.c.key == key))
            conn.execute(insert(slack_settings).values(key=key, value=_json(value), set_by=set_by[:200], set_at=datetime.now(UTC)))
            self._audit(conn, set_by, "slack_setting", {"key": key}, True)


def _json(value: Any) -> str:
    """JSON for the bot's state: dates as ISO text (how a workbook's date cells come back from it)."""
    return json.dumps(value, ensure_ascii=False, default=lambda v: v.isoformat() if isinstance(v, date) else str(v))


def _empty() -> Ruleset:
    return Ruleset(version="0", effective=date(2000, 1, 1))
