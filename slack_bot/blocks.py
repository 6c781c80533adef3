"""Block Kit payloads, built by pure functions: data in, messages and views out.

A *message* is ``{"text": fallback, "blocks": [...]}``. Every piece of user-derived text goes through
:func:`esc` before it lands in mrkdwn, so ``<!channel>`` or ``<@U123>`` inside a claim stays inert.
Long reports are split into several messages (:func:`paginate`) within Slack's limits, and
:func:`check_message` / :func:`check_view` validate payloads with slack_sdk's models plus the
message-level limits those models do not check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from derm_core.models import ClaimReport, Finding, SuggestedLine
from derm_core.render import lines_text
from derm_core.textclaim import ParsedText

MAX_BLOCKS = 50  # per message
MAX_VIEW_BLOCKS = 100  # per modal or Home tab
MAX_SECTION = 3000  # characters of section text
MAX_MESSAGE_CHARS = 12_000  # blocks JSON per message; Slack answers msg_blocks_too_long at about 13,000
MAX_MESSAGES = 4  # a longer report is truncated with a note
MAX_TEXT = 3000  # the fallback text shown in notifications
MAX_VALUE = 2000  # button value

STATUS = {
    "clean": ":white_check_mark: Clean",
    "warning": ":warning: Warnings",
    "error": ":no_entry: Errors",
}
SEVERITY_TITLE = {"error": ":red_circle: Errors", "warning": ":large_yellow_circle: Warnings", "info": ":large_blue_circle: Notes"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Message = dict[str, Any]
BlockDict = dict[str, Any]


def esc(text: object, limit: int | None = None) -> str:
    """Text safe for mrkdwn: control characters dropped, ``&``, ``<``, ``>`` escaped, optionally shortened.

    >>> esc("17000 <!channel> & <@U123>")
    '17000 &lt;!channel&gt; &amp; &lt;@U123&gt;'
    """
    s = _CONTROL.sub("", str(text))
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str, accessory: BlockDict | None = None) -> BlockDict:
    """A mrkdwn section; ``text`` must already be escaped. Clipped to 3000 characters."""
    block: BlockDict = {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}}
    if accessory:
        block["accessory"] = accessory
    return block


def header(text: str) -> BlockDict:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, 150), "emoji": True}}


def context(text: str) -> BlockDict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> BlockDict:
    b: BlockDict = {"type": "button", "text": {"type": "plain_text", "text": _clip(text, 75)}, "action_id": action_id, "value": value}
    if style:
        b["style"] = style
    return b


DIVIDER: BlockDict = {"type": "divider"}


def message(blocks: list[BlockDict], text: str) -> Message:
    return {"text": _clip(text, MAX_TEXT), "blocks": blocks}


def notice(text: str, emoji: str = ":information_source:") -> list[Message]:
    """A one-section reply; ``text`` must already be escaped (our own wording plus escaped user text)."""
    return [message([section(f"{emoji} {text}")], text)]


def paginate(blocks: list[BlockDict], text: str, more_hint: str = "") -> list[Message]:
    """Split ``blocks`` into messages of at most 50 blocks and 12,000 characters of JSON; after
    ``MAX_MESSAGES`` messages the rest is dropped with a note saying how much was left out."""
    pages: list[list[BlockDict]] = [[]]
    size = 0
    for i, block in enumerate(blocks):
        n = len(json.dumps(block))
        if pages[-1] and (len(pages[-1]) >= MAX_BLOCKS - 1 or size + n > MAX_MESSAGE_CHARS - 400):
            if len(pages) == MAX_MESSAGES:
                note = f"_{len(blocks) - i} more block(s) of this reply were left out to stay within Slack's limits.{more_hint}_"
                pages[-1].append(context(note))
                break
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += n
    return [message(page, text if i == 0 else f"{text} (part {i + 1})") for i, page in enumerate(pages)]


# --- claim checks -----------------------------------------------------------------------------


def _where(f: Finding) -> str:
    if not f.lines:
        return "claim"
    return ("lines " if len(f.lines) > 1 else "line ") + ", ".join(str(i + 1) for i in f.lines)


def _bill(lines: Sequence[SuggestedLine]) -> str:
    return f"`{esc(lines_text(lines))}`"


def finding_block(f: Finding, n: int) -> BlockDict:
    """One finding: rule, where, category, message, fix, corrected lines, references, and a Why? button."""
    parts = [f"*{esc(f.rule)}* · {_where(f)} · _{esc(f.category.value.replace('_', ' '))}_", esc(f.message)]
    if f.fix:
        parts.append(f"*Fix:* {esc(f.fix)}")
    if f.suggested_lines:
        parts.append(f"*Bill:* {_bill(f.suggested_lines)}")
    if f.likely_denial:
        parts.append(f"Likely denial: {esc(f.likely_denial)}")
    if f.references:
        parts.append(f"_References: {esc('; '.join(f.references))}_")
    return section("\n".join(parts), button("Why?", f"why-{n}", f.rule[:MAX_VALUE]))


def claim_summary(parsed: ParsedText) -> str:
    """``99213-25 x1 · 17000 x1 · dx L57.0 · medicare · DOS 2026-03-02``, escaped."""
    c = parsed.claim
    items = [f"claim {c.claim_id}"] if c.claim_id else []
    items += [f"{ln.code}{''.join('-' + m for m in ln.modifiers)} x{ln.units}" for ln in c.lines]
    if c.diagnoses:
        items.append("dx " + ", ".join(c.diagnoses))
    if c.payer:
        items.append(c.payer.name or c.payer.type.value)
    if c.date_of_service:
        items.append(f"DOS {c.date_of_service.isoformat()}")
    return esc(" · ".join(items), 1500)


@dataclass(frozen=True)
class OverrideTarget:
    """What an Override button stores about the claim: its reference (the claim id, or ``text:`` and a digest of
    the pasted claim when it has none; never the claim's text), whether that is a real id, and the ruleset version."""

    claim_ref: str
    named: bool
    ruleset_version: str | None = None

    def value(self, f: Finding) -> str:
        """The button's value (parsed again by :func:`override_target`)."""
        return json.dumps(
            {"r": f.rule, "c": self.claim_ref, "l": f.lines[0] if f.lines else None, "n": int(self.named), "v": self.ruleset_version},
            separators=(",", ":"),
        )


def override_button_block(f: Finding, n: int, target: OverrideTarget) -> BlockDict:
    return {"type": "actions", "elements": [button("Override", f"override-{n}", target.value(f)[:MAX_VALUE])]}


def _override_note(f: Finding) -> str:
    o = f.override
    if o is None:
        return ""
    return f"_Overridden by {who(o.user or '?')} on {esc(o.day)}: {esc(o.reason, 500)}_"


def overridden_block(f: Finding, n: int) -> BlockDict:
    """A finding someone overrode: it no longer counts toward the status; who, when and why."""
    parts = [f"~{esc(f.rule)}~ · {_where(f)} · {esc(f.severity)}", esc(f.message, 1000), _override_note(f)]
    return section("\n".join(parts), button("Why?", f"why-{n}", f.rule[:MAX_VALUE]))


def check_report(
    report: ClaimReport, parsed: ParsedText, share_value: str | None = None, override: OverrideTarget | None = None
) -> list[Message]:
    """A claim check: status on top, findings grouped by severity, then what was not understood or checked.

    ``share_value`` (the claim text) adds a Share button to a private reply; ``override`` adds an Override
    button under each finding. Findings already overridden are listed last and do not count in the status.
    """
    active = [f for f in report.findings if f.override is None]
    overridden = [f for f in report.findings if f.override is not None]
    counts = {s: sum(1 for f in active if f.severity == s) for s in ("error", "warning", "info")}
    tally = ", ".join(f"{n} {s}{'s' if n > 1 else ''}" for s, n in counts.items() if n) or "no findings"
    if overridden:
        tally += f", {len(overridden)} overridden"
    blocks: list[BlockDict] = [header(f"{STATUS[report.status]} · {tally}"), context(claim_summary(parsed))]
    n = 0
    for severity in ("error", "warning", "info"):
        group = [f for f in active if f.severity == severity]
        if not group:
            continue
        blocks += [DIVIDER, section(f"*{SEVERITY_TITLE[severity]} ({len(group)})*")]
        for f in group:
            n += 1
            blocks.append(finding_block(f, n))
            if override is not None:
                blocks.append(override_button_block(f, n, override))
    if overridden:
        blocks += [DIVIDER, section(f"*:ballot_box_with_check: Overridden ({len(overridden)})*")]
        for f in overridden:
            n += 1
            blocks.append(overridden_block(f, n))
    extra = []
    if parsed.not_understood:
        extra.append("Not understood: " + esc(" ".join(parsed.not_understood), 300))
    extra += [esc(note) for note in parsed.notes]
    if report.unchecked:
        extra.append("Not checked: " + esc("; ".join(sorted({u.reason for u in report.unchecked})), 1200))
    if extra:
        blocks.append(context("\n".join(extra)))
    if share_value and len(share_value) <= MAX_VALUE:
        blocks.append({"type": "actions", "elements": [button("Share in channel", "share", share_value)]})
    text = f"Claim check: {report.status} ({tally})"
    return paginate(blocks, text, " Run `derm check` for the full report.")


# --- answers, suggestions, rules, help ---------------------------------------------------------


def answer(ans: Any) -> list[Message]:
    """An answer from the FAQ (``derm_core.faq.Answer``): the answer, computed lines, references, related entries."""
    confident = ans.entry is not None
    blocks = [section(esc(ans.answer) if confident else f":thinking_face: {esc(ans.answer)}")]
    if ans.lines:
        blocks.append(section(f"*Bill:* {_bill(ans.lines)}"))
    notes = []
    if ans.references:
        notes.append("References: " + esc("; ".join(ans.references), 1000))
    if ans.related:
        notes.append("Related: " + esc(" · ".join(_title(r) for r in ans.related[:5]), 1000))
    if notes:
        blocks.append(context("\n".join(notes)))
    return paginate(blocks, _clip(ans.answer, 150))


def _title(related: Any) -> str:
    return str(related.get("title") if isinstance(related, dict) else getattr(related, "title", related))


def suggestion(result: Any) -> list[Message]:
    """Lines to bill for a procedure (``derm_core.coding.Suggestion``)."""
    return paginate([section(f"*Bill:* {_bill(result.lines)}"), section(esc(result.explanation))], f"Bill: {lines_text(result.lines)}")


def doc_blocks(doc: str) -> list[BlockDict]:
    """A rule's documentation (``derm_core.render.rule_doc`` text), one section per paragraph;
    the example claims are shown as code."""
    blocks = []
    for para in doc.strip().split("\n\n"):
        lines = para.strip("\n").splitlines()
        if not lines:
            continue
        if len(lines) > 1:  # a label followed by claim lines
            body = esc("\n".join(lines[1:]))
            blocks.append(section(f"*{esc(lines[0])}*\n```{body}```" if lines[0].endswith(":") else esc(para)))
        else:
            blocks.append(section(esc(lines[0])))
    return blocks


def rule_message(rule_id: str, doc: str) -> list[Message]:
    return paginate([header(f"Rule {rule_id}"), *doc_blocks(doc)], f"Rule {rule_id}")


def rule_modal(rule_id: str, doc: str) -> dict[str, Any]:
    """The Why? modal: the rule's documentation."""
    blocks = doc_blocks(doc)[: MAX_VIEW_BLOCKS - 1]
    return {"type": "modal", "title": {"type": "plain_text", "text": _clip(f"Why? {rule_id}", 24)}, "close": _pt("Close"), "blocks": blocks}


def rules_list(rules: Iterable[Any]) -> list[Message]:
    rows = [f"`{esc(r.id)}` {esc(r.title)}" for r in rules]
    blocks = [header("Rules"), context("`/derm rule DRM110` explains one rule.")]
    chunk: list[str] = []
    for row in rows:
        if sum(len(r) + 1 for r in chunk) + len(row) > 2800:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(row)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return paginate(blocks, "Rules")


HELP = [
    ("`/derm check 99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare`", "checks a claim pasted the way you write it. Only you see the result; press *Share in channel* to show it."),
    ("`/derm ask can I bill 17000 and 17003 on the same day?`", "answers a coding question."),
    ("`/derm suggest mohs cheek stages 7,3`", "gives the lines to bill for a procedure."),
    ("`/derm rule DRM110`", "explains a rule (`/derm rule` lists them)."),
    ("`/derm <anything>`", "works out what you meant: codes and diagnoses are checked, questions are answered."),
    ("Mention me or message me", "the same, answered in the thread."),
    ("*Check this claim* (message menu)", "checks a claim someone posted, privately."),
    ("Drop a charge sheet (.xlsx or .csv) in a DM", "returns the annotated workbook and a summary."),
    ("*Override* under a finding", "records why it does not apply to this claim; name the claim (`claim A1001 ...`) and re-checks show it."),
    ("`/derm denials`", "for billing managers: what keeps getting denied, from the practice's remittances (also: drop an 835 file in a DM)."),
    ("`/derm admin`", "for rules admins: publish the rules workbook, history, rollback, override counts."),
]
PHI_REMINDER = "Post codes only: never names, dates of birth, MRNs, phone or Social Security numbers."


def help_blocks() -> list[BlockDict]:
    lines = "\n".join(f"• {cmd}: {what}" for cmd, what in HELP)
    return [header("Derm billing checker"), section(lines), context(f":lock: {PHI_REMINDER}")]


def help_message() -> list[Message]:
    return [message(help_blocks(), "Derm billing checker: /derm check, ask, suggest, rule, help")]


def home(versions: dict[str, Any], sheets: bool) -> dict[str, Any]:
    """The App Home tab: what the bot can do, the ruleset version and the data it is based on."""
    data = [
        f"*Ruleset:* {esc(versions.get('ruleset'))}",
        f"*ICD-10-CM:* {esc(versions.get('icd10cm'))}",
        f"*Code table:* {esc(versions.get('code_table'))}",
        f"*NCCI:* {esc(versions.get('ncci') or 'not loaded (pair edits and unit limits are not checked)')}",
    ]
    sheet_note = "Charge sheets: drop an .xlsx or .csv in a DM." if sheets else "Charge sheets in Slack are not supported yet."
    blocks = [*help_blocks(), DIVIDER, section("\n".join(data)), context(sheet_note)]
    return {"type": "home", "blocks": blocks}


def _pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def claim_input_modal() -> dict[str, Any]:
    """The global shortcut's modal: paste a claim, get the check in the same modal."""
    return {
        "type": "modal",
        "callback_id": "check_claim_modal",
        "title": _pt("Check a claim"),
        "submit": _pt("Check"),
        "close": _pt("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "claim",
                "label": _pt("Claim (codes only)"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": 3000,
                    "placeholder": _pt("99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare"),
                },
            },
            context(f":lock: {PHI_REMINDER}"),
        ],
    }


