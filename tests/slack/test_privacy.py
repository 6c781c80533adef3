"""No claim, question or file text reaches the logs, at any level, in a full run; the SDK loggers
stay at INFO or above."""

import logging

import pytest

from slack_bot.app import SDK_LOGGERS

PLANTED = "ZEBRA7Q"
CLAIM = f"99213-25 L40.0; 17000 L57.0 {PLANTED}claim; 17003 x14 L57.0; medicare 2026-03-02"


def boom(*args, **kwargs):
    raise RuntimeError(f"failed on {PLANTED}exception")


def test_a_full_run_logs_no_claim_question_or_file_text(send, derm_bot, monkeypatch, captured_logs):
    send.command(f"check {CLAIM}")
    send.command(f"{PLANTED}question what is modifier 25?")
    send.command(f"check Jane {PLANTED}phi DOB 01/02/1950 17000")
    send.event({"type": "app_mention", "user": "U1", "text": f"<@UBOT> {CLAIM}", "ts": "1.1", "channel": "C1"})
    send.event({"type": "message", "channel_type": "im", "user": "U1", "text": CLAIM, "ts": "1.2", "channel": "D1"})
    send.interactive(
        {
            "type": "message_action",
            "callback_id": "check_claim",
            "message": {"text": CLAIM},
            "channel": {"id": "C1"},
            "response_url": send.slack.response_url(),
        }
    )
    send.interactive(
        {
            "type": "block_actions",
            "actions": [{"action_id": "share", "value": CLAIM, "type": "button"}],
            "response_url": send.slack.response_url(),
        }
    )
    url = send.slack.add_file(f"{PLANTED}-{send.mode}.csv", f"claim,code\n{PLANTED}file,17000\n".encode())
    monkeypatch.setattr(derm_bot, "sheet_checker", boom)
    send.event(
        {
            "type": "message",
            "subtype": "file_share",
            "channel_type": "im",
            "user": "U1",
            "ts": "1.3",
            "channel": "D1",
            "files": [{"name": f"{PLANTED}.csv", "size": 30, "url_private_download": url}],
        }
    )
    send.slack.wait_until(
        lambda: any("could not check" in c.payload.get("text", "") for c in send.slack.called("chat.update")), what="sheet failure reply"
    )
    monkeypatch.setattr(derm_bot, "_check", boom)  # a bug inside a handler
    assert "went wrong" in send.command(f"check {CLAIM}").json()["text"]
    send.slack.wait("chat.postEphemeral")
    send.slack.wait("chat.postMessage", 2)
    logged = "\n".join(captured_logs)
    assert captured_logs, "the run did log something"
    assert "RuntimeError" in logged, "failures are logged by type"
    assert PLANTED not in logged
    for name in SDK_LOGGERS:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.INFO


@pytest.mark.parametrize("name", ["slack_sdk.web.base_client", "slack_bolt.App", "slack_sdk.socket_mode"])
def test_sdk_loggers_do_not_follow_a_debug_root(bolt_app, name, monkeypatch):
    monkeypatch.setattr(logging.getLogger(), "level", logging.DEBUG)
    assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)
