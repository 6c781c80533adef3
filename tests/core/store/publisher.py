"""A publisher in its own process, for the concurrency and kill tests:
``python publisher.py URL PAYER BASE GO_FILE [PAUSE]`` waits for GO_FILE, publishes one PA row, prints the outcome as JSON.
With PAUSE (seconds) it says "inside the transaction" on stderr just before the publish commits, then waits that long."""

import json
import sys
import time
from pathlib import Path

from sqlalchemy import event

from derm_core.ruleset import PriorAuthRow
from derm_core.store import open_store
from derm_core.store.core import Conflict


def main() -> None:
    url, payer, base, go = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
    store = open_store(url)
    current = store.current().ruleset

    candidate = current.model_copy(update={"prior_authorization": [*current.prior_authorization, PriorAuthRow(payer=payer, code="96920")]})
    store.publish(candidate, author=payer, reason="warm up", dry_run=True)  # load rules and cases before the race
    if len(sys.argv) > 5:
        pause = float(sys.argv[5])

        @event.listens_for(store.engine, "commit")
        def _before_commit(_conn) -> None:
            print("publish: inside the transaction", file=sys.stderr, flush=True)
            time.sleep(pause)

    deadline = time.monotonic() + 30
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    try:
        done = store.publish(candidate, author=payer, reason="race", base=None if base == "none" else int(base))
        print(json.dumps({"published": done.version.number if done.version else None}))
    except Conflict as e:
        print(json.dumps({"conflict": str(e)}))


if __name__ == "__main__":
    main()
