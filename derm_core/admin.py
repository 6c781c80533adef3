"""Administering rulesets, without any storage: the admin tables' layout, validation of a candidate (every
problem named by table, row and column), and the diff between two versions.

The store (``derm_core.store``), the rules workbook (``derm_core.rulebook``) and the Slack bot all use these,
so an admin sees the same table names, problems and diffs everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from .ruleset import CosmeticRow, FaqEntry, PayerPolicyRow, PayerRow, PriorAuthRow, RuleOverrideRow, Ruleset, UnitLimitRow


@dataclass(frozen=True)
class Table:
    """One admin table: its field in ``Ruleset``, its sheet name, its row model and its columns (header, field)."""

    field: str
    sheet: str
    model: type[BaseModel]
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]  # the fields that identify a row, for diffs
    optional: bool = False  # a rules workbook without this sheet keeps the table as it was shipped

    def header(self, field: str) -> str:
        return next((h for h, f in self.columns if f == field), field)


_SCOPE = (("Payer", "payer"), ("Payer Type", "payer_type"))
_DATES = (("Effective From", "effective_from"), ("Effective To", "effective_to"))

TABLES: tuple[Table, ...] = (
    Table(
        "prior_authorization",
        "Prior Authorization",
        PriorAuthRow,
        (*_SCOPE, ("Code", "code"), ("Note", "note"), *_DATES),
        ("payer", "payer_type", "code", "effective_from"),
    ),
    Table(
        "payer_policies",
        "Payer Policies",
        PayerPolicyRow,
        (*_SCOPE, ("Code", "code"), ("Kind", "kind"), ("Value", "value"), ("Message", "message"), ("Severity", "severity"), *_DATES),
        ("payer", "payer_type", "code", "kind"),
    ),
    Table(
        "unit_limits",
        "Unit Limits",
        UnitLimitRow,
        (*_SCOPE, ("Code", "code"), ("Max Units", "max_units"), ("Source", "source"), *_DATES),
        ("payer", "payer_type", "code", "effective_from"),
    ),
    Table("cosmetic", "Cosmetic", CosmeticRow, (*_SCOPE, ("Code", "code"), ("Note", "note"), *_DATES), ("payer", "payer_type", "code")),
    Table(
        "rule_overrides",
        "Rule Overrides",
        RuleOverrideRow,
        (*_SCOPE, ("Rule", "rule"), ("Enabled", "enabled"), ("Severity", "severity"), *_DATES),
        ("payer", "payer_type", "rule", "effective_from"),
    ),
    Table(
        "faq",
        "FAQ",
        FaqEntry,
        (
            ("ID", "id"),
            ("Topic", "topic"),
            ("Title", "title"),
            ("Questions", "questions"),
            ("Answer", "answer"),
            ("Codes", "codes"),
            ("Modifiers", "modifiers"),
            ("Rules", "rules"),
            ("References", "references"),
            ("Reviewed", "reviewed"),
        ),
        ("id",),
    ),
    Table(
        "payers",
        "Payers",
        PayerRow,
        (("Payer", "payer"), ("Payer Type", "payer_type"), ("Plan", "plan"), ("Note", "note")),
        ("payer",),
        optional=True,
    ),
)
BY_FIELD = {t.field: t for t in TABLES}
BY_SHEET = {t.sheet: t for t in TABLES}


@dataclass(frozen=True)
class Problem:
    """One reason a candidate ruleset is refused: where (table, row, column) and why.

    ``row`` is the row number an admin sees (in the rules workbook: the sheet row; header on row 1).

    >>> str(Problem("Prior Authorization", 3, "Code", "must be a code"))
    'Prior Authorization, row 3, column Code: must be a code'
    """

    table: str
    row: int | None
    column: str | None
    why: str

    def __str__(self) -> str:
        where = [self.table] + ([f"row {self.row}"] if self.row is not None else []) + ([f"column {self.column}"] if self.column else [])
        return f"{', '.join(where)}: {self.why}"

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "row": self.row, "column": self.column, "why": self.why}


class Rejected(Exception):
    """A candidate was refused; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(map(str, problems[:5])))
        self.problems = problems


RowNumbers = Callable[[str, int], int]


def _default_rows(table: str, index: int) -> int:
    return index + 2  # the workbook layout: header on row 1