def result_modal(messages: list[Message]) -> dict[str, Any]:
    """A reply shown in a modal (the global shortcut's result)."""
    blocks = [b for m in messages for b in m["blocks"] if b["type"] != "actions"][:MAX_VIEW_BLOCKS]
    return {"type": "modal", "title": _pt("Claim check"), "close": _pt("Done"), "blocks": blocks}


# --- charge sheets -----------------------------------------------------------------------------


def sheet_progress(filename: str, done: int = 0, total: int = 0) -> Message:
    share = f" {100 * done // total}%" if total else ""
    return message([section(f":hourglass_flowing_sand: Checking *{esc(filename, 200)}*…{share}")], f"Checking your charge sheet…{share}")


def sheet_summary(filename: str, summary: Any) -> list[Message]:
    """The summary of a checked sheet (``charge_sheets.SheetSummary``): rows, claims, statuses, top rules."""
    by_status = dict(getattr(summary, "by_status", {}) or {})
    rules = sorted(dict(getattr(summary, "findings_by_rule", {}) or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    worst = "error" if by_status.get("error") else ("warning" if by_status.get("warning") else "clean")
    lines = [
        f"*Rows checked:* {getattr(summary, 'rows_checked', 0):,} · *claims:* {getattr(summary, 'claims', 0):,}",
        "*Claims by status:* " + (" · ".join(f"{esc(k)} {v:,}" for k, v in sorted(by_status.items())) or "none"),
    ]
    if rules:
        lines.append("*Top rules:* " + ", ".join(f"`{esc(r)}` ×{n:,}" for r, n in rules))
    blocks = [header(f"{STATUS[worst]} · {_clip(filename, 100)}"), section("\n".join(lines)), context("The annotated workbook is attached in this thread.")]
    return [message(blocks, f"Charge sheet checked: {by_status.get('error', 0)} claims with errors")]


# --- overrides -----------------------------------------------------------------------------------

_SLACK_AUTHOR = re.compile(r"^slack:([UW][A-Z0-9]{1,30})$")
OVERRIDE_REASON_MAX = 500


def who(author: str) -> str:
    """An author or user as Slack shows it: ``slack:U123`` becomes a mention (Slack renders the name).

    >>> who("slack:U0123ABC"), who("Ann <Admin>")
    ('<@U0123ABC>', 'Ann &lt;Admin&gt;')
    """
    m = _SLACK_AUTHOR.match(author)
    return f"<@{m.group(1)}>" if m else esc(author, 100)


def claim_label(claim_ref: str, line: int | None) -> str:
    """``claim A1001, line 2`` (escaped); a pasted claim without an id is *this claim*."""
    what = "this claim" if claim_ref.startswith("text:") else f"claim {esc(claim_ref, 60)}"
    return what + (f", line {line + 1}" if line is not None else "")


def override_modal(metadata: str, rule_id: str, title: str, claim_ref: str, line: int | None, ask_claim_id: bool) -> dict[str, Any]:
    """The Override button's modal: a reason (required) and, for a pasted claim without an id, the claim's id (optional)."""
    blocks: list[BlockDict] = [
        section(f"Override *{esc(rule_id)}* ({esc(title, 200)}) on {claim_label(claim_ref, line)}."),
        {
            "type": "input",
            "block_id": "reason",
            "label": _pt("Why does this finding not apply?"),
            "element": {
                "type": "plain_text_input",
                "action_id": "text",
                "multiline": True,
                "min_length": 3,
                "max_length": OVERRIDE_REASON_MAX,
                "placeholder": _pt("e.g. Two distinct sites, documented in the note"),
            },
        },
    ]
    if ask_claim_id:
        blocks.append(
            {
                "type": "input",
                "block_id": "claim",
                "optional": True,
                "label": _pt("Claim ID (optional)"),
                "hint": _pt("With the claim's ID, checks that name it (claim A1001 ...) show this override."),
                "element": {"type": "plain_text_input", "action_id": "text", "max_length": 40, "placeholder": _pt("A1001")},
            }
        )
    blocks.append(context(f":lock: Codes and reasons only: no patient details. {OVERRIDE_KEPT}"))
    return {
        "type": "modal",
        "callback_id": "override",
        "private_metadata": metadata,
        "title": _pt("Override finding"),
        "submit": _pt("Override"),
        "close": _pt("Cancel"),
        "blocks": blocks,
    }


OVERRIDE_KEPT = "The override is kept with your name, the time and the reason; admins review overrides per rule every week."


def override_recorded(rule_id: str, claim_ref: str, line: int | None, user: str, reason: str) -> list[Message]:
    where = claim_label(claim_ref, line)
    later = (
        f"Checks of claim {esc(claim_ref, 60)} show this finding as overridden."
        if not claim_ref.startswith("text:")
        else "Put the claim's ID in the text (`claim A1001 ...`) so that re-checks show the override."
    )
    text = f"Override recorded: *{esc(rule_id)}* on {where}, by {who(user)}. Reason: {esc(reason, OVERRIDE_REASON_MAX)}\n{later}"
    return [message([section(f":ballot_box_with_check: {text}")], f"Override recorded: {rule_id}")]


def override_done_modal(messages: list[Message]) -> dict[str, Any]:
    """The confirmation in the modal itself (when there is no conversation to answer in)."""
    blocks = [b for m in messages for b in m["blocks"]][:MAX_VIEW_BLOCKS]
    return {"type": "modal", "title": _pt("Override recorded"), "close": _pt("Done"), "blocks": blocks}


# --- rules administration ----------------------------------------------------------------------

ADMIN_HELP = [
    ("Upload the rules workbook (.xlsx) to me in a DM", "I list its problems, or show its changes with *Publish* and *Cancel*."),
    ("`/derm admin export`", "sends you the current rules workbook to edit."),
    ("`/derm admin history`", "the versions: number, time, author, reason, changes (`/derm admin history 25` for more)."),
    ("`/derm admin rollback 12 [reason]`", "makes version 12's tables current again, as a new version."),
    ("`/derm admin overrides [days|all]`", "how often billers overrode each rule (`/derm admin overrides DRM050` lists them)."),
]
_BUDGET = 8500  # characters of list text in one message, leaving room for the rest within MAX_MESSAGE_CHARS


def admin_help() -> list[Message]:
    lines = "\n".join(f"• {cmd}: {what}" for cmd, what in ADMIN_HELP)
    return [message([header("Rules admin"), section(lines), context(f":lock: {PHI_REMINDER}")], "Rules admin: /derm admin history, rollback, overrides, export")]


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
        where = ", ".join(([f"row {p.row}"] if p.row is not None else []) + ([f"column {esc(p.column, 80)}"] if p.column else [])) or "the sheet"
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


def rules_review(filename: str, changes: Sequence[Any], base: int, token: str) -> tuple[Message, bool]:
    """A valid rules workbook: its changes against the current version, with **Publish** and **Cancel**.
    The bool says the diff was too long for the message (the caller attaches it as a file)."""
    n = len(changes)
    listed, left = _list_sections(change_lines(changes), budget=_BUDGET - 600, code=True)
    blocks = [
        header(f":memo: Rules workbook · {n} change{'s' if n != 1 else ''} to version {base}"),
        context(f"*{esc(filename, 200)}* · {change_summary(changes)}"),
        *listed,
    ]
    if left:
        blocks.append(context(f"_{left} more change(s) are in the attached diff._"))
    blocks += [
        context("`+` added · `-` removed · `~` changed. *Publish* makes this version current for the bot and every Excel user within seconds."),
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


def publish_modal(token: str, filename: str, changes: int, base: int, reason: str = "") -> dict[str, Any]:
    """Asks the admin why (kept in the history) before publishing the uploaded workbook."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "text",
        "multiline": True,
        "min_length": 3,
        "max_length": 500,
        "placeholder": _pt("e.g. Weekly: Aetna excimer PA, FAQ 17003 fix"),
    }
    if reason:
        element["initial_value"] = _clip(reason, 500)
    return {
        "type": "modal",
        "callback_id": "admin_publish",
        "private_metadata": token,
        "title": _pt("Publish rules"),
        "submit": _pt("Publish"),
        "close": _pt("Back"),
        "blocks": [
            section(f"Publish *{changes} change{'s' if changes != 1 else ''}* from *{esc(filename, 200)}* on top of version {base}?"),
            {"type": "input", "block_id": "reason", "label": _pt("Reason (kept in the history)"), "element": element},
            context("Every front end checks with the new version within seconds. `/derm admin rollback N` undoes it."),
        ],
    }


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
    blocks = [header("Rules history"), *listed, context("`/derm admin rollback N` makes version N's tables current again (as a new version).")]
    return paginate(blocks, f"Rules history: version {head} is current")


def rollback_message(target: int, number: int | None, changes: Sequence[Any], author: str) -> list[Message]:
    """The result of ``/derm admin rollback``."""
    if number is None:
        return notice(f"Version {target} has the same tables as the current version: nothing was published.")
    listed, left = _list_sections(change_lines(changes), code=True)
    blocks = [
        section(f":leftwards_arrow_with_hook: Version {target}'s tables are current again, as version *{number}* (by {who(author)})."),
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


# --- rendering as text (derm chat) and validation -----------------------------------------------

_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def unescape(text: str) -> str:
    """Slack's text with ``&amp;``, ``&lt;``, ``&gt;`` turned back into characters (the inverse of :func:`esc`).

    >>> unescape("17000 &lt;!here&gt; &amp;")
    '17000 <!here> &'
    """
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def to_text(blocks: Iterable[BlockDict]) -> str:
    """A reply as terminal text (``derm chat``): Why? buttons become ``derm rule`` hints."""
    out: list[str] = []
    for b in blocks:
        kind = b["type"]
        if kind == "header":
            title = b["text"]["text"]
            out += [title, "=" * min(len(title), 60)]
        elif kind == "section":
            out.append(unescape(b["text"]["text"]))
            acc = b.get("accessory")
            if acc and acc.get("action_id", "").startswith("why"):
                out.append(f"  (why? derm rule {acc['value']})")
        elif kind == "context":
            out.append("  " + unescape(" ".join(e.get("text", "") for e in b["elements"])))
        elif kind == "divider":
            out.append("-" * 40)
    return "\n".join(out)


def check_message(msg: Message) -> None:
    """Raise ValueError unless Slack would accept ``msg``: every block valid for slack_sdk's models,
    at most 50 blocks, the blocks JSON within the size Slack accepts, the fallback text within limits."""
    blocks = msg.get("blocks", [])
    if not msg.get("text") or len(msg["text"]) > MAX_TEXT:
        raise ValueError("message text missing or too long")
    if not 0 < len(blocks) <= MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks in one message (at most {MAX_BLOCKS})")
    if len(json.dumps(blocks)) > MAX_MESSAGE_CHARS:
        raise ValueError("blocks JSON larger than Slack accepts")
    _parse(blocks)


def check_view(view: dict[str, Any]) -> None:
    """Raise unless ``view`` (modal or Home tab) is valid for slack_sdk's View model and Slack's limits."""
    if not 0 < len(view.get("blocks", [])) <= MAX_VIEW_BLOCKS:
        raise ValueError("a view holds 1 to 100 blocks")
    View(**view).to_dict()
    _parse(view["blocks"])


def _parse(blocks: list[BlockDict]) -> None:
    for b in blocks:
        parsed = Block.parse(b)
        if parsed is None:
            raise ValueError(f"unknown block type {b.get('type')!r}")
        if parsed.to_dict() != b:
            raise ValueError(f"block did not round-trip: {b.get('type')}")
