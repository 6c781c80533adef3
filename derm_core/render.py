"""Plain-text output shared by every front end: suggested lines, findings, claim reports and rule documentation."""

from __future__ import annotations

from collections.abc import Iterable

from .corrections import corrected
from .models import Category, Claim, ClaimReport, Finding, SuggestedLine
from .rules.base import Rule

# Each category's label for billers; text output shows the label with the category's key (the report's value).
CATEGORY_LABELS = {
    Category.invalid_code: "Invalid code",
    Category.invalid_diagnosis: "Invalid diagnosis",
    Category.modifier_missing: "Missing modifier",
    Category.modifier_misuse: "Modifier misused",
    Category.addon_without_primary: "Add-on without its primary",
    Category.bundling: "Bundled services",
    Category.units: "Units",
    Category.code_selection: "Code selection",
    Category.medical_necessity: "Medical necessity",
    Category.cosmetic: "Cosmetic or not covered",
    Category.prior_auth: "Prior authorization",
    Category.pathology_component: "Pathology components",
    Category.documentation: "Documentation",
    Category.global_period: "Global period",
    Category.payer_policy: "Payer policy",
    Category.data_quality: "Claim data",
}


def category_text(category: Category) -> str:
    """``Missing modifier (modifier_missing)``: the label a biller reads, and the key the report and filters use
    (the label alone when it is the key in words: ``Units``)."""
    label = CATEGORY_LABELS[category]
    return label if label.lower().replace(" ", "_") == category.value else f"{label} ({category.value})"


def lines_text(lines: Iterable[SuggestedLine]) -> str:
    """``17000 x1 + 17003-XS x4``."""
    return " + ".join(f"{s.code}{''.join('-' + m for m in s.modifiers)} x{s.units}" for s in lines)


def bill_text(f: Finding, claim: Claim | None = None) -> str | None:
    """What to bill once the finding is fixed: the whole corrected claim when the claim is given, else the lines
    that replace the finding's own."""
    fixed = corrected(claim, f) if claim is not None else None
    if fixed is not None:
        return lines_text(SuggestedLine(code=ln.code, units=ln.units, modifiers=ln.modifiers) for ln in fixed.lines)
    return lines_text(f.suggested_lines) if f.suggested_lines else None


def finding_text(f: Finding, claim: Claim | None = None) -> str:
    where = f"lines {', '.join(str(i + 1) for i in f.lines)}" if len(f.lines) > 1 else (f"line {f.lines[0] + 1}" if f.lines else "claim")
    out = f"[{f.severity}] {f.rule} ({category_text(f.category)}, {where}): {f.message}"
    if f.related:
        out += f" (also found by {', '.join(f.related)})"
    if f.fix:
        out += f"\n    Fix: {f.fix}"
    if bill := bill_text(f, claim):
        out += f"\n    Bill: {bill}"
    return out


def claim_text(c: ClaimReport, claim: Claim | None = None) -> str:
    """A claim's report as plain text; a finding that repeats another's (``duplicate_of``) is shown once, there."""
    parts = [f"Claim {c.claim_id}: {c.status.upper()}"]
    parts += [finding_text(f, claim) for f in c.findings if not f.duplicate_of or f.override]
    if c.unchecked:
        parts.append("Not checked: " + "; ".join(u.reason for u in c.unchecked))
    return "\n".join(parts)


def rule_doc(r: Rule, example: dict | None = None, corrected: dict | None = None, markdown: bool = False) -> str:
    """The rule's documentation, the same text for ``derm rule`` and ``/derm rule``, and docs/rules.md."""
    h = "## " if markdown else ""
    lines = [
        f"{h}{r.id}: {r.title}",
        "",
        f"Category: {category_text(r.category)} · severity: {r.severity}"
        + (f" · likely denial: {r.likely_denial}" if r.likely_denial else ""),
        "",
    ]
    for para in r.doc.split("\n\n"):
        para = " ".join(para.split())
        for label in ("What it does:", "Why is this bad?"):
            if para.startswith(label):
                para = (f"**{label}**" if markdown else label) + para[len(label) :]
        lines += [para, ""]
    fence = ("```yaml", "```") if markdown else ("", "")
    if example:
        lines += ["**Example** (fails):" if markdown else "Example (fails):", fence[0], _claim_lines(example), fence[1]]
    if corrected:
        lines += ["**Use instead:**" if markdown else "Use instead:", fence[0], _claim_lines(corrected), fence[1]]
    if r.references:
        from .bibliography import cite

        cited = [cite(ref) for ref in r.references]
        lines += ["References:", *[f"- {c}" for c in cited], ""] if markdown else ["References:", *[f"  {c}" for c in cited], ""]
    where = f"Defined in {r.module.replace('.', '/')}.py; its cases are in derm_core/rules/cases/{r.id}.yaml."
    lines += [f"_{where}_" if markdown else where, ""]
    return "\n".join(line for line in lines if line is not None).strip() + "\n"


def _claim_lines(claim: dict) -> str:
    if "cells" in claim:  # a charge-sheet rule's row
        flags = ["the code cell holds a formula"] * bool(claim.get("formula")) + ["a CSV file"] * bool(claim.get("csv"))
        cells = "  ".join(f"{k}: {v}" for k, v in claim["cells"].items())
        return f"charge-sheet row  {cells}" + (f"  ({', '.join(flags)})" if flags else "")
    if "text" in claim:  # a pasted claim's rule
        return f"pasted: {claim['text']}"
    claim = claim.get("claim", claim)
    out = []
    payer = claim.get("payer")
    if payer:
        out.append(f"payer: {payer.get('name') or payer.get('type')}")
    if claim.get("diagnoses"):
        out.append(f"diagnoses: {', '.join(map(str, claim['diagnoses']))}")
    for ln in claim.get("lines", []):
        mods = "".join(f"-{m}" for m in ln.get("modifiers", []))
        facts = ln.get("facts") or {}
        extra = f"  ({', '.join(f'{k}: {v}' for k, v in facts.items())})" if facts else ""
        dx = f" dx {', '.join(map(str, ln['dx']))}" if ln.get("dx") else ""
        out.append(f"  {ln['code']}{mods} x{ln.get('units', 1)}{dx}{extra}")
    return "\n".join(out)