def _problems_from(error: ValidationError, rows: RowNumbers) -> list[Problem]:
    out = []
    for e in error.errors():
        loc = list(e["loc"])
        table = BY_FIELD.get(str(loc[0])) if loc else None
        if table is None:
            out.append(Problem("Ruleset", None, str(loc[0]) if loc else None, e["msg"]))
            continue
        row = rows(table.field, int(loc[1])) if len(loc) > 1 and isinstance(loc[1], int) else None
        column = table.header(str(loc[2])) if len(loc) > 2 else None
        why = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            why = "unknown column"
        out.append(Problem(table.sheet, row, column, why))
    return out


def validate_candidate(raw: dict[str, Any], rows: RowNumbers = _default_rows, *, run_cases: bool = True) -> Ruleset:
    """The candidate as a ``Ruleset``, after the pydantic models, cross-references and every rule's own cases;
    raises :class:`Rejected` with every problem found.

    >>> raw = default_raw()
    >>> raw["prior_authorization"].append({"payer": "Acme", "code": "96920-9692"})
    >>> try:
    ...     validate_candidate(raw)
    ... except Rejected as e:
    ...     print(e.problems[0])
    Prior Authorization, row 10, column Code: must be a CPT or HCPCS code (e.g. 96920, J0585), a range such as 96920-96922, or *
    """
    try:
        candidate = Ruleset.model_validate(raw)
    except ValidationError as e:
        raise Rejected(_problems_from(e, rows)) from None
    problems = _references(candidate, rows)
    if not problems and run_cases:
        problems = [Problem("Rule cases", None, None, failure) for failure in _failing_cases(candidate)]
    if problems:
        raise Rejected(problems)
    return candidate


def _references(candidate: Ruleset, rows: RowNumbers) -> list[Problem]:
    from .engine import all_rules

    known = all_rules()
    out = [
        Problem("Rule Overrides", rows("rule_overrides", i), "Rule", f"no rule {r.rule}; `derm rule` lists them")
        for i, r in enumerate(candidate.rule_overrides)
        if r.rule not in known
    ]
    seen: dict[str, int] = {}
    for i, entry in enumerate(candidate.faq):
        if entry.id in seen:
            out.append(Problem("FAQ", rows("faq", i), "ID", f"{entry.id} is also the ID of row {rows('faq', seen[entry.id])}"))
        seen.setdefault(entry.id, i)
    from .bibliography import unresolved

    faq_ids = {e.id for e in candidate.faq}
    for i, entry in enumerate(candidate.faq):
        for key in unresolved(entry.references, faq_ids):
            why = f"no source {key!r} in the bibliography (`derm ref` looks one up); write the source out in words, or use a known key"
            if key.startswith("faq:"):
                why = f"no FAQ entry {key[4:]!r} (the ID column of this sheet lists them)"
            out.append(Problem("FAQ", rows("faq", i), "References", why))
    for table in TABLES[:4]:
        for i, row in enumerate(getattr(candidate, table.field)):
            if row.effective_from and row.effective_to and row.effective_from > row.effective_to:
                out.append(Problem(table.sheet, rows(table.field, i), "Effective To", "is before Effective From"))
    return out


def _failing_cases(candidate: Ruleset) -> list[str]:
    """Every rule's own cases against the candidate. Rule overrides are left out for this run: turning a rule
    off for a payer is an admin's choice, not a broken table."""
    from .rulecases import verify_ruleset

    return verify_ruleset(candidate.model_copy(update={"rule_overrides": []}))


def default_raw() -> dict[str, Any]:
    """The shipped ruleset as plain data (a starting point for candidates)."""
    from .ruleset import default_ruleset

    return default_ruleset().model_dump(mode="json")


# --- diffs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    table: str  # sheet name
    action: str  # added, removed, changed
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "action": self.action, "before": self.before, "after": self.after}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Change:
        return cls(d["table"], d["action"], d.get("before"), d.get("after"))

    def __str__(self) -> str:
        table = BY_SHEET[self.table]
        if self.action == "changed":
            assert self.before is not None and self.after is not None
            what = ", ".join(
                f"{table.header(f)}: {_show(self.before.get(f))} -> {_show(self.after.get(f))}"
                for f in table.model.model_fields
                if self.before.get(f) != self.after.get(f)
            )
            return f"~ {self.table} [{_row_text(table, self.after, key_only=True)}] {what}"
        sign, row = ("+", self.after) if self.action == "added" else ("-", self.before)
        return f"{sign} {self.table}: {_row_text(table, row or {})}"


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, list):
        return " | ".join(map(str, value))
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _row_text(table: Table, row: dict[str, Any], key_only: bool = False) -> str:
    fields = table.key if key_only else [f for _, f in table.columns]
    return ", ".join(f"{table.header(f)}={_show(row.get(f))}" for f in fields if row.get(f) not in (None, "", []))


