"""Rules administration in Slack: who is an admin, the rules workbook uploaded in a DM (problems, or the diff
with **Publish** / **Cancel**), and ``/derm admin history|rollback|overrides|export``.

Admins are listed in the settings (``DERM_SLACK_ADMINS``) by Slack user id or user-group id; a group's members
are read with ``usergroups.users.list`` and cached for a few minutes. Everything a non-admin tries is refused
politely and written to the store's audit log. Logs get kinds and counts, never workbook content or reasons.
An upload waiting for Publish or Cancel is kept in the rules store, so the click may reach any replica of the bot,
also after a restart.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from derm_core import live
from derm_core.admin import Problem, Rejected, diff_text
from derm_core.rulebook import ReadResult, export_workbook, read_workbook
from derm_core.store.core import Conflict, Unconfirmed

from . import blocks
from .blocks import Message
from .clients import describe
from .jobs import BUSY
from .phi import identifiers

log = logging.getLogger("slack_bot.admin")

GROUP_TTL = 300.0  # seconds a user group's members are trusted before asking Slack again
REVIEW_TS_WAIT = 1.0  # seconds a click may wait for the replica that posted the review to record where it is
SUBCOMMANDS = ("help", "history", "rollback", "overrides", "export")


def author_of(user: str) -> str:
    """How a Slack user is recorded as author, actor or overrider (rendered as a mention in Slack).

    >>> author_of("U0123ABC")
    'slack:U0123ABC'
    """
    return f"slack:{user}"


class AdminDirectory:
    """Who may administer the rules: Slack user ids, and the members of Slack user groups (cached)."""

    def __init__(self, ids: Iterable[str], ttl: float = GROUP_TTL) -> None:
        ids = list(ids)
        self.users = frozenset(i for i in ids if not i.startswith("S"))
        self.groups = tuple(i for i in ids if i.startswith("S"))
        self.ttl = ttl
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.users or self.groups)

    def is_admin(self, user: str | None, client: WebClient) -> bool:
        if not user:
            return False
        return user in self.users or any(user in self.members(group, client) for group in self.groups)

    def members(self, group: str, client: WebClient) -> frozenset[str]:
        """The group's members, from the cache or ``usergroups.users.list``. When Slack cannot be asked, nobody
        counts as a member (the failure is not cached, so the next request asks again)."""
        with self._lock:
            hit = self._members.get(group)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        try:
            response = client.usergroups_users_list(usergroup=group)
            members = frozenset(str(u) for u in response.get("users") or [])
        except Exception as e:
            log.warning("admin user group %s could not be read (%s); its members are not treated as admins", group, type(e).__name__)
            return frozenset()
        with self._lock:
            self._members[group] = (time.monotonic(), members)
        return members

    def forget(self) -> None:
        with self._lock:
            self._members.clear()


@dataclass
class PendingUpload:
    """A valid rules workbook waiting for Publish or Cancel, kept in the rules store (``to_json``/``from_json``)."""

    token: str
    user: str
    channel: str
    thread_ts: str
    filename: str
    read: ReadResult
    base: int  # the version its diff is against; publishing on anything else is refused as stale
    changes: int
    comment: str
    created: float  # time.time(): every replica reads the same clock
    review: Message | None = None
    review_ts: str | None = None
    warnings: tuple[str, ...] = ()  # admin.drastic: publishing needs the second confirmation

    def to_json(self) -> dict[str, Any]:
        body = {f.name: getattr(self, f.name) for f in fields(self)}
        body["read"] = {"raw": self.read.raw, "base": self.read.base, "rows": self.read.rows}
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> PendingUpload:
        read = body["read"]
        rest = {f.name: body[f.name] for f in fields(cls) if f.name != "read" and f.name in body}
        rest["warnings"] = tuple(rest.get("warnings") or ())
        return cls(read=ReadResult(raw=read["raw"], base=read["base"], rows=read.get("rows") or {}), **rest)


class RulesDesk:
    """The admin side of the bot. ``db_url``: the rules store (default: ``DERM_RULES_DB`` or the default file)."""

    def __init__(self, admins: Iterable[str] = (), db_url: str | None = None, *, directory: AdminDirectory | None = None) -> None:
        self.directory = directory or AdminDirectory(admins)
        self.db_url = db_url

    def store(self) -> Any:
        return live.rules_store(self.db_url)

    # --- who may ----------------------------------------------------------------------------------

    def allowed(self, user: str | None, client: WebClient, action: str, detail: dict[str, Any] | None = None) -> bool:
        """True for an admin; otherwise the attempt goes to the audit log (refused) and False."""
        if self.directory.is_admin(user, client):
            return True
        log.info("admin action refused: %s", action)
        try:
            self.store().audit(
                author_of(user or "?"), action, {"via": "slack", "refused": "not a rules admin", **(detail or {})}, allowed=False
            )
        except Exception as e:  # the refusal stands even when the audit log cannot be written
            log.error("audit entry not written: %s", type(e).__name__)
        return False

    def refusal(self) -> list[Message]:
        return blocks.admin_refused(self.directory.configured)

    # --- /derm admin ... ---------------------------------------------------------------------------

    def command(self, user: str | None, text: str, client: WebClient) -> list[Message]:
        """``/derm admin <text>``: the messages to send back (ephemeral)."""
        words = text.split()
        sub = words[0].lower() if words else "help"
        action = sub if sub in SUBCOMMANDS else "admin"
        if not self.allowed(user, client, action, {"command": action}):
            return self.refusal()
        assert user is not None
        try:
            if sub == "help":
                return blocks.admin_help()
            if sub == "history":
                return self._history(words[1:])
            if sub == "rollback":
                return self._rollback(user, words[1:])
            if sub == "overrides":
                return self._overrides(words[1:])
            if sub == "export":
                return self._export(user, client)
        except Exception as e:
            log.error("admin %s failed: %s", action, describe(e))
            return blocks.notice("Sorry, the rules store could not be reached; nothing was changed. Try again in a minute.", ":warning:")
        return blocks.notice("I don't know that admin command.", ":thinking_face:") + blocks.admin_help()

    def _history(self, args: list[str]) -> list[Message]:
        limit = min(int(args[0]), 50) if args and args[0].isdigit() and int(args[0]) > 0 else 10
        store = self.store()
        head = store.current().number
        return blocks.history_message(store.history(limit), head)

    def _rollback(self, user: str, args: list[str]) -> list[Message]:
        if not args or not args[0].isdigit():
            return blocks.notice("Say which version: `/derm admin rollback 12 [reason]` (`/derm admin history` lists them).")
        target = int(args[0])
        confirm = len(args) > 1 and args[1].lower() in ("confirm", "--confirm")
        reason = " ".join(args[2:] if confirm else args[1:]).strip()
        if reason and identifiers(reason):
            return blocks.notice("That reason looks like it holds patient identifiers; please give it without them.", ":lock:")
        store = self.store()
        try:
            published = store.rollback(target, author=author_of(user), reason=reason or None, confirm=confirm)
        except KeyError:
            return blocks.notice(f"There is no version {target}. `/derm admin history` lists them.")
        except Unconfirmed as e:
            listed = "; ".join(e.warnings)
            text = (
                f"Not rolled back: going back to version {target} {blocks.esc(listed, 1500)}. "
                f"If that is what you want, run `/derm admin rollback {target} confirm{' ' + blocks.esc(reason, 300) if reason else ''}`."
            )
            return blocks.notice(text, ":rotating_light:")
        except Rejected as e:
            message, _ = blocks.rules_refused(f"version {target}", e.problems)
            return [message]
        live.refresh()
        number = published.version.number if published.version else None
        log.info("rules rolled back: %s change(s)", len(published.changes))
        return blocks.rollback_message(target, number, published.changes, author_of(user), published.warnings)

    def _overrides(self, args: list[str]) -> list[Message]:
        from derm_core.engine import all_rules

        rules = all_rules()
        arg = args[0] if args else ""
        store = self.store()
        if arg.upper() in rules:
            return blocks.rule_overrides_message(arg.upper(), store.overrides(arg.upper(), limit=50))
        days: int | None = 30
        if arg.lower() == "all":
            days = None
        elif arg.isdigit() and int(arg) > 0:
            days = int(arg)
        elif arg:
            return blocks.notice("Give a number of days, `all`, or a rule: `/derm admin overrides 90`, `/derm admin overrides DRM050`.")
        since = datetime.now(UTC) - timedelta(days=days) if days else None
        titles = {rule_id: r.title for rule_id, r in rules.items()}
        return blocks.override_counts_message(store.override_counts(since), titles, days)

    def _export(self, user: str, client: WebClient) -> list[Message]:
        from derm_core.engine import all_rules

        current = self.store().current()
        channel = client.conversations_open(users=user)["channel"]["id"]
        about = f"{current.created_at:%Y-%m-%d %H:%M} UTC by {current.author}: {current.reason}"
        with tempfile.TemporaryDirectory(prefix="derm-rules-") as tmp:
            path = Path(tmp) / f"rules-v{current.number}.xlsx"
            export_workbook(current.ruleset, path, base=current.number, about=about, rule_ids=list(all_rules()))
            client.files_upload_v2(
                channel=channel,
                file=str(path),
                filename=path.name,
                title=f"Rules, version {current.number}",
                initial_comment=f"The current rules (version {current.number}). Edit the workbook, then upload it here to publish it.",
            )
        return blocks.notice(f"I sent you the rules workbook of version {current.number} in our direct messages.", ":inbox_tray:")

    # --- the rules workbook, uploaded in a DM ------------------------------------------------------

    def workbook_uploaded(
        self, client: WebClient, channel: str, thread_ts: str, user: str | None, path: Path, filename: str, comment: str = ""
    ) -> None:
        """A rules workbook was shared with the bot (runs after the event was acknowledged): refuse a non-admin
        without reading it; else list its problems, say it is stale or unchanged, or show its diff to publish."""
        try:
            self._workbook_uploaded(client, channel, thread_ts, user, path, filename, comment)
        except Exception as e:
            log.error("rules workbook failed: %s", describe(e))
            text = "Sorry, I could not process that rules workbook (the rules store may be unavailable). Nothing was published; try again in a minute."
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, **blocks.notice(text, ":warning:")[0])

    def _workbook_uploaded(
        self, client: WebClient, channel: str, thread_ts: str, user: str | None, path: Path, filename: str, comment: str
    ) -> None:
        def post(msg: Message) -> str | None:
            return client.chat_postMessage(channel=channel, thread_ts=thread_ts, **msg).get("ts")

        if not self.allowed(user, client, "publish", {"file": filename[:200]}):
            post(self.refusal()[0])
            return
        assert user is not None
        from derm_core.sheets.workbook import SheetError, inspect_input

        try:
            inspect_input(path)  # not a workbook, damaged, a zip bomb: refused before openpyxl reads it
        except SheetError as e:
            post(blocks.notice(f"I could not read that rules workbook: {blocks.esc(e, 600)}", ":warning:")[0])
            return
        read = read_workbook(path)
        store = self.store()
        author = author_of(user)
        if read.problems:
            problems = read.all_problems()
            store.audit(
                author, "publish", {"via": "slack", "file": filename[:200], "refused": [str(p) for p in problems[:100]]}, allowed=False
            )
            self._refused(client, channel, thread_ts, filename, problems)
            return
        reason = comment.strip() if comment.strip() and not identifiers(comment) else ""
        try:
            preview = store.publish(
                read.raw, author=author, reason=reason or "Slack upload", base=read.base, dry_run=True, rows=read.row_number
            )
        except Rejected as e:
            self._refused(client, channel, thread_ts, filename, e.problems)
            return
        except Conflict as e:
            post(self._stale(e)[0])
            return
        base = preview.base.number if preview.base else 0
        if not preview.changes:
            post(blocks.rules_no_changes(filename, base)[0])
            return
        pending = PendingUpload(
            secrets.token_urlsafe(12),
            user,
            channel,
            thread_ts,
            filename,
            read,
            base,
            len(preview.changes),
            reason,
            time.time(),
            warnings=tuple(preview.warnings),
        )
        review, long_diff = blocks.rules_review(filename, preview.changes, base, pending.token, pending.warnings)
        pending.review = review
        self._hold(pending)  # before the review is posted: its buttons may be clicked at once, on another replica
        pending.review_ts = post(review)
        store.update_pending(pending.token, pending.to_json())
        if long_diff:
            self._attach(client, channel, thread_ts, "rules-changes.txt", diff_text(preview.changes))
        log.info("rules workbook ready to publish: %d change(s)", len(preview.changes))

    def _refused(self, client: WebClient, channel: str, thread_ts: str, filename: str, problems: list[Problem]) -> None:
        message, long_list = blocks.rules_refused(filename, problems)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)
        if long_list:
            self._attach(client, channel, thread_ts, "rules-problems.txt", "\n".join(map(str, problems)))
        log.info("rules workbook refused: %d problem(s)", len(problems))

    @staticmethod
    def _attach(client: WebClient, channel: str, thread_ts: str, name: str, text: str) -> None:
        client.files_upload_v2(channel=channel, thread_ts=thread_ts, content=text, filename=name, title=name)

    def _stale(self, e: Conflict) -> list[Message]:
        head = self.store().get(e.head)
        return blocks.rules_stale(e.base, e.head, head.author, head.reason)

    # --- pending uploads (in the rules store: any replica may get the click) -------------------------

    def _hold(self, pending: PendingUpload) -> PendingUpload:
        self.store().hold_pending(pending.token, pending.to_json(), datetime.fromtimestamp(pending.created, UTC))
        return pending

    def pending(self, token: str) -> PendingUpload | None:
        body = self.store().pending(token)
        return PendingUpload.from_json(body) if body is not None else None

    def take(self, token: str) -> PendingUpload | None:
        """Claim a pending upload (a second Publish or Cancel of the same upload, on any replica, finds nothing)."""
        store = self.store()
        body = store.take_pending(token)
        if body is None:
            return None
        pending = PendingUpload.from_json(body)
        deadline = time.monotonic() + REVIEW_TS_WAIT
        while pending.review_ts is None and time.monotonic() < deadline:  # clicked the moment the review was posted
            time.sleep(0.05)
            pending.review_ts = (store.pending(token, taken=True) or {}).get("review_ts")
        return pending

    def put_back(self, pending: PendingUpload) -> None:
        try:
            self._hold(pending)
        except Exception as e:  # the store is down: the user is told to upload again when the click finds nothing
            log.error("upload not put back: %s", describe(e))

    # --- Publish and Cancel ------------------------------------------------------------------------

    NOT_PENDING = (
        "This upload is no longer waiting to be published (it was published or cancelled, or the bot restarted). Upload the workbook again."
    )

    def publish_clicked(self, user: str | None, token: str, trigger_id: str, client: WebClient, respond: Callable[..., Any]) -> None:
        if not self.allowed(user, client, "publish", {"step": "button"}):
            respond(response_type="ephemeral", replace_original=False, **self.refusal()[0])
            return
        pending = self.pending(token)
        if pending is None:
            respond(response_type="ephemeral", replace_original=False, **blocks.notice(self.NOT_PENDING)[0])
            return
        view = blocks.publish_modal(token, pending.filename, pending.changes, pending.base, pending.comment, pending.warnings)
        client.views_open(trigger_id=trigger_id, view=view)

    def cancel_clicked(self, user: str | None, token: str, client: WebClient, respond: Callable[..., Any]) -> None:
        if not self.allowed(user, client, "cancel", {"step": "button"}):
            respond(response_type="ephemeral", replace_original=False, **self.refusal()[0])
            return
        assert user is not None
        pending = self.take(token)
        if pending is None:
            respond(response_type="ephemeral", replace_original=False, **blocks.notice(self.NOT_PENDING)[0])
            return
        self.store().audit(author_of(user), "cancel", {"via": "slack", "file": pending.filename[:200], "changes": pending.changes})
        self._close_review(client, pending, f":heavy_multiplication_x: Cancelled by {blocks.who(author_of(user))}. Nothing was published.")

    def publish_submitted(
        self,
        user: str | None,
        token: str,
        reason: str,
        client: WebClient,
        ack: Callable[..., Any],
        run: Callable[[Callable[[], None]], bool] | None = None,
        confirmation: str = "",
    ) -> None:
        """The publish modal was submitted: check, acknowledge (closing the modal), then publish and report in the
        thread. ``run`` runs the publish (the app passes its pool of slow jobs) and says whether it could.
        ``confirmation``: what the admin typed in the second confirmation, asked when the upload turns off many
        rules or empties a table."""
        reason = reason.strip()
        if len(reason) < 3:
            ack(response_action="errors", errors={"reason": "Give a reason of at least 3 characters."})
            return
        if identifiers(reason):
            ack(
                response_action="errors",
                errors={"reason": "This looks like it holds patient identifiers; describe the change without them."},
            )
            return
        if not self.allowed(user, client, "publish", {"step": "modal"}):
            ack(response_action="errors", errors={"reason": "Only rules admins can publish."})
            return
        assert user is not None
        waiting = self.pending(token)
        if waiting is not None and waiting.warnings and confirmation.strip().upper() != blocks.CONFIRM_WORD:
            ack(
                response_action="errors",
                errors={"confirm": f"Type {blocks.CONFIRM_WORD} to publish this change, or close and press Cancel."},
            )
            return
        pending = self.take(token)
        if pending is None:
            ack(response_action="errors", errors={"reason": self.NOT_PENDING})
            return
        ack(response_action="clear")
        if not (run or _run_now)(lambda: self._publish(user, pending, reason, client)):
            self.put_back(pending)
            self._post(client, pending, blocks.notice(BUSY + " Nothing was published; press Publish again.", ":hourglass:")[0])

    def _publish(self, user: str, pending: PendingUpload, reason: str, client: WebClient) -> None:
        author = author_of(user)
        try:
            published = self.store().publish(
                pending.read.raw,
                author=author,
                reason=reason,
                base=pending.base,
                rows=pending.read.row_number,
                confirm=bool(pending.warnings),
            )
        except Unconfirmed:  # the review showed no warning, but the publish would (a new release's tables): look again
            self._close_review(client, pending, ":rotating_light: Not published: this change turns off many rules or empties a table.")
            self._post(client, pending, blocks.notice("Upload the workbook again to read the warning and confirm it.", ":warning:")[0])
            return
        except Conflict as e:
            self._close_review(client, pending, ":warning: Not published: someone published a newer version meanwhile.")
            self._post(client, pending, self._stale(e)[0])
            log.info("rules publish refused: stale")
            return
        except Rejected as e:  # the tables were valid at upload; the rules' cases may have changed since (a new release)
            self._close_review(client, pending, ":no_entry: Not published: the workbook was refused.")
            self._refused(client, pending.channel, pending.thread_ts, pending.filename, e.problems)
            return
        except Exception as e:
            log.error("rules publish failed: %s", describe(e))
            self.put_back(pending)
            self._post(
                client,
                pending,
                blocks.notice("The rules store could not be reached; nothing was published. Press Publish again in a minute.", ":warning:")[
                    0
                ],
            )
            return
        live.refresh()
        if published.version is None:
            self._close_review(client, pending, "Nothing to publish: the current version already has these tables.")
            return
        v = published.version
        self._close_review(client, pending, f":white_check_mark: Published as version *{v.number}* by {blocks.who(author)}.")
        self._post(client, pending, blocks.rules_published(v.number, len(published.changes), author, reason, v.parent)[0])
        log.info("rules published from Slack: %d change(s)", len(published.changes))

    @staticmethod
    def _post(client: WebClient, pending: PendingUpload, msg: Message) -> None:
        client.chat_postMessage(channel=pending.channel, thread_ts=pending.thread_ts, **msg)

    @staticmethod
    def _close_review(client: WebClient, pending: PendingUpload, outcome: str) -> None:
        if pending.review is not None and pending.review_ts:
            client.chat_update(channel=pending.channel, ts=pending.review_ts, **blocks.review_closed(pending.review, outcome))


def _run_now(work: Callable[[], None]) -> bool:
    work()
    return True


__all__ = ["AdminDirectory", "PendingUpload", "RulesDesk", "author_of"]
