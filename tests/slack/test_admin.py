"""Rules administration and overrides in Slack, through signed requests to the real Bolt app (in process and
over HTTP), against a temporary SQLite rules store (``DERM_RULES_DB``): the rules workbook uploaded in a DM,
its problems or its diff, Publish (with a reason) or Cancel, stale uploads, ``/derm admin history|rollback|
overrides|export``, refusals of non-admins (and their audit entries), and the Override button."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from derm_core import live
from derm_core.engine import all_rules
from derm_core.rulebook import export_workbook
from derm_core.ruleset import PriorAuthRow
from derm_core.store import open_store
from slack_bot import blocks
from slack_bot.admin import AdminDirectory
from slack_bot.testing import SlackApiDouble

from .conftest import ADMIN, GROUP, GROUP_ADMIN
from .test_listeners import assert_valid_message, override_values, texts, why_values

PA_CHECK = "check 96920 L40.0; aetna 2026-03-02"  # DRM950 (prior authorization) once Aetna needs PA for 96920
CLAIM = "claim A1001 99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02"
_n = itertools.count(1)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh rules store at version 1, which the bot uses (``DERM_RULES_DB``)."""
    url = f"sqlite:///{tmp_path / 'rules.db'}"
    monkeypatch.setenv("DERM_RULES_DB", url)
    s = open_store(url)
    s.current()
    yield s
    s.close()
    live.reset()


def workbook(store, tmp_path: Path, edit=None) -> bytes:
    """The current rules exported as the rules workbook, optionally edited (``edit(book)``)."""
    current = store.current()
    path = tmp_path / f"rules-{next(_n)}.xlsx"
    export_workbook(current.ruleset, path, base=current.number, rule_ids=list(all_rules()))
    if edit is not None:
        book = load_workbook(path)
        edit(book)
        book.save(path)
    return path.read_bytes()


def with_pa(ruleset, payer: str, code: str):
    return ruleset.model_copy(update={"prior_authorization": [*ruleset.prior_authorization, PriorAuthRow(payer=payer, code=code)]})


def add_aetna_pa(book, note: str = "Excimer laser needs PA (payer memo)") -> None:
    book["Prior Authorization"].append(["Aetna", "commercial", "96920-96922", note])


def posted(slack: SlackApiDouble, ts: str) -> list[dict]:
    """The bot's messages in the thread ``ts``."""
    return [c.payload for c in slack.called("chat.postMessage") if c.payload.get("thread_ts") == ts]


def wait_posted(slack: SlackApiDouble, ts: str, needle: str) -> dict:
    try:
        slack.wait_until(lambda: any(needle in texts(p) for p in posted(slack, ts)), what=f"a message with {needle!r}")
    except AssertionError:
        print("posted in the thread:", [texts(p)[:300] for p in posted(slack, ts)])
        raise
    msg = next(p for p in posted(slack, ts) if needle in texts(p))
    assert_valid_message(msg)
    return msg


def wait_updated(slack: SlackApiDouble, needle: str) -> dict:
    slack.wait_until(lambda: any(needle in texts(c.payload) for c in slack.called("chat.update")), what=f"an update with {needle!r}")
    msg = next(c.payload for c in slack.called("chat.update") if needle in texts(c.payload))
    assert_valid_message(msg)
    return msg


def buttons(msg) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]}


def admin(send, text: str, user: str = ADMIN) -> list[dict]:
    """``/derm admin <text>``: acknowledged at once, answered through response_url (ephemeral)."""
    name = f"admin-{send.mode}-{next(_n)}"
    r = send.command(f"admin {text}", user=user, response_url=send.slack.response_url(name))
    assert r.status == 200 and not r.json(), "acknowledged without a body"
    replies = [c.payload for c in send.slack.wait(f"/respond/{name}")]
    for msg in replies:
        assert msg["response_type"] == "ephemeral"
        assert_valid_message(msg)
    return replies


