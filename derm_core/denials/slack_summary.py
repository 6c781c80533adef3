"""What the Slack bot posts for ``/derm denials``: a PNG chart and Block Kit blocks, from aggregated figures
only (reasons, codes, payers, months, KPIs). No claim numbers, patients or providers are ever put in them.

Both are pure functions of an :class:`~derm_core.denials.analysis.Analysis`, so the bot (and its tests) call
them without Slack.
"""

from __future__ import annotations

import io
from typing import Any

from .analysis import CLAIM_LEVEL, Analysis

# Slack's limits (see the project's technical notes): header 150 characters, section text 3000, 10 fields.
_HEADER_MAX = 150
_TEXT_MAX = 3000
_KPI_FIELDS = (
    ("denial_rate", "Denial rate"),
    ("clean_claim_rate", "Clean claim rate"),
    ("mohs_revenue_capture", "Mohs revenue capture"),
    ("medical_necessity_approval_rate", "Medical-necessity approval"),
    ("laser_destruction_coding_accuracy", "Laser/destruction coding accuracy"),
)


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1%}"


def _period(a: Analysis) -> str:
    months = [t.month for t in a.trend]
    return f"{months[0]} to {months[-1]}" if len(months) > 1 else (months[0] if months else "no remittances")


def denials_summary_blocks(a: Analysis, top: int = 5) -> list[dict[str, Any]]:
    """Block Kit blocks summarising an analysis: KPIs, the costliest patterns, the trend, what the checker missed.

    >>> from derm_core.denials.analysis import analyze
    >>> from derm_core.denials.model import ReadResult
    >>> blocks = denials_summary_blocks(analyze(ReadResult()))
    >>> blocks[0]["type"], blocks[0]["text"]["text"]
    ('header', 'Denials: no remittances')
    """
    t = a.totals
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Denials: {_period(a)}"[:_HEADER_MAX]}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{int(t.get('denied_claims', 0))}* of *{int(t.get('claims', 0))}* claims had a denial; "
                f"*${t.get('denied_amount', 0):,.2f}* denied of ${t.get('billed', 0):,.2f} billed.",
            },
            "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{_pct(a.kpis[key].value)}"} for key, label in _KPI_FIELDS if key in a.kpis],
        },
    ]
    if a.patterns:
        lines = [
            f"{i}. *{p.group}-{p.reason}* on {p.code if p.code != CLAIM_LEVEL else 'whole claims'} at {p.payer or 'unnamed payer'}: "
            f"{p.count} x, ${p.amount:,.2f}. {p.action}."
            for i, p in enumerate(a.patterns[:top], 1)
        ]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": ("*Costliest patterns*\n" + "\n".join(lines))[:_TEXT_MAX]}})
    if len(a.trend) > 1:
        last, prev = a.trend[-1], a.trend[-2]
        change = last.denied_amount - prev.denied_amount
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*Trend*: {last.month} denied ${last.denied_amount:,.2f} "
                    f"({'+' if change >= 0 else '-'}${abs(change):,.2f} against {prev.month}); denial rate {_pct(last.denial_rate)}.",
                },
            }
        )
    if a.matching is not None:
        o = a.matching.outcomes
        text = (
            f"*Against the checker*: caught but submitted {o['caught_and_ignored']['count']} lines (${o['caught_and_ignored']['amount']:,.2f}), "
            f"missed {o['missed']['count']} (${o['missed']['amount']:,.2f}), not a coding problem {o['not_coding']['count']}."
        )
        if a.matching.missed:
            m = a.matching.missed[0]
            text += f" Biggest miss: {m.group}-{m.reason} on {m.code} at {m.payer} ({m.count} x, ${m.amount:,.2f})."
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:_TEXT_MAX]}})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Aggregated figures only. Reason-code table {a.code_table}."}]}
    )
    return blocks


def chart_png(a: Analysis, top: int = 8) -> bytes:
    """A PNG with two charts: denied dollars by reason (the costliest ``top``) and by month."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    reasons = a.by_reason[:top][::-1]
    left.barh([r.key for r in reasons], [r.amount for r in reasons], color="#C55A11")
    left.set_title("Denied $ by reason")
    left.tick_params(axis="y", labelsize=9)
    right.bar([t.month for t in a.trend], [t.denied_amount for t in a.trend], color="#1F4E78")
    right.set_title("Denied $ by month")
    right.tick_params(axis="x", labelrotation=45, labelsize=8)
    for ax in (left, right):
        ax.grid(axis="x" if ax is left else "y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
