"""The Excel functions and the validate_sheet script, as plain Python (no Excel, no xlwings needed)."""

from __future__ import annotations

import subprocess
import sys
import types
from datetime import datetime
from typing import Any

import pytest

from excel_addin import functions as fx

HEADER = ["Claim ID", "DOS", "Payer", "CPT", "Units", "Dx 1", "Lesion Count"]
ROWS = [
    ["X-1", datetime(2026, 3, 2), "Medicare", 17000.0, 1.0, "L57.0", 16.0],
    ["X-1", datetime(2026, 3, 2), "Medicare", 17003.0, 15.0, "L57.0", None],
    [None, None, None, None, None, None, None],
    ["X-2", datetime(2026, 3, 2), "Medicare", 17004.0, 1.0, "L57.0", 16.0],
    ["X-3", datetime(2026, 3, 2), "Medicare", "=17004", "two", "L57.0", None],
]


def test_derm_check_spills_one_row_per_input_row():
    out = fx.DERM_CHECK([HEADER, *ROWS])
    assert out[0] == ["Check Status", "Check Findings", "Check Fix"]
    assert [r[0] for r in out[1:]] == ["error", "error", "", "clean", "error"]
    assert out[1][1].startswith("DRM110: ") and "17004" in out[1][2]
    assert "SHT001" in out[5][1]


def test_derm_check_with_separate_headers_and_no_code_column():
    assert fx.DERM_CHECK([ROWS[3]], [HEADER]) == [["clean", "", ""]]
    assert fx.DERM_CHECK([["a", "b"], [1, 2]])[0][0].startswith("error: no procedure code column")


def test_derm_faq_codes_and_questions():
    assert fx.DERM_FAQ("17001").startswith("17001 is not a valid code")
    assert "17004" in fx.DERM_FAQ("how do I bill 16 AKs")
    assert fx.DERM_FAQ("") == ""
    assert "confident answer" in fx.DERM_FAQ("purple elephants")


def test_derm_faq_without_the_faq_search(monkeypatch):
    monkeypatch.setitem(sys.modules, "derm_core.faq", None)  # as before derm_core.faq existed
    assert fx.DERM_FAQ("17001").startswith("17001 is not a valid code")
    assert "17004" in fx.DERM_FAQ("how do I bill 16 AKs")
    assert fx.DERM_FAQ("purple elephants").startswith("No confident answer")


def test_derm_faq_uses_the_full_faq_search_when_installed(monkeypatch):
    fake = types.ModuleType("derm_core.faq")
    fake.ask = lambda question, ruleset: types.SimpleNamespace(answer=f"answer to {question}", entry=None, confidence=0.9)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "derm_core.faq", fake)
    assert fx.DERM_FAQ("how do I bill 16 AKs") == "answer to how do I bill 16 AKs"


def test_derm_suggest_text_and_range_facts():
    assert fx.DERM_SUGGEST("destruction", "pathology=premalignant; lesion_count=5") == [
        ["Code", "Units", "Modifiers"],
        ["17000", 1, ""],
        ["17003", 4, ""],
    ]
    assert fx.DERM_SUGGEST("mohs", [["site", "nose"], ["mohs_stage_blocks", "7, 3"]])[1][0] == "17311"
    assert fx.DERM_SUGGEST("biopsy", "biopsies=punch:2 tangential:1")[1:] == [["11104", 1, ""], ["11105", 1, ""], ["11103", 1, ""]]
    assert "17004" in fx.DERM_SUGGEST("destruction", "pathology=premalignant; lesion_count=16", True)
    assert fx.DERM_SUGGEST("destruction", "pathology=premalignant")[0][0].startswith("error:")


@pytest.mark.parametrize(
    ("code", "validity"),
    [
        ("17004", "valid"),
        ("17001", "deleted 2007-01-01"),
        ("L57.0", "billable ICD-10-CM"),
        ("C44.3", "ICD-10-CM header: not billable"),
        ("ZZZZZ", "unknown"),
    ],
)
def test_derm_code(code, validity):
    row = fx.DERM_CODE(code)[0]
    assert len(row) == 4 and row[2].startswith(validity)


