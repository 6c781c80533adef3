"""The deployment of docs/deploy.md, checked where no container can run: the compose file's services and settings,
the nginx upstreams against the replicas, the image against the packages, and the docs quoting the files as they are.
(The same topology runs as processes in ``test_replicas.py``, nginx with this very config included.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from derm_core.settings import server_settings, settings
from slack_bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "slack"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def resolved(env: dict[str, str]) -> dict[str, str]:
    """The compose file's ``${VAR:?...}``/``${VAR:-default}`` with each VAR given its own name as value."""
    return {k: re.sub(r"\$\{(\w+)(?::[?-][^}]*)?\}", lambda m: f"x{m.group(1).lower()}", str(v)) for k, v in env.items()}


def test_postgresql_two_identical_bot_replicas_and_a_proxy():
    services = compose()["services"]
    assert set(services) == {"db", "bot1", "bot2", "proxy"}
    assert services["bot1"] == services["bot2"], "the replicas are the same service twice"
    bot, db = services["bot1"], services["db"]
    assert bot["command"][:2] == ["derm", "serve"] and bot["command"][bot["command"].index("--host") + 1] == "0.0.0.0"
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    assert set(services["proxy"]["depends_on"]) == {"bot1", "bot2"}

    url = bot["environment"]["DERM_RULES_DB"]
    m = re.fullmatch(r"postgresql://(\w+):\$\{DERM_DB_PASSWORD[^}]*\}@(\w+):5432/(\w+)", url)
    assert m, url
    user, host, database = m.groups()
    assert host == "db" and (user, database) == (db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"])
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${DERM_DB_PASSWORD")


def test_the_replicas_settings_are_the_ones_the_bot_reads(monkeypatch):
    env = resolved(compose()["services"]["bot1"]["environment"])
    env["DERM_SLACK_ADMINS"] = "U0123ABCD"
    slack = Settings.from_env(env)
    assert (slack.bot_token, slack.signing_secret, slack.admins) == ("xslack_bot_token", "xslack_signing_secret", ["U0123ABCD"])
    assert slack.missing("bot_token", "signing_secret") == []
    assert settings(env).rules_db == env["DERM_RULES_DB"] and settings(env).rules_db.startswith("postgresql://")
    for key in env:
        assert key.startswith(("SLACK_", "DERM_")), key
    monkeypatch.setenv("DERM_RULES_TOKEN", env["DERM_RULES_TOKEN"])
    assert server_settings().rules_token == "xderm_rules_token", "served off loopback, /rules/current needs its token"


def test_nginx_balances_both_replicas_and_resends_posts_a_replica_could_not_take():
    conf = (DEPLOY / "nginx.conf").read_text()
    services = compose()["services"]
    port = services["bot1"]["command"][services["bot1"]["command"].index("--port") + 1]
    upstream = re.search(r"upstream (\w+) \{(.*?)\}", conf, re.S)
    assert upstream
    servers = re.findall(r"server (\S+?)(?:\s|;)", upstream.group(2))
    assert servers == [f"bot1:{port}", f"bot2:{port}"]
    assert f"proxy_pass http://{upstream.group(1)};" in conf
    retry = re.search(r"proxy_next_upstream ([^;]+);", conf)
    assert retry and {"error", "non_idempotent"} <= set(retry.group(1).split()), "Slack's requests are POSTs"
    listen = re.search(r"listen (\d+);", conf)
    assert listen and services["proxy"]["ports"] == [f"{listen.group(1)}:{listen.group(1)}"]
    mount = services["proxy"]["volumes"][0].split(":")
    assert (DEPLOY / mount[0]).resolve() == DEPLOY / "nginx.conf" and mount[1] == "/etc/nginx/conf.d/default.conf"


def test_the_image_has_every_package_and_the_extras_the_bot_needs():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    bot = compose()["services"]["bot1"]
    context = (DEPLOY / bot["build"]["context"]).resolve()
    assert context == ROOT and (context / bot["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = re.findall(r"^COPY (\S+) \1$", dockerfile, re.M)
    assert sorted(copied) == sorted(packages)
    extras = re.search(r"pip install --no-cache-dir '\.\[([\w,]+)\]'", dockerfile)
    assert extras and {"slack", "postgres"} <= set(extras.group(1).split(","))
    assert set(extras.group(1).split(",")) <= set(project["project"]["optional-dependencies"])
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert all(f"!{p}" in ignore for p in packages), "the build context keeps what the image copies"


def test_the_docs_quote_the_files_as_they_are():
    doc = (ROOT / "docs" / "deploy.md").read_text()
    assert "```yaml\n" + (DEPLOY / "compose.yaml").read_text() + "```" in doc
    assert "```nginx\n" + (DEPLOY / "nginx.conf").read_text() + "```" in doc
