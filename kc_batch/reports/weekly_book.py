"""Layout of the weekly workbook out/<week>/周查汇总_<单位>_<week>.xlsx (SPEC §9.1)."""
from __future__ import annotations

from pathlib import Path

from kc_batch.calendar import SchoolCalendar, week_days
from kc_batch.config import Config
from kc_batch.model import InputError
from kc_batch.read.values import GRADE_NAMES
from kc_batch.reconcile.weekly import EVENT_COLUMNS, ClassWeek, WeeklyResult
from kc_batch.schemas import (ALERT_COLUMNS, ERROR_COLUMNS, FINDING_COLUMNS, LEDGER_COLUMNS, WEEKLY_SUMMARY_COLUMNS,
                              WEEKLY_SUSPECT_COLUMNS, NOT_REPORTED)
from kc_batch.reports.visit_sheets import visit_sheets
from kc_batch.reports.xlsxform import Sheet, safe_filename, report_meta, write_workbook

SUMMARY_COLUMNS = WEEKLY_SUMMARY_COLUMNS


def student_cells(s) -> list:
    """学籍号, 姓名, 年级, 班级 of a student, as every list of the reports starts."""
    return [s.xjh or s.sfz or "", s.name, GRADE_NAMES.get(s.grade, ""), f"{s.class_no}班" if s.class_no else ""]


def case_log_text(case) -> str:
    """A ledger case's 劝返 log in one cell: “日期 责任人 结果；…”."""
    return "；".join(f"{d.isoformat()} {who} {what}".strip() for d, who, what in case.log) if case else ""


def week_text(cal: SchoolCalendar, week: str) -> str:
    """第12周，11月16日—11月20日 — the week as a school names it (issue 13); the ISO week before 学年初."""
    days = cal.school_days_of_week(week) or week_days(week)[:5]
    span = f"{days[0].month}月{days[0].day}日—{days[-1].month}月{days[-1].day}日"
    number = cal.teaching_week_of(week)
    return f"第{number}周，{span}" if number else f"{week}，{span}"


def weekly_path(work_dir: Path, unit: str, week: str) -> Path:
    return Path(work_dir) / "out" / week / f"周查汇总_{safe_filename(unit)}_{week}.xlsx"




def _class_values(cw: ClassWeek, reported: bool = True) -> list:
    attendance = [cw.expected, cw.present, cw.rate, cw.late, cw.sick, cw.personal, cw.unexcused]
    if not reported:
        attendance = [NOT_REPORTED] * len(attendance)
    return [cw.enrolled, *attendance, *[cw.events[t] for t in EVENT_COLUMNS], cw.suspects]


def _sum_rows(rows: list[ClassWeek]) -> list:
    total = ClassWeek(0, "")
    for cw in rows:
        for attr in ("enrolled", "expected", "present", "late", "sick", "personal", "unexcused", "suspects"):
            setattr(total, attr, getattr(total, attr) + getattr(cw, attr))
        for t in EVENT_COLUMNS:
            total.events[t] += cw.events[t]
    return _class_values(total)


def summary_sheet(res: WeeklyResult, unit: str, period: str, week_text: str) -> Sheet:
    rows, subtotals = [], set()
    grades = sorted({cw.grade for cw in res.classes})
    for g in grades:
        in_grade = [cw for cw in res.classes if cw.grade == g]
        for cw in in_grade:
            rows.append([GRADE_NAMES.get(g, str(g)), f"{cw.class_no}班", *_class_values(cw, cw.has_sheet)])
        if len(in_grade) > 1:
            subtotals.add(len(rows))
            rows.append([GRADE_NAMES.get(g, str(g)), "小计", *_sum_rows(in_grade)])
    total = ["合计", "", *_sum_rows(res.classes)]
    notes = [f"出勤率 = 实出勤人次 ÷ 应出勤人次（在读学生、有考勤数据的学生日）；未报周查表的班级考勤各栏写“未报”，小计、合计只含已报班级的考勤。统计截至 {res.as_of.isoformat()}。"]
    return Sheet("周汇总", f"{unit}控辍保学周查汇总表（{week_text}）", SUMMARY_COLUMNS, rows, total_row=total,
                 subtotal_rows=subtotals, period=period, notes=notes)


