"""The ``derm`` command: the composition root that puts the core, charge sheets, Slack and Excel together."""
