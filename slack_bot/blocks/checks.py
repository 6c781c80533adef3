"""Claim checks: the report (status, findings by severity, what was not understood), Override buttons, and the
override modal and confirmation."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from derm_core.models import Claim, ClaimReport, Finding, Payer
from derm_core.render import CATEGORY_LABELS, bill_text
from derm_core.rules.text import kinds_text
from derm_core.textclaim import ParsedText

from .base import (
    DIVIDER,
    MAX_VALUE,
    MAX_VIEW_BLOCKS,
    SEVERITY_TITLE,
    STATUS,
    BlockDict,
    Message,
    button,
    claim_label,
    context,
    esc,
    header,
    message,
    paginate,
    plain_text,
    references,
    section,
    who,
)

# --- claim checks -----------------------------------------------------------------------------


def _where(f: Finding) -> str:
    if not f.lines:
        return "claim"
    return ("lines " if len(f.lines) > 1 else "line ") + ", ".join(str(i + 1) for i in f.lines)


def finding_block(f: Finding, n: int, claim: Claim | None = None) -> BlockDict:
    """One finding: rule, where, category, message, fix, what to bill (the whole corrected claim when ``claim`` is
    given), references, and a Why? button."""
    also = f" (also {esc(', '.join(f.related))})" if f.related else ""
    parts = [f"*{esc(f.rule)}*{also} · {_where(f)} · _{esc(CATEGORY_LABELS[f.category])}_", esc(f.message)]
    if f.fix:
        parts.append(f"*Fix:* {esc(f.fix)}")
    if corrected_lines := bill_text(f, claim):
        parts.append(f"*Bill:* `{esc(corrected_lines)}`")
    if f.likely_denial:
        parts.append(f"Likely denial: {esc(f.likely_denial)}")
    if f.references:
        parts.append(f"_References: {references(f.references, 600)}_")
    return section("\n".join(parts), button("Why?", f"why-{n}", f.rule[:MAX_VALUE]))


PAYER_TYPE_LABEL = {"medicare": "Medicare", "medicaid": "Medicaid", "commercial": "commercial payer", "self_pay": "self-pay"}


def payer_label(payer: Payer | None, known_payers: Collection[str] = ()) -> str | None:
    """The payer as a reply shows it: its name when the name is a payer we know (``known_payers``, lower case: the
    vocabulary's and the ruleset's), else only its type; a name typed freely is not repeated.

    >>> payer_label(Payer(type="commercial", name="Aetna"), {"aetna"}), payer_label(Payer(type="commercial", name="J Doe"))
    ('Aetna', 'commercial payer')
    """
    if payer is None:
        return None
    if payer.name and payer.name.casefold() in known_payers:
        return payer.name
    return PAYER_TYPE_LABEL.get(payer.type.value, payer.type.value)


def claim_summary(parsed: ParsedText, known_payers: Collection[str] = ()) -> str:
    """``99213-25 x1 · 17000 x1 · dx L57.0 · Medicare · DOS 2026-03-02``, escaped: the parsed claim only."""
    c = parsed.claim
    items = [f"claim {c.claim_id}"] if c.claim_id else []
    items += [f"{ln.code}{''.join('-' + m for m in ln.modifiers)} x{ln.units}" for ln in c.lines]
    if c.diagnoses:
        items.append("dx " + ", ".join(c.diagnoses))
    if (payer := payer_label(c.payer, known_payers)) is not None:
        items.append(payer)
    if c.date_of_service:
        items.append(f"DOS {c.date_of_service.isoformat()}")
    return esc(" · ".join(items), 1500)


def not_understood_note(tokens: Sequence[str]) -> str:
    """What was not understood, by kind and count only: the words themselves are never repeated (a name the
    detector missed would otherwise come back to the channel).

    >>> not_understood_note(["Zebra", "Doe", "-ZZ", "1234"])
    '2 words, 1 modifier and 1 number not understood (not shown: post codes only).'
    """
    return f"{kinds_text(tokens)} not understood (not shown: post codes only)."


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
    report: ClaimReport,
    parsed: ParsedText,
    share_value: str | None = None,
    override: OverrideTarget | None = None,
    known_payers: Collection[str] = (),
) -> list[Message]:
    """A claim check: status on top, findings grouped by severity, then what was not understood (counted, never
    quoted) or checked.

    ``share_value`` (the parsed claim written out again, never the pasted text) adds a Share button to a private
    reply; ``override`` adds an Override button under each finding. Findings already overridden are listed last and
    do not count in the status. ``known_payers``: payer names that may be shown (see :func:`payer_label`).
    """
    active = [f for f in report.findings if f.override is None]
    overridden = [f for f in report.findings if f.override is not None]
    counts = {s: sum(1 for f in active if f.severity == s) for s in ("error", "warning", "info")}
    tally = ", ".join(f"{n} {s}{'s' if n > 1 else ''}" for s, n in counts.items() if n) or "no findings"
    if overridden:
        tally += f", {len(overridden)} overridden"
    blocks: list[BlockDict] = [header(f"{STATUS[report.status]} · {tally}"), context(claim_summary(parsed, known_payers))]
    n = 0
    for severity in ("error", "warning", "info"):
        group = [f for f in active if f.severity == severity]
        if not group:
            continue
        blocks += [DIVIDER, section(f"*{SEVERITY_TITLE[severity]} ({len(group)})*")]
        for f in group:
            n += 1
            blocks.append(finding_block(f, n, parsed.claim))
            if override is not None:
                blocks.append(override_button_block(f, n, override))
    if overridden:
        blocks += [DIVIDER, section(f"*:ballot_box_with_check: Overridden ({len(overridden)})*")]
        for f in overridden:
            n += 1
            blocks.append(overridden_block(f, n))
    extra = []
    if parsed.not_understood:
        extra.append(not_understood_note(parsed.not_understood))
    extra += [esc(note) for note in parsed.notes]
    if report.unchecked:
        extra.append("Not checked: " + esc("; ".join(sorted({u.reason for u in report.unchecked})), 1200))
    if extra:
        blocks.append(context("\n".join(extra)))
    if share_value and len(share_value) <= MAX_VALUE:
        blocks.append({"type": "actions", "elements": [button("Share in channel", "share", share_value)]})
    text = f"Claim check: {report.status} ({tally})"
    return paginate(blocks, text, " Run `derm check` for the full report.")


# --- overrides -----------------------------------------------------------------------------------

OVERRIDE_REASON_MAX = 500


def override_modal(metadata: str, rule_id: str, title: str, claim_ref: str, line: int | None, ask_claim_id: bool) -> dict[str, Any]:
    """The Override button's modal: a reason (required) and, for a pasted claim without an id, the claim's id (optional)."""
    blocks: list[BlockDict] = [
        section(f"Override *{esc(rule_id)}* ({esc(title, 200)}) on {claim_label(claim_ref, line)}."),
        {
            "type": "input",
            "block_id": "reason",
            "label": plain_text("Why does this finding not apply?"),
            "element": {
                "type": "plain_text_input",
                "action_id": "text",
                "multiline": True,
                "min_length": 3,
                "max_length": OVERRIDE_REASON_MAX,
                "placeholder": plain_text("e.g. Two distinct sites, documented in the note"),
            },
        },
    ]
    if ask_claim_id:
        blocks.append(
            {
                "type": "input",
                "block_id": "claim",
                "optional": True,
                "label": plain_text("Claim ID (optional)"),
                "hint": plain_text("With the claim's ID, checks that name it (claim A1001 ...) show this override."),
                "element": {"type": "plain_text_input", "action_id": "text", "max_length": 40, "placeholder": plain_text("A1001")},
            }
        )
    blocks.append(context(f":lock: Codes and reasons only: no patient details. {OVERRIDE_KEPT}"))
    return {
        "type": "modal",
        "callback_id": "override",
        "private_metadata": metadata,
        "title": plain_text("Override finding"),
        "submit": plain_text("Override"),
        "close": plain_text("Cancel"),
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
    return {"type": "modal", "title": plain_text("Override recorded"), "close": plain_text("Done"), "blocks": blocks}
