"""Every listener, through signed requests: slash subcommands, a mention, a DM, the shortcuts, the Why?
and Share buttons, the modal, App Home and a charge sheet in a DM. Runs in process and over HTTP."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from testpaths import EXAMPLES

from slack_bot import blocks
from slack_bot.testing import signed_headers

CLAIM = "99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02"


def assert_valid_message(msg) -> None:
    blocks.check_message({"text": msg.get("text"), "blocks": msg.get("blocks")})


def texts(msg) -> str:
    """Everything Slack renders in a message: the fallback text and every text object (not button values)."""
    found = [msg.get("text", "")]

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(node["text"])
            for key, value in node.items():
                if key != "value":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(msg.get("blocks", []))
    return "\n".join(found)


def why_values(msg) -> list[str]:
    return [b["accessory"]["value"] for b in msg["blocks"] if b.get("accessory", {}).get("action_id", "").startswith("why-")]


def action_ids(msg) -> list[str]:
    """The message's buttons other than the Override button each finding has."""
    return [
        e["action_id"] for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"] if not e["action_id"].startswith("override-")
    ]


def override_values(msg) -> list[dict]:
    return [
        json.loads(e["value"])
        for b in msg["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("override-")
    ]


# --- /derm -------------------------------------------------------------------------------------


def test_check_is_private_with_findings_why_buttons_and_share(send):
    r = send.command(f"check {CLAIM}", response_url=send.slack.response_url(f"private-{send.mode}"))
    assert r.status == 200
    msg = r.json()
    assert msg["response_type"] == "ephemeral"
    assert_valid_message(msg)
    assert msg["blocks"][0]["type"] == "header" and "Errors" in msg["blocks"][0]["text"]["text"]
    assert "DRM050" in why_values(msg)
    assert "*Fix:*" in texts(msg)
    assert action_ids(msg) == ["share"]
    overrides = override_values(msg)
    assert len(overrides) == len(why_values(msg)), "an Override button under each finding"
    assert {o["r"] for o in overrides} == set(why_values(msg))
    assert all(o["c"].startswith("text:") and o["n"] == 0 for o in overrides), "a claim without an id: a digest, never its text"
    assert not send.slack.called(f"/respond/private-{send.mode}"), "one message: all of it in the acknowledgement"


def test_check_shared_goes_to_the_channel_without_share_button(send):
    msg = send.command(f"check share {CLAIM}").json()
    assert msg["response_type"] == "in_channel"
    assert action_ids(msg) == []


def test_check_clean_claim(send):
    msg = send.command("check 17000 L57.0; 17003 x3 L57.0; medicare 2026-03-02").json()
    assert "Clean" in msg["blocks"][0]["text"]["text"]


def test_check_without_a_procedure_code_is_a_polite_error(send):
    msg = send.command("check hello there").json()
    assert msg["response_type"] == "ephemeral"
    assert "could not read a claim" in msg["text"]


def test_long_report_is_split_and_the_rest_goes_through_response_url(send, derm_bot):
    claim = (
        "; ".join(f"1700{i % 2 + 1}-{m} x{i + 1} L57.0" for i, m in zip(range(90), ["50", "25", "XS"] * 30, strict=True))
        + "; medicare 2026-03-02"
    )
    expected = derm_bot.reply(f"check {claim}").messages
    assert 1 < len(expected) <= blocks.MAX_MESSAGES
    first = send.command(f"check {claim}", response_url=send.slack.response_url(f"long-{send.mode}")).json()
    assert_valid_message(first)
    extra = send.slack.wait(f"/respond/long-{send.mode}", len(expected) - 1)
    assert [first["blocks"]] + [c.payload["blocks"] for c in extra] == [m["blocks"] for m in expected]
    for call in extra:
        assert call.payload["response_type"] == "ephemeral"
        assert_valid_message(call.payload)


def test_rule_and_rule_list_and_unknown_rule(send):
    msg = send.command("rule DRM110").json()
    assert msg["blocks"][0]["text"]["text"] == "Rule DRM110"
    assert "What it does" in texts(msg)
    listing = send.command("rule").json()
    assert "DRM110" in texts(listing)
    unknown = send.command("rule DRM999 <!channel>").json()
    assert "There is no rule" in unknown["text"] and "<!channel>" not in texts(unknown)


def test_help_and_empty_text(send):
    for text in ("help", ""):
        msg = send.command(text).json()
        assert msg["response_type"] == "ephemeral"
        assert "/derm check" in texts(msg)
        assert_valid_message(msg)


def test_suggest_from_json(send):
    msg = send.command('suggest {"procedure": "mohs", "site": "nose", "mohs_stage_blocks": [7, 3]}').json()
    assert "17311 x1 + 17312 x1 + 17315 x2" in texts(msg)
    bad = send.command('suggest {"procedure": "teleport"}').json()
    assert "could not read that procedure" in bad["text"]
    missing = send.command('suggest {"procedure": "mohs"}').json()
    assert "more facts" in missing["text"]


def test_suggest_from_text(send):
    msg = send.command("suggest mohs cheek stages 7,3").json()
    assert "17311" in texts(msg)


def test_ask_answers_a_question(send):
    msg = send.command("ask can I bill 17000 and 17003 on the same day?").json()
    assert msg["response_type"] == "ephemeral"
    assert "17003" in texts(msg)
    assert_valid_message(msg)


def test_bare_text_is_routed(send):
    assert "Claim check" in send.command(CLAIM).json()["text"]
    assert send.command("DRM110").json()["text"] == "Rule DRM110"
    question = send.command("what does modifier 25 mean?").json()
    assert "Claim check" not in question["text"]


# --- hostile input and PHI -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("check " + "17000 L57.0 " * 4200, "too long"),
        ("check \x00\x01\x02\xff\xfe binary", "binary"),
        ("check Jane Doe DOB 04/12/1951 17000 L57.0", "patient identifiers"),
        ("check 17000 L57.0 MRN 4471923", "patient identifiers"),
        ("check 17000 L57.0 SSN 123-45-6789", "patient identifiers"),
        ("check 17000 L57.0 call 555-867-5309", "patient identifiers"),
    ],
    ids=["50k-chars", "binary", "name-dob", "mrn", "ssn", "phone"],
)
def test_hostile_or_identifying_text_gets_a_polite_reply_and_is_not_echoed(send, text, expect):
    msg = send.command(text).json()
    assert msg["response_type"] == "ephemeral"
    assert expect in msg["text"]
    for secret in ("Jane", "1951", "4471923", "123-45-6789", "867-5309"):
        assert secret not in texts(msg)
    assert "/derm check" in send.command("help").json()["text"], "the bot keeps serving"