def upload_for_review(send, store, tmp_path, edit=add_aetna_pa, text: str = "") -> tuple[str, dict]:
    ts = send.share_file("rules.xlsx", workbook(store, tmp_path, edit), user=ADMIN, text=text)
    review = wait_posted(send.slack, ts, "Rules workbook ·")
    return ts, review


def publish(send, token: str, reason: str, user: str = ADMIN) -> dict:
    """Publish, then the modal's reason: the modal's submission answer."""
    send.button("admin_publish", token, user=user)
    view = send.slack.wait("views.open")[-1].payload["view"]
    blocks.check_view(view)
    assert view["callback_id"] == "admin_publish" and view["private_metadata"] == token
    return send.submit("admin_publish", token, {"reason": reason}, user=user).json()


# --- upload, diff, publish ------------------------------------------------------------------------


def test_admin_uploads_sees_the_diff_publishes_and_the_next_check_uses_it(send, store, tmp_path):
    assert "DRM950" not in why_values(send.command(PA_CHECK).json())
    ts, review = upload_for_review(send, store, tmp_path, text="Aetna excimer memo")
    assert "+ Prior Authorization: Payer=Aetna, Payer Type=commercial, Code=96920-96922" in texts(review)
    assert "1 change to version 1" in texts(review)
    token = buttons(review)["admin_publish"]
    assert buttons(review) == {"admin_publish": token, "admin_cancel": token}

    send.button("admin_publish", token, user=ADMIN)
    view = send.slack.wait("views.open")[0].payload["view"]
    blocks.check_view(view)
    reason_input = next(b for b in view["blocks"] if b.get("block_id") == "reason")
    assert reason_input["element"]["initial_value"] == "Aetna excimer memo", "the upload's comment is the proposed reason"

    answer = send.submit("admin_publish", token, {"reason": "Aetna excimer PA (memo of March)"}, user=ADMIN).json()
    assert answer == {"response_action": "clear"}
    closed = wait_updated(send.slack, "Published as version")
    assert not buttons(closed), "the buttons are gone once published"
    done = wait_posted(send.slack, ts, "Published version")
    assert "version *2*" in texts(done) and f"<@{ADMIN}>" in texts(done) and "rollback 1" in texts(done)

    v2 = store.get(2)
    assert (v2.author, v2.reason, v2.parent) == (f"slack:{ADMIN}", "Aetna excimer PA (memo of March)", 1)
    assert any(r.payer == "Aetna" and r.code == "96920-96922" for r in v2.ruleset.prior_authorization)
    assert "DRM950" in why_values(send.command(PA_CHECK).json()), "the very next check uses the new version"
    entry = store.audit_log(1)[0]
    assert (entry.action, entry.actor, entry.allowed) == ("publish", f"slack:{ADMIN}", True)

    # the same upload cannot be published twice
    answer = send.submit("admin_publish", token, {"reason": "again"}, user=ADMIN).json()
    assert answer["response_action"] == "errors" and "no longer waiting" in answer["errors"]["reason"]
    assert store.head() == 2


def test_a_member_of_an_admin_user_group_may_publish(send, store, tmp_path):
    ts = send.share_file("rules.xlsx", workbook(store, tmp_path, add_aetna_pa), user=GROUP_ADMIN)
    review = wait_posted(send.slack, ts, "Rules workbook ·")
    assert publish(send, buttons(review)["admin_publish"], "Group admin publishes", user=GROUP_ADMIN) == {"response_action": "clear"}
    wait_posted(send.slack, ts, "Published version")
    assert store.get(2).author == f"slack:{GROUP_ADMIN}"


