"""The Summary sheet (counts, a native chart, the rows to fix) and the FAQ sheet (a lookup that works with plain
formulas), written through either writer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from derm_core.engine import all_rules
from derm_core.faq_match import best_entry, keywords
from derm_core.ruleset import Ruleset
from derm_core.sheets.read import FAQ_TITLE, SUMMARY_TITLE
from derm_core.sheets.rows import Tally

from .results import SheetSummary
from .write import (
    STATUS_COLOURS,
    STATUS_MEANING,
    Out,
    text_height,
)


def write_summary(out: Out, s: SheetSummary) -> None:
    """The Summary sheet: counts, a chart and legend, the rows to fix first, findings by category, rule, code and fix."""
    rules = all_rules()
    widths = {0: 24, 1: 11, 2: 11, 3: 72}
    out.widths(widths)
    out.put(0, 0, SUMMARY_TITLE, "title")
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    how = "your workbook kept, with the Check columns" if s.path == "full" else "values only (a large sheet), with the Check columns"
    out.merge(1, 0, 3, f"{Path(s.input).name} · checked {when} · ruleset {s.ruleset_version} · {how}", "subtitle")
    kept = f"Kept: {s.kept}" + (f" Not kept: {'; '.join(s.not_kept)}." if s.not_kept else "")
    out.merge(2, 0, 3, kept, "hint")
    out.height(2, text_height([(kept, 118)]))
    for row, (label, value) in enumerate(
        (("Rows checked", s.rows_checked), ("Claims", s.claims), ("Sheets checked", ", ".join(s.sheets))), 4
    ):
        out.put(row, 0, label, "th")
        out.merge(row, 1, 2, value, "num" if isinstance(value, int) else "td")
    for col, title in enumerate(("Status", "Claims", "Rows")):
        out.put(8, col, title, "th")
    for row, status in enumerate(("error", "warning", "clean"), 9):
        out.put(row, 0, status, status)
        out.put(row, 1, s.by_status.get(status, 0), "num")
        out.put(row, 2, s.rows_by_status.get(status, 0), "num")
    out.bar_chart("Claims by status", 8, 9, 11, [STATUS_COLOURS[k][1] for k in ("error", "warning", "clean")], (3, 3))
    row = 13
    out.put(row, 0, "What the colours mean", "h2")
    for status in ("error", "warning", "clean"):
        row += 1
        out.put(row, 0, status, status)
        out.merge(row, 1, 3, STATUS_MEANING[status], "td")

    row += 2
    problems = s.rows_by_status.get("error", 0) + s.rows_by_status.get("warning", 0)
    out.put(row, 0, f"Claims to fix ({len(s.to_fix)} shown{'; filter Check Status for every row' if problems else ''})", "h2")
    row += 1
    for col, title in enumerate(("Claim · codes", "Sheet rows", "Status", "Findings (the fix is in the Check Fix column)")):
        out.put(row, col, title, "th")
    for item in s.to_fix:
        row += 1
        out.put(row, 0, f"{item.claim} · {item.code}" if item.code else item.claim, "wrap")
        rows = item.rows or str(item.row)
        out.put(row, 1, f"{item.sheet}!{rows}" if len(s.sheets) > 1 else rows, "td")
        out.put(row, 2, item.status, item.status)
        out.put(row, 3, item.findings, "wrap")
        out.height(row, text_height([(item.findings, widths[3]), (f"{item.claim} · {item.code}", widths[0])]))
    if not s.to_fix:
        row += 1
        out.merge(row, 0, 3, "Nothing to fix.", "td")

    def table(title: str, heads: tuple[str, str, str], items: Iterable[tuple[str, int, str]], start: int) -> int:
        start += 2
        out.put(start, 0, title, "h2")
        start += 1
        out.put(start, 0, heads[0], "th")
        out.put(start, 1, heads[1], "th")
        out.merge(start, 2, 3, heads[2], "th")
        for name, count, detail in items:
            start += 1
            out.put(start, 0, name, "td")
            out.put(start, 1, count, "num")
            out.merge(start, 2, 3, detail, "wrap")
            out.height(start, text_height([(detail, widths[2] + widths[3])]))
        return start

    def title_of(rule: str) -> str:
        return rules[rule].title if rule in rules else ""

    def category_of(rule: str) -> str:
        return rules[rule].category.value if rule in rules else "data_quality"

    by_cat = ((c, n, ", ".join(sorted(r for r in s.findings_by_rule if category_of(r) == c))) for c, n in s.findings_by_category.items())
    row = table("Findings by category", ("Category", "Findings", "Rules"), by_cat, row)
    row = table(
        "Findings by rule",
        ("Rule", "Findings", "What it checks"),
        ((r, n, title_of(r)) for r, n in list(s.findings_by_rule.items())[:20]),
        row,
    )
    row = table(
        "Findings by code", ("Code", "Findings", "Code"), ((c, n, _code_label(c)) for c, n in list(s.findings_by_code.items())[:15]), row
    )
    row = table("Top fixes", ("Rule", "Claims", "Fix"), ((r, n, fix) for r, fix, n in s.top_fixes[:12]), row)
    row += 2
    out.put(row, 0, "Columns", "h2")
    for label, text in (
        ("Recognised", ", ".join(f"{h} ({f})" for h, f in s.columns_recognised.items())),
        ("Ignored", ", ".join(s.columns_ignored) or "none"),
        ("Notes", "\n".join(s.notes) or "none"),
    ):
        row += 1
        out.put(row, 0, label, "th")
        out.merge(row, 1, 3, text, "wrap")
        out.height(row, text_height([(text, widths[1] + widths[2] + widths[3])]))
    out.landscape()


def _code_label(code: str) -> str:
    from derm_core.codes import lookup

    info = lookup(code)
    return info.desc if info else ""


FAQ_FIRST_ROW = 10  # 0-based row of the first entry
FAQ_WORDS = 20
FAQ_EXAMPLE = "how do I bill 16 AKs"
_PUNCTUATION = "?,'/;:()\".!"


def write_faq(out: Out, ruleset: Ruleset) -> None:
    """The FAQ sheet: every knowledge-base entry, and a lookup cell answered by ordinary formulas (no add-in).

    The question is lower-cased, stripped of punctuation and split into words (hidden column J); each entry
    scores the words found among its keywords (hidden columns G and H); the best score's answer is shown.
    """
    entries = ruleset.faq
    first, last = FAQ_FIRST_ROW, FAQ_FIRST_ROW + max(len(entries), 1) - 1
    out.widths({0: 22, 1: 14, 2: 38, 3: 90, 4: 16, 5: 18, 6: 30, 7: 6, 9: 12})
    answer_height = max((text_height([(e.answer, 126)]) for e in entries), default=60.0)
    out.put(0, 0, FAQ_TITLE, "title")
    out.put(
        1,
        0,
        f"Knowledge base of ruleset {ruleset.version}: {len(entries)} answers. Type a question or a code in the yellow cell.",
        "subtitle",
    )
    out.put(3, 0, "Question or code", "th")
    out.merge(3, 1, 3, FAQ_EXAMPLE, "input")
    out.height(3, 30)
    cleaned = "$B$4"
    for ch in _PUNCTUATION:
        cleaned = f'SUBSTITUTE({cleaned},"{ch.replace(chr(34), chr(34) * 2)}"," ")'
    out.formula(0, 9, f"=TRIM(LOWER({cleaned}))")
    for k in range(FAQ_WORDS):
        out.formula(k + 1, 9, f'=TRIM(MID(SUBSTITUTE($J$1," ",REPT(" ",100)),{k * 100 + 1},100))')
    words_ref = f"$J$2:$J${FAQ_WORDS + 1}"
    scores = f"$H${first + 1}:$H${last + 1}"
    best = f"MATCH(MAX({scores}),{scores},0)"
    entry, score = best_entry(FAQ_EXAMPLE, entries)
    none = "No entry matches: try a code such as 17004, or words such as biopsy, Mohs, modifier 25."

    def pick(col: str) -> str:
        return f'=IF(TRIM($B$4)="","",IF(MAX({scores})=0,"{none}",INDEX(${col}${first + 1}:${col}${last + 1},{best})))'

    for row, label, letter, style, cached in (
        (4, "Best match", "C", "td", entry.title if entry else none),
        (5, "Answer", "D", "answer", entry.answer if entry else none),
        (6, "Entry", "A", "td", entry.id if entry else none),
    ):
        out.put(row, 0, label, "th")
        out.merge(row, 1, 3, "", style)
        out.formula(row, 1, pick(letter), style, cached if score else none)
    out.height(5, answer_height)
    out.merge(
        7, 0, 3, "Works in Excel and LibreOffice without any add-in. With the Excel add-in, =DERM_FAQ(B4) asks the full FAQ search.", "hint"
    )
    for col, title in enumerate(("Entry", "Topic", "Title", "Answer", "Codes", "Rules", "Keywords", "Score")):
        out.put(first - 1, col, title, "th")
    for i, e in enumerate(entries):
        r = first + i
        out.put(r, 0, e.id, "td")
        out.put(r, 1, e.topic, "td")
        out.put(r, 2, e.title, "wrap")
        out.put(r, 3, e.answer, "wrap")
        out.put(r, 4, ", ".join(e.codes), "wrap")
        out.put(r, 5, ", ".join(e.rules), "wrap")
        out.height(r, text_height([(e.id, 22), (e.title, 38), (e.answer, 90), (", ".join(e.codes), 16), (", ".join(e.rules), 18)]))
        out.put(r, 6, keywords(e), None)
        out.formula(r, 7, f'=SUMPRODUCT(--ISNUMBER(SEARCH(" "&{words_ref}&" "," "&G{r + 1}&" ")))', None, 0)
    out.hide_columns([6, 7, 9])
    out.freeze(first)
    out.landscape()


def summary_counts(tally: Tally) -> dict[str, Any]:
    return {
        "rows_checked": tally.rows,
        "claims": tally.claims,
        "by_status": {k: tally.claims_by_status.get(k, 0) for k in ("error", "warning", "clean")},
        "rows_by_status": {k: tally.rows_by_status.get(k, 0) for k in ("error", "warning", "clean")},
        "findings_by_rule": dict(tally.by_rule.most_common()),
        "findings_by_category": dict(tally.by_category.most_common()),
        "findings_by_code": dict(tally.by_code.most_common(50)),
        "top_fixes": [(rule, fix, n) for (rule, fix), n in tally.fixes.most_common(20)],
    }