def test_markup_inside_a_claim_is_never_repeated(send):
    msg = send.command("check 17000 <!channel> L57.0 <@U123> <!here|here>; medicare 2026-03-02").json()
    dumped = texts(msg)
    assert "!channel" not in dumped and "U123" not in dumped and "!here" not in dumped
    assert "3 words not understood" in dumped
    # the Share button carries the parsed claim, not the pasted text; sharing checks it again
    value = action_value(msg, "share")
    assert value == "2026-03-02; L57.0; 17000 L57.0; medicare"
    send.interactive(
        {
            "type": "block_actions",
            "actions": [{"action_id": "share", "value": value, "type": "button"}],
            "response_url": send.slack.response_url("share"),
        }
    )
    shared = send.slack.wait("/respond/share")[0].payload
    assert "!channel" not in texts(shared) and shared["response_type"] == "in_channel"
    assert "not understood" not in texts(shared)


def test_text_slack_sent_escaped_is_read_unescaped_and_not_repeated(send):
    rendered = texts(send.command("check 17000 &lt;!channel&gt; L57.0 &amp;; medicare 2026-03-02").json())
    assert "!channel" not in rendered and "&amp;" not in rendered
    assert "1 word not understood" in rendered


def action_value(msg, action_id):
    return next(e["value"] for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id)


