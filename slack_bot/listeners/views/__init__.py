from slack_bolt import App

from .check_claim_modal import check_claim_submitted


def register(app: App) -> None:
    app.view("check_claim_modal")(check_claim_submitted)
