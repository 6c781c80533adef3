"""Charge sheets checked in a DM: progress and the summary."""

from __future__ import annotations

from typing import Any

from .base import (
    STATUS,
    Message,
    _clip,
    context,
    esc,
    header,
    message,
    section,
)

# --- charge sheets -----------------------------------------------------------------------------


def sheet_progress(filename: str, done: int = 0, total: int = 0) -> Message:
    share = f" {100 * done // total}%" if total else ""
    return message([section(f":hourglass_flowing_sand: Checking *{esc(filename, 200)}*…{share}")], f"Checking your charge sheet…{share}")


def identifiers_note(stripped: Any) -> str | None:
    """What was taken out of the sheet before it came back (``deidentify.Stripped``), escaped; None when nothing was."""
    if stripped is None or not stripped.changed:
        return None
    by_why: dict[str, list[str]] = {}
    for c in stripped.removed:
        by_why.setdefault(c.why, []).append(esc(c.label(), 80))
    words = {"header": "by their header", "content": "by what they hold", "unread": "not read through in time, so taken out"}
    parts = [f"column{'s' if len(cols) > 1 else ''} {', '.join(cols)} ({words[why]})" for why, cols in by_why.items()]
    lines = [":lock: *Taken out before sending it back* (patient identifiers): " + "; ".join(parts) + "."] if parts else []
    lines += [
        f"Column {c.letter} (the patient) shows P1, P2, … instead, so rows stay grouped into the same claims."
        for c in stripped.pseudonymised
    ]
    if stripped.sheets_left_out:
        lines.append(f"{stripped.sheets_left_out} sheet(s) without charge lines were left out.")
    if stripped.title_rows:
        lines.append("The rows above the header were left empty.")
    return _clip("\n".join(lines), 2900)


def sheet_summary(filename: str, summary: Any, stripped: Any = None) -> list[Message]:
    """The summary of a checked sheet (``charge_sheets.SheetSummary``): rows, claims, statuses, top rules, and what
    was taken out of it (``deidentify.Stripped``)."""
    by_status = dict(getattr(summary, "by_status", {}) or {})
    rules = sorted(dict(getattr(summary, "findings_by_rule", {}) or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    worst = "error" if by_status.get("error") else ("warning" if by_status.get("warning") else "clean")
    lines = [
        f"*Rows checked:* {getattr(summary, 'rows_checked', 0):,} · *claims:* {getattr(summary, 'claims', 0):,}",
        "*Claims by status:* " + (" · ".join(f"{esc(k)} {v:,}" for k, v in sorted(by_status.items())) or "none"),
    ]
    if rules:
        lines.append("*Top rules:* " + ", ".join(f"`{esc(r)}` ×{n:,}" for r, n in rules))
    blocks = [header(f"{STATUS[worst]} · {_clip(filename, 100)}"), section("\n".join(lines))]
    if (note := identifiers_note(stripped)) is not None:
        blocks.append(section(note))
    blocks.append(context("The annotated workbook is attached in this thread."))
    return [message(blocks, f"Charge sheet checked: {by_status.get('error', 0)} claims with errors")]
