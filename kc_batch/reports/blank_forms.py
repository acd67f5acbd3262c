"""`kc forms`: blank, ready-to-fill input workbooks (SPEC §3) with drop-down lists, written by the one form
writer so that they print like the reports (A4 landscape, ≥ 9 pt, header rows repeated, ruled rows to
write in by hand; issue 13)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from kc_batch.calendar import SchoolCalendar, normalise_week, week_days, week_of
from kc_batch.config import load_config
from kc_batch.read.values import GRADE_NAMES
from kc_batch.reports.weekly_book import week_text
from kc_batch.reports.xlsxform import Sheet, safe_filename, write_workbook, report_meta
from kc_batch.schemas import (CHANGE_FORM_FIELDS, CHANGE_TYPES, CHECK_FORM_LEADING, CHECK_FORM_TRAILING,
                              ROSTER_FORM_FIELDS, Column, form_headers)

ROSTER_HEADERS = form_headers(ROSTER_FORM_FIELDS)
CHANGE_HEADERS = form_headers(CHANGE_FORM_FIELDS)
MARKS = ["√", "迟", "病", "事", "假", "旷", "旷半", "病半", "事半"]
MARKS_HELP = "考勤符号：空白或√到校，迟 迟到，病 病假，事 事假，假 请假，旷 旷课；半天写“旷半”“病半”"
WEEKDAYS_CN = "一二三四五六日"
ROWS = 60            # ruled rows with drop-down lists
CHECK_ROWS = 55      # a class
# room to write in by hand, in character widths
WRITING_WIDTHS = {"学籍号": 21, "身份证号": 21, "家庭住址": 20, "户籍所在地": 14, "联系电话": 13, "对方学校": 18,
                  "备注": 14, "原因": 14, "出生日期": 11, "变动日期": 11, "回执日期": 11, "姓名": 8,
                  "家访日期": 11, "结果": 24, "家访教师": 10}
DATE_HEADERS = ("出生日期", "变动日期", "回执日期", "家访日期")


def form_column(header: str) -> Column:
    """A column to write in by hand: a date column for a date, room to write in (WRITING_WIDTHS)."""
    return Column(header, "date" if header in DATE_HEADERS else "text", min_width=WRITING_WIDTHS.get(header, 7))


def _grade_names(stages) -> list[str]:
    return [GRADE_NAMES[g] for g in range(1, 10) if (g <= 6 and "小学" in stages) or (g > 6 and "初中" in stages)]


def roster_form(unit: str, grades: list[str]) -> Sheet:
    yes_no = ["是", "否"]
    choices = {"性别": ["男", "女"], "年级": grades, "建档立卡": yes_no, "随迁子女": yes_no, "孤儿": yes_no,
               "就读方式": ["普通", "随班就读", "送教上门"], "留守儿童": ["否", "单亲留守", "双亲留守"]}
    return Sheet("花名册", f"{unit}学生花名册", [form_column(h) for h in ROSTER_HEADERS], [], count_unit=None,
                 blank_rows=ROWS, choices=choices)


def check_form(unit: str, cal: SchoolCalendar, week: str) -> Sheet:
    days = [d for d in week_days(week) if cal.is_school_day(d)]
    day_headers = [f"{d.month}月{d.day}日\n周{WEEKDAYS_CN[d.weekday()]}" for d in days]
    columns = ([form_column(h) for h in form_headers(CHECK_FORM_LEADING)]
               + [Column(h, min_width=7) for h in day_headers]
               + [form_column(h) for h in form_headers(CHECK_FORM_TRAILING)])
    period = f"{days[0].year}年{days[0].month}月{days[0].day}日至{days[-1].month}月{days[-1].day}日" if days else None
    return Sheet("周查表", f"{unit}   年级（  ）班 周查表（{week_text(cal, week)}）", columns, [], period=period,
                 count_unit=None, intro=[MARKS_HELP], blank_rows=CHECK_ROWS, choices={h: MARKS for h in day_headers})


def change_form(unit: str, grades: list[str], classes: list[str] | None = None) -> Sheet:
    """classes: the school's 班级 as a drop-down too (kc forms with a roster, reports/prefilled_forms.py)."""
    choices = {"年级": grades, **({"班级": classes} if classes else {}), "变动类型": CHANGE_TYPES}
    return Sheet("学籍变动", f"{unit}学籍变动登记表", [form_column(h) for h in CHANGE_HEADERS], [], count_unit=None,
                 blank_rows=ROWS, choices=choices)


def write_blank_forms(work_dir: Path, week: str | None = None) -> list[Path]:
    work_dir = Path(work_dir)
    cfg = load_config(work_dir)
    cal = SchoolCalendar(cfg.calendar)
    week = normalise_week(week or week_of(dt.date.today()))
    out = work_dir / "out" / "forms"
    unit, name = safe_filename(cfg.unit.name), cfg.unit.name
    grades = _grade_names(cfg.unit.stages)
    meta = replace(report_meta(cfg, None), clerk="")  # the form is signed by whoever fills it in
    books = [(f"空白_学生花名册_{unit}.xlsx", roster_form(name, grades)),
             (f"空白_周查表_{unit}_{week}.xlsx", check_form(name, cal, week)),
             (f"空白_学籍变动登记表_{unit}.xlsx", change_form(name, grades))]
    return [write_workbook(out / file_name, [sheet], meta) for file_name, sheet in books]
