"""The rules, one module per family. Importing this package registers them (see ``base.rule``)."""

from . import (
    biopsy,
    coverage,
    data_quality,
    destruction,
    documentation,
    excision,
    modifiers,
    mohs,
    ncci,
    procedures,
    repairs,
    sheet,
    sites,
    text,
    units,
)

__all__ = [
    "biopsy",
    "coverage",
    "data_quality",
    "destruction",
    "documentation",
    "excision",
    "modifiers",
    "mohs",
    "ncci",
    "procedures",
    "repairs",
    "sheet",
    "sites",
    "text",
    "units",
]
