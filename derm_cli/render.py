"""Terminal output for ``derm check``: the report as rich tables, one panel per claim."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from derm_core.models import Claim, Report
from derm_core.render import bill_text, category_text

STATUS_STYLE = {"clean": "bold green", "warning": "bold yellow", "error": "bold red"}
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def report_table(report: Report, claims: Sequence[Claim] = ()) -> Group:
    """One panel per claim; with the claims, each fix's Bill: line shows the whole corrected claim."""
    items: list = [Text(f"Ruleset {report.ruleset.version} · {report.data.get('icd10cm')}", style="dim")]
    for n, c in enumerate(report.claims):
        claim = claims[n] if n < len(claims) else None
        table = Table(show_header=True, header_style="bold", expand=True, show_lines=True)
        table.add_column("Sev", width=7)
        table.add_column("Rule", width=7)
        table.add_column("Lines", width=6)
        table.add_column("Finding")
        table.add_column("Fix")
        for f in c.findings:
            if f.duplicate_of and not f.override:
                continue  # shown once, on the finding it repeats
            fix = f.fix or ""
            if bill := bill_text(f, claim):
                fix += f"\nBill: {bill}"
            finding = f"{f.message}\n[dim]{category_text(f.category)}" + (f" · also {', '.join(f.related)}" if f.related else "") + "[/dim]"
            if f.override:
                o = f.override
                finding += f"\n[dim]Overridden by {escape(o.user)} ({o.day}): {escape(o.reason)}[/dim]"
            table.add_row(
                Text(f.severity, style="dim strike" if f.override else SEVERITY_STYLE[f.severity]),
                f.rule,
                ",".join(str(i + 1) for i in f.lines) or "claim",
                finding,
                fix,
            )
        body: list = [table] if c.findings else [Text("No findings.", style="green")]
        if c.unchecked:
            body.append(Text("Not checked: " + "; ".join(u.reason for u in c.unchecked), style="dim"))
        items.append(
            Panel(Group(*body), title=Text(f"Claim {c.claim_id} · {c.status.upper()}", style=STATUS_STYLE[c.status]), title_align="left")
        )
    return Group(*items)
