import re

from slack_bolt import App

from .app_home_opened import app_home_opened
from .app_mention import app_mention
from .direct_message import direct_message
from .other import other_event


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened)
    app.event("app_mention")(app_mention)
    app.event("message")(direct_message)
    app.event(re.compile(r".*"))(other_event)  # last: any other event type is acknowledged with 200
