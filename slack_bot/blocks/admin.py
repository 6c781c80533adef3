"""Rules administration: help, refusals, the review of an uploaded workbook, publish, history, rollback, overrides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import (
    PHI_REMINDER,
    BlockDict,
    Message,
    _clip,
    button,
    claim_label,
    context,
    esc,
    header,
    message,
    notice,
    paginate,
    plain_text,
    section,
    who,
)

# --- rules administration ----------------------------------------------------------------------

ADMIN_HELP = [
    ("Upload the rules workbook (.xlsx) to me in a DM", "I list its problems, or show its changes with *Publish* and *Cancel*."),
    ("`/derm admin export`", "sends you the current rules workbook to edit."),
    ("`/derm admin history`", "the versions: number, time, author, reason, changes (`/derm admin history 25` for more)."),
    (
        "`/derm admin rollback 12 [reason]`",
        "makes version 12's tables current again, as a new version (`rollback 12 confirm [reason]` when it turns many rules off).",
    ),
    ("`/derm admin overrides [days|all]`", "how often billers overrode each rule (`/derm admin overrides DRM050` lists them)."),
]
_BUDGET = 8500  # characters of list text in one message, leaving room for the rest within MAX_MESSAGE_CHARS


def admin_help() -> list[Message]:
    lines = "\n".join(f"• {cmd}: {what}" for cmd, what in ADMIN_HELP)
    return [
        message(
            [header("Rules admin"), section(lines), context(f":lock: {PHI_REMINDER}")],
            "Rules admin: /derm admin history, rollback, overrides, export",
        )
    ]


def admin_refused(configured: bool) -> list[Message]:
    why = (
        "Rules administration is for the rules admins, and you are not one of them."
        if configured
        else "No rules admins are set up for this bot yet (the bot's `DERM_SLACK_ADMINS` setting)."
    )
    text = f"Sorry, I can't do that for you. {why} If a rule needs changing, ask a rules admin. This attempt was noted in the audit log."
    return notice(text, ":lock:")


def _list_sections(lines: Sequence[str], budget: int = _BUDGET, code: bool = False) -> tuple[list[BlockDict], int]:
    """``lines`` (escaped) as sections of at most ~2800 characters, ``budget`` characters in all; also how
    many lines were left out. ``code``: each section is a code block."""
    out: list[BlockDict] = []
    chunk: list[str] = []
    used = 0
    limit = 2800 - (8 if code else 0)

    def flush() -> None:
        if chunk:
            body = "\n".join(chunk)
            out.append(section(f"```{body}```" if code else body))
            chunk.clear()

    for i, line in enumerate(lines):
        line = _clip(line, 600)
        if used + len(line) > budget:
            flush()
            return out, len(lines) - i
        if sum(len(x) + 1 for x in chunk) + len(line) > limit:
            flush()
        chunk.append(line)
        used += len(line) + 1
    flush()
    return out, 0


def problem_lines(problems: Sequence[Any]) -> list[str]:
    """Problems (``derm_core.admin.Problem``) grouped by sheet, each with its row and column, escaped."""
    lines: list[str] = []
    table = None
    for p in problems:
        if p.table != table:
            table = p.table
            lines.append(f"*{esc(table)}*")
        where = (
            ", ".join(([f"row {p.row}"] if p.row is not None else []) + ([f"column {esc(p.column, 80)}"] if p.column else []))
            or "the sheet"
        )
        lines.append(f"• {where}: {esc(p.why, 400)}")
    return lines


def rules_refused(filename: str, problems: Sequence[Any]) -> tuple[Message, bool]:
    """An uploaded rules workbook with problems: every problem by sheet, row and column (those beyond one
    message's room go in an attached file; the bool says so). Nothing was published."""
    n = len(problems)
    listed, left = _list_sections(problem_lines(problems))
    blocks = [
        header(f":no_entry: Rules workbook refused · {n} problem{'s' if n != 1 else ''}"),
        context(f"*{esc(filename, 200)}* · nothing was published. Fix every problem, save, and upload the workbook again."),
        *listed,
    ]
    if left:
        blocks.append(context(f"_{left} more line(s) are in the attached list of problems._"))
    return message(blocks, f"Rules workbook refused: {n} problem(s); nothing was published"), bool(left)


def change_lines(changes: Sequence[Any]) -> list[str]:
    """The diff (``derm_core.admin.Change``), one line each (``+`` added, ``-`` removed, ``~`` changed), escaped."""
    return [esc(str(c)) for c in changes]


def change_summary(changes: Sequence[Any]) -> str:
    """``Prior Authorization: 1 added · FAQ: 2 changed``."""
    by_table: dict[str, dict[str, int]] = {}
    for c in changes:
        by_table.setdefault(c.table, {}).setdefault(c.action, 0)
        by_table[c.table][c.action] += 1
    return " · ".join(f"{esc(t)}: " + ", ".join(f"{n} {a}" for a, n in sorted(acts.items())) for t, acts in by_table.items())


def drastic_section(warnings: Sequence[str]) -> BlockDict:
    """The loud part of a review: the change turns off many rules or empties a table (``admin.drastic``)."""
    lines = "\n".join(f"• This change *{esc(w, 600)}*." for w in warnings)
    return section(f":rotating_light: *Read this before publishing*\n{lines}\nPublishing it asks you to confirm a second time.")


def rules_review(filename: str, changes: Sequence[Any], base: int, token: str, warnings: Sequence[str] = ()) -> tuple[Message, bool]:
    """A valid rules workbook: its changes against the current version, with **Publish** and **Cancel**; first
    the ``warnings`` when it turns off many rules or empties a table. The bool says the diff was too long for the
    message (the caller attaches it as a file)."""
    n = len(changes)
    listed, left = _list_sections(change_lines(changes), budget=_BUDGET - 600 - (1200 if warnings else 0), code=True)
    blocks = [
        header(f":memo: Rules workbook · {n} change{'s' if n != 1 else ''} to version {base}"),
        context(f"*{esc(filename, 200)}* · {change_summary(changes)}"),
        *([drastic_section(warnings)] if warnings else []),
        *listed,
    ]
    if left:
        blocks.append(context(f"_{left} more change(s) are in the attached diff._"))
    blocks += [
        context(
            "`+` added · `-` removed · `~` changed. *Publish* makes this version current for the bot and every Excel user within seconds."
        ),
        {"type": "actions", "elements": [button("Publish", "admin_publish", token, "primary"), button("Cancel", "admin_cancel", token)]},
    ]
    return message(blocks, f"Rules workbook: {n} change(s) to version {base}. Publish or cancel?"), bool(left)


def review_closed(review: Message, outcome: str) -> Message:
    """The review message once it is settled: the buttons give way to ``outcome`` (escaped)."""
    blocks = [b for b in review["blocks"] if b["type"] != "actions"] + [section(outcome)]
    return message(blocks, _clip(outcome, 200))


def rules_no_changes(filename: str, version: int) -> list[Message]:
    return notice(f"*{esc(filename, 200)}* has the same tables as the current version {version}: there is nothing to publish.")


def rules_stale(base: int, head: int, head_author: str, head_reason: str) -> list[Message]:
    text = (
        f"Not published: this workbook was made from version {base}, but version {head} is current "
        f"(published by {who(head_author)}: {esc(head_reason, 300)}). Nothing was changed. Get the current rules with "
        "`/derm admin export`, redo your edits there, and upload that workbook."
    )
    return notice(text, ":warning:")


CONFIRM_WORD = "CONFIRM"


def publish_modal(token: str, filename: str, changes: int, base: int, reason: str = "", warnings: Sequence[str] = ()) -> dict[str, Any]:
    """Asks the admin why (kept in the history) before publishing the uploaded workbook; with ``warnings`` (many
    rules turned off, a table emptied) also asks the admin to type ``CONFIRM``: the second confirmation."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "text",
        "multiline": True,
        "min_length": 3,
        "max_length": 500,
        "placeholder": plain_text("e.g. Weekly: Aetna excimer PA, FAQ 17003 fix"),
    }
    if reason:
        element["initial_value"] = _clip(reason, 500)
    return {
        "type": "modal",
        "callback_id": "admin_publish",
        "private_metadata": token,
        "title": plain_text("Publish rules"),
        "submit": plain_text("Publish"),
        "close": plain_text("Back"),
        "blocks": [
            section(f"Publish *{changes} change{'s' if changes != 1 else ''}* from *{esc(filename, 200)}* on top of version {base}?"),
            {"type": "input", "block_id": "reason", "label": plain_text("Reason (kept in the history)"), "element": element},
            *(_confirm_blocks(warnings) if warnings else []),
            context("Every front end checks with the new version within seconds. `/derm admin rollback N` undoes it."),
        ],
    }


def _confirm_blocks(warnings: Sequence[str]) -> list[BlockDict]:
    element = {"type": "plain_text_input", "action_id": "text", "max_length": 20, "placeholder": plain_text(CONFIRM_WORD)}
    label = plain_text(f"Type {CONFIRM_WORD} to publish it anyway")
    return [drastic_section(warnings), {"type": "input", "block_id": "confirm", "label": label, "element": element}]


def rules_published(number: int, changes: int, author: str, reason: str, previous: int | None) -> list[Message]:
    undo = f" `/derm admin rollback {previous}` undoes it." if previous else ""
    text = (
        f"Published version *{number}* ({changes} change{'s' if changes != 1 else ''}) by {who(author)}: {esc(reason, 500)}. "
        f"The bot and every Excel user check with it within seconds.{undo}"
    )
    return notice(text, ":white_check_mark:")


def history_message(versions: Sequence[Any], head: int) -> list[Message]:
    """Versions (``RulesStore.history()``), newest first: number, time, author, reason, number of changes."""
    lines = []
    for v in versions:
        s = v.summary()
        current = " *(current)*" if v.number == head else ""
        lines.append(
            f"*{s['version']}*{current} · {esc(s['time'].replace('T', ' ')[:16])} UTC · {who(s['author'])} · "
            f"{s['changes']} change{'s' if s['changes'] != 1 else ''}\n      {esc(s['reason'], 300)}"
        )
    listed, _ = _list_sections(lines or ["No versions yet."])
    blocks = [
        header("Rules history"),
        *listed,
        context("`/derm admin rollback N` makes version N's tables current again (as a new version)."),
    ]
    return paginate(blocks, f"Rules history: version {head} is current")


def rollback_message(target: int, number: int | None, changes: Sequence[Any], author: str, warnings: Sequence[str] = ()) -> list[Message]:
    """The result of ``/derm admin rollback`` (``warnings``: it turned many rules off or emptied a table, confirmed)."""
    if number is None:
        return notice(f"Version {target} has the same tables as the current version: nothing was published.")
    listed, left = _list_sections(change_lines(changes), code=True)
    blocks = [
        section(f":leftwards_arrow_with_hook: Version {target}'s tables are current again, as version *{number}* (by {who(author)})."),
        *([section(":rotating_light: " + " ".join(f"This change *{esc(w, 600)}*." for w in warnings))] if warnings else []),
        *listed,
    ]
    if left:
        blocks.append(context(f"_{left} more change(s); `derm rules diff {number - 1} {number}` lists them all._"))
    return paginate(blocks, f"Rolled back: version {number} has the tables of version {target}")


def override_counts_message(counts: Sequence[tuple[str, int]], titles: dict[str, str], days: int | None) -> list[Message]:
    """Overrides per rule, most first: a rule billers keep overriding is probably wrong for them."""
    period = f"last {days} days" if days else "all time"
    if not counts:
        return notice(f"No overrides ({period}).")
    lines = [f"`{esc(rule)}` ×{n:,} · {esc(titles.get(rule, ''), 150)}" for rule, n in counts]
    listed, left = _list_sections(lines)
    blocks = [header(f"Overrides per rule ({period})"), *listed]
    if left:
        blocks.append(context(f"_{left} more rule(s); `derm rules overrides` lists them all._"))
    blocks.append(context("`/derm admin overrides DRM050` lists one rule's overrides with their reasons; `/derm rule DRM050` explains it."))
    return paginate(blocks, f"Overrides per rule ({period})")


def rule_overrides_message(rule_id: str, rows: Sequence[dict[str, Any]]) -> list[Message]:
    """One rule's overrides, newest first: when, who, which claim and line, why."""
    if not rows:
        return notice(f"No overrides of {esc(rule_id, 20)}.")
    lines = [
        f"{r['at']:%Y-%m-%d %H:%M} · {who(str(r['user']))} · {claim_label(str(r['claim_ref']), r.get('line'))}\n      {esc(r['reason'], 400)}"
        for r in rows
    ]
    listed, left = _list_sections(lines)
    blocks = [header(f"Overrides of {_clip(rule_id, 20)} ({len(rows)})"), *listed]
    if left:
        blocks.append(context(f"_{left} more; `derm rules overrides --rule {esc(rule_id, 20)}` lists them all._"))
    return paginate(blocks, f"Overrides of {rule_id}")
