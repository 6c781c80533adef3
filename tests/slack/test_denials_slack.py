"""Denial patterns in Slack: ``/derm denials`` for billing managers (summary privately, chart in the DM), a
remittance file dropped in a DM, the digest channel and ``post_digest``, and no patient data in anything sent."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import pytest
from slack_sdk import WebClient
from typer.testing import CliRunner

from derm_cli.main import app as cli
from derm_core import live
from slack_bot.app import create_app
from slack_bot.denials import Unavailable, digest_channel, post_digest
from slack_bot.settings import Settings

from .conftest import ADMIN, GROUP, GROUP_ADMIN, SECRET, Sender
from .test_listeners import assert_valid_message, texts

PNG = b"\x89PNG\r\n\x1a\n".hex()


@pytest.fixture
def remits(planted_month) -> Path:
    return planted_month / "remits"


@pytest.fixture
def make(slack, derm_bot, tmp_path, monkeypatch):
    """``make(**settings)``: a Sender driving a bot app built with those settings (in process), on a fresh rules store."""
    slack.reset()
    monkeypatch.setenv("DERM_RULES_DB", f"sqlite:///{tmp_path / 'rules.db'}")
    live.reset()

    def build(**kw) -> Sender:
        settings = Settings(
            bot_token="xoxb-test",
            signing_secret=SECRET,
            api_url=slack.api_url,
            admins=f"{ADMIN},{GROUP}",
            digest_file=str(tmp_path / "digest.json"),
            **kw,
        )
        sender = Sender("dispatch", create_app(settings, bot=derm_bot), slack, None)
        sender.settings = settings
        return sender

    return build


def denials(send: Sender, text: str = "", user: str = ADMIN) -> dict:
    name = f"den-{len(send.slack.calls)}-{user}-{abs(hash(text))}"
    r = send.command(f"denials {text}".strip(), user=user, response_url=send.slack.response_url(name))
    assert r.status == 200
    msg = send.slack.wait(f"/respond/{name}")[0].payload
    assert msg["response_type"] == "ephemeral"
    assert_valid_message(msg)
    return msg


def uploads(slack) -> list[tuple[dict, dict]]:
    """(getUploadURLExternal, completeUploadExternal) payloads of each file upload, in order."""
    return list(zip(slack.called("files.getUploadURLExternal"), slack.called("files.completeUploadExternal"), strict=False))


def test_denials_for_a_billing_manager_summary_privately_and_png_chart_in_the_dm(make, remits):
    send = make(remittances_dir=str(remits))
    msg = denials(send)
    assert msg["blocks"][0]["type"] == "header" and msg["blocks"][0]["text"]["text"].startswith("Denials: 2026-03")
    shown = texts(msg)
    assert "CO-97" in shown and "ACME HEALTH" in shown and "The chart is in our DM" in shown
    send.slack.wait("files.completeUploadExternal")
    ((get, done),) = uploads(send.slack)
    assert get.payload["filename"].endswith(".png")
    assert send.slack.called("/upload")[0].payload["head"] == PNG
    assert done.payload["channel_id"] == "D1"  # the DM opened with the user
    assert send.slack.called("conversations.open")[0].payload["users"] == ADMIN


def test_a_member_of_a_billing_manager_group_is_allowed(make, remits):
    msg = denials(make(remittances_dir=str(remits)), user=GROUP_ADMIN)
    assert msg["blocks"][0]["text"]["text"].startswith("Denials")


def test_others_are_refused_politely_and_nothing_is_read_or_sent(make, remits):
    send = make(remittances_dir=str(remits))
    for text in ("", "digest <#C0DIGEST|billing>"):
        msg = denials(send, text, user="U1")
        assert "Sorry" in msg["text"] and "billing managers" in msg["text"]
    assert not send.slack.called("files.getUploadURLExternal") and not send.slack.called("conversations.open")
    assert digest_channel(send.settings) is None


def test_unset_missing_and_empty_folders_say_so(make, tmp_path):
    assert "`DERM_REMITTANCES_DIR`" in denials(make())["text"] and "not set up" in denials(make())["text"]
    assert "does not exist" in denials(make(remittances_dir=str(tmp_path / "nowhere")))["text"]
    (tmp_path / "empty").mkdir()
    send = make(remittances_dir=str(tmp_path / "empty"))
    assert "is empty" in denials(send)["text"]
    assert not send.slack.called("files.getUploadURLExternal")


def test_remittance_file_in_a_dm_gets_the_summary_and_chart_in_its_thread(make, remits, tmp_path):
    send = make()
    ts = send.share_file("week2.835", (remits / "week2.835").read_bytes(), user=ADMIN)
    send.slack.wait("files.completeUploadExternal")
    posted = [c.payload for c in send.slack.called("chat.postMessage") if c.payload.get("thread_ts") == ts]
    assert len(posted) == 1 and posted[0]["blocks"][0]["text"]["text"].startswith("Denials")
    assert_valid_message(posted[0])
    assert "MEDICARE JX" in texts(posted[0])
    assert uploads(send.slack)[0][1].payload["thread_ts"] == ts
    assert send.slack.called("/upload")[0].payload["head"] == PNG
    # a zip of several weeks
    archive = tmp_path / "march.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(remits.glob("*.835")):
            z.write(f, f.name)
    ts = send.share_file("march.zip", archive.read_bytes(), user=ADMIN)
    send.slack.wait("files.completeUploadExternal", 2)
    zipped = next(c.payload for c in send.slack.called("chat.postMessage") if c.payload.get("thread_ts") == ts)
    assert "2026-03" in zipped["blocks"][0]["text"]["text"] and "CO-97" in texts(zipped)


def test_remittance_file_from_others_or_not_an_835_is_answered_politely(make):
    send = make()
    ts = send.share_file("era.835", b"ISA*00*...", user="U1")
    send.slack.wait_until(lambda: any(c.payload.get("thread_ts") == ts for c in send.slack.called("chat.postMessage")), what="refusal")
    refusal = next(c.payload for c in send.slack.called("chat.postMessage") if c.payload.get("thread_ts") == ts)
    assert "billing managers" in refusal["text"]
    ts = send.share_file("notes.txt", b"hello, nothing here\n", user=ADMIN)
    send.slack.wait_until(lambda: any(c.payload.get("thread_ts") == ts for c in send.slack.called("chat.postMessage")), what="answer")
    answer = next(c.payload for c in send.slack.called("chat.postMessage") if c.payload.get("thread_ts") == ts)
    assert "could not read any remittance claims" in answer["text"]
    assert not send.slack.called("files.getUploadURLExternal")


def test_digest_channel_set_shown_and_posted_with_chart(make, remits, tmp_path):
    send = make(remittances_dir=str(remits))
    with pytest.raises(Unavailable, match="No digest channel"):
        post_digest(WebClient(token="xoxb-test", base_url=send.slack.api_url), send.settings)
    assert "is off" in denials(send, "digest")["text"]
    assert "Pick the channel" in denials(send, "digest #billing")["text"]
    assert "<#C0DIGEST>" in denials(send, "digest <#C0DIGEST|billing>")["text"]
    assert digest_channel(send.settings) == "C0DIGEST"
    assert live.rules_store().slack_setting("denials_digest")["set_by"] == f"slack:{ADMIN}"
    assert not (tmp_path / "digest.json").exists(), "kept in the store, where every replica reads it"
    assert "goes to <#C0DIGEST>" in denials(send, "digest")["text"]

    send.slack.reset()
    assert post_digest(WebClient(token="xoxb-test", base_url=send.slack.api_url), send.settings) == "C0DIGEST"
    msg = send.slack.called("chat.postMessage")[0].payload
    assert msg["channel"] == "C0DIGEST" and msg["blocks"][0]["text"]["text"].startswith("Weekly denials digest: 2026-03")
    assert_valid_message(msg)
    assert uploads(send.slack)[0][1].payload["channel_id"] == "C0DIGEST"
    assert send.slack.called("/upload")[0].payload["head"] == PNG

    assert "is off" in denials(send, "digest off")["text"]
    assert digest_channel(send.settings) is None


def test_cli_posts_the_digest_once_for_cron(make, remits, tmp_path, monkeypatch):
    send = make(remittances_dir=str(remits))
    denials(send, "digest C0CRON1")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": send.slack.api_url,
        "DERM_REMITTANCES_DIR": str(remits),
        "DERM_DIGEST_FILE": str(tmp_path / "digest.json"),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    send.slack.reset()
    result = CliRunner().invoke(cli, ["denials", "digest", "--post"])
    assert result.exit_code == 0, result.output
    assert "C0CRON1" in result.stdout
    assert send.slack.called("chat.postMessage")[0].payload["channel"] == "C0CRON1"
    monkeypatch.setenv("DERM_REMITTANCES_DIR", str(tmp_path / "nowhere"))
    failed = CliRunner().invoke(cli, ["denials", "digest", "--post"])
    assert failed.exit_code == 1 and "does not exist" in failed.stderr


def test_no_patient_names_member_ids_or_birth_dates_in_anything_sent_or_logged(make, remits, phi_values, caplog):
    caplog.set_level(logging.DEBUG)
    raw = (remits / "week1.835").read_text()
    assert all(v in raw for v in ("PHIPLANTLAST", "PHIMEMBER", "19370415")), "the values were planted"
    send = make(remittances_dir=str(remits))
    denials(send)
    send.share_file("week1.835", raw.encode(), user=ADMIN)
    send.share_file("cut.835", raw[: raw.index("PHIPLANTLAST") + 20].encode(), user=ADMIN)  # truncated in a patient segment
    denials(send, "digest C0DIGEST")
    post_digest(WebClient(token="xoxb-test", base_url=send.slack.api_url), send.settings)
    send.slack.wait("files.completeUploadExternal", 3)  # the command, week1.835 and the digest (cut.835 has no whole claim)
    send.slack.wait_until(lambda: len(send.slack.called("chat.postMessage")) >= 3, what="all replies")
    sent = json.dumps([c.payload for c in send.slack.calls]) + caplog.text
    assert "Denials" in sent
    for value in phi_values:
        assert value not in sent, value


def test_a_digest_channel_kept_in_a_file_by_an_earlier_version_is_read_until_one_is_set_in_slack(make, tmp_path):
    send = make()
    (tmp_path / "digest.json").write_text(json.dumps({"channel": "C0OLDFILE", "set_by": "slack:U9"}))
    assert digest_channel(send.settings) == "C0OLDFILE"
    assert "goes to <#C0OLDFILE>" in denials(send, "digest")["text"]
    denials(send, "digest off")
    assert digest_channel(send.settings) is None, "once set in Slack, the store's setting wins over the file"
