from slack_bolt import App

from .check_claim import check_claim_message, check_claim_modal


def register(app: App) -> None:
    app.shortcut("check_claim")(check_claim_message)
    app.shortcut("check_claim_modal")(check_claim_modal)
