"""Timeliness of a received report (SPEC §21.2): its 报出日期 (else the file's modification day) against
its due date — weekly: the `[policy] weekly_due` weekday of the ISO week; monthly: `monthly_due_day`
of the month (the last day of a short month when the day does not exist). On or before the due date
is 按时, after it 逾期; an expected unit without a counted report is 未报.
"""
from __future__ import annotations

import calendar as _calendar
import datetime as dt

from kc_batch.calendar import parse_iso_week, parse_month
from kc_batch.config_keys import WEEKDAY_KEYS

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
        return report_date, "报出日期"
    return dt.datetime.fromtimestamp(mtime).date(), "文件修改时间"


def timeliness(day: dt.date, due: dt.date) -> str:
    return ON_TIME if day <= due else LATE
