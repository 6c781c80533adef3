"""``register_listeners(app)``: one subpackage per listener kind, one module per listener."""

from slack_bolt import App

from . import actions, commands, events, shortcuts, views


def register_listeners(app: App) -> None:
    for kind in (commands, events, shortcuts, actions, views):
        kind.register(app)
