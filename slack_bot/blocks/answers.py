"""Answers, suggestions, rule documentation, help, the App Home tab and the claim-input modal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from derm_core.render import lines_text

from .base import (
    DIVIDER,
    MAX_VIEW_BLOCKS,
    PHI_REMINDER,
    BlockDict,
    Message,
    _clip,
    bill,
    context,
    esc,
    header,
    message,
    paginate,
    plain_text,
    references,
    section,
)

# --- answers, suggestions, rules, help ---------------------------------------------------------


def answer(ans: Any) -> list[Message]:
    """An answer from the FAQ (``derm_core.faq.Answer``): the answer, computed lines, references, related entries."""
    confident = ans.entry is not None
    blocks = [section(esc(ans.answer) if confident else f":thinking_face: {esc(ans.answer)}")]
    if ans.lines:
        blocks.append(section(f"*Bill:* {bill(ans.lines)}"))
    notes = []
    if ans.references:
        notes.append("References: " + references(ans.references))
    if ans.related:
        notes.append("Related: " + esc(" · ".join(_title(r) for r in ans.related[:5]), 1000))
    if notes:
        blocks.append(context("\n".join(notes)))
    return paginate(blocks, _clip(ans.answer, 150))


def _title(related: Any) -> str:
    return str(related.get("title") if isinstance(related, dict) else getattr(related, "title", related))


def suggestion(result: Any) -> list[Message]:
    """Lines to bill for a procedure (``derm_core.coding.Suggestion``)."""
    return paginate([section(f"*Bill:* {bill(result.lines)}"), section(esc(result.explanation))], f"Bill: {lines_text(result.lines)}")


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
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": _clip(f"Why? {rule_id}", 24)},
        "close": plain_text("Close"),
        "blocks": blocks,
    }


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
    (
        "`/derm check 99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare`",
        "checks a claim pasted the way you write it. Only you see the result; press *Share in channel* to show it.",
    ),
    ("`/derm ask can I bill 17000 and 17003 on the same day?`", "answers a coding question."),
    ("`/derm suggest mohs cheek stages 7,3`", "gives the lines to bill for a procedure."),
    ("`/derm rule DRM110`", "explains a rule (`/derm rule` lists them)."),
    ("`/derm <anything>`", "works out what you meant: codes and diagnoses are checked, questions are answered."),
    ("Mention me or message me", "the same, answered in the thread."),
    ("*Check this claim* (message menu)", "checks a claim someone posted, privately."),
    ("Drop a charge sheet (.xlsx or .csv) in a DM", "returns the annotated workbook and a summary."),
    (
        "*Override* under a finding",
        "records why it does not apply to this claim; name the claim (`claim A1001 ...`) and re-checks show it.",
    ),
    (
        "`/derm denials`",
        "for billing managers: what keeps getting denied, from the practice's remittances (also: drop an 835 file in a DM).",
    ),
    ("`/derm admin`", "for rules admins: publish the rules workbook, history, rollback, override counts."),
]


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


def claim_input_modal() -> dict[str, Any]:
    """The global shortcut's modal: paste a claim, get the check in the same modal."""
    return {
        "type": "modal",
        "callback_id": "check_claim_modal",
        "title": plain_text("Check a claim"),
        "submit": plain_text("Check"),
        "close": plain_text("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "claim",
                "label": plain_text("Claim (codes only)"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": 3000,
                    "placeholder": plain_text("99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare"),
                },
            },
            context(f":lock: {PHI_REMINDER}"),
        ],
    }


def result_modal(messages: list[Message]) -> dict[str, Any]:
    """A reply shown in a modal (the global shortcut's result)."""
    blocks = [b for m in messages for b in m["blocks"] if b["type"] != "actions"][:MAX_VIEW_BLOCKS]
    return {"type": "modal", "title": plain_text("Claim check"), "close": plain_text("Done"), "blocks": blocks}