def alert_sheet(res: WeeklyResult, unit: str, period: str, week_text: str) -> Sheet:
    rows = []
    for a in res.alerts:
        s = a.student
        rows.append([*student_cells(s), a.streak, a.first_day, a.unexcused_total, a.absence_rate, a.level, a.action, a.responsible,
                     a.deadline, s.attrs.get("guardian", ""), s.attrs.get("phone", ""), s.categories(), a.handling])
    return Sheet("缺勤预警", f"{unit}缺勤预警名单（{week_text}）", ALERT_COLUMNS, rows, period=period,
                 empty_text="本周无缺勤预警学生")


def suspect_sheet(res: WeeklyResult, unit: str, period: str, week_text: str) -> Sheet:
    """疑似辍学名单 of the week (§21.1: the township merges these lists)."""
    rows = [[*student_cells(s), streak, reason, s.attrs.get("guardian", ""), s.attrs.get("phone", "")]
            for s, reason, streak in sorted(res.suspects, key=lambda t: (t[0].grade or 0, str(t[0].class_no), t[0].name))]
    return Sheet("疑似辍学名单", f"{unit}疑似辍学学生名单（{week_text}）", WEEKLY_SUSPECT_COLUMNS, rows, period=period,
                 empty_text="本周无疑似辍学学生")


def finding_sheet(res: WeeklyResult, unit: str, period: str, week_text: str) -> Sheet:
    rows = [[f.code, f.title, f.xjh, f.name, GRADE_NAMES.get(f.grade, ""), f"{f.class_no}班" if f.class_no else "",
             f.detail, f.sources] for f in res.findings]
    return Sheet("核对异常", f"{unit}核对异常（{week_text}）", FINDING_COLUMNS, rows, period=period,
                 empty_text="本周无核对异常")


def error_sheet(errors: list[InputError], unit: str, title_suffix: str, period: str | None = None) -> Sheet:
    rows = [[e.file, e.sheet, e.row, e.column, e.value, e.reason] for e in errors]
    return Sheet("输入错误", f"{unit}输入错误（{title_suffix}）", ERROR_COLUMNS, rows, unit_line=True,
                 period=period, empty_text="没有输入错误")


def ledger_rows(cases, as_of=None) -> list[list]:
    rows = []
    for s, c in cases:
        state = c.state_at(as_of) if as_of else c.state
        rows.append([*student_cells(s), c.opened, c.category, c.reason, c.responsible or s.attrs.get("teacher", ""), state,
                     c.back_since if state == "观察中" else None, len(c.log), case_log_text(c),
                     s.attrs.get("guardian", ""), s.attrs.get("phone", "")])
    return rows


def ledger_sheet(res: WeeklyResult, unit: str, period: str) -> Sheet:
    return Sheet("台账", f"{unit}辍学学生劝返复学台账（在办、观察中）", LEDGER_COLUMNS,
                 ledger_rows(res.cases, res.as_of), period=period, empty_text="目前没有在办或观察中的台账")


def write_weekly(work_dir: Path, cfg: Config, res: WeeklyResult, errors: list[InputError]) -> Path:
    unit = cfg.unit.name
    days = res.as_of
    first = week_days(res.week)[0]
    period = f"{first.year}年{first.month}月{first.day}日至{days.year}年{days.month}月{days.day}日"
    text = week_text(SchoolCalendar(cfg.calendar), res.week)
    sheets = [summary_sheet(res, unit, period, text), alert_sheet(res, unit, period, text),
              suspect_sheet(res, unit, period, text), finding_sheet(res, unit, period, text),
              error_sheet(errors, unit, text, period), ledger_sheet(res, unit, period),
              *visit_sheets(res.visit_stats, unit, period)]
    meta = report_meta(cfg, res.week, unit)
    return write_workbook(weekly_path(work_dir, unit, res.week), sheets, meta)
