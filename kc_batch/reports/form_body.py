"""The table body of a form: data rows (values as values, never formulas, §13.20; text as string
cells, §13.26), the bold 合计 and subtotal rows, highlighted cells, the one merged line of an empty
table, and the ruled blank rows of a form to fill in by hand (drop-down lists on them)."""
from __future__ import annotations

import datetime

from xlsxwriter.utility import xl_col_to_name

from kc_batch.reports.cells import _as_date, _as_number, _as_text, _is_missing, clip_text
from kc_batch.reports.form_canvas import LINE_HEIGHT, Canvas
from kc_batch.schemas import Column

CENTRED_HEADERS = ("序号", "行号")
HANDWRITING_HEIGHT = 22.0   # a ruled blank row of a form
# a protected form (no password: it only keeps the locked cells from being typed over by mistake)
PROTECTION = {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
              "format_rows": True}
LIST_SHEET = "下拉列表"
INLINE_LIST_LIMIT = 250     # Excel keeps a drop-down list written in the rule to 255 characters


class ChoiceLists:
    """The drop-down lists of a workbook: short ones in the rule, long ones (a class's names) in a
    column of the hidden sheet 下拉列表."""

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.sheet = None
        self.next_col = 0

    def source(self, choices: list[str]):
        if sum(len(c) + 1 for c in choices) < INLINE_LIST_LIMIT:
            return choices
        if self.sheet is None:
            self.sheet = self.workbook.add_worksheet(LIST_SHEET)
            self.sheet.hide()
        col = self.next_col
        self.next_col += 1
        for row, choice in enumerate(choices):
            self.sheet.write_string(row, col, choice)
        letter = xl_col_to_name(col)
        return f"='{LIST_SHEET}'!${letter}$1:${letter}${len(choices)}"


def write_body(c: Canvas) -> None:
    sheet = c.sheet
    c.body_top = c.row
    if not sheet.rows and sheet.empty_text is not None:
        write_empty_text(c, sheet.empty_text)
    for index, values in enumerate(sheet.rows):
        write_data_row(c, values, index, bold=index in sheet.subtotal_rows)
    if sheet.total_row is not None:
        write_data_row(c, sheet.total_row, -1, bold=True)
    write_blank_rows(c)
    if sheet.protect:
        c.ws.protect("", PROTECTION)


def write_blank_rows(c: Canvas) -> None:
    """Ruled rows to write in by hand: text cells as text (a 学籍号 stays text), dates as dates;
    drop-down lists on them and on the fill-in cells of the data rows."""
    count, first = c.sheet.blank_rows, c.row
    for col, column in enumerate(c.sheet.columns):
        fmt = (c.formats.closed() if column.header in c.sheet.closed_columns
               else c.formats.fill_in(column.kind, align_of(column), c.sheet.protect))
        for row in range(first, first + count):
            c.ws.write_blank(row, col, None, fmt)
        write_choices(c, col, column, first, first + count - 1)
    for row in range(first, first + count):
        c.ws.set_row(row, HANDWRITING_HEIGHT)
    c.row += count


def write_choices(c: Canvas, col: int, column: Column, blank_first: int, last: int) -> None:
    """The drop-down list of a column: on the blank rows, and on the data rows of a fill-in column."""
    choices = c.sheet.choices.get(column.header)
    if not choices or column.header in c.sheet.closed_columns:
        return
    top = c.body_top if column.header in c.sheet.fill_in else blank_first
    if last < top:
        return
    c.ws.data_validation(top, col, last, col, {
        "validate": "list", "source": c.lists.source(choices), "ignore_blank": True,
        "error_type": "warning", "error_message": "请从下拉列表中选择"})


def write_empty_text(c: Canvas, text: str) -> None:
    fmt = c.formats.get(border=1, align="center", text_wrap=True)
    first, last = (c.plan.repeat, c.line_last) if c.plan.wide else (0, c.ncols - 1)
    c.merged(c.row, first, last, text, fmt)
    c.row += 1


def write_data_row(c: Canvas, values: list, row_index: int, bold: bool) -> None:
    lines = 1
    sheet = c.sheet
    for col, column in enumerate(sheet.columns):
        value = values[col] if col < len(values) else None
        if column.header in sheet.closed_columns or (row_index, col) in sheet.closed:
            _write_text_or_blank(c, col, value, c.formats.closed())
            continue
        if column.header in sheet.fill_in:
            _write_text_or_blank(c, col, value, c.formats.fill_in(column.kind, align_of(column), sheet.protect))
            continue
        highlight = (row_index, col) in sheet.highlight
        write_cell(c, c.row, col, value, column.kind, bold, highlight, align_of(column))
        if column.kind == "text" and isinstance(value, str) and 2 * len(value) > c.widths[col] - 1:
            lines = max(lines, c.lines_needed(value[:2000], col, col))
    if lines > 1:  # wrapped text: no spreadsheet program grows a row whose height the file leaves out
        c.ws.set_row(c.row, LINE_HEIGHT * min(lines, 15) + 4)
    elif sheet.fill_in:
        c.ws.set_row(c.row, HANDWRITING_HEIGHT)
    c.row += 1


def _write_text_or_blank(c: Canvas, col: int, value, fmt) -> None:
    if _is_missing(value):
        c.ws.write_blank(c.row, col, None, fmt)
    else:
        c.ws.write_string(c.row, col, clip_text(_as_text(value)), fmt)


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
