"""Slack's rate limit: the Web API double answers HTTP 429 with ``Retry-After``, as Slack does, and the bot waits and
sends again (slack_sdk's ``RateLimitErrorRetryHandler`` on every client, Bolt's per-request client and ``respond()``
included). When Slack keeps refusing, the error code is logged and the bot carries on. In process and over HTTP."""

from __future__ import annotations

import time

from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from .test_listeners import CLAIM, texts


def test_every_client_retries_rate_limits_and_dropped_connections(bolt_app):
    kinds = {type(h) for h in bolt_app.client.retry_handlers}
    assert {RateLimitErrorRetryHandler, ConnectionErrorRetryHandler} <= kinds


def test_a_dm_reply_waits_out_a_429_and_is_sent(send):
    send.slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    start = time.monotonic()
    send.event({"type": "message", "channel_type": "im", "user": "U1", "text": CLAIM, "ts": "1700.0429", "channel": "D1"})
    send.slack.wait_until(lambda: bool(send.slack.answered("chat.postMessage")), what="the reply")
    [sent] = send.slack.answered("chat.postMessage")
    assert time.monotonic() - start >= 1, "it waited for Retry-After"
    assert len(send.slack.answered("chat.postMessage", 429)) == 1
    assert sent.payload["thread_ts"] == "1700.0429" and "Claim check" in sent.payload["text"]


def test_a_mention_reply_and_a_modal_wait_out_a_429(send):
    send.slack.rate_limit("chat.postEphemeral", times=1, retry_after=1)
    send.slack.rate_limit("views.open", times=1, retry_after=1)
    send.event({"type": "app_mention", "user": "U1", "text": f"<@UBOT> {CLAIM}", "ts": "1700.1429", "channel": "C1"})
    send.button("why-1", "DRM050")
    send.slack.wait_until(lambda: bool(send.slack.answered("chat.postEphemeral")) and bool(send.slack.answered("views.open")), what="both")
    assert len(send.slack.answered("chat.postEphemeral", 429)) == 1 and len(send.slack.answered("views.open", 429)) == 1
    assert send.slack.answered("views.open")[0].payload["view"]["title"]["text"] == "Why? DRM050"


def test_respond_waits_out_a_429_on_the_response_url(send):
    name = f"rl-{send.mode}"
    send.slack.rate_limit(f"/respond/{name}", times=1, retry_after=1)
    send.command("denials", user="UNOBODY", response_url=send.slack.response_url(name))  # refused, through respond()
    send.slack.wait_until(lambda: bool(send.slack.answered(f"/respond/{name}")), what="the answer")
    assert "can't show you that" in texts(send.slack.answered(f"/respond/{name}")[0].payload)
    assert len(send.slack.answered(f"/respond/{name}", 429)) == 1


def test_a_limit_that_does_not_lift_is_logged_with_its_error_code(send, captured_logs):
    send.slack.rate_limit("chat.postMessage", times=10, retry_after=1)
    send.event({"type": "message", "channel_type": "im", "user": "U1", "text": "help", "ts": "1700.2429", "channel": "D1"})
    deadline = time.monotonic() + 15
    while not any("ratelimited" in line for line in captured_logs):
        assert time.monotonic() < deadline, "the failure was not logged"
        time.sleep(0.1)
    assert any("SlackApiError ratelimited (HTTP 429)" in line for line in captured_logs)
    assert len(send.slack.answered("chat.postMessage", 429)) == 3, "the first try and two retries"
    send.slack.limits.clear()
    assert "Claim check" in send.command(f"check {CLAIM}").json()["text"], "the bot carries on"
