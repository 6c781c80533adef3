"""Charge sheets: the annotated-workbook product (check a workbook, write the copy, its Summary and FAQ, the template)."""

from .check import check_sheet
from .results import SheetSummary
from .template import write_template

__all__ = ["SheetSummary", "check_sheet", "write_template"]
