"""Cell styles and the two workbook writers (openpyxl for the full path, XlsxWriter for the fast path), with
print setup: one vocabulary of styles, so both paths and the Summary look the same."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
DANGEROUS_FIRST = frozenset("".join(DANGEROUS_START))
STATUS_COLOURS = {"error": ("FFC7CE", "9C0006"), "warning": ("FFEB9C", "9C5700"), "clean": ("C6EFCE", "006100")}
STATUS_MEANING = {
    "error": "Likely denied or rejected as billed: correct before sending.",
    "warning": "Review: may be denied, or needs documentation or a modifier.",
    "clean": "No problems found (info notes may remain).",
}
FINDINGS_WIDTH, FIX_WIDTH = 55, 45

# ----------------------------------------------------------------------------- cell styles, shared by both writers

STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "size": 16, "color": "1F3864"},
    "subtitle": {"italic": True, "color": "595959"},
    "h2": {"bold": True, "size": 12, "color": "1F3864"},
    "th": {"bold": True, "color": "FFFFFF", "fill": "1F3864", "wrap": True, "valign": "top", "border": True},
    "td": {"valign": "top", "border": True},
    "wrap": {"wrap": True, "valign": "top", "border": True},
    "num": {"valign": "top", "num_format": "#,##0", "border": True},
    "input": {"fill": "FFF2CC", "bold": True, "wrap": True, "border": True, "valign": "top"},
    "answer": {"wrap": True, "valign": "top", "border": True, "fill": "F2F2F2"},
    "date": {"num_format": "m/d/yyyy"},
    "quoted": {"quote": True},
    "hint": {"italic": True, "color": "595959", "wrap": True, "valign": "top"},
}
STYLES |= {s: {"fill": fill, "color": font, "bold": True, "border": True, "valign": "top"} for s, (fill, font) in STATUS_COLOURS.items()}


def openpyxl_style(spec: dict[str, Any]) -> dict[str, Any]:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    out: dict[str, Any] = {}
    if {"bold", "italic", "size", "color"} & spec.keys():
        out["font"] = Font(
            bold=spec.get("bold", False), italic=spec.get("italic", False), size=spec.get("size", 11), color=spec.get("color")
        )
    if "fill" in spec:
        out["fill"] = PatternFill("solid", fgColor=spec["fill"])
    if "wrap" in spec or "valign" in spec:
        out["alignment"] = Alignment(wrap_text=spec.get("wrap", False), vertical=spec.get("valign"))
    if spec.get("border"):
        thin = Side(style="thin", color="BFBFBF")
        out["border"] = Border(left=thin, right=thin, top=thin, bottom=thin)
    if "num_format" in spec:
        out["number_format"] = spec["num_format"]
    if spec.get("quote"):
        out["quotePrefix"] = True
    return out


def xlsx_format(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, target in (("bold", "bold"), ("italic", "italic"), ("size", "font_size"), ("wrap", "text_wrap"), ("num_format", "num_format")):
        if key in spec:
            out[target] = spec[key]
    if "color" in spec:
        out["font_color"] = "#" + spec["color"]
    if "fill" in spec:
        out["bg_color"] = "#" + spec["fill"]
    if "valign" in spec:
        out["valign"] = "vcenter" if spec["valign"] == "center" else spec["valign"]
    if spec.get("border"):
        out |= {"border": 1, "border_color": "#BFBFBF"}
    if spec.get("quote"):
        out["quote_prefix"] = True
    return out


def is_dangerous(value: Any) -> bool:
    """A text a spreadsheet could take for a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first).

    >>> is_dangerous("=HYPERLINK(1)"), is_dangerous("-25"), is_dangerous(-25), is_dangerous("17000")
    (True, True, False, False)
    """
    return isinstance(value, str) and value.startswith(DANGEROUS_START)


class Out(Protocol):
    """The few things the Summary, FAQ and template sheets need, in either writer. Rows and columns are 0-based."""

    def put(self, row: int, col: int, value: Any, style: str | None = None) -> None: ...
    def formula(self, row: int, col: int, formula: str, style: str | None = None, value: Any = None) -> None: ...
    def merge(self, row: int, col: int, last_col: int, value: Any, style: str | None = None) -> None: ...
    def widths(self, widths: Mapping[int, float]) -> None: ...
    def hide_columns(self, cols: Iterable[int]) -> None: ...
    def height(self, row: int, points: float) -> None: ...
    def freeze(self, row: int, col: int = 0) -> None: ...
    def bar_chart(self, title: str, header_row: int, first: int, last: int, colours: list[str], at: tuple[int, int]) -> None: ...
    def landscape(self) -> None: ...


class OpenpyxlOut:
    """``Out`` on an openpyxl worksheet (normal mode)."""

    def __init__(self, ws: Any):
        self.ws = ws
        self._styles: dict[str, dict[str, Any]] = {}

    def _apply(self, cell: Any, style: str | None) -> None:
        if style:
            for attr, value in self._styles.setdefault(style, openpyxl_style(STYLES[style])).items():
                setattr(cell, attr, value)

    def put(self, row: int, col: int, value: Any, style: str | None = None) -> None:
        cell = self.ws.cell(row + 1, col + 1)
        cell.value = value
        if is_dangerous(value):
            cell.data_type = "s"
            cell.quotePrefix = True
        self._apply(cell, style)

    def formula(self, row: int, col: int, formula: str, style: str | None = None, value: Any = None) -> None:
        cell = self.ws.cell(row + 1, col + 1)
        cell.value = formula
        self._apply(cell, style)

    def merge(self, row: int, col: int, last_col: int, value: Any, style: str | None = None) -> None:
        for c in range(col, last_col + 1):
            self.put(row, c, value if c == col else None, style)
        self.ws.merge_cells(start_row=row + 1, start_column=col + 1, end_row=row + 1, end_column=last_col + 1)

    def widths(self, widths: Mapping[int, float]) -> None:
        from openpyxl.utils import get_column_letter

        for col, width in widths.items():
            self.ws.column_dimensions[get_column_letter(col + 1)].width = width

    def hide_columns(self, cols: Iterable[int]) -> None:
        from openpyxl.utils import get_column_letter

        for col in cols:
            self.ws.column_dimensions[get_column_letter(col + 1)].hidden = True

    def height(self, row: int, points: float) -> None:
        self.ws.row_dimensions[row + 1].height = points

    def freeze(self, row: int, col: int = 0) -> None:
        self.ws.freeze_panes = self.ws.cell(row + 1, col + 1).coordinate

    def bar_chart(self, title: str, header_row: int, first: int, last: int, colours: list[str], at: tuple[int, int]) -> None:
        from openpyxl.chart import BarChart, Reference
        from openpyxl.chart.marker import DataPoint

        chart = BarChart()
        chart.title, chart.legend, chart.height, chart.width = title, None, 4.6, 11
        chart.add_data(Reference(self.ws, min_col=2, min_row=header_row + 1, max_row=last + 1), titles_from_data=True)
        chart.set_categories(Reference(self.ws, min_col=1, min_row=first + 1, max_row=last + 1))
        for i, colour in enumerate(colours):
            point = DataPoint(idx=i)
            point.graphicalProperties.solidFill = colour
            chart.series[0].dPt.append(point)
        chart.x_axis.delete = chart.y_axis.delete = False
        self.ws.add_chart(chart, self.ws.cell(at[0] + 1, at[1] + 1).coordinate)

    def landscape(self) -> None:
        print_setup(self.ws)


class XlsxOut:
    """``Out`` on an XlsxWriter worksheet. Cells are buffered and written in row order (constant-memory mode needs that)."""

    def __init__(self, wb: Any, ws: Any):
        self.wb, self.ws = wb, ws
        self._ops: list[tuple[int, int, Callable[[], Any]]] = []
        self._formats: dict[tuple[str | None, bool], Any] = {}

    def fmt(self, style: str | None, quote: bool = False) -> Any:
        if style is None and not quote:
            return None
        if (style, quote) not in self._formats:
            spec = dict(STYLES.get(style or "", {})) | ({"quote": True} if quote else {})
            self._formats[(style, quote)] = self.wb.add_format(xlsx_format(spec))
        return self._formats[(style, quote)]

    def put(self, row: int, col: int, value: Any, style: str | None = None) -> None:
        fmt = self.fmt(style, is_dangerous(value))
        if isinstance(value, str):
            self._ops.append((row, col, lambda: self.ws.write_string(row, col, value, fmt)))
        else:
            self._ops.append((row, col, lambda: self.ws.write(row, col, value, fmt)))

    def formula(self, row: int, col: int, formula: str, style: str | None = None, value: Any = None) -> None:
        fmt = self.fmt(style)
        self._ops.append((row, col, lambda: self.ws.write_formula(row, col, formula, fmt, value)))

    def merge(self, row: int, col: int, last_col: int, value: Any, style: str | None = None) -> None:
        fmt = self.fmt(style, is_dangerous(value))
        self._ops.append((row, col, lambda: self.ws.merge_range(row, col, row, last_col, value, fmt)))

    def widths(self, widths: Mapping[int, float]) -> None:
        for col, width in widths.items():
            self.ws.set_column(col, col, width)

    def hide_columns(self, cols: Iterable[int]) -> None:
        for col in cols:
            self.ws.set_column(col, col, None, None, {"hidden": True})

    def height(self, row: int, points: float) -> None:
        self._ops.append((row, -1, lambda: self.ws.set_row(row, points)))

    def freeze(self, row: int, col: int = 0) -> None:
        self.ws.freeze_panes(row, col)

    def bar_chart(self, title: str, header_row: int, first: int, last: int, colours: list[str], at: tuple[int, int]) -> None:
        chart = self.wb.add_chart({"type": "column"})
        name = self.ws.get_name()
        chart.add_series(
            {
                "name": [name, header_row, 1],
                "categories": [name, first, 0, last, 0],
                "values": [name, first, 1, last, 1],
                "points": [{"fill": {"color": "#" + c}} for c in colours],
            }
        )
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        self.ws.insert_chart(at[0], at[1], chart, {"x_scale": 0.86, "y_scale": 0.6})

    def landscape(self) -> None:
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)
        self.ws.set_margins(0.4, 0.4, 0.75, 0.75)
        self.ws.set_header("&L&A&RChecked &D", {"margin": 0.3})
        self.ws.set_footer("&RPage &P of &N", {"margin": 0.3})

    def close(self) -> None:
        for _, _, op in sorted(self._ops, key=lambda o: (o[0], o[1])):
            op()


PRINT_ONE_PAGE_WIDTH = 220  # characters of column width that still print readably on one landscape page


def print_setup(ws: Any, title_row: int | None = None, wide: bool = False, repeat_cols: str | None = None) -> None:
    """Landscape, one page wide (two for a wide sheet, the columns ``repeat_cols`` repeated so that the Check columns
    print beside the code), header row on every page, legend and page numbers in the footer. What the user set up
    (orientation and scaling, print titles, headers and footers) is kept."""
    user_setup = bool(ws.page_setup.orientation or ws.page_setup.fitToWidth not in (None, 1) or ws.page_setup.scale)
    user_titles = bool(ws.print_title_rows or ws.print_title_cols)
    user_header = any(
        part.text for hf in (ws.oddHeader, ws.oddFooter, ws.evenHeader, ws.evenFooter) for part in (hf.left, hf.center, hf.right)
    )
    if not user_setup:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = (2 if wide else 1), 0
        if wide:
            ws.page_setup.pageOrder = "overThenDown"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.75
        ws.page_margins.header = ws.page_margins.footer = 0.3
    if not user_titles:
        if wide:
            ws.print_title_cols = repeat_cols or "A:A"
        if title_row is not None:
            ws.print_title_rows = f"{title_row + 1}:{title_row + 1}"
    if not user_header:
        ws.oddHeader.left.text = "&A"
        ws.oddHeader.right.text = "Checked &D"
        ws.oddFooter.left.text = "Check Status: error = red, warning = amber, clean = green"
        ws.oddFooter.right.text = "Page &P of &N"


# ----------------------------------------------------------------------------- Summary and FAQ sheets


def text_height(texts: Iterable[tuple[str | None, float]], line: float = 15.0) -> float:
    """Row height in points for wrapped texts in columns of the given widths (LibreOffice does not fit rows itself).

    >>> text_height([("short", 10), ("a longer text " * 8, 20)])
    75.0
    """
    lines = 1
    for text, width in texts:
        if text:
            per_line = max(int(width * 1.25), 1)
            lines = max(lines, sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n")))
    return lines * line
