"""GET /rules/current: the JSON snapshot with its version and ETag, 304 when unchanged, a new ETag after a publish."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from storekit import with_pa

from derm_core.live import CurrentRuleset
from derm_core.store import open_store
from derm_core.web import rules_routes


@dataclass
class Got:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Client:
    """The app served by uvicorn on 127.0.0.1 (port 0) in a thread, and plain HTTP GETs to it."""

    def __init__(self, app) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        self.base = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def get(self, path: str, headers: dict[str, str] | None = None) -> Got:
        try:
            with urllib.request.urlopen(urllib.request.Request(self.base + path, headers=headers or {}), timeout=10) as r:
                return Got(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as e:
            return Got(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def test_rules_current_serves_the_snapshot_with_an_etag_and_follows_new_versions(db_url):
    store = open_store(db_url)
    store.current()
    current = CurrentRuleset(db_url=db_url, interval=0.5)
    client = Client(Starlette(routes=rules_routes(current.get)))

    first = client.get("/rules/current")
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    assert first.json()["version"] == "1" and first.headers["x-ruleset-version"] == "1"
    etag = first.headers["etag"]
    assert first.headers["access-control-allow-origin"] == "*"
    assert client.get("/rules/current", headers={"If-None-Match": etag}).status_code == 304

    store.publish(with_pa(store.current().ruleset, "Acme Health", "96920-96922"), author="ann", reason="PA")
    deadline = time.monotonic() + 10
    while (r := client.get("/rules/current", headers={"If-None-Match": etag})).status_code == 304:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert r.status_code == 200 and r.json()["version"] == "2" and r.headers["etag"] != etag
    assert any(row["payer"] == "Acme Health" for row in r.json()["prior_authorization"])
    client.close()
    store.close()