def test_the_publish_reason_is_required_and_free_of_patient_identifiers(send, store, tmp_path):
    _, review = upload_for_review(send, store, tmp_path)
    token = buttons(review)["admin_publish"]
    short = send.submit("admin_publish", token, {"reason": "x"}, user=ADMIN).json()
    assert short["response_action"] == "errors" and "reason" in short["errors"]
    phi = send.submit("admin_publish", token, {"reason": "for Jane Doe DOB 04/12/1951"}, user=ADMIN).json()
    assert phi["response_action"] == "errors" and "patient identifiers" in phi["errors"]["reason"]
    assert store.head() == 1, "nothing published while the modal shows errors"
    assert publish(send, token, "Now with a proper reason") == {"response_action": "clear"}
    send.slack.wait_until(lambda: store.head() == 2, what="version 2")


def test_an_invalid_workbook_lists_every_problem_by_sheet_row_and_column_and_publishes_nothing(send, store, tmp_path):
    rows = {}

    def break_it(book):
        pa, units = book["Prior Authorization"], book["Unit Limits"]
        pa.append(["Acme", None, "96920-9692", "bad range"])
        units.append([None, None, "17000", -1])
        rows.update(pa=pa.max_row, units=units.max_row)

    ts = send.share_file("rules.xlsx", workbook(store, tmp_path, break_it), user=ADMIN)
    refused = wait_posted(send.slack, ts, "Rules workbook refused")
    text = texts(refused)
    assert "2 problems" in text and "nothing was published" in text
    assert "*Prior Authorization*" in text and f"row {rows['pa']}, column Code: must be a CPT or HCPCS code" in text
    assert "*Unit Limits*" in text and f"row {rows['units']}, column Max Units" in text
    assert not buttons(refused)
    assert store.head() == 1
    entry = store.audit_log(1)[0]
    assert (entry.action, entry.actor, entry.allowed) == ("publish", f"slack:{ADMIN}", False)
    assert any("column Code" in p for p in entry.detail["refused"])


def test_a_workbook_with_a_sheet_missing_is_still_read_as_the_rules_workbook(send, store, tmp_path):
    ts = send.share_file("rules.xlsx", workbook(store, tmp_path, lambda book: book.remove(book["FAQ"])), user=ADMIN)
    refused = wait_posted(send.slack, ts, "Rules workbook refused")
    assert "*FAQ*" in texts(refused) and "sheet missing" in texts(refused)
    assert not send.slack.called("files.completeUploadExternal"), "not checked as a charge sheet"


def test_an_unchanged_workbook_has_nothing_to_publish(send, store, tmp_path):
    ts = send.share_file("rules.xlsx", workbook(store, tmp_path), user=ADMIN)
    assert "nothing to publish" in texts(wait_posted(send.slack, ts, "same tables"))


def test_cancel_publishes_nothing_and_closes_the_upload(send, store, tmp_path):
    _, review = upload_for_review(send, store, tmp_path)
    token = buttons(review)["admin_cancel"]
    send.button("admin_cancel", token, user=ADMIN)
    closed = wait_updated(send.slack, "Cancelled by")
    assert f"<@{ADMIN}>" in texts(closed) and not buttons(closed)
    assert store.head() == 1
    assert store.audit_log(1)[0].action == "cancel"
    late = f"late-{send.mode}-{next(_n)}"
    send.button("admin_publish", token, user=ADMIN, response_url=send.slack.response_url(late))
    assert "no longer waiting" in send.slack.wait(f"/respond/{late}")[0].payload["text"]
    assert not send.slack.called("views.open")


# --- stale uploads ----------------------------------------------------------------------------------


def test_a_workbook_exported_before_someone_published_is_refused_as_stale(send, store, tmp_path):
    data = workbook(store, tmp_path, add_aetna_pa)  # made from version 1
    base = store.current()
    store.publish(with_pa(base.ruleset, "Cigna", "96920"), author="Bea Admin", reason="Cigna memo")
    ts = send.share_file("rules.xlsx", data, user=ADMIN)
    stale = wait_posted(send.slack, ts, "Not published")
    assert "made from version 1, but version 2 is current" in texts(stale) and "Bea Admin" in texts(stale)
    assert "/derm admin export" in texts(stale)
    assert store.head() == 2


