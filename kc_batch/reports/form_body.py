"""The table body of a form: data rows (values as values, never formulas, §13.20; text as string
cells, §13.26), the bold 合计 and subtotal rows, highlighted cells, the one merged line of an empty
table, and the ruled blank rows of a form to fill in by hand (drop-down lists on them)."""
from __future__ import annotations

import datetime

from kc_batch.reports.cells import _as_date, _as_number, _as_text, _is_missing, clip_text
from kc_batch.reports.form_canvas import LINE_HEIGHT, Canvas
from kc_batch.schemas import Column

CENTRED_HEADERS = ("序号", "行号")
HANDWRITING_HEIGHT = 22.0   # a ruled blank row of a form


def write_body(c: Canvas) -> None:
    sheet = c.sheet
    if not sheet.rows and sheet.empty_text is not None:
        write_empty_text(c, sheet.empty_text)
    for index, values in enumerate(sheet.rows):
        write_data_row(c, values, index, bold=index in sheet.subtotal_rows)
    if sheet.total_row is not None:
        write_data_row(c, sheet.total_row, -1, bold=True)
    write_blank_rows(c)


def write_blank_rows(c: Canvas) -> None:
    """Ruled rows to write in by hand: text cells as text (a 学籍号 stays text), dates as dates."""
    count = c.sheet.blank_rows
    if not count:
        return
    first = c.row
    for col, column in enumerate(c.sheet.columns):
        fmt = c.formats.get(border=1, num_format="yyyy-mm-dd" if column.kind == "date" else "@",
                            align=align_of(column) or "left")
        for row in range(first, first + count):
            c.ws.write_blank(row, col, None, fmt)
        if column.header in c.sheet.choices:
            c.ws.data_validation(first, col, first + count - 1, col, {
                "validate": "list", "source": c.sheet.choices[column.header], "ignore_blank": True,
                "error_type": "warning", "error_message": "请从下拉列表中选择"})
    for row in range(first, first + count):
        c.ws.set_row(row, HANDWRITING_HEIGHT)
    c.row += count


def write_empty_text(c: Canvas, text: str) -> None:
    fmt = c.formats.get(border=1, align="center", text_wrap=True)
    first, last = (c.plan.repeat, c.line_last) if c.plan.wide else (0, c.ncols - 1)
    c.merged(c.row, first, last, text, fmt)
    c.row += 1


def write_data_row(c: Canvas, values: list, row_index: int, bold: bool) -> None:
    lines = 1
    for col, column in enumerate(c.sheet.columns):
        value = values[col] if col < len(values) else None
        highlight = (row_index, col) in c.sheet.highlight
        write_cell(c, c.row, col, value, column.kind, bold, highlight, align_of(column))
        if column.kind == "text" and isinstance(value, str) and 2 * len(value) > c.widths[col] - 1:
            lines = max(lines, c.lines_needed(value[:2000], col, col))
    if lines > 1:  # wrapped text: no spreadsheet program grows a row whose height the file leaves out
        c.ws.set_row(c.row, LINE_HEIGHT * min(lines, 15) + 4)
    c.row += 1


def write_cell(c: Canvas, row: int, col: int, value, kind: str, bold: bool, highlight: bool,
               align: str | None = None) -> None:
    """One value in the cell type of its column kind; what is not a number or date is a text cell."""
    ws, formats = c.ws, c.formats
    if _is_missing(value):
        ws.write_blank(row, col, None, formats.cell(kind, bold, highlight, align=align))
        return
    if kind in ("int", "num", "percent"):
        number = _as_number(value)
        if number is not None:
            number_format = "General" if kind == "int" and number != int(number) else None
            ws.write_number(row, col, number, formats.cell(kind, bold, highlight, number_format, align))
            return
        if isinstance(value, (int, float)):  # inf: no finite value to show
            ws.write_blank(row, col, None, formats.cell(kind, bold, highlight, align=align))
            return
    elif kind == "date":
        day = _as_date(value)
        if day is not None:
            ws.write_datetime(row, col, datetime.datetime(day.year, day.month, day.day),
                              formats.cell(kind, bold, highlight, align=align))
            return
    ws.write_string(row, col, clip_text(_as_text(value)), formats.cell("text", bold, highlight, align=align))


def align_of(column: Column) -> str | None:
    return "center" if column.header in CENTRED_HEADERS else None