@pytest.mark.slow
def test_module_works_without_xlwings():
    script = (
        "import sys; sys.modules['xlwings'] = None\n"
        "import excel_addin.functions as f\n"
        "assert f.xw is None\n"
        "print(f.DERM_CODE('17004')[0][2], f.DERM_CHECK([['CPT'], ['17004']])[1][0] != '')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["valid", "True"]


def test_ruleset_from_a_url_as_xlwings_lite_gets_it(monkeypatch):
    """DERM_RULES_URL: a plain GET of ``derm serve``'s /rules/current (here a loopback server), revalidated by ETag."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from derm_core import live
    from derm_core.ruleset import default_ruleset

    body = default_ruleset().model_copy(update={"version": "from-url"}).model_dump_json().encode()
    seen: list[str | None] = []

    class Rules(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("If-None-Match"))
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Rules)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("DERM_RULES_URL", f"http://127.0.0.1:{server.server_port}/rules/current")
    monkeypatch.setattr(live, "POLL_SECONDS", 0.0)
    live.reset()
    try:
        assert fx.ruleset().version == "from-url"
        live._CURRENT[next(iter(live._CURRENT))].interval = 0
        assert fx.ruleset().version == "from-url"
        assert seen == [None, '"v1"'], "the second GET revalidates with the ETag and gets 304"
    finally:
        server.shutdown()
        live.reset()


# ----------------------------------------------------------------------------- a small book double


class Font:
    def __init__(self) -> None:
        self.bold = False


class Range:
    def __init__(self, sheet: Sheet, cell: tuple[int, int]):
        self.sheet, self.cell, self.font = sheet, cell, sheet.fonts.setdefault(cell, Font())

    @property
    def value(self) -> Any:
        return self.sheet.cells.get(self.cell)

    @value.setter
    def value(self, value: Any) -> None:
        self.sheet.cells[self.cell] = value

    @property
    def color(self) -> str | None:
        return self.sheet.colours.get(self.cell)

    @color.setter
    def color(self, value: str) -> None:
        self.sheet.colours[self.cell] = value


class UsedRange:
    def __init__(self, sheet: Sheet):
        rows = [r for r, _ in sheet.cells]
        cols = [c for _, c in sheet.cells]
        self.row, self.column = min(rows), min(cols)
        self.value = [[sheet.cells.get((r, c)) for c in range(self.column, max(cols) + 1)] for r in range(self.row, max(rows) + 1)]


class Sheet:
    """What validate_sheet uses of an xlwings Sheet: used_range (value, row, column) and range((row, col))."""

    def __init__(self, top: int, left: int, table: list[list[Any]]):
        self.cells: dict[tuple[int, int], Any] = {}
        self.colours: dict[tuple[int, int], str] = {}
        self.fonts: dict[tuple[int, int], Font] = {}
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                if value is not None:
                    self.cells[(top + r, left + c)] = value

    @property
    def used_range(self) -> UsedRange:
        return UsedRange(self)

    def range(self, cell: tuple[int, int]) -> Range:
        return Range(self, cell)


class Book:
    def __init__(self, sheet: Sheet):
        self.sheets = types.SimpleNamespace(active=sheet)


def test_validate_sheet_writes_the_check_columns_and_colours():
    sheet = Sheet(2, 2, [["March charges"], [], HEADER, *ROWS])  # the table starts in B2, header in row 4
    message = fx.validate_sheet(Book(sheet))
    assert message == "4 rows checked: 3 error, 0 warning, 1 clean."
    assert [sheet.cells[(4, c)] for c in (9, 10, 11)] == ["Check Status", "Check Findings", "Check Fix"]
    assert sheet.fonts[(4, 9)].bold
    assert [sheet.cells.get((r, 9)) for r in range(5, 10)] == ["error", "error", "", "clean", "error"]
    assert sheet.colours[(5, 9)] == "#FFC7CE" and sheet.colours[(8, 9)] == "#C6EFCE"
    assert sheet.cells[(5, 10)].startswith("DRM110")
    again = fx.validate_sheet(Book(sheet))  # a second run reuses the Check columns
    assert again == message and (4, 12) not in sheet.cells


def test_validate_sheet_without_a_code_column():
    assert fx.validate_sheet(Book(Sheet(1, 1, [["Patient", "Amount"], ["P1", 3]]))).startswith("No procedure code column")


def test_validate_sheet_escapes_text_that_looks_like_a_formula(monkeypatch):
    from derm_core.sheets.rows import RowResult

    monkeypatch.setattr(fx, "check_table", lambda header, rows: (fx.map_header(header), [RowResult("error", "=evil()", "+1")]))
    sheet = Sheet(1, 1, [["CPT"], ["17000"]])
    fx.validate_sheet(Book(sheet))
    assert sheet.cells[(2, 3)] == "'=evil()" and sheet.cells[(2, 4)] == "'+1"


def test_validate_sheet_is_annotated_xw_book_for_xlwings_lite(monkeypatch):
    """xlwings Lite gives a script the workbook through the parameter annotated ``xw.Book``: with xlwings present
    (a stand-in module here: Lite's own runs only inside Excel) the annotation is that class, not a string."""
    import importlib.util
    import inspect
    import sys
    import types

    fake = types.ModuleType("xlwings")

    class FakeBook:
        pass

    fake.Book = FakeBook  # type: ignore[attr-defined]
    fake.func = fake.script = lambda f=None, *a, **k: f if callable(f) else (lambda g: g)  # type: ignore[attr-defined]
    fake.arg = fake.ret = lambda *a, **k: lambda g: g  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xlwings", fake)
    spec = importlib.util.spec_from_file_location("lite_main", fx.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert inspect.signature(module.validate_sheet).parameters["book"].annotation is FakeBook


def test_the_faq_answers_without_rapidfuzz(monkeypatch):
    """rapidfuzz is optional (xlwings Lite has no build of it): the FAQ search falls back on the standard library."""
    import importlib
    import sys

    import derm_core.faq as faq

    monkeypatch.setitem(sys.modules, "rapidfuzz", None)  # an import of it now fails
    plain = importlib.reload(faq)
    try:
        assert plain.process is None
        from derm_core.ruleset import default_ruleset

        answer = plain.ask("how do I bill 16 AKs", default_ruleset())
        assert answer.entry is not None and "17004" in answer.answer
        assert plain.ask("how do I bill 16 aks biospy", default_ruleset()).entry is not None  # a typo still corrected
    finally:
        monkeypatch.delitem(sys.modules, "rapidfuzz")
        importlib.reload(faq)
