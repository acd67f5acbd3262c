"""The one form writer every report uses (SPEC §9). It knows layout, not counting rules.

Every sheet: a merged title row, the 填报单位 / 统计时段 / 单位：人 line, a one- or two-row header
(group cells merged over their leaves), data rows, an optional bold 合计 row, notes and the footer
单位负责人 / 填表人 / 联系电话 / 报出日期. A4 landscape, one page wide, header rows repeated, frozen panes.

Values are written as values, never formulas (§13.20); text columns always as string cells so user
text starting with =, +, -, @, tab or CR stays text (§9, §13.26). Workbooks are written atomically
(temp file in the same folder, fsync, rename; §10.2).

This module is the entry (write_workbook) and its public names; each part of a sheet has its module:
form_spec (Sheet, ReportMeta: what the writer is given), form_formats (cell formats), form_canvas (the
sheet being written: widths, page plan, row cursor, merged lines), form_page (column widths, print
setup), form_head (title, 表号 block, 填报单位 line, column header), form_body (data, 合计 and blank rows),
form_tail (notes, footer, charts).
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import xlsxwriter

from kc_batch.schemas import KINDS, Column  # noqa: F401  (Column: re-exported for the book modules)
from kc_batch.reports import form_body as body, form_head as head, form_page as page, form_tail as tail
from kc_batch.atomic import new_file_mode, safe_filename, write_atomically  # noqa: F401  (re-exported)
from kc_batch.reports.cells import (EXCEL_CELL_LIMIT, TRUNCATION_MARK, _as_date, _as_number, _as_text,  # noqa: F401
                                    _is_missing, _shown_text, clip_text, display_width)
from kc_batch.reports.form_canvas import LINE_HEIGHT, Canvas  # noqa: F401
from kc_batch.reports.form_formats import FONT_NAME, HEADER_FILL, HIGHLIGHT_FILL, HIGHLIGHT_FONT, Formats  # noqa: F401
from kc_batch.reports.form_spec import (FORM_BLOCK, ChartSpec, ReportMeta, Sheet, footer_text,  # noqa: F401  (re-exported)
                                        form_block_lines, report_meta)
from kc_batch.reports.form_body import CENTRED_HEADERS, HANDWRITING_HEIGHT  # noqa: F401
from kc_batch.reports.form_head import TITLE_HEIGHT  # noqa: F401
from kc_batch.reports.form_page import MAX_WIDTH, MIN_WIDTH, TEXT_WRAP_WIDTH, WIDTH_SAMPLE_ROWS  # noqa: F401
from kc_batch.reports.form_tail import CHART_HEIGHT_PX, CHART_ROWS  # noqa: F401

SHEET_NAME_LIMIT = 31


# ---------------------------------------------------------------- public API


def write_workbook(path: Path, sheets: list[Sheet], meta: ReportMeta) -> Path:
    """Write the sheets to path atomically (kc_batch/atomic.py); OSError becomes OutputError naming the path."""
    _check_sheets(sheets)
    return write_atomically(Path(path), lambda tmp_name: _build_workbook(tmp_name, sheets, meta))


def _check_sheets(sheets: list[Sheet]) -> None:
    if not sheets:
        raise ValueError("write_workbook needs at least one sheet")
    for sheet in sheets:
        if not sheet.columns:
            raise ValueError(f"sheet {sheet.name!r} has no columns")
        for column in sheet.columns:
            if column.kind not in KINDS:
                raise ValueError(f"unknown column kind {column.kind!r}")
        for chart in sheet.charts:
            if chart.kind not in ("line", "column"):
                raise ValueError(f"unknown chart kind {chart.kind!r}")


def said_once(sheet: Sheet) -> Sheet:
    """A say_once column whose non-empty cells all hold one text is left out and said once, as the first
    note below the table (issue 13: 指标说明 does not repeat its 口径 on every row)."""
    for header in sheet.say_once:
        index = next((i for i, c in enumerate(sheet.columns) if c.header == header), None)
        if index is None:
            continue
        values = {row[index] for row in sheet.rows if index < len(row) and not _is_missing(row[index]) and row[index] != ""}
        if len(values) > 1:
            continue
        cut = [c for i, c in enumerate(sheet.columns) if i != index]
        rows = [[v for i, v in enumerate(row) if i != index] for row in sheet.rows]
        notes = ([f"{header}：{values.pop()}"] if values else []) + list(sheet.notes)
        highlight = {(r, c - (c > index)) for r, c in sheet.highlight if c != index}
        sheet = replace(sheet, columns=cut, rows=rows, notes=notes, highlight=highlight)
    return sheet


def _build_workbook(filename: str, sheets: list[Sheet], meta: ReportMeta) -> None:
    workbook = xlsxwriter.Workbook(filename, {
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "in_memory": True,
        "remove_timezone": True,
    })
    try:
        formats, lists = Formats(workbook), body.ChoiceLists(workbook)
        used_names: set[str] = set()
        for sheet in sheets:
            sheet = said_once(sheet)
            name = unique_sheet_name(sheet.name, used_names)
            write_sheet(workbook, workbook.add_worksheet(name), sheet, meta, formats, lists)
    finally:
        workbook.close()


def write_sheet(workbook, worksheet, sheet: Sheet, meta: ReportMeta, formats: Formats,
                lists: body.ChoiceLists | None = None) -> None:
    """One sheet of a form, top to bottom: page widths, head (form_head), table body (form_body),
    notes, charts and footer (form_tail), print setup (form_page)."""
    c = Canvas(workbook, worksheet, sheet, meta, formats, page.column_widths(sheet, meta),
               lists or body.ChoiceLists(workbook))
    page.set_widths(c)
    head.write_head(c)
    first_data_row = c.row
    body.write_body(c)
    tail.write_notes(c)
    if sheet.print_charts:
        c.row += 1
        tail.write_charts(c)
    tail.write_footer(c)
    last_row = max(c.row - 1, first_data_row)
    if not sheet.print_charts:
        tail.write_charts(c)
    page.set_print_setup(c, first_data_row, last_row)


# ---------------------------------------------------------------- text helpers


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def unique_sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique (case-insensitive) sheet name of at most 31 characters."""
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'") or "Sheet"
    base = base[:SHEET_NAME_LIMIT]
    candidate, number = base, 2
    while candidate.lower() in used:
        suffix = f"({number})"
        candidate = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        number += 1
    used.add(candidate.lower())
    return candidate
