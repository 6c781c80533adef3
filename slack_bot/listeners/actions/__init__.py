import re

from slack_bolt import App

from .share import share
from .why import why


def register(app: App) -> None:
    app.action(re.compile(r"^why-\d+$"))(why)
    app.action("share")(share)
