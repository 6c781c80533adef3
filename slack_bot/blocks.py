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
    items = [f"{ln.code}{''.join('-' + m for m in ln.modifiers)} x{ln.units}" for ln in c.lines]
    if c.diagnoses:
        items.append("dx " + ", ".join(c.diagnoses))
    if c.payer:
        items.append(c.payer.name or c.payer.type.value)
    if c.date_of_service:
        items.append(f"DOS {c.date_of_service.isoformat()}")
    return esc(" · ".join(items), 1500)


def check_report(report: ClaimReport, parsed: ParsedText, share_value: str | None = None) -> list[Message]:
    """A claim check: status on top, findings grouped by severity, then what was not understood or checked.

    ``share_value`` (the claim text) adds a Share button to a private reply.
    """
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("error", "warning", "info")}
    tally = ", ".join(f"{n} {s}{'s' if n > 1 else ''}" for s, n in counts.items() if n) or "no findings"
    blocks: list[BlockDict] = [header(f"{STATUS[report.status]} · {tally}"), context(claim_summary(parsed))]
    n = 0
    for severity in ("error", "warning", "info"):
        group = [f for f in report.findings if f.severity == severity]
        if not group:
            continue
        blocks += [DIVIDER, section(f"*{SEVERITY_TITLE[severity]} ({len(group)})*")]
        for f in group:
            n += 1
            blocks.append(finding_block(f, n))
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
    """The summary of a checked sheet (``excel_addin.sheet.SheetSummary``): rows, claims, statuses, top rules."""
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
