"""Retried and replayed requests are answered once, by keys kept in the rules store: a signed override submission
replayed three times stores one override; an event Slack retries after the bot restarted is not answered twice.
Also: Why? and Override inside a modal push a view (``views.push``); a file shared as ``check_file_info`` is looked
up with ``files.info``; the ``/derm`` command is escaped (``should_escape: true``) and the digest reads its
``#channel`` in that form."""

from __future__ import annotations

import json
from importlib import resources
from urllib.parse import urlencode

import yaml
from testpaths import EXAMPLES

from slack_bot.app import create_app
from slack_bot.denials import digest_channel
from slack_bot.settings import Settings

from .conftest import ADMIN, SECRET, Sender
from .test_admin import override_click, store  # noqa: F401  (a fixture)
from .test_listeners import override_values, texts


def test_a_replayed_override_submission_is_stored_once(send, store):  # noqa: F811
    msg = send.command("check claim R-3003 99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02").json()
    view, url = override_click(send, msg, "DRM050")
    payload = {
        "type": "view_submission",
        "trigger_id": "trigger-replayed",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "api_app_id": "A1",
        "view": {
            "id": "V1",
            "hash": "h1",
            "type": "modal",
            "callback_id": "override",
            "private_metadata": view["private_metadata"],
            "state": {"values": {"reason": {"text": {"type": "plain_text_input", "value": "Two distinct sites"}}}},
        },
    }
    body = urlencode({"payload": json.dumps(payload)})
    answers = [send.signed(body).json() for _ in range(3)]  # the very same signed request, three times
    assert answers == [{"response_action": "clear"}] * 3
    assert [r["claim_ref"] for r in store.overrides("DRM050")] == ["R-3003"]
    send.slack.wait(f"/respond/{url}")
    assert len(send.slack.called(f"/respond/{url}")) == 1, "confirmed once"
    second = dict(payload, trigger_id="trigger-second")  # the user overriding again is a new submission
    send.signed(urlencode({"payload": json.dumps(second)}))
    assert len(store.overrides("DRM050")) == 2


def test_an_event_retried_after_a_restart_is_not_answered_twice(send, store, derm_bot):  # noqa: F811
    event = {"type": "message", "channel_type": "im", "user": "U1", "text": "help", "ts": "1700.7001", "channel": "D1"}
    send.event(event, event_id="EvRestart1")
    send.slack.wait("chat.postMessage")
    settings = Settings(bot_token="xoxb-test", signing_secret=SECRET, api_url=send.slack.api_url)
    restarted = Sender("dispatch", create_app(settings, bot=derm_bot), send.slack, None)  # a new process: nothing in memory
    r = restarted.event(event, event_id="EvRestart1")  # Slack's retry (x-slack-retry-num) after the restart
    assert r.status == 200
    restarted.event({**event, "ts": "1700.7002"}, event_id="EvRestart2")
    send.slack.wait("chat.postMessage", 2)
    assert [c.payload["thread_ts"] for c in send.slack.called("chat.postMessage")] == ["1700.7001", "1700.7002"]


def test_why_and_override_inside_a_modal_push_a_view(send):
    msg = send.command("check claim M-1 99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02").json()
    in_modal = {"container": {"type": "view", "view_id": "V9"}, "view": {"id": "V9", "type": "modal", "callback_id": "check_result"}}
    value = next(v for v in override_values(msg) if v["r"] == "DRM050")
    for action_id, action_value in (("why-1", "DRM050"), ("override-1", json.dumps(value))):
        send.interactive(
            {
                "type": "block_actions",
                "actions": [{"action_id": action_id, "value": action_value, "type": "button", "block_id": "b"}],
                **in_modal,
            }
        )
    views = {c.payload["view"]["title"]["text"]: c.payload["view"] for c in send.slack.wait("views.push", 2)}
    assert set(views) == {"Why? DRM050", "Override finding"} and views["Override finding"]["callback_id"] == "override"
    assert not send.slack.called("views.open")


def test_a_file_shared_as_check_file_info_is_looked_up(send, derm_bot, monkeypatch):
    url = send.slack.add_file(f"{send.mode}-info.xlsx", (EXAMPLES / "charges.xlsx").read_bytes())
    send.slack.file_objects[f"F{send.mode}"] = {"id": f"F{send.mode}", "name": "march.xlsx", "size": 100, "url_private_download": url}
    for file_id in (f"F{send.mode}", "Fmissing"):
        send.event(
            {
                "type": "message",
                "subtype": "file_share",
                "channel_type": "im",
                "user": "U1",
                "ts": f"1700.8{len(file_id)}",
                "channel": "D1",
                "files": [{"id": file_id, "file_access": "check_file_info"}],
            }
        )
    send.slack.wait("files.info", 2)
    send.slack.wait_until(lambda: any("Rows checked" in texts(c.payload) for c in send.slack.called("chat.update")), 60, "the summary")
    assert any("can't open that file" in texts(c.payload) for c in send.slack.called("chat.postMessage"))


def test_the_command_is_escaped_and_the_digest_reads_a_channel_in_that_form(send, store):  # noqa: F811
    manifest = yaml.safe_load(resources.files("slack_bot").joinpath("manifest.yaml").read_text(encoding="utf-8"))
    assert manifest["features"]["slash_commands"][0]["should_escape"] is True
    for text, expect in (("<#C0ESCAPED|billing>", "goes to <#C0ESCAPED>"), ("<#C0ESCAPED|>", "goes to <#C0ESCAPED>"), ("off", "is off")):
        name = f"digest-{send.mode}-{abs(hash(text))}"
        send.command(f"denials digest {text}", user=ADMIN, response_url=send.slack.response_url(name))
        assert expect in texts(send.slack.wait(f"/respond/{name}")[0].payload)
        if text != "off":
            assert digest_channel(Settings()) == "C0ESCAPED"
    # escaped claim text (&amp; &lt; &gt;) is read as the user typed it
    assert "Claim check" in send.command("check 17000 L57.0 &amp; 17003 x3 L57.0; medicare 2026-03-02").json()["text"]
