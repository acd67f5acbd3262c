"""Recognise each worksheet's form by its header row (SPEC §3) and turn its rows into records.

A sheet may hold several tables (a blank row and a new title/header between them). Every non-blank
data row becomes a record or an InputError (SPEC §10.1); title rows above a header give context
(grade/class, week), and 合计/制表人 lines below a table end it. The steps live in their own modules:
read.headers (which row is a header), read.tables (where a table ends, what its title says),
read.rows (rows → records); read.records holds what they hand on.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from kc_batch.calendar import SchoolCalendar
from kc_batch.model import InputError, Notice, Source
from kc_batch.read.columns import unread_columns
from kc_batch.read.files import RawFile, RawSheet
from kc_batch.read.headers import find_header
from kc_batch.read.records import ChangeRecord, CheckRecord, ParsedFile, RosterRecord, Table
from kc_batch.read.rows import parse_rows
from kc_batch.read.tables import column_bands, fill_context, table_end
from kc_batch.read.values import GRADE_NAMES, Mark, cell_text, column_letter, is_blank
from kc_batch.schemas import CHANGE, CHECK, HOME_VISIT, POPULATION, ROSTER


# ---------------------------------------------------------------- the sheet walk

def parse_file(raw: RawFile, cal: SchoolCalendar, default_week: str | None = None,
               forced_form: str | None = None) -> ParsedFile:
    out = ParsedFile(rel=raw.rel)
    for sheet in raw.sheets:
        if sheet.hidden:
            _skip_hidden(raw.rel, sheet, out)
            continue
        _parse_sheet(raw.rel, sheet, cal, default_week, out, forced_form)
    return out


def nonblank_rows(rows: list[list]) -> int:
    return sum(1 for row in rows if any(not is_blank(c) for c in row))


def _skip_hidden(rel: str, sheet: RawSheet, out: ParsedFile) -> None:
    """§3.5: a hidden sheet is not read — and said so: one 输入错误 row with its row count."""
    count = nonblank_rows(sheet.rows)
    out.skipped_sheets.append((sheet.name, f"隐藏工作表，共 {count} 行未读取"))
    if count:
        out.errors.append(InputError(rel, sheet.name, None, "", "",
                                     f"隐藏的工作表“{sheet.name}”未读取（共 {count} 行）：隐藏的工作表不导入；"
                                     "如需导入，请在 Excel/WPS 中取消隐藏后重新放入 inbox"))


def _parse_sheet(rel, sheet: RawSheet, cal, default_week, out: ParsedFile, forced_form):
    rows = sheet.rows
    if not any(not is_blank(c) for row in rows for c in row):
        out.skipped_sheets.append((sheet.name, "空白工作表"))
        return
    for i, j in sheet.recoded:  # issue 12 item 14: a GBK cell in a UTF-8 CSV is read, and said
        out.errors.append(InputError(rel, sheet.name, i + 1, f"{column_letter(j)}列", cell_text(rows[i][j]),
                                     "此单元格的文字是 GBK 编码（文件其余部分是 UTF-8），已按 GBK 读出，请核对"))
    found = _parse_region(rel, sheet.name, rows, 0, _Region(cal, default_week, forced_form, out, sheet.uncalculated))
    if not found:
        nonblank = nonblank_rows(rows)
        out.skipped_sheets.append((sheet.name, "未识别出花名册、周查表、学籍变动登记表或家访登记表的表头"))
        out.errors.append(InputError(rel, sheet.name, None, "", "",
                                     f"工作表中未找到可识别的表头（共 {nonblank} 行未读取）：请检查表头是否含“姓名”和“学籍号/身份证号”"))


@dataclass
class _Region:
    """What every table of a sheet is read with; col0/outer for a table beside another one."""
    cal: SchoolCalendar
    default_week: str | None
    forced_form: str | None
    out: ParsedFile
    uncalculated: frozenset | set
    col0: int = 0
    outer: tuple = ()


def _parse_region(rel: str, sheet_name: str, rows: list[list], start: int, reg: _Region) -> bool:
    """Read the tables from row `start` down; True when a header was found."""
    found = False
    while start < len(rows):
        h = find_header(rows, start, reg.cal)
        if h is None:
            break
        found = True
        context = [cell_text(c) for row in rows[start:h.row - h.height + 1] for c in row if not is_blank(c)]
        bands = column_bands(h)
        if len(bands) > 1:  # tables side by side: each is read as its own grid, from here down
            for a, b in bands:
                grid = [row[a:b] for row in rows]
                cells = {(i, j - a) for i, j in reg.uncalculated if j >= a and (b is None or j < b)}
                _parse_region(rel, sheet_name, grid, start, replace(reg, uncalculated=cells, col0=reg.col0 + a,
                                                                     outer=tuple(context)))
            return True
        h.col0 = reg.col0
        start = _read_table(rel, sheet_name, rows, h, context, reg)
    return found


def _read_table(rel: str, sheet_name: str, rows: list[list], h, context: list[str], reg: _Region) -> int:
    """One table from its header down; → the index just past it."""
    out = reg.out
    if reg.forced_form == POPULATION and h.form == ROSTER:
        h.form = POPULATION
    table = Table(form=h.form, sheet=sheet_name, header_row=h.row + 1)
    end = table_end(rows, h.row + 1, reg.cal)
    fill_context(table, context, sheet_name, reg.cal, h, reg.default_week, reg.outer)
    parse_rows(rel, sheet_name, rows, h, table, end, reg.cal, out, reg.uncalculated)
    out.errors.extend(unread_columns(rel, sheet_name, rows, h, table, end))
    if table.form == CHECK and table.week is None:  # its rows cannot be filed: one row says so
        out.errors.append(InputError(rel, sheet_name, None, "", "",
                                     WEEK_UNKNOWN + f"（第{table.header_row}行表头，共 {table.rows_read} 行未导入）"))
    out.tables.append(table)
    return end


WEEK_UNKNOWN = "周查表无法确定是哪一周：表头是“周一…周五”，标题中没有“第N周”或日期。请在标题写明，或运行时加 --week"



def form_summary(table: Table) -> str:
    bits = [table.form]
    if table.grade:
        bits.append(GRADE_NAMES.get(table.grade, "") + (f"{table.class_no}班" if table.class_no else ""))
    elif table.classes:
        bits.append(f"{len(table.classes)} 个班")
    if table.week:
        bits.append(table.week)
    bits.append(f"{table.rows_read} 行")
    return "，".join(bits)


__all__ = ["CHANGE", "CHECK", "GRADE_NAMES", "HOME_VISIT", "POPULATION", "ROSTER", "WEEK_UNKNOWN", "ChangeRecord",
           "CheckRecord", "InputError", "Mark", "Notice", "ParsedFile", "RosterRecord", "Source", "Table",
           "find_header", "form_summary", "parse_file"]
