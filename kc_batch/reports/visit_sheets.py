"""Sheets 家访统计, 未家访学生 and 家访记录 (SPEC §17.2), for the weekly workbook and the term report."""
from __future__ import annotations

from kc_batch.reconcile.home_visits import VisitStats
from kc_batch.read.values import GRADE_NAMES
from kc_batch.reports.xlsxform import Sheet
from kc_batch.schemas import NOT_VISITED_COLUMNS, VISIT_LOG_COLUMNS, VISIT_QUOTA_COLUMNS

def _student_cells(s) -> list:
    if s is None:
        return ["", "", "", ""]
    return [s.xjh or s.sfz or "", s.name, GRADE_NAMES.get(s.grade, ""), f"{s.class_no}班" if s.class_no else ""]


def visit_sheets(stats: VisitStats | None, unit: str, period: str) -> list[Sheet]:
    if stats is None:
        return []
    quota_rows = [[q.teacher, q.role, q.classes, q.requirement, q.due, q.done, q.missing, q.rate]
                  for q in stats.quotas]
    not_visited = [[GRADE_NAMES.get(s.grade, ""), f"{s.class_no}班" if s.class_no else "", head,
                    s.xjh or s.sfz or "", s.name, s.attrs.get("guardian", ""), s.attrs.get("phone", "")]
                   for s, head in stats.not_visited]
    visits = [[v.date, *_student_cells(s), v.teacher_text(), v.role, v.way, v.purpose, v.result,
               "是" if counts else "否", v.source.text() if v.source else ""]
              for s, v, counts in stats.visits]
    notes = ["已访只计入户、视频等计入定额的家访方式（按本单位设置）；"
             "未完成 = 应访 − 已访（不小于0），完成率 = 已访 ÷ 应访（最高100%）。学籍变动登记表中的“劝返记录”按入户家访计。"]
    return [
        Sheet("家访统计", f"{unit}家访统计（截至{stats.as_of.month}月{stats.as_of.day}日）", VISIT_QUOTA_COLUMNS, quota_rows,
              period=period, notes=notes, empty_text="没有需要统计的班级"),
        Sheet("未家访学生", f"{unit}本学年尚未家访的学生", NOT_VISITED_COLUMNS, not_visited, period=period,
              empty_text="本学年每名在读学生都已家访"),
        Sheet("家访记录", f"{unit}家访记录（本学年）", VISIT_LOG_COLUMNS, visits, period=period,
              empty_text="本学年尚无家访记录"),
    ]
