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
    blocks = [
        header(f"{STATUS[worst]} · {_clip(filename, 100)}"),
        section("\n".join(lines)),
        context("The annotated workbook is attached in this thread."),
    ]
    return [message(blocks, f"Charge sheet checked: {by_status.get('error', 0)} claims with errors")]
