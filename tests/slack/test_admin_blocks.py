"""Every message and view of rules administration and overrides passes Block Kit validation (slack_sdk's
models plus the message-level limits), including the longest problem lists, diffs and histories; markup in
user-given text stays inert."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from derm_core.admin import Change, Problem
from derm_core.engine import all_rules
from derm_core.models import Finding
from slack_bot import blocks

HOSTILE = "<!channel> & <@U123> *bold* `tick`"


@dataclass
class FakeVersion:
    number: int
    reason: str
    author: str = "slack:UADMIN1"

    def summary(self):
        return {
            "version": self.number,
            "time": "2026-03-02T14:05:00+00:00",
            "author": self.author,
            "reason": self.reason,
            "changes": self.number,
        }


def problems(n: int) -> list[Problem]:
    sheets = ["Prior Authorization", "Unit Limits", "FAQ", "Payer Policies"]
    return [Problem(sheets[i % 4], i + 2, "Code" if i % 3 else None, f"problem {i}: {HOSTILE} " + "why " * (i % 50)) for i in range(n)]


def changes(n: int) -> list[Change]:
    out = []
    for i in range(n):
        row = {
            "payer": f"Payer {i} {HOSTILE}",
            "payer_type": None,
            "code": "96920-96922",
            "note": "n" * (i % 300),
            "effective_from": None,
            "effective_to": None,
        }
        action = ("added", "removed", "changed")[i % 3]
        before = None if action == "added" else {**row, "note": "old"}
        after = None if action == "removed" else row
        out.append(Change("Prior Authorization", action, before, after))
    return out


def every_admin_message():
    for n in (1, 3, 40, 400, 5000):
        msg, more = blocks.rules_refused(f"rules {HOSTILE}.xlsx", problems(n))
        yield f"refused-{n}", [msg], more
        msg, more = blocks.rules_review(f"rules {HOSTILE}.xlsx", changes(n), 7, "tok" * 5)
        yield f"review-{n}", [msg], more
        yield f"review-closed-{n}", [blocks.review_closed(msg, "Published as version *8*.")], None
        yield f"rollback-{n}", blocks.rollback_message(3, 9, changes(n), "slack:UADMIN1"), None
    yield "rollback-none", blocks.rollback_message(3, None, [], "Ann"), None
    yield "history-empty", blocks.history_message([], 0), None
    yield (
        "history-50",
        blocks.history_message([FakeVersion(i, f"reason {HOSTILE} " * 40, author=f"Ann {HOSTILE}") for i in range(50, 0, -1)], 50),
        None,
    )
    titles = {r: t.title for r, t in all_rules().items()}
    yield "override-counts", blocks.override_counts_message([(r, 1000 - i) for i, r in enumerate(titles)], titles, 30), None
    yield "override-counts-empty", blocks.override_counts_message([], titles, None), None
    rows = [
        {
            "at": datetime(2026, 3, 2, tzinfo=UTC),
            "user": "slack:U1",
            "claim_ref": f"A{i}" if i % 2 else "text:abc",
            "line": i % 4 or None,
            "reason": f"{HOSTILE} " * 60,
        }
        for i in range(200)
    ]
    yield "rule-overrides", blocks.rule_overrides_message("DRM050", rows), None
    yield "rule-overrides-empty", blocks.rule_overrides_message("DRM050", []), None
    yield "help", blocks.admin_help(), None
    yield "refused", blocks.admin_refused(True), None
    yield "refused-unconfigured", blocks.admin_refused(False), None
    yield "stale", blocks.rules_stale(3, 5, "slack:UADMIN1", HOSTILE * 50), None
    yield "no-changes", blocks.rules_no_changes(HOSTILE * 30, 4), None
    yield "published", blocks.rules_published(8, 12, "Ann Admin", HOSTILE * 30, 7), None
    yield "override-recorded", blocks.override_recorded("DRM050", "A1001", 2, "slack:U1", "r" * 500), None
    yield "override-recorded-text", blocks.override_recorded("DRM050", "text:abcdef", None, "slack:U1", HOSTILE), None


def every_admin_view():
    yield "publish", blocks.publish_modal("t" * 16, HOSTILE * 20, 12, 7, "r" * 900)
    yield "publish-no-reason", blocks.publish_modal("t" * 16, "rules.xlsx", 1, 1)
    for rule_id, rule in all_rules().items():
        meta = json.dumps({"r": rule_id, "c": "A1001", "l": 3, "n": 1, "v": "12", "u": "https://hooks.slack.com/actions/T1/1/" + "x" * 60})
        yield f"override-{rule_id}", blocks.override_modal(meta, rule_id, rule.title, "A1001", 3, ask_claim_id=False)
    yield "override-ask-id", blocks.override_modal("{}", "DRM050", HOSTILE * 20, "text:abc", None, ask_claim_id=True)
    yield "override-done", blocks.override_done_modal(blocks.override_recorded("DRM050", "A1001", 2, "slack:U1", HOSTILE))


def test_every_admin_message_passes_block_kit_validation():
    for name, messages, _ in every_admin_message():
        assert 1 <= len(messages) <= blocks.MAX_MESSAGES, name
        for msg in messages:
            try:
                blocks.check_message(msg)
            except Exception as e:
                pytest.fail(f"{name}: {e}")
            rendered = json.dumps(msg)
            assert "<!channel>" not in rendered and "<@U123>" not in rendered, name


def test_every_admin_view_passes_block_kit_validation():
    for name, view in every_admin_view():
        try:
            blocks.check_view(view)
        except Exception as e:
            pytest.fail(f"{name}: {e}")
        assert len(view.get("private_metadata", "")) <= 3000


def test_long_problem_lists_and_diffs_say_what_was_left_out_and_keep_the_buttons():
    msg, more = blocks.rules_refused("rules.xlsx", problems(5000))
    assert more and "in the attached list" in json.dumps(msg)
    msg, more = blocks.rules_review("rules.xlsx", changes(5000), 7, "token")
    assert more and "in the attached diff" in json.dumps(msg)
    assert msg["blocks"][-1]["type"] == "actions", "Publish and Cancel survive a long diff"
    msg, more = blocks.rules_review("rules.xlsx", changes(3), 7, "token")
    assert not more


def test_problems_are_grouped_by_sheet_with_row_and_column():
    lines = blocks.problem_lines(
        [Problem("Unit Limits", 4, "Max Units", "must be 0 or more"), Problem("Unit Limits", None, None, "sheet missing")]
    )
    assert lines == ["*Unit Limits*", "• row 4, column Max Units: must be 0 or more", "• the sheet: sheet missing"]


def test_check_report_lists_overridden_findings_last_and_without_an_override_button():
    from derm_core.models import ClaimReport, status_of
    from derm_core.textclaim import parse_claim_text

    parsed = parse_claim_text("claim A1 17000 L57.0; medicare 2026-03-02")
    overridden = Finding(
        rule="DRM050",
        category="modifier_missing",
        severity="error",
        lines=[0],
        message="m",
        override={"user": "slack:U1", "at": "2026-03-02T10:00:00+00:00", "reason": HOSTILE},
    )
    live = Finding(rule="DRM110", category="code_selection", severity="warning", lines=[0], message="w")
    report = ClaimReport(claim_id="A1", status=status_of([overridden, live]), findings=[overridden, live])
    [msg] = blocks.check_report(report, parsed, override=blocks.OverrideTarget("A1", True, "3"))
    blocks.check_message(msg)
    dumped = json.dumps(msg)
    assert msg["blocks"][0]["text"]["text"].endswith("1 warning, 1 overridden") and "Warnings" in msg["blocks"][0]["text"]["text"]
    values = [json.loads(e["value"]) for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [v["r"] for v in values] == ["DRM110"]
    assert "Overridden by <@U1> on 2026-03-02" in dumped and "<!channel>" not in dumped
