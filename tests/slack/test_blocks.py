"""Every message and view the bot can send passes Block Kit validation (slack_sdk's models plus the
message-level limits), including the longest reports; and the pure builders behave."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
import yaml
from testpaths import FIXTURES

from derm_core.engine import all_rules
from derm_core.models import SuggestedLine
from slack_bot import blocks
from slack_bot.bot import MAX_INPUT, DermBot

QUESTIONS = [q["question"] for q in yaml.safe_load((FIXTURES / "questions.yaml").read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def bot():
    return DermBot(sheet_checker=None)


def longest_claims() -> dict[str, str]:
    """Claims that fill the input limit in different ways: many findings, long notes, many lines."""
    mods = ["50", "25", "XS", "59", "GA", "26"]
    many = "; ".join(f"1700{i % 2 + 1}-{mods[i % 6]}-{mods[(i + 1) % 6]} x{i + 1} L57.0" for i in range(900))
    return {
        "many-findings": (many + "; medicare 2026-03-02")[: MAX_INPUT - 6],
        "many-lines": ("11102 L82.1; " * 2000)[: MAX_INPUT - 6],
        "not-understood": ("17000 L57.0 " + " ".join("<!channel>&" * 3 for _ in range(1500)))[: MAX_INPUT - 6],
        "one-long-token": "17000 L57.0 " + "x" * (MAX_INPUT - 20),
    }


@dataclass
class FakeAnswer:
    answer: str
    entry: str | None = "faq-1"
    confidence: float = 0.9
    related: list = field(default_factory=lambda: [{"id": "a", "title": "Multiple AKs <b>"}])
    references: list = field(default_factory=lambda: ["CPT destruction guidelines"])
    lines: list = field(default_factory=lambda: [SuggestedLine(code="17004")])


@dataclass
class FakeSummary:
    rows_checked: int = 100_000
    claims: int = 25_000
    by_status: dict = field(default_factory=lambda: {"error": 5000, "warning": 7000, "clean": 13000})
    findings_by_rule: dict = field(default_factory=lambda: {f"DRM{i:03d}": i for i in range(60)})


def every_message(bot: DermBot):
    yield "help", blocks.help_message()
    yield "rules", bot.reply("rule").messages
    for rule_id in all_rules():
        yield f"rule-{rule_id}", bot.reply(f"rule {rule_id}").messages
    for name, claim in longest_claims().items():
        yield f"check-{name}", bot.reply(f"check {claim}").messages
        yield f"shared-{name}", bot.check(claim, share=True).messages
    for text in [
        "",
        "check",
        "check nothing here",
        "ask",
        "suggest",
        "suggest {}",
        "rule DRM999",
        "x" * 60_000,
        "\x00" * 10,
        "Jane Doe DOB 1/2/1950 17000",
    ]:
        yield f"notice-{text[:12]!r}", bot.reply(text).messages
    yield "suggest", bot.reply('suggest {"procedure": "destruction", "pathology": "premalignant", "lesion_count": 16}').messages
    yield "answer", blocks.answer(FakeAnswer("Bill 17004 once for 15 or more AKs. <script> & more " * 200))
    yield "answer-unsure", blocks.answer(FakeAnswer("I am not sure.", entry=None, confidence=0.1, lines=[]))
    yield "sheet-progress", [blocks.sheet_progress("x" * 500 + ".xlsx", 5000, 100_000)]
    yield "sheet-summary", blocks.sheet_summary("<!channel> " + "y" * 300 + ".xlsx", FakeSummary())


def every_view(bot: DermBot):
    yield "home", bot.home()
    yield "home-sheets", blocks.home(bot.versions(), sheets=True)
    yield "claim-modal", blocks.claim_input_modal()
    for rule_id in all_rules():
        yield f"why-{rule_id}", bot.rule_modal(rule_id)
    yield "why-unknown", bot.rule_modal("<!channel>" * 30)
    for name, claim in longest_claims().items():
        yield f"result-{name}", blocks.result_modal(bot.check(claim, offer_share=False).messages)


def test_every_message_passes_block_kit_validation(bot):
    seen = 0
    for name, messages in every_message(bot):
        assert 1 <= len(messages) <= blocks.MAX_MESSAGES, name
        for msg in messages:
            try:
                blocks.check_message(msg)
            except Exception as e:
                pytest.fail(f"{name}: {e}")
            seen += 1
    assert seen > 100


def test_every_view_passes_block_kit_validation(bot):
    for name, view in every_view(bot):
        try:
            blocks.check_view(view)
        except Exception as e:
            pytest.fail(f"{name}: {e}")


def test_the_longest_report_is_split_then_truncated_with_a_note(bot):
    messages = bot.reply("check " + longest_claims()["many-findings"]).messages
    assert len(messages) == blocks.MAX_MESSAGES
    assert "left out" in json.dumps(messages[-1]["blocks"][-1])
    assert messages[0]["blocks"][0]["type"] == "header", "the status stays on top"
    assert all(len(json.dumps(m["blocks"])) <= blocks.MAX_MESSAGE_CHARS for m in messages)


def test_check_message_catches_what_slack_would_reject():
    ok = blocks.section("fine")
    with pytest.raises(ValueError, match="blocks in one message"):
        blocks.check_message({"text": "t", "blocks": [ok] * 51})
    with pytest.raises(ValueError, match="larger"):
        blocks.check_message({"text": "t", "blocks": [blocks.section("y" * 2900)] * 5})
    with pytest.raises(ValueError, match="unknown block"):
        blocks.check_message({"text": "t", "blocks": [{"type": "marquee"}]})
    with pytest.raises(ValueError, match="text"):
        blocks.check_message({"text": "", "blocks": [ok]})
    with pytest.raises(Exception, match="3000"):
        blocks.check_message({"text": "t", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "z" * 3001}}]})
    with pytest.raises(Exception, match="title"):
        blocks.check_view({"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": [ok]})


def test_section_text_is_clipped_not_rejected():
    assert len(blocks.section("a" * 10_000)["text"]["text"]) == blocks.MAX_SECTION


def test_questions_are_routed_to_ask_and_not_mistaken_for_identifiers(bot):
    for question in QUESTIONS:
        reply = bot.reply(question)
        assert reply.kind == "ask", question


def test_terminal_rendering_hints_at_why_and_counts_what_was_not_understood(bot):
    text = blocks.to_text(bot.reply("check 17000 <!here> Zebra L57.0; 17003 x14 L57.0; medicare 2026-03-02").messages[0]["blocks"])
    assert "derm rule DRM050" in text and "2 words not understood" in text
    assert "here" not in text and "Zebra" not in text, "the words themselves are never repeated"
