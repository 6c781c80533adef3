"""One question, three front ends: `derm ask`, the Slack bot and the Excel FAQ function give the same answer, with
the same computed lines, because they share derm_core.faq.ask."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from derm_cli.main import app
from excel_addin.functions import DERM_FAQ
from slack_bot.bot import DermBot

QUESTION = "mohs today x2 lesions - bcc L cheek 2 stages (4 blocks then 2) and scc R forearm 1 stage w/ 6 blocks. codes pls"
MISSING = "excised melanoma, excised diameter 2.0 cm, code?"


def _slack_text(reply) -> str:
    return json.dumps(reply.messages)


def test_a_multi_lesion_question_gets_the_same_answer_everywhere():
    result = CliRunner().invoke(app, ["ask", QUESTION, "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    codes = [(ln["code"], ln["units"]) for ln in doc["lines"]]
    assert codes == [("17311", 1), ("17312", 1), ("17313", 1), ("17315", 1)]

    slack = _slack_text(DermBot(sheet_checker=None).reply(f"ask {QUESTION}"))
    assert "*Bill:*" in slack and all(f"{c} x{u}" in slack for c, u in codes)
    assert doc["answer"].split("\n")[0] in slack.replace("\\n", "\n")

    excel = DERM_FAQ(QUESTION)
    assert excel == doc["answer"]


def test_a_missing_fact_is_asked_for_the_same_way_everywhere():
    doc = json.loads(CliRunner().invoke(app, ["ask", MISSING, "--format", "json"]).stdout)
    assert "What was the site?" in doc["answer"] and doc["lines"] == []
    assert "What was the site?" in _slack_text(DermBot(sheet_checker=None).reply(f"ask {MISSING}"))
    assert DERM_FAQ(MISSING) == doc["answer"]
