"""Denial patterns: read remittances (835 files, practice-management exports), find what keeps getting denied,
and tie each denial to what the checker said before submission. ``derm denials analyze`` is the entry point
(``cli.py``); nothing here is imported by the claim checker.
"""
