"""The denial report workbook: a summary with KPIs and native Excel charts, the patterns, what the checker
missed, the matching against check reports, and the codes seen. Aggregates and claim numbers only: no
patient names, member ids or birth dates are ever in an analysis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .analysis import CLAIM_LEVEL, Analysis, Breakdown
from .codes import ACTION_TEXT, table

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="top")
MONEY = '"$"#,##0.00'
PERCENT = "0.0%"
# What kind of problem a reason is, as a fill on its row (legend on the Codes sheet and the Summary).
PROBLEM_FILL = {
    "coding": ("F8CBAD", "Coding: the checker can prevent it"),
    "authorization": ("D9C3E9", "Authorization: prior authorization missing or exceeded"),
    "coverage": ("FFE699", "Coverage: medical necessity or a non-covered (often cosmetic) service"),
    "duplicate": ("F4B084", "Duplicate billing"),
    "eligibility": ("BDD7EE", "Eligibility: not a coding problem (insurer, coverage dates)"),
    "timely_filing": ("C9C9C9", "Timely filing: not a coding problem"),
    "benefit_limit": ("DDEBF7", "Benefit limit reached: not a coding problem"),
    "unknown": ("EDEDED", "Unknown code: not in our table"),
}
KPI_LABELS = {
    "denial_rate": "Denial rate",
    "denied_amount_rate": "Denied dollars / billed",
    "line_denial_rate": "Line denial rate",
    "clean_claim_rate": "Clean claim rate",
    "mohs_revenue_capture": "Mohs revenue capture",
    "medical_necessity_approval_rate": "Medical-necessity approval rate",
    "laser_destruction_coding_accuracy": "Laser and destruction coding accuracy",
}


def _header(ws: Worksheet, row: int, headers: list[str], col: int = 1) -> None:
    for i, h in enumerate(headers):
        c = ws.cell(row=row, column=col + i, value=h)
        c.font, c.fill = HEADER_FONT, HEADER_FILL


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _table(ws: Worksheet, top: int, left: int, title: str, rows: list[Breakdown], limit: int = 10) -> tuple[int, int]:
    """A small key / count / amount table; returns its first and last data rows."""
    ws.cell(row=top, column=left, value=title).font = BOLD
    _header(ws, top + 1, ["", "Count", "Denied $"], left)
    for i, b in enumerate(rows[:limit]):
        r = top + 2 + i
        ws.cell(row=r, column=left, value=b.key or CLAIM_LEVEL)
        ws.cell(row=r, column=left + 1, value=b.count)
        ws.cell(row=r, column=left + 2, value=b.amount).number_format = MONEY
    return top + 2, top + 1 + max(1, min(limit, len(rows)))


def _bar(ws: Worksheet, title: str, left: int, first: int, last: int, anchor: str) -> None:
    chart = BarChart()
    chart.type, chart.title, chart.legend = "bar", title, None
    chart.y_axis.title = "Denied $"
    chart.add_data(Reference(ws, min_col=left + 2, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=left, min_row=first, max_row=last))
    chart.height, chart.width = 7, 15
    ws.add_chart(chart, anchor)


def _summary(wb: Workbook, a: Analysis) -> None:
    """KPIs with their definitions, then four blocks (trend, reasons, codes, payers), each a table with its chart beside it."""
    ws = wb.active
    ws.title = "Summary"
    months = [t.month for t in a.trend]
    ws["A1"] = "Denial patterns"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"Remittances paid {months[0]} to {months[-1]}" if months else "No remittances"
    r = a.read
    ws["A3"] = (
        f"{r.files} files, {r.claims_analysed} claims and {r.lines_analysed} lines analysed; {r.reversed} reversed remittances left out "
        f"({r.corrections} corrected), {r.orphan_reversals} reversals of payments not in this batch; {len(r.problems)} reading problems."
    )
    _header(ws, 5, ["KPI", "Value", "Numerator", "Denominator", "Definition"])
    ws.merge_cells("E5:L5")
    for i, (key, k) in enumerate(a.kpis.items(), 6):
        ws.cell(row=i, column=1, value=KPI_LABELS.get(key, key)).alignment = WRAP
        v = ws.cell(row=i, column=2, value=k.value if k.value is not None else (k.note or "n/a"))
        v.number_format, v.alignment = PERCENT, WRAP
        ws.cell(row=i, column=3, value=k.numerator).alignment = WRAP
        ws.cell(row=i, column=4, value=k.denominator).alignment = WRAP
        ws.cell(row=i, column=5, value=k.definition).alignment = WRAP
        ws.merge_cells(start_row=i, start_column=5, end_row=i, end_column=12)
        ws.row_dimensions[i].height = 48
    top = 7 + len(a.kpis)
    ws.cell(row=top, column=1, value="Trend by month").font = BOLD
    _header(ws, top + 1, ["Month", "Claims", "Denied claims", "Denial rate", "Denied $", "Change in denied $"])
    t_first, t_last = top + 2, top + 1 + max(1, len(a.trend))
    for i, t in enumerate(a.trend):
        for col, value in enumerate([t.month, t.claims, t.denied_claims, t.denial_rate, t.denied_amount, t.amount_change], 1):
            c = ws.cell(row=t_first + i, column=col, value=value)
            c.number_format = PERCENT if col == 4 else (MONEY if col >= 5 else "General")
    line = LineChart()
    line.title, line.y_axis.title, line.legend = "Denied dollars by month", "Denied $", None
    line.add_data(Reference(ws, min_col=5, min_row=t_first - 1, max_row=t_last), titles_from_data=True)
    line.set_categories(Reference(ws, min_col=1, min_row=t_first, max_row=t_last))
    line.height, line.width = 7, 15
    ws.add_chart(line, f"H{top}")
    top = max(t_last, top + 14) + 2
    for title, rows in (("Denials by reason", a.by_reason), ("Denials by code", a.by_code), ("Denials by payer", a.by_payer)):
        first, last = _table(ws, top, 1, title, rows)
        _bar(ws, title, 1, first, last, f"E{top}")
        top += 16
    ws.cell(row=top, column=1, value="Row colours on the Patterns, Missed and Codes sheets").font = BOLD
    for i, (fill, text) in enumerate(PROBLEM_FILL.values(), top + 1):
        ws.cell(row=i, column=1).fill = PatternFill("solid", fgColor=fill)
        ws.cell(row=i, column=2, value=text)
    _widths(ws, [36, 12, 14, 14, 15, 17, 12, 12, 12, 12, 12, 12])
    ws.freeze_panes = "A5"


def _fill_row(ws: Worksheet, row: int, ncols: int, problem: str) -> None:
    fill = PROBLEM_FILL.get(problem)
    if fill:
        for col in range(1, ncols + 1):
            ws.cell(row=row, column=col).fill = PatternFill("solid", fgColor=fill[0])


def _rows(
    ws: Worksheet,
    top: int,
    headers: list[str],
    rows: list[list[Any]],
    problems: list[str] | None = None,
    money: tuple[int, ...] = (),
    percent: tuple[int, ...] = (),
) -> int:
    """A header at row ``top`` and the rows under it (row colour by kind of problem); returns the next free row."""
    _header(ws, top, headers)
    for i, values in enumerate(rows, top + 1):
        for col, v in enumerate(values, 1):
            c = ws.cell(row=i, column=col, value=v)
            if col in money:
                c.number_format = MONEY
            elif col in percent:
                c.number_format = PERCENT
            elif isinstance(v, str) and "\n" in v:
                c.alignment = WRAP
        if problems:
            _fill_row(ws, i, len(headers), problems[i - top - 1])
    return top + 1 + len(rows)


def _sheet(
    wb: Workbook,
    title: str,
    headers: list[str],
    rows: list[list[Any]],
    widths: list[int],
    problems: list[str] | None = None,
    money: tuple[int, ...] = (),
    percent: tuple[int, ...] = (),
) -> Worksheet:
    """A sheet of one table with a frozen header and filters."""
    ws = wb.create_sheet(title)
    _rows(ws, 1, headers, rows, problems, money, percent)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(2, len(rows) + 1)}"
    _widths(ws, widths)
    return ws


def _months(p: Any) -> str:
    return "\n".join(f"{m}: {v.count} (${v.amount:,.2f})" for m, v in p.months.items())


def write_report(a: Analysis, path: str | Path) -> None:
    """Write the report workbook to ``path``."""
    wb = Workbook()
    _summary(wb, a)
    total = sum(p.amount for p in a.patterns) or 1.0
    _sheet(
        wb,
        "Patterns",
        [
            "Group",
            "Reason",
            "Meaning",
            "Problem",
            "Next action",
            "Code",
            "Payer",
            "Count",
            "Denied $",
            "Share of denied $",
            "Providers",
            "By month",
        ],
        [
            [
                p.group,
                p.reason,
                p.meaning,
                p.problem,
                p.action,
                p.code,
                p.payer,
                p.count,
                p.amount,
                p.amount / total,
                "\n".join(f"{k}: {v.count}" for k, v in p.providers.items()),
                _months(p),
            ]
            for p in a.patterns
        ],
        [8, 8, 48, 14, 22, 10, 26, 8, 12, 10, 30, 26],
        [p.problem for p in a.patterns],
        money=(9,),
        percent=(10,),
    )
    m = a.matching
    codes = table()
    if m is None:
        ws = wb.create_sheet("Missed by the checker")
        ws["A1"] = "Give the check reports of these claims with --checked to see which denials the checker caught, and which it missed."
    else:
        _sheet(
            wb,
            "Missed by the checker",
            [
                "Group",
                "Reason",
                "Meaning",
                "Code",
                "Payer",
                "Count",
                "Denied $",
                "Example lines (claim, line, date, code, units, billed, denied)",
            ],
            [
                [
                    p.group,
                    p.reason,
                    p.meaning,
                    p.code,
                    p.payer,
                    p.count,
                    p.amount,
                    "\n".join(
                        f"{e.claim_id} line {e.line + 1}, {e.date_of_service or '-'}, {e.code}{''.join('-' + x for x in e.modifiers)} "
                        f"x{e.units:g}, ${e.billed:,.2f}, ${e.denied:,.2f} ({', '.join(e.reasons)})"
                        for e in p.examples
                    ),
                ]
                for p in m.missed
            ],
            [8, 8, 44, 10, 26, 8, 12, 90],
            [codes.reason(p.reason).problem for p in m.missed],
            money=(7,),
        )
        ws = wb.create_sheet("Matching")
        top = _rows(
            ws,
            1,
            ["Outcome", "Lines", "Denied $"],
            [[k.replace("_", " "), v["count"], v["amount"]] for k, v in m.outcomes.items()],
            money=(3,),
        )
        top = _rows(
            ws,
            top + 1,
            ["Rule", "Category", "Flagged lines", "True positives", "Precision", "Denials it targets", "Recall"],
            [[s.rule, s.category, s.flagged, s.true_positives, s.precision, s.targeted_denials, s.recall] for s in m.rules],
            percent=(5, 7),
        )
        top = _rows(
            ws,
            top + 1,
            ["Claim", "Line", "Code", "Payer", "Reasons", "Denied $", "Outcome", "How", "Rules"],
            [
                [
                    d.claim_id,
                    d.line + 1,
                    d.code,
                    d.payer,
                    ", ".join(d.reasons),
                    d.amount,
                    d.outcome.replace("_", " "),
                    d.how,
                    ", ".join(d.rules),
                ]
                for d in m.denied_lines
            ],
            money=(6,),
        )
        for row, note in enumerate(m.notes, top + 1):
            ws.cell(row=row, column=1, value=note)
        ws.freeze_panes = "A2"
        _widths(ws, [30, 14, 14, 14, 26, 16, 20, 18, 24])
    seen = sorted({p.reason for p in a.patterns}, key=lambda r: (not r.isdigit(), int(r) if r.isdigit() else 0, r))
    _sheet(
        wb,
        "Codes",
        ["Reason", "Meaning (our words)", "Problem", "Prevented by (checker categories)", "Next action", "What to check"],
        [
            [
                r,
                codes.reason(r).meaning,
                codes.reason(r).problem,
                ", ".join(c.value for c in codes.reason(r).prevented_by),
                ACTION_TEXT[codes.reason(r).action],
                codes.reason(r).check or "",
            ]
            for r in seen
        ],
        [8, 60, 14, 40, 22, 60],
        [codes.reason(r).problem for r in seen],
    )
    wb.save(path)
