"""Charge-sheet input for every front end: the safe workbook opener, the readers, header mapping, rows to claims."""
