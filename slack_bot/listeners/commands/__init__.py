from slack_bolt import App

from .derm import derm_command


def register(app: App) -> None:
    app.command("/derm")(derm_command)
