"""`derm check --text`, `derm chat` and the Slack bot read a pasted claim the same way and report the same findings
(the TXT warnings for what was read only in part included)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from derm_cli.main import app
from slack_bot import blocks
from slack_bot.bot import DermBot
from slack_bot.chat import chat

RULE = re.compile(r"\b(?:DRM|TXT)\d{3}\b")
CLAIMS = [
    "17311 C44.311; 88305 C44.311; medicare 3/2/26 bx was 2/10/26",  # the Mohs pathology error, a note and a date
    "96920 L40.0 auth pending; aetna 2026-03-02",  # "pending" is not an authorization number
    "17000 L57.0; 17003 x2 L57.0; medicare 2026-03-02 see note",
    "11442 D22.39 2026-03-02; 99213-24 L40.0 dos 2026-03-20; medicare",  # a line with its own dos: no TXT002
]


@pytest.fixture(scope="module")
def bot():
    return DermBot(sheet_checker=None)


def _cli(text: str) -> tuple[str, set[str]]:
    doc = json.loads(CliRunner().invoke(app, ["check", "--text", text, "-f", "json"]).stdout)
    [claim] = doc["claims"]
    return claim["status"], {f["rule"] for f in claim["findings"] if not f.get("duplicate_of")}


@pytest.mark.parametrize("text", CLAIMS)
def test_cli_chat_and_slack_agree(text, bot):
    status, rules = _cli(text)
    slack = blocks.to_text(bot.reply(f"check {text}").messages[0]["blocks"])
    said: list[str] = []
    chat(bot, [f"check {text}"], write=said.append)
    assert set(RULE.findall(slack)) == rules, slack
    assert set(RULE.findall("".join(said))) == rules
    headline = {"error": "Errors", "warning": "Warnings", "clean": "Clean"}[status]
    assert headline.lower() in slack.lower().split("\n", 1)[0]


def test_the_mohs_pathology_error_shows_everywhere(bot):
    text = CLAIMS[0]
    status, rules = _cli(text)
    assert status == "error" and {"DRM205", "TXT001", "TXT002"} <= rules
    slack = blocks.to_text(bot.reply(f"check {text}").messages[0]["blocks"])
    assert "bx" not in slack and "2026-02-10" not in slack and "2/10/26" not in slack  # counted, never quoted


@pytest.mark.parametrize("rule_id", ["TXT001", "txt002", "SHT001"])
def test_a_bare_rule_id_of_any_family_prints_the_rule(rule_id, bot):
    text = blocks.to_text(bot.reply(rule_id).messages[0]["blocks"])
    assert f"{rule_id.upper()}:" in text and "What it does" in text