def test_someone_publishing_between_review_and_publish_makes_the_upload_stale(send, store, tmp_path):
    ts, review = upload_for_review(send, store, tmp_path)
    base = store.current()
    store.publish(with_pa(base.ruleset, "Cigna", "96920"), author="Bea Admin", reason="Cigna memo")
    assert publish(send, buttons(review)["admin_publish"], "Aetna memo") == {"response_action": "clear"}
    wait_updated(send.slack, "Not published: someone published a newer version meanwhile")
    assert "but version 2 is current" in texts(wait_posted(send.slack, ts, "Not published: this workbook"))
    assert store.head() == 2 and store.get(2).author == "Bea Admin"
    entry = store.audit_log(1)[0]
    assert not entry.allowed and "conflict" in entry.detail


# --- refusals -----------------------------------------------------------------------------------------


def test_a_non_admin_is_refused_politely_everywhere_and_each_attempt_is_audited(send, store, tmp_path):
    ts = send.share_file("rules.xlsx", workbook(store, tmp_path, add_aetna_pa), user="U1")
    refusal = wait_posted(send.slack, ts, "Sorry")
    assert "rules admin" in texts(refusal) and not buttons(refusal)
    for command in ("history", "rollback 1", "overrides", "export", "help"):
        reply = admin(send, command, user="U1")
        assert "Sorry" in texts(reply[0]) and "audit log" in texts(reply[0])
    assert not send.slack.called("files.completeUploadExternal"), "no workbook sent to a non-admin"

    # a non-admin pressing an admin's Publish button gets the same answer
    _, review = upload_for_review(send, store, tmp_path)
    url = f"nonadmin-{send.mode}-{next(_n)}"
    send.button("admin_publish", buttons(review)["admin_publish"], user="U1", response_url=send.slack.response_url(url))
    assert "Sorry" in send.slack.wait(f"/respond/{url}")[0].payload["text"]
    answer = send.submit("admin_publish", buttons(review)["admin_publish"], {"reason": "sneaky"}, user="U1").json()
    assert answer["response_action"] == "errors" and "Only rules admins" in answer["errors"]["reason"]
    assert store.head() == 1

    refused = [e for e in store.audit_log(50) if not e.allowed and e.actor == "slack:U1"]
    assert {e.action for e in refused} == {"publish", "history", "rollback", "overrides", "export", "help"}
    assert all(e.detail["via"] == "slack" for e in refused)


def test_admin_user_groups_are_resolved_through_the_web_api_and_cached(slack):
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    directory = AdminDirectory(["UADMIN2", GROUP, "SNOSUCH1"], ttl=60)
    slack.reset()
    assert directory.is_admin("UADMIN2", client) and not slack.called("usergroups.users.list"), "a listed user needs no call"
    assert directory.is_admin(GROUP_ADMIN, client)
    assert directory.is_admin(GROUP_ADMIN, client)
    assert [c.payload["usergroup"] for c in slack.called("usergroups.users.list")] == [GROUP], "cached"
    assert not directory.is_admin("UNOBODY", client), "not in any group (an unreadable group counts for nobody)"
    assert not directory.is_admin(None, client)
    directory.ttl = 0
    slack.usergroups[GROUP] = ["UOTHER9"]
    try:
        assert not directory.is_admin(GROUP_ADMIN, client), "removed from the group: no longer an admin once the cache expires"
    finally:
        slack.usergroups[GROUP] = [GROUP_ADMIN, "UOTHER9"]


def test_no_admins_configured_refuses_everyone_and_says_so():
    from slack_bot.settings import Settings

    assert blocks.admin_refused(False)[0]["text"].count("DERM_SLACK_ADMINS") == 1
    assert Settings.from_env({"DERM_SLACK_ADMINS": "U1AB, s2cd;W3EF"}).admins == ["U1AB", "S2CD", "W3EF"]
    with pytest.raises(ValueError, match="not Slack user or user-group ids"):
        Settings(admins="alice@example.com")