def _key(table: Table, row: dict[str, Any]) -> tuple:
    return tuple(str(row.get(f) or "").casefold() for f in table.key)


def diff(old: Ruleset, new: Ruleset) -> list[Change]:
    """What changed from ``old`` to ``new``, table by table: rows added, removed and changed (same key).

    >>> from derm_core.ruleset import default_ruleset
    >>> old = default_ruleset()
    >>> row = PriorAuthRow(payer="Acme Health", code="96920-96922", note="Excimer laser needs PA.")
    >>> new = old.model_copy(update={"prior_authorization": [*old.prior_authorization, row]})
    >>> [str(c) for c in diff(old, new)]
    ['+ Prior Authorization: Payer=Acme Health, Code=96920-96922, Note=Excimer laser needs PA.']
    """
    changes: list[Change] = []
    for table in TABLES:
        before = [r.model_dump(mode="json") for r in getattr(old, table.field)]
        after = [r.model_dump(mode="json") for r in getattr(new, table.field)]
        removed = _minus(before, after)
        added = _minus(after, before)
        for r in removed:
            twin = next((a for a in added if _key(table, a) == _key(table, r)), None)
            if twin is not None:
                added.remove(twin)
                changes.append(Change(table.sheet, "changed", r, twin))
            else:
                changes.append(Change(table.sheet, "removed", r, None))
        changes += [Change(table.sheet, "added", None, a) for a in added]
    return changes


def _take(pool: list, item: Any) -> bool:
    if item in pool:
        pool.remove(item)
        return True
    return False


def _minus(rows: list[dict[str, Any]], other: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` less ``other``, as multisets (a row present twice and removed once is removed once)."""
    pool = list(other)
    return [r for r in rows if not _take(pool, r)]


def diff_text(changes: list[Change]) -> str:
    return "\n".join(map(str, changes)) if changes else "no changes"


MANY_RULES_OFF = 5  # rule-override rows newly turning a rule off, from which a publish needs a confirmation


def drastic(old: Ruleset, new: Ruleset) -> list[str]:
    """What in going from ``old`` to ``new`` needs a second look before it is published: many rules turned off
    (``MANY_RULES_OFF`` or more rule-override rows that newly turn a rule off) or a table emptied. Such a
    publish is shown loudly and needs a confirmation (``--confirm``, a second step in Slack).

    >>> from derm_core.ruleset import default_ruleset
    >>> old = default_ruleset()
    >>> off = [RuleOverrideRow(rule=r, enabled=False) for r in ("DRM050", "DRM110", "DRM120", "DRM200", "DRM210")]
    >>> drastic(old, old.model_copy(update={"rule_overrides": off, "cosmetic": []}))[0]
    'turns off 5 rules: DRM050, DRM110, DRM120, DRM200, DRM210 (for every payer)'
    """
    out = []
    table = BY_FIELD["rule_overrides"]
    was_off = {_key(table, r.model_dump(mode="json")) for r in old.rule_overrides if not r.enabled}
    newly_off = [r for r in new.rule_overrides if not r.enabled and _key(table, r.model_dump(mode="json")) not in was_off]
    if len(newly_off) >= MANY_RULES_OFF:
        rules = sorted({r.rule for r in newly_off})
        shown = ", ".join(rules[:12]) + (f" and {len(rules) - 12} more" if len(rules) > 12 else "")
        everywhere = all(r.payer == "*" and r.payer_type is None for r in newly_off)
        scope = " (for every payer)" if everywhere else f" ({len(newly_off)} rule-override rows)"
        out.append(f"turns off {len(rules)} rule{'s' if len(rules) != 1 else ''}: {shown}{scope}")
    for t in TABLES:
        before, after = len(getattr(old, t.field)), len(getattr(new, t.field))
        if before and not after:
            out.append(f"empties the {t.sheet} table ({before} row{'s' if before != 1 else ''} removed)")
    return out


def drastic_text(warnings: list[str]) -> str:
    """The warning printed above the diff.

    >>> print(drastic_text(["empties the Cosmetic table (4 rows removed)"]))
    WARNING: this change empties the Cosmetic table (4 rows removed).
    """
    return "\n".join(f"WARNING: this change {w}." for w in warnings)
