"""Timeliness of a received report (SPEC §21.2): its 报出日期 (else the file's modification day) against
its due date — weekly: the `[policy] weekly_due` weekday of the ISO week; monthly: `monthly_due_day`
of the month (the last day of a short month when the day does not exist). On or before the due date
is 按时, after it 逾期; an expected unit without a counted report is 未报.
"""
from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

from kc_batch.calendar import parse_iso_week, parse_month
from kc_batch.config import Config
from kc_batch.config_keys import WEEKDAY_KEYS
from kc_batch.read.books import unit_key
from kc_batch.read.values import cell_text, parse_date
from kc_batch.schemas import STATE_COLUMN  # the 未报单位 column holding them; one home: schemas

ON_TIME, LATE, MISSING = "按时", "逾期", "未报"


def weekly_due(week: str, weekday_key: str) -> dt.date:
    year, number = parse_iso_week(week)
    return dt.date.fromisocalendar(year, number, WEEKDAY_KEYS.index(weekday_key) + 1)


def monthly_due(month: str, day: int) -> dt.date:
    year, mon = parse_month(month)
    return dt.date(year, mon, min(day, _calendar.monthrange(year, mon)[1]))


def quarter_months(quarter: str) -> list[str]:
    """'2026-Q4' → ['2026-10', '2026-11', '2026-12'] (calendar quarters)."""
    year, q = quarter.split("-Q")
    first = 3 * (int(q) - 1) + 1
    return [f"{int(year)}-{m:02d}" for m in range(first, first + 3)]


def reported_day(report_date: dt.date | None, mtime: float) -> tuple[dt.date, str]:
    """(the day the report was made, where it was read from)."""
    if report_date is not None:
        return report_date, "报表页脚"
    return dt.datetime.fromtimestamp(mtime).date(), "文件修改时间"


def timeliness(day: dt.date, due: dt.date) -> str:
    return ON_TIME if day <= due else LATE


@dataclass
class ReportState:
    """One row of 未报单位 (§21.2)."""
    unit: str
    code: str
    stages: str
    township: str
    status: str              # 按时 | 逾期 | 未报
    day: dt.date | None
    source: str              # 报表页脚 (its 报出日期) | 文件修改时间 | ''
    due: dt.date | None
    file: str = ""


def report_states(cfg: Config, counted: list, due: dt.date) -> list[ReportState]:
    """§21.2 for every expected unit, each township's own rows right after it (§21.4). Works for weekly
    and monthly books alike (both carry rel, mtime, unit and report_date)."""
    by_key = {unit_key(b.unit): b for b in counted}
    states: list[ReportState] = []
    for unit in cfg.units:
        book = by_key.get(unit_key(unit.name))
        stages = "、".join(unit.stages)
        if book is None:
            states.append(ReportState(unit.name, unit.code, stages, "", MISSING, None, "", due))
            continue
        day, source = reported_day(book.report_date, book.mtime)
        states.append(ReportState(unit.name, unit.code, stages, "", timeliness(day, due), day, source, due, book.rel))
        states += carried_states(book, by_key)
    return states


def carried_states(book, reported: dict) -> list[ReportState]:
    """A township's 未报单位 rows (a weekly book's reported_units, a monthly book's missing), carried up with
    the township named (§21.4); a unit whose own report reached us is not carried."""
    out = []
    for r in getattr(book, "reported_units", None) or getattr(book, "missing", []):
        if unit_key(cell_text(r.get("单位名称"))) in reported:
            continue
        out.append(ReportState(cell_text(r.get("单位名称")), cell_text(r.get("单位代码")), cell_text(r.get("学段")),
                               cell_text(r.get("所属乡镇")) or book.unit, cell_text(r.get(STATE_COLUMN)) or MISSING,
                               parse_date(r.get("报出日期")), cell_text(r.get("日期来源")), parse_date(r.get("应报日期"))))
    return out