# --- history and rollback -------------------------------------------------------------------------


def test_history_and_rollback(send, store):
    base = store.current()
    store.publish(with_pa(base.ruleset, "Aetna", "96920-96922"), author=f"slack:{ADMIN}", reason="Aetna <excimer> PA")
    assert "DRM950" in why_values(send.command(PA_CHECK).json())

    history = texts(admin(send, "history")[0])
    assert "*2* *(current)*" in history and f"<@{ADMIN}>" in history and "Aetna &lt;excimer&gt; PA" in history
    assert "*1*" in history and "Shipped ruleset" in history

    done = texts(admin(send, "rollback 1 Aetna memo withdrawn")[0])
    assert "current again, as version *3*" in done and "- Prior Authorization: Payer=Aetna" in done
    v3 = store.get(3)
    assert (v3.author, v3.reason) == (f"slack:{ADMIN}", "Aetna memo withdrawn")
    assert "DRM950" not in why_values(send.command(PA_CHECK).json()), "the next check uses the rolled-back tables"
    assert "*3* *(current)*" in texts(admin(send, "history 2")[0])

    assert "same tables" in texts(admin(send, "rollback 3")[0])
    assert "There is no version 99" in texts(admin(send, "rollback 99")[0])
    assert "Say which version" in texts(admin(send, "rollback")[0])
    assert store.head() == 3
    assert "Rules admin" in texts(admin(send, "")[0]) and "I don't know" in texts(admin(send, "frobnicate")[0])


def test_export_sends_the_current_workbook_to_the_admin(send, store):
    reply = admin(send, "export")
    assert "version 1" in texts(reply[0])
    assert send.slack.wait("conversations.open")[0].payload["users"] == ADMIN
    complete = send.slack.wait("files.completeUploadExternal")[0].payload
    files = json.loads(complete["files"]) if isinstance(complete["files"], str) else complete["files"]
    assert files[0]["title"] == "Rules, version 1"
    assert send.slack.called("/upload")[0].payload["bytes"] > 5000


# --- overrides ------------------------------------------------------------------------------------------


