"""The sheets 预警回顾 and 预警回顾名单 of the monthly workbook (§22.2)."""
from __future__ import annotations

from kc_batch.config import Config
from kc_batch.reconcile.warning_review import (BACK, DROPOUT, FOLLOW_DAYS, PENDING, RECEIVED, STILL_ABSENT,
                                               WarningReview)
from kc_batch.reports.weekly_book import student_cells
from kc_batch.reports.xlsxform import Sheet
from kc_batch.schemas import WARNING_FLAG_COLUMNS, WARNING_REVIEW_COLUMNS


def _period(review: WarningReview) -> str:
    a, b = review.start, review.as_of
    return f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日"


def review_sheet(review: WarningReview, cfg: Config) -> Sheet:
    rows = [[k.kind, k.flags, k.count(BACK), k.count(RECEIVED), k.count(DROPOUT), k.count(STILL_ABSENT), k.others(),
             k.count(PENDING), k.precision, k.median_lead] for k in review.kinds]
    notes = [f"本学年学年初至统计截止日，每名学生每类预警只计首次；看首次预警后{FOLLOW_DAYS}个教学日内先发生的情况："
             "返校（有一天到校）、转出已接收、辍学、其他离校（休学、死亡、转出未回执等）；都没有且已满"
             f"{FOLLOW_DAYS}个教学日为“仍缺勤”，未满为“观察中”（不计入准确率）。",
             f"准确率 =（辍学 + 仍缺勤）÷（预警人数 − 观察中）；提前教学日 = 首次预警到辍学登记相隔的教学日数。",
             "预警只依据出勤和学籍变动，不使用性别、民族、家庭经济状况等任何个人属性。"]
    return Sheet("预警回顾", f"{cfg.unit.name}预警回顾", WARNING_REVIEW_COLUMNS, rows, period=_period(review),
                 notes=notes)


def flag_sheet(review: WarningReview, cfg: Config) -> Sheet:
    rows = [[*student_cells(f.student), f.kind, f.date, f.outcome, f.outcome_date, f.lead_days] for f in review.flags]
    return Sheet("预警回顾名单", f"{cfg.unit.name}预警回顾名单", WARNING_FLAG_COLUMNS, rows, period=_period(review),
                 empty_text="本学年尚无第3级预警或疑似辍学学生")


def warning_sheets(review: WarningReview | None, cfg: Config) -> list[Sheet]:
    return [review_sheet(review, cfg), flag_sheet(review, cfg)] if review is not None else []
