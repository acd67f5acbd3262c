"""`kc forms`: blank, ready-to-fill input workbooks (SPEC §3) with drop-down lists."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch.calendar import SchoolCalendar, week_days, week_of
from kc_batch.config import load_config
from kc_batch.read.values import GRADE_NAMES
from kc_batch.reports.xlsxform import safe_filename
from kc_batch.schemas import (CHANGE_FORM_FIELDS, CHANGE_TYPES, CHECK_FORM_LEADING, CHECK_FORM_TRAILING,
                              ROSTER_FORM_FIELDS, form_headers)

ROSTER_HEADERS = form_headers(ROSTER_FORM_FIELDS)
CHANGE_HEADERS = form_headers(CHANGE_FORM_FIELDS)
MARKS = ["√", "迟", "病", "事", "假", "旷", "旷半", "病半", "事半"]
WEEKDAYS_CN = "一二三四五六日"
ROWS = 60  # rows prepared with validation


def write_blank_forms(work_dir: Path, week: str | None = None) -> list[Path]:
    import xlsxwriter
    work_dir = Path(work_dir)
    cfg = load_config(work_dir)
    cal = SchoolCalendar(cfg.calendar)
    week = week or week_of(dt.date.today())
    from kc_batch.calendar import normalise_week
    week = normalise_week(week)
    out = work_dir / "out" / "forms"
    out.mkdir(parents=True, exist_ok=True)
    unit = safe_filename(cfg.unit.name)
    grades = [g for g in range(1, 10) if (g <= 6 and "小学" in cfg.unit.stages) or (g > 6 and "初中" in cfg.unit.stages)]
    grade_names = [GRADE_NAMES[g] for g in grades]
    paths = []

    def book(name):
        path = out / name
        wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
        return path, wb

    # 花名册
    path, wb = book(f"空白_学生花名册_{unit}.xlsx")
    ws = wb.add_worksheet("花名册")
    title = wb.add_format({"bold": True, "font_size": 16, "font_name": "宋体", "align": "center"})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9D9D9", "align": "center", "text_wrap": True})
    text = wb.add_format({"num_format": "@", "border": 1})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd", "border": 1})
    ws.merge_range(0, 0, 0, len(ROSTER_HEADERS) - 1, f"{cfg.unit.name}学生花名册", title)
    for j, h in enumerate(ROSTER_HEADERS):
        ws.write_string(1, j, h, head)
        ws.set_column(j, j, 20 if h in ("学籍号", "身份证号", "家庭住址") else 11,
                      date_fmt if h == "出生日期" else text)
    _validate(ws, ROSTER_HEADERS.index("性别"), ["男", "女"])
    _validate(ws, ROSTER_HEADERS.index("年级"), grade_names)
    for flag in ("建档立卡", "随迁子女", "孤儿"):
        _validate(ws, ROSTER_HEADERS.index(flag), ["是", "否"])
    _validate(ws, ROSTER_HEADERS.index("就读方式"), ["普通", "随班就读", "送教上门"])
    _validate(ws, ROSTER_HEADERS.index("留守儿童"), ["否", "单亲留守", "双亲留守"])
    ws.freeze_panes(2, 0)
    wb.close()
    paths.append(path)

    # 周查表
    days = [d for d in week_days(week) if cal.is_school_day(d)]
    path, wb = book(f"空白_周查表_{unit}_{week}.xlsx")
    ws = wb.add_worksheet("周查表")
    title = wb.add_format({"bold": True, "font_size": 16, "font_name": "宋体", "align": "center"})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9D9D9", "align": "center", "text_wrap": True})
    text = wb.add_format({"num_format": "@", "border": 1})
    headers = (form_headers(CHECK_FORM_LEADING) + [f"{d.month}月{d.day}日\n周{WEEKDAYS_CN[d.weekday()]}" for d in days]
               + form_headers(CHECK_FORM_TRAILING))
    ws.merge_range(0, 0, 0, len(headers) - 1,
                   f"{cfg.unit.name}   年级（  ）班 周查表（{days[0].isoformat() if days else week} 起）", title)
    ws.write_string(1, 0, "考勤符号：空白或√到校，迟 迟到，病 病假，事 事假，假 请假，旷 旷课；半天写“旷半”“病半”", text)
    for j, h in enumerate(headers):
        ws.write_string(2, j, h, head)
        ws.set_column(j, j, 20 if j == 0 else 10, text)
    for j in range(2, 2 + len(days)):
        ws.data_validation(3, j, 3 + ROWS, j, {"validate": "list", "source": MARKS, "ignore_blank": True,
                                               "error_type": "warning", "error_message": "请从下拉列表选择考勤符号"})
    ws.freeze_panes(3, 2)
    wb.close()
    paths.append(path)

    # 学籍变动登记表
    path, wb = book(f"空白_学籍变动登记表_{unit}.xlsx")
    ws = wb.add_worksheet("学籍变动")
    title = wb.add_format({"bold": True, "font_size": 16, "font_name": "宋体", "align": "center"})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9D9D9", "align": "center"})
    text = wb.add_format({"num_format": "@", "border": 1})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd", "border": 1})
    ws.merge_range(0, 0, 0, len(CHANGE_HEADERS) - 1, f"{cfg.unit.name}学籍变动登记表", title)
    for j, h in enumerate(CHANGE_HEADERS):
        ws.write_string(1, j, h, head)
        ws.set_column(j, j, 20 if h in ("学籍号", "身份证号", "对方学校", "备注") else 12,
                      date_fmt if "日期" in h else text)
    _validate(ws, CHANGE_HEADERS.index("年级"), grade_names, first=2)
    _validate(ws, CHANGE_HEADERS.index("变动类型"), CHANGE_TYPES, first=2)
    ws.freeze_panes(2, 0)
    wb.close()
    paths.append(path)
    return paths


def _validate(ws, col: int, choices: list[str], first: int = 2):
    ws.data_validation(first, col, first + ROWS, col, {"validate": "list", "source": choices,
                                                       "error_type": "warning"})


