"""slack_bot/manifest.yaml against Slack's app-manifest JSON Schema (tests/fixtures/slack/, from the
public slackapi/manifest-schema repository), and against what the app actually handles."""

import json
from importlib import resources

import jsonschema
import pytest
import yaml
from testpaths import FIXTURES

SCHEMA = json.loads((FIXTURES / "slack" / "manifest.schema.1.0.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifest():
    return yaml.safe_load(resources.files("slack_bot").joinpath("manifest.yaml").read_text(encoding="utf-8"))


def test_manifest_is_valid_for_slacks_schema(manifest):
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    errors = [e.message for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(manifest)]
    assert errors == []


def test_schema_rejects_a_broken_manifest(manifest):
    broken = json.loads(json.dumps(manifest))
    broken["features"]["shortcuts"][0]["name"] = "A shortcut name that is far too long"
    broken["settings"]["surprise"] = True
    assert len(list(jsonschema.Draft7Validator(SCHEMA).iter_errors(broken))) == 2


def test_manifest_matches_the_listeners(manifest):
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == ["/derm"]
    assert {(s["type"], s["callback_id"]) for s in features["shortcuts"]} == {("message", "check_claim"), ("global", "check_claim_modal")}
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_home_opened", "app_mention", "message.im"}
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    # im:write opens the admin's DM for `/derm admin export`; usergroups:read resolves admin user groups
    needed = {"app_mentions:read", "chat:write", "commands", "im:history", "files:read", "files:write", "im:write", "usergroups:read"}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