def override_click(send, msg: dict, rule: str, user: str = "U1") -> tuple[dict, str]:
    """Press the Override button of ``rule``'s finding: the modal it opens and the reply's response_url."""
    n = next(i for i, v in enumerate(override_values(msg)) if v["r"] == rule)
    element = [e for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"].startswith("override-")][n]
    url = f"ovr-{send.mode}-{next(_n)}"
    send.slack.reset()
    send.button(element["action_id"], element["value"], user=user, response_url=send.slack.response_url(url))
    view = send.slack.wait("views.open")[0].payload["view"]
    blocks.check_view(view)
    assert view["callback_id"] == "override"
    return view, url


def test_override_button_modal_stores_who_when_why_and_admins_see_the_counts(send, store):
    msg = send.command(f"check {CLAIM}").json()
    assert "DRM050" in why_values(msg)
    target = next(v for v in override_values(msg) if v["r"] == "DRM050")
    assert target["c"] == "A1001" and target["n"] == 1, "the claim's id, never its text"
    view, url = override_click(send, msg, "DRM050")
    assert "claim A1001, line" in json.dumps(view) and not any(b.get("block_id") == "claim" for b in view["blocks"])

    answer = send.submit("override", view["private_metadata"], {"reason": "Two distinct sites, documented"}).json()
    assert answer == {"response_action": "clear"}
    confirm = send.slack.wait(f"/respond/{url}")[0].payload
    assert confirm["response_type"] == "ephemeral" and confirm["replace_original"] is False
    assert "Override recorded: *DRM050* on claim A1001" in texts(confirm) and "<@U1>" in texts(confirm)
    assert_valid_message(confirm)

    [row] = store.overrides("DRM050")
    assert (row["user"], row["claim_ref"], row["line"], row["reason"]) == (
        "slack:U1",
        "A1001",
        target["l"],
        "Two distinct sites, documented",
    )
    assert row["at"] is not None and row["ruleset_version"] == target["v"]
    assert store.audit_log(1)[0].action == "override"

    again = send.command(f"check {CLAIM}").json()
    assert "DRM050" not in [v["r"] for v in override_values(again)], "an overridden finding has no Override button"
    assert "Overridden by <@U1>" in texts(again) and "Two distinct sites, documented" in texts(again)
    assert "1 overridden" in again["blocks"][0]["text"]["text"]
    assert_valid_message(again)

    counts = texts(admin(send, "overrides")[0])
    assert "`DRM050` ×1" in counts and "last 30 days" in counts
    listed = texts(admin(send, "overrides DRM050")[0])
    assert "claim A1001" in listed and "Two distinct sites" in listed
    assert "`DRM050` ×1" in texts(admin(send, "overrides all")[0])


def test_the_cli_counts_overrides_made_in_slack(send, store):
    from typer.testing import CliRunner

    from derm_cli.main import app as cli

    msg = send.command(f"check {CLAIM}").json()
    view, _ = override_click(send, msg, "DRM110")
    send.submit("override", view["private_metadata"], {"reason": "Payer allows it"})
    result = CliRunner().invoke(cli, ["rules", "overrides", "--format", "json"])
    assert json.loads(result.output) == [{"rule": "DRM110", "overrides": 1}]


def test_override_of_a_claim_without_an_id_asks_for_one_and_refuses_patient_details(send, store):
    msg = send.command("check 99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02").json()
    view, _ = override_click(send, msg, "DRM050")
    assert any(b.get("block_id") == "claim" for b in view["blocks"]), "the claim's id is asked for (optional)"
    meta = view["private_metadata"]
    bad = send.submit("override", meta, {"reason": "ok", "claim": "Jane Doe"}).json()
    assert bad["response_action"] == "errors" and set(bad["errors"]) == {"reason", "claim"}
    phi = send.submit("override", meta, {"reason": "Pt Jane Doe DOB 04/12/1951, sites differ", "claim": None}).json()
    assert "patient identifiers" in phi["errors"]["reason"]
    assert store.overrides() == []
    assert send.submit("override", meta, {"reason": "Separate sites", "claim": "B-77"}).json() == {"response_action": "clear"}
    assert send.submit("override", meta, {"reason": "Separate sites", "claim": None}).json() == {"response_action": "clear"}
    refs = sorted(r["claim_ref"] for r in store.overrides())
    assert refs[0] == "B-77" and refs[1].startswith("text:") and "17000" not in refs[1]
    later = send.command("check claim B-77 99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02").json()
    assert "Overridden by <@U1>" in texts(later)


def test_a_forged_override_value_opens_nothing(send, store):
    url = f"forged-{send.mode}-{next(_n)}"
    send.button("override-1", '{"r":"DRM999","c":"A1"}', response_url=send.slack.response_url(url))
    assert "not valid" in send.slack.wait(f"/respond/{url}")[0].payload["text"]
    assert not send.slack.called("views.open")
    bad = send.submit("override", "not json", {"reason": "whatever"}).json()
    assert bad["response_action"] == "errors"


# --- privacy --------------------------------------------------------------------------------------------

PLANTED = "QUAGGA5X"


def test_admin_flows_log_no_workbook_content_reasons_or_claim_text(send, store, tmp_path, captured_logs):
    ts, review = upload_for_review(send, store, tmp_path, edit=lambda book: add_aetna_pa(book, f"{PLANTED}note"), text=f"{PLANTED}comment")
    publish(send, buttons(review)["admin_publish"], f"{PLANTED}reason")
    wait_posted(send.slack, ts, "Published version")
    ts = send.share_file(
        "rules.xlsx", workbook(store, tmp_path, lambda b: b["Prior Authorization"].append(["Acme", None, f"96920-{PLANTED}"])), user=ADMIN
    )
    wait_posted(send.slack, ts, "refused")
    ts = send.share_file("rules.xlsx", workbook(store, tmp_path, add_aetna_pa), user="U1")
    wait_posted(send.slack, ts, "Sorry")
    msg = send.command(f"check claim A1001 17000 L57.0 {PLANTED}claim; 17003 x20 L57.0; medicare 2026-03-02").json()
    view, _ = override_click(send, msg, override_values(msg)[0]["r"])
    send.submit("override", view["private_metadata"], {"reason": f"{PLANTED}why"})
    admin(send, f"rollback 1 {PLANTED}rollback")
    logged = "\n".join(captured_logs)
    assert "rules workbook" in logged and "override recorded" in logged
    assert PLANTED not in logged


# --- a publish that turns off many rules or empties a table ---------------------------------------------


def every_rule_off(book) -> None:
    for rule in all_rules():
        book["Rule Overrides"].append(["*", None, rule, "no"])


def test_turning_every_rule_off_is_loud_and_needs_a_second_confirmation(send, store, tmp_path):
    ts, review = upload_for_review(send, store, tmp_path, edit=every_rule_off)
    assert "Read this before publishing" in texts(review) and f"turns off {len(all_rules())} rules" in texts(review)
    token = buttons(review)["admin_publish"]
    send.button("admin_publish", token, user=ADMIN)
    view = send.slack.wait("views.open")[-1].payload["view"]
    blocks.check_view(view)
    assert any(b.get("block_id") == "confirm" for b in view["blocks"]), "the modal asks for the second confirmation"

    unconfirmed = send.submit("admin_publish", token, {"reason": "Pause the checker", "confirm": ""}, user=ADMIN).json()
    assert unconfirmed["response_action"] == "errors" and "Type CONFIRM" in unconfirmed["errors"]["confirm"]
    wrong = send.submit("admin_publish", token, {"reason": "Pause the checker", "confirm": "yes"}, user=ADMIN).json()
    assert wrong["response_action"] == "errors"
    assert store.head() == 1, "nothing published without the confirmation"

    done = send.submit("admin_publish", token, {"reason": "Pause the checker", "confirm": "confirm"}, user=ADMIN).json()
    assert done == {"response_action": "clear"}
    wait_posted(send.slack, ts, "Published version")
    assert store.head() == 2
    entry = next(e for e in store.audit_log(5) if e.action == "publish" and e.allowed)
    assert entry.detail["confirmed"] is True and entry.detail["warnings"][0].startswith(f"turns off {len(all_rules())} rules")


def test_an_ordinary_upload_asks_no_second_confirmation(send, store, tmp_path):
    _, review = upload_for_review(send, store, tmp_path)
    assert "Read this before publishing" not in texts(review)
    send.button("admin_publish", buttons(review)["admin_publish"], user=ADMIN)
    view = send.slack.wait("views.open")[-1].payload["view"]
    assert not any(b.get("block_id") == "confirm" for b in view["blocks"])


def test_a_rollback_that_empties_a_table_needs_confirm_in_slack(send, store):
    from derm_core.ruleset import UnitLimitRow

    base = store.current().ruleset
    store.publish(base.model_copy(update={"unit_limits": [UnitLimitRow(payer="Acme", code="17003", max_units=10)]}), author="a", reason="b")
    refused = texts(admin(send, "rollback 1 Acme limit withdrawn")[0])
    assert "Not rolled back" in refused and "empties the Unit Limits table" in refused and "rollback 1 confirm" in refused
    assert store.head() == 2
    done = texts(admin(send, "rollback 1 confirm Acme limit withdrawn")[0])
    assert "as version *3*" in done and "empties the Unit Limits table" in done
    assert store.get(3).reason == "Acme limit withdrawn"
