from slack_bolt import App

from .admin_publish import admin_publish_submitted
from .check_claim_modal import check_claim_submitted
from .override_modal import override_submitted


def register(app: App) -> None:
    app.view("check_claim_modal")(check_claim_submitted)
    app.view("admin_publish")(admin_publish_submitted)
    app.view("override")(override_submitted)