# --- mentions and DMs ----------------------------------------------------------------------------


def test_mention_with_a_claim_replies_privately_in_the_thread(send):
    r = send.event(
        {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {CLAIM}", "ts": "1700.0001", "channel": "C1", "event_ts": "1700.0001"}
    )
    assert r.status == 200
    call = send.slack.wait("chat.postEphemeral")[0].payload
    assert (call["channel"], call["user"], call["thread_ts"]) == ("C1", "U1", "1700.0001")
    assert "DRM050" in why_values(call)
    assert_valid_message(call)


def test_mention_with_help_replies_in_the_thread_for_everyone(send):
    send.event({"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "ts": "1700.0002", "thread_ts": "1699.0001", "channel": "C1"})
    call = send.slack.wait("chat.postMessage")[0].payload
    assert (call["channel"], call["thread_ts"]) == ("C1", "1699.0001")
    assert "/derm check" in call["text"]


def test_dm_with_a_claim_replies_in_the_thread_without_share(send):
    send.event({"type": "message", "channel_type": "im", "user": "U1", "text": CLAIM, "ts": "1700.0003", "channel": "D1"})
    call = send.slack.wait("chat.postMessage")[0].payload
    assert (call["channel"], call["thread_ts"]) == ("D1", "1700.0003")
    assert "DRM050" in why_values(call) and action_ids(call) == []


def test_bot_messages_and_edits_are_ignored(send):
    send.event({"type": "message", "channel_type": "im", "bot_id": "B2", "text": CLAIM, "ts": "1700.0004", "channel": "D1"})
    send.event({"type": "message", "subtype": "message_changed", "channel_type": "im", "ts": "1700.0005", "channel": "D1"})
    send.event({"type": "message", "channel_type": "im", "user": "U1", "text": "help", "ts": "1700.0006", "channel": "D1"})
    send.slack.wait("chat.postMessage")
    assert [c.payload["thread_ts"] for c in send.slack.called("chat.postMessage")] == ["1700.0006"]


def test_a_retried_event_is_handled_once(send):
    event = {"type": "message", "channel_type": "im", "user": "U1", "text": "help", "ts": "1700.0007", "channel": "D1"}
    event_id = f"EvRetry-{send.mode}"
    send.event(event, event_id)
    send.event(event, event_id)
    send.slack.wait("chat.postMessage")
    send.event({**event, "ts": "1700.0008"})  # a marker: once it is answered, a duplicate would have been too
    send.slack.wait("chat.postMessage", 2)
    assert len(send.slack.called("chat.postMessage")) == 2


# --- shortcuts, buttons, modals, App Home ---------------------------------------------------------


def test_message_shortcut_checks_the_message_privately(send):
    r = send.interactive(
        {
            "type": "message_action",
            "callback_id": "check_claim",
            "message": {"type": "message", "text": CLAIM, "user": "U2", "ts": "1700.0009"},
            "channel": {"id": "C1"},
            "message_ts": "1700.0009",
            "response_url": send.slack.response_url("shortcut"),
        }
    )
    assert r.status == 200
    call = send.slack.wait("/respond/shortcut")[0].payload
    assert call["response_type"] == "ephemeral"
    assert "DRM050" in why_values(call)
    assert_valid_message(call)


def test_message_shortcut_on_a_message_without_a_claim(send):
    send.interactive(
        {
            "type": "message_action",
            "callback_id": "check_claim",
            "message": {"text": "lunch?"},
            "channel": {"id": "C1"},
            "response_url": send.slack.response_url("s2"),
        }
    )
    assert "could not read a claim" in send.slack.wait("/respond/s2")[0].payload["text"]


def test_why_button_opens_the_rule_in_a_modal(send):
    r = send.interactive(
        {
            "type": "block_actions",
            "actions": [{"action_id": "why-1", "block_id": "b1", "value": "DRM050", "type": "button", "action_ts": "1"}],
            "container": {"type": "message", "is_ephemeral": True},
            "channel": {"id": "C1"},
            "response_url": send.slack.response_url(),
        }
    )
    assert r.status == 200
    call = send.slack.wait("views.open")[0].payload
    assert call["trigger_id"].startswith("trigger-")
    view = call["view"]
    assert view["type"] == "modal" and view["title"]["text"] == "Why? DRM050"
    assert "What it does" in json.dumps(view["blocks"])
    blocks.check_view(view)


def test_share_button_posts_the_check_to_the_channel(send):
    msg = send.command(f"check {CLAIM}").json()
    send.interactive(
        {
            "type": "block_actions",
            "actions": [{"action_id": "share", "value": action_value(msg, "share"), "type": "button"}],
            "response_url": send.slack.response_url("sh"),
        }
    )
    call = send.slack.wait("/respond/sh")[0].payload
    assert call["response_type"] == "in_channel" and call["replace_original"] is False
    assert "DRM050" in why_values(call) and action_ids(call) == []


def test_global_shortcut_modal_and_its_submission(send):
    send.interactive({"type": "shortcut", "callback_id": "check_claim_modal"})
    view = send.slack.wait("views.open")[0].payload["view"]
    blocks.check_view(view)
    r = send.interactive(
        {
            "type": "view_submission",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "check_claim_modal",
                "state": {"values": {"claim": {"text": {"type": "plain_text_input", "value": CLAIM}}}},
            },
        }
    )
    body = r.json()
    assert body["response_action"] == "update"
    blocks.check_view(body["view"])
    assert "DRM050" in json.dumps(body["view"])


def test_app_home_shows_capabilities_and_versions(send, derm_bot):
    send.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1700.0010"})
    call = send.slack.wait("views.publish")[0].payload
    assert call["user_id"] == "U1"
    view = call["view"]
    blocks.check_view(view)
    dumped = json.dumps(view)
    versions = derm_bot.versions()
    assert versions["ruleset"] in dumped and str(versions["icd10cm"]) in dumped and "/derm check" in dumped


# --- charge sheets in a DM ----------------------------------------------------------------------


@dataclass
class FakeSummary:
    rows_checked: int = 12
    claims: int = 4
    by_status: dict = field(default_factory=lambda: {"error": 1, "warning": 1, "clean": 2})
    findings_by_rule: dict = field(default_factory=lambda: {"DRM110": 2, "DRM050": 1})


def fake_check_sheet(input_path, output_path, ruleset=None, *, force=False, progress=None):
    """Stands in for charge_sheets.check_sheet in these transport tests."""
    assert Path(input_path).read_bytes()[:2] == b"PK"
    progress(6, 12)
    Path(output_path).write_bytes(b"annotated workbook")
    return FakeSummary()


def workbook_bytes(extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def share_file(send, name: str, data: bytes, size: int | None = None, ts: str = "1700.0100"):
    url = send.slack.add_file(f"{send.mode}-{name}", data)
    file = {"id": "F9", "name": name, "size": len(data) if size is None else size, "url_private_download": url}
    send.event(
        {
            "type": "message",
            "subtype": "file_share",
            "channel_type": "im",
            "user": "U1",
            "text": "",
            "ts": ts,
            "channel": "D1",
            "files": [file],
        }
    )


def test_sheet_before_the_excel_add_in_says_not_supported_yet(send, derm_bot, monkeypatch):
    monkeypatch.setattr(derm_bot, "sheet_checker", None)
    share_file(send, "march.xlsx", workbook_bytes())
    call = send.slack.wait("chat.postMessage")[0].payload
    assert call["thread_ts"] == "1700.0100" and "not supported yet" in call["text"]


def test_sheet_is_checked_after_the_ack_with_progress_and_the_workbook_comes_back(send, derm_bot, monkeypatch):
    monkeypatch.setattr(derm_bot, "sheet_checker", fake_check_sheet)
    monkeypatch.setattr("slack_bot.sheets.PROGRESS_EVERY", 0)
    share_file(send, "march <!channel>.xlsx", (EXAMPLES / "charges.xlsx").read_bytes())
    progress = send.slack.wait("chat.postMessage")[0].payload
    assert progress["channel"] == "D1" and progress["thread_ts"] == "1700.0100" and "Checking" in progress["text"]
    assert "<!channel>" not in texts(progress)
    complete = send.slack.wait("files.completeUploadExternal")[0].payload
    assert complete["channel_id"] == "D1" and complete["thread_ts"] == "1700.0100"
    assert json.loads(complete["files"]) if isinstance(complete["files"], str) else complete["files"]
    assert send.slack.called("/upload")[0].payload["bytes"] == len(b"annotated workbook")
    download = next(c for c in send.slack.calls if c.path.startswith(f"/files/{send.mode}-march"))
    assert download.headers["authorization"] == "Bearer xoxb-test"
    updates = send.slack.wait("chat.update", 2)
    assert "50%" in texts(updates[0].payload)
    summary = updates[-1].payload
    assert "Rows checked:* 12" in texts(summary) and "DRM110" in texts(summary)
    assert_valid_message(summary)


def test_a_real_charge_sheet_comes_back_annotated_with_its_summary(send, derm_bot, tmp_path):
    from charge_sheets import check_sheet

    sample = EXAMPLES / "charges.xlsx"
    expected = check_sheet(sample, tmp_path / "expected.xlsx")
    share_file(send, "charges.xlsx", sample.read_bytes(), ts="1700.0200")
    send.slack.wait_until(lambda: any("Rows checked" in texts(c.payload) for c in send.slack.called("chat.update")), what="the summary")
    summary = next(c.payload for c in send.slack.called("chat.update") if "Rows checked" in texts(c.payload))
    assert f"Rows checked:* {expected.rows_checked}" in texts(summary)
    assert all(f"`{rule}`" in texts(summary) for rule in list(expected.findings_by_rule)[:3])
    complete = send.slack.called("files.completeUploadExternal")[0].payload
    assert complete["channel_id"] == "D1" and complete["thread_ts"] == "1700.0200"
    assert send.slack.called("/upload")[0].payload["bytes"] > 1000
    assert_valid_message(summary)


@pytest.mark.parametrize(
    ("name", "data", "expect"),
    [
        ("notes.exe", b"MZ...", "saved as .xlsx or .csv"),
        ("fake.xlsx", b"this is not a workbook at all", "not an Excel workbook"),
        ("archive.xlsx", b"PK\x03\x04" + b"\x00" * 40, "damaged"),
        ("bomb.xlsx", None, "zip bomb"),
        ("huge.csv", b"a,b\n", "larger than"),
        ("binary.csv", b"\x00\x01\x02", "not a text CSV file"),
    ],
    ids=["wrong-type", "not-a-workbook", "broken-zip", "zip-bomb", "too-large", "binary-csv"],
)
def test_hostile_files_get_a_polite_error_and_the_bot_keeps_serving(send, name, data, expect):
    if data is None:
        data = workbook_bytes({"xl/worksheets/sheet1.xml": b"\x00" * (24 * 1024 * 1024)})
    share_file(send, name, data, size=50 * 1024 * 1024 if name == "huge.csv" else None)
    send.slack.wait_until(
        lambda: any(expect in c.payload.get("text", "") for c in send.slack.called("chat.postMessage") + send.slack.called("chat.update")),
        what=expect,
    )
    assert not send.slack.called("files.completeUploadExternal")
    assert "/derm check" in send.command("help").json()["text"]


# --- signatures ----------------------------------------------------------------------------------


def test_forged_stale_and_missing_signatures_get_401(send):
    body = "command=%2Fderm&text=help&user_id=U1&team_id=T1&channel_id=C1&response_url=x"
    forged = signed_headers(body, "not-the-secret")
    stale = signed_headers(body, send.secret, timestamp=1_600_000_000)
    for headers in (forged, stale, {"content-type": "application/x-www-form-urlencoded"}):
        assert send.raw(body, headers).status == 401
    assert send.raw(body, signed_headers(body, send.secret)).status == 200
