"""`kc forms --week W` with a roster in the store: forms the 班主任 only has to fill in (issue 14).

- 周查表: one sheet per class, 学籍号 and 姓名 filled (roster order), the week's days as date
  headers (“11月16日\n周一”), a holiday or non-school weekday greyed and locked, days a student is not
  在读 pre-marked “—” and locked, drop-down marks, the 班主任 in a context line (read back by the
  reader), a few empty rows for a student missing from the list, printable (A4, ruled, header rows
  repeated). Filled in, it is read by `kc weekly` like any 周查表 (§3.2).
- 家访登记表: one sheet per class, drop-downs for 姓名 (the class list), 年级, 班级, 教师身份, 方式, 事由.
- 学籍变动登记表: drop-downs for 年级, 班级 (the school's classes), 变动类型.
The sheet is protected without a password only so that the locked cells are not typed over by
mistake; every cell to fill in is unlocked.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kc_batch.errors import OutputError
from kc_batch.read.values import GRADE_NAMES, class_label
from kc_batch.reconcile.class_lists import ClassList
from kc_batch.reports.xlsxform import safe_filename
from kc_batch.schemas import (CHANGE_FORM_FIELDS, CHANGE_TYPES, CHECK_FORM_LEADING, HOME_VISIT_FORM_FIELDS,
                              TEACHER_ROLES, VISIT_PURPOSES, VISIT_WAYS, form_headers)

MARKS = ["√", "迟", "病", "事", "假", "旷", "旷半", "病半", "事半"]
NO_DATA = "—"
WEEKDAYS_CN = "一二三四五六日"
SPARE_ROWS = 5          # empty, unlocked rows under a class list
VISIT_ROWS = 40
MARK_LEGEND = "考勤符号：空白或√到校，迟 迟到，病 病假，事 事假，假 请假，旷 旷课；半天写“旷半”“病半”；— 表示当天不在本班（已锁定）"
LIST_COLUMNS: dict[int, int] = {}   # workbook → next free column of its hidden 下拉列表 sheet
PROTECTION = {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
              "format_rows": True}


def write_atomically(path: Path, build) -> Path:
    """build(workbook) into a temp file next to path, then rename (§10.2)."""
    import xlsxwriter
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".tmp")
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(tmp, {"strings_to_numbers": False, "strings_to_formulas": False,
                                       "strings_to_urls": False})
        build(wb)
        wb.close()
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return path


class _Formats:
    def __init__(self, wb):
        base = {"font_name": "宋体", "font_size": 11, "border": 1, "valign": "vcenter"}
        self.title = wb.add_format({"bold": True, "font_size": 16, "font_name": "宋体", "align": "center"})
        self.line = wb.add_format({"font_name": "宋体", "font_size": 10, "text_wrap": True})
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#D9D9D9", "align": "center", "text_wrap": True})
        self.locked_text = wb.add_format({**base, "num_format": "@"})
        self.input = wb.add_format({**base, "num_format": "@", "locked": False, "align": "center"})
        self.input_left = wb.add_format({**base, "num_format": "@", "locked": False})
        self.input_date = wb.add_format({**base, "num_format": "yyyy-mm-dd", "locked": False})
        self.grey = wb.add_format({**base, "bg_color": "#BFBFBF", "align": "center", "font_color": "#595959"})


def _sheet_name(cl: ClassList) -> str:
    return safe_filename(class_label(cl.grade, cl.class_no))[:31]


def _print_setup(ws, header_rows: int, portrait: bool = True):
    ws.set_paper(9)  # A4
    if portrait:
        ws.set_portrait()
    else:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_rows - 1, header_rows - 1)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)


# ---------------------------------------------------------------- 周查表

def check_sheet(wb, f: _Formats, unit: str, cl: ClassList, week: str, teaching_week: int | None,
                columns: list[tuple]) -> None:
    ws = wb.add_worksheet(_sheet_name(cl))
    headers = form_headers(CHECK_FORM_LEADING) + [
        f"{d.month}月{d.day}日\n周{WEEKDAYS_CN[d.weekday()]}" + ("" if school else "\n（不上课）")
        for d, school in columns] + ["备注"]
    last_col = len(headers) - 1
    label = f"第{teaching_week}周，" if teaching_week else ""
    ws.merge_range(0, 0, 0, last_col, f"{unit}{_title_class(cl)}周查表（{label}{columns[0][0].isoformat()} 起）",
                   f.title)
    ws.write_string(1, 0, f"班主任：{cl.head_teacher}" if cl.head_teacher else "班主任：", f.line)
    ws.merge_range(1, 1, 1, last_col, MARK_LEGEND, f.line)
    ws.set_row(1, 30)
    for j, h in enumerate(headers):
        ws.write_string(2, j, h, f.head)
    ws.set_row(2, 48)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 1 + len(columns), 10)
    ws.set_column(last_col, last_col, 16)
    row = 3
    for ls in cl.students:
        s = ls.student
        ws.write_string(row, 0, s.xjh or s.sfz or "", f.locked_text)
        ws.write_string(row, 1, s.name, f.locked_text)
        _mark_cells(ws, f, row, columns, ls.absent_days)
        ws.write_blank(row, last_col, None, f.input_left)
        ws.set_row(row, 20)
        row += 1
    for _ in range(SPARE_ROWS):
        ws.write_blank(row, 0, None, f.input_left)
        ws.write_blank(row, 1, None, f.input_left)
        _mark_cells(ws, f, row, columns, set())
        ws.write_blank(row, last_col, None, f.input_left)
        ws.set_row(row, 20)
        row += 1
    for j, (d, school) in enumerate(columns, start=2):
        if school:
            ws.data_validation(3, j, row - 1, j, {"validate": "list", "source": MARKS + [NO_DATA], "ignore_blank": True,
                                                  "error_type": "warning", "error_message": "请从下拉列表选择考勤符号"})
    ws.merge_range(row + 1, 0, row + 1, last_col, "班主任签字：                    日期：", f.line)
    ws.freeze_panes(3, 2)
    ws.protect("", PROTECTION)
    _print_setup(ws, 3)


def _mark_cells(ws, f: _Formats, row: int, columns, absent_days: set) -> None:
    for j, (d, school) in enumerate(columns, start=2):
        if not school:
            ws.write_blank(row, j, None, f.grey)
        elif d in absent_days:
            ws.write_string(row, j, NO_DATA, f.grey)
        else:
            ws.write_blank(row, j, None, f.input)


def _title_class(cl: ClassList) -> str:
    return f"{GRADE_NAMES.get(cl.grade, '')}({cl.class_no})班"


# ---------------------------------------------------------------- 家访登记表

def visit_sheet(wb, f: _Formats, unit: str, cl: ClassList, grade_names: list[str], class_names: list[str]) -> None:
    ws = wb.add_worksheet(_sheet_name(cl))
    headers = form_headers(HOME_VISIT_FORM_FIELDS)
    last_col = len(headers) - 1
    ws.merge_range(0, 0, 0, last_col, f"{unit}{_title_class(cl)}家访登记表", f.title)
    ws.merge_range(1, 0, 1, last_col, (f"班主任：{cl.head_teacher}　" if cl.head_teacher else "")
                   + "每次家访填一行；姓名从下拉列表选择；方式：入户、电话、视频、到校约谈（电话不计入家访定额）；"
                     "几位教师同去时用“、”隔开。", f.line)
    ws.set_row(1, 30)
    for j, h in enumerate(headers):
        ws.write_string(2, j, h, f.head)
        ws.set_column(j, j, {"visit_date": 12, "xjh": 22, "result": 30}.get(HOME_VISIT_FORM_FIELDS[j], 11),
                      f.input_date if HOME_VISIT_FORM_FIELDS[j] == "visit_date" else f.input_left)
    names = [ls.student.name for ls in cl.students]
    lists = {"name": names, "grade": grade_names, "class": class_names, "teacher_role": TEACHER_ROLES,
             "way": VISIT_WAYS, "purpose": VISIT_PURPOSES}
    for r in range(3, 3 + VISIT_ROWS):   # ruled rows to write in
        for j, field in enumerate(HOME_VISIT_FORM_FIELDS):
            ws.write_blank(r, j, None, f.input_date if field == "visit_date" else f.input_left)
        ws.set_row(r, 22)
    for j, field in enumerate(HOME_VISIT_FORM_FIELDS):
        if field in lists and lists[field]:
            _list_validation(wb, ws, 3, j, lists[field], f"{_sheet_name(cl)}_{field}")
    ws.freeze_panes(3, 0)
    _print_setup(ws, 3, portrait=False)


def _list_validation(wb, ws, first_row: int, col: int, choices: list[str], key: str) -> None:
    """A drop-down; a long list (a class's names) goes to a hidden sheet (Excel's 255-character limit)."""
    if sum(len(c) + 1 for c in choices) < 250:
        ws.data_validation(first_row, col, first_row + VISIT_ROWS, col,
                           {"validate": "list", "source": choices, "error_type": "warning"})
        return
    from xlsxwriter.utility import xl_col_to_name
    lists = wb.get_worksheet_by_name("下拉列表")
    if lists is None:
        lists = wb.add_worksheet("下拉列表")
        lists.hide()
    n = LIST_COLUMNS.setdefault(id(wb), 0)
    for i, c in enumerate(choices):
        lists.write_string(i, n, c)
    LIST_COLUMNS[id(wb)] = n + 1
    letter = xl_col_to_name(n)
    ws.data_validation(first_row, col, first_row + VISIT_ROWS, col,
                       {"validate": "list", "source": f"='下拉列表'!${letter}$1:${letter}${len(choices)}",
                        "error_type": "warning"})


# ---------------------------------------------------------------- 学籍变动登记表

def change_sheet(wb, f: _Formats, unit: str, grade_names: list[str], class_names: list[str]) -> None:
    ws = wb.add_worksheet("学籍变动")
    headers = form_headers(CHANGE_FORM_FIELDS)
    ws.merge_range(0, 0, 0, len(headers) - 1, f"{unit}学籍变动登记表", f.title)
    for j, h in enumerate(headers):
        ws.write_string(1, j, h, f.head)
        ws.set_column(j, j, 20 if h in ("学籍号", "身份证号", "对方学校", "备注") else 12,
                      f.input_date if "日期" in h else f.input_left)
    for field, choices in (("grade", grade_names), ("class", class_names), ("change_type", CHANGE_TYPES)):
        col = CHANGE_FORM_FIELDS.index(field)
        ws.data_validation(2, col, 2 + VISIT_ROWS, col, {"validate": "list", "source": choices,
                                                         "error_type": "warning"})
    ws.freeze_panes(2, 0)
    _print_setup(ws, 2, portrait=False)


# ---------------------------------------------------------------- the workbooks

def write_prefilled(out: Path, unit: str, week: str, teaching_week: int | None, columns, lists: list[ClassList],
                    grade_names: list[str], per_class: bool) -> list[Path]:
    """→ the paths written: 周查表, 家访登记表 (one sheet per class, or one workbook per class with
    --per-class) and the 学籍变动登记表."""
    class_names = sorted({f"{cl.class_no}班" for cl in lists}, key=lambda c: (len(c), c))
    safe_unit = safe_filename(unit)
    paths = []
    groups = [[cl] for cl in lists] if per_class else [lists]
    for group in groups:
        prefix = (f"{safe_filename(class_label(group[0].grade, group[0].class_no))}_" if per_class else "")
        folder = out / week if per_class else out

        def checks(wb, group=group):
            f = _Formats(wb)
            for cl in group:
                check_sheet(wb, f, unit, cl, week, teaching_week, columns)

        def visits(wb, group=group):
            f = _Formats(wb)
            for cl in group:
                visit_sheet(wb, f, unit, cl, grade_names, class_names)
        paths.append(write_atomically(folder / f"{prefix}周查表_{safe_unit}_{week}.xlsx", checks))
        paths.append(write_atomically(folder / f"{prefix}家访登记表_{safe_unit}.xlsx", visits))
    paths.append(write_atomically(out / f"学籍变动登记表_{safe_unit}.xlsx",
                                  lambda wb: change_sheet(wb, _Formats(wb), unit, grade_names, class_names)))
    return paths
