import re

from slack_bolt import App

from .admin import cancel, publish
from .override import override
from .share import share
from .why import why


def register(app: App) -> None:
    app.action(re.compile(r"^why-\d+$"))(why)
    app.action("share")(share)
    app.action(re.compile(r"^override-\d+$"))(override)
    app.action("admin_publish")(publish)
    app.action("admin_cancel")(cancel)
