"""The school calendar (SPEC §1, §2.1): school days, ISO weeks, teaching weeks, monthly periods."""
from __future__ import annotations

import bisect
import calendar as calendar_module
import datetime as dt
import functools
import re
from functools import cached_property

from kc_batch.config import WEEKDAY_KEYS, CalendarConfig
from kc_batch.errors import UsageError

WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_iso_week(text: str) -> tuple[int, int]:
    m = WEEK_RE.match((text or "").strip())
    if not m:
        raise UsageError(f"周次“{text}”格式不对，应写成 2026-W47 这样的 ISO 周。")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise UsageError(f"周次“{text}”不存在（{year} 年没有第 {week} 周）。") from None
    return year, week


def week_label(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def week_of(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return week_label(y, w)


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the day's ISO week."""
    return day - dt.timedelta(days=day.weekday())


def week_days(label: str) -> list[dt.date]:
    """All seven days (Mon..Sun) of an ISO week label."""
    return list(_week_days(label))


@functools.lru_cache(maxsize=256)
def _week_days(label: str) -> tuple[dt.date, ...]:
    y, w = parse_iso_week(label)
    monday = dt.date.fromisocalendar(y, w, 1)
    return tuple(monday + dt.timedelta(days=i) for i in range(7))


def today() -> dt.date:
    """The run day: the one place kc asks the clock for a date (a test suite pins it)."""
    return dt.date.today()


def chinese_date(day: dt.date | None) -> str:
    """2026年11月20日 (报出日期 in every footer and in the email body)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def chinese_span(start: dt.date, end: dt.date) -> str:
    """2026年10月21日至2026年11月20日 (统计时段 of a report)."""
    return f"{chinese_date(start)}至{chinese_date(end)}"


def parse_month(text: str) -> tuple[int, int]:
    m = MONTH_RE.match((text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UsageError(f"月份“{text}”格式不对，应写成 2026-11 这样的 年-月。")
    return int(m.group(1)), int(m.group(2))


def month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


class SchoolCalendar:
    """School days between 学年初 and the end of the 学年 (and beyond, by the same weekday rule)."""

    def __init__(self, cfg: CalendarConfig):
        self.cfg = cfg
        self.year_start = cfg.year_start
        self._weekdays = {WEEKDAY_KEYS.index(k) for k in cfg.school_days}
        self._holidays = set(cfg.holidays)
        self._extra = set(cfg.extra_school_days)
        self.terms = list(cfg.terms)

    def is_school_day(self, day: dt.date) -> bool:
        if day in self._extra:
            return True
        if day in self._holidays or not self.in_term(day):
            return False
        return day.weekday() in self._weekdays

    # ---- terms (§15.1)
    def in_term(self, day: dt.date) -> bool:
        """Without `terms` every day is in term; with them, the days between terms are not school days.
        Days outside this 学年 follow the weekday rule (other years' terms are not known here)."""
        if not self.terms or not self.year_start <= day <= dt.date(self.year_start.year + 1, 8, 31):
            return True
        return any(t.start <= day <= t.end for t in self.terms)

    def term_of(self, day: dt.date):
        """The term holding `day` (None between terms); without `terms`, None."""
        return next((t for t in self.terms if t.start <= day <= t.end), None)

    def term_named(self, name: str):
        return next((t for t in self.terms if t.name == name), None)

    @cached_property
    def first_school_day(self) -> dt.date:
        """学年初: the first school day on or after year_start (SPEC §1)."""
        return self.first_school_day_on_or_after(self.year_start)

    @cached_property
    def year_end(self) -> dt.date:
        return dt.date(self.year_start.year + 1, 8, 31)

    @cached_property
    def _days(self) -> list[dt.date]:
        """School days from one year before 学年初 to two years after (covers every lookup)."""
        start = self.year_start - dt.timedelta(days=366)
        end = self.year_start + dt.timedelta(days=3 * 366)
        out, d = [], start
        while d <= end:
            if self.is_school_day(d):
                out.append(d)
            d += dt.timedelta(days=1)
        return out

    @cached_property
    def _index(self) -> dict[dt.date, int]:
        return {d: i for i, d in enumerate(self._days)}

    def ordinal(self, day: dt.date) -> int | None:
        """Position of a school day in the calendar (consecutive school days differ by 1)."""
        return self._index.get(day)

    def school_days_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """School days d with first <= d <= last."""
        lo = bisect.bisect_left(self._days, first)
        hi = bisect.bisect_right(self._days, last)
        return self._days[lo:hi]

    def add_school_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th school day after `day` (n=0: `day` itself if a school day, else the next)."""
        i = bisect.bisect_left(self._days, day)
        if n == 0:
            return self._days[i]
        if i < len(self._days) and self._days[i] == day:
            return self._days[i + n]
        return self._days[i + n - 1]

    def last_school_day_on_or_before(self, day: dt.date) -> dt.date:
        i = bisect.bisect_right(self._days, day)
        return self._days[max(i - 1, 0)]

    # ---- weeks
    def school_days_of_week(self, label: str) -> list[dt.date]:
        return [d for d in week_days(label) if self.is_school_day(d)]

    def week_end(self, label: str) -> dt.date:
        """The week's last school day (the as-of date of `kc weekly`); Sunday if it has none."""
        days = self.school_days_of_week(label)
        return days[-1] if days else week_days(label)[-1]

    def teaching_week_to_iso(self, n: int) -> str:
        """第N周 → ISO week: week 1 is the ISO week containing 学年初 (SPEC §3.2)."""
        monday = monday_of(self.first_school_day)
        return week_of(monday + dt.timedelta(weeks=n - 1))

    def teaching_week_of(self, label: str) -> int | None:
        """ISO week → N of 第N周 (the inverse of teaching_week_to_iso); None before 学年初."""
        monday = monday_of(self.first_school_day)
        n = (week_days(label)[0] - monday).days // 7 + 1
        return n if n >= 1 else None

    def school_year_of(self, day: dt.date) -> int:
        """The calendar year in which the 学年 containing `day` starts (9月1日 rule)."""
        return day.year if day.month >= 9 else day.year - 1

    def date_for_month_day(self, month: int, day: int) -> dt.date:
        """A date written without a year (11月16日) takes the year from the 学年 (SPEC §3.2)."""
        year = self.year_start.year if month >= self.year_start.month else self.year_start.year + 1
        return dt.date(year, month, day)

    # ---- months (SPEC §1: the 21st of M−1 through the 20th of M; September from 学年初)
    def cutoff_of(self, year: int, month: int) -> dt.date:
        """The cutoff day of a month: the configured day, or the month's last day for "月末" (§15.1)."""
        if self.cfg.cutoff_day == "月末":
            return dt.date(year, month, calendar_module.monthrange(year, month)[1])
        return dt.date(year, month, self.cfg.cutoff_day)

    def month_period(self, label: str) -> tuple[dt.date, dt.date]:
        year, month = parse_month(label)
        cutoff = self.cutoff_of(year, month)
        prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
        start = self.cutoff_of(prev_y, prev_m) + dt.timedelta(days=1)
        if start <= self.first_school_day <= cutoff or (self.year_start.year, self.year_start.month) == (year, month):
            start = self.first_school_day
        return start, cutoff

    def month_of(self, day: dt.date) -> str:
        """The report month whose period contains `day`."""
        if day > self.cutoff_of(day.year, day.month):
            y, m = (day.year, day.month + 1) if day.month < 12 else (day.year + 1, 1)
        else:
            y, m = day.year, day.month
        return month_label(y, m)

    # ---- which periods can be reported (issue 11 item 9)
    def period_refusal(self, label: str) -> str | None:
        """Why the period `label` (2026-W47 / 2026-11) cannot be reported, or None: its as-of date
        (report_date) lies outside this 学年 (学年初 … 8月31日), or it begins after the run day (no data
        can exist yet; a week or month under way is accepted)."""
        first = week_days(label)[0] if WEEK_RE.match(label) else self.month_period(label)[0]
        as_of = self.report_date(label)
        if not self.first_school_day <= as_of <= self.year_end:
            return (f"{label}（截至{chinese_date(as_of)}）不在本学年（{chinese_date(self.first_school_day)}"
                    f"至{chinese_date(self.year_end)}）内；新学年请先修改 kc.toml 的 year_start")
        run_day = today()
        if first > run_day:
            return f"{label}（{chinese_date(first)}起）在今天（{chinese_date(run_day)}）之后，还不可能有数据"
        return None

    # ---- 报出日期 (SPEC §13.18)
    def report_date(self, period: str | dt.date) -> dt.date:
        """The one 报出日期 rule, for every workbook's footer and the email sent with it: the report's
        as-of date, never the run day, so a re-run gives the same cells. A week (2026-W47) → its last
        school day; a month (2026-11) → its cutoff; a 小升初 year (2027) → 学年初 of the 学年 the
        graduates enter (the first school day on or after 2027-09-01); a date (census --as-of) → itself."""
        if isinstance(period, dt.date):
            return period
        text = str(period).strip()
        if WEEK_RE.match(text):
            return self.week_end(text)
        if MONTH_RE.match(text):
            return self.month_period(text)[1]
        if text.isdigit() and len(text) == 4:
            return self.first_school_day_on_or_after(dt.date(int(text), 9, 1))
        raise ValueError(f"not a report period: {period!r}")

    def first_school_day_on_or_after(self, day: dt.date) -> dt.date:
        while not self.is_school_day(day):
            day += dt.timedelta(days=1)
        return day


def normalise_week(text: str | None) -> str | None:
    if text is None:
        return None
    return week_label(*parse_iso_week(text))


QUARTER_RE = re.compile(r"^(\d{4})-?Q([1-4])$", re.I)


def normalise_quarter(text: str) -> str:
    """'2026-Q4' (or '2026q4') → '2026-Q4'; UsageError otherwise (§21.3: calendar quarters)."""
    m = QUARTER_RE.match((text or "").strip())
    if not m:
        raise UsageError(f"季度“{text}”格式不对，应写成 2026-Q4 这样的 年-Q季度（Q1 为1—3月，Q4 为10—12月）。")
    return f"{int(m.group(1))}-Q{m.group(2)}"


def normalise_month(text: str | None) -> str | None:
    """'2026-11' (or '2026-1') → '2026-11'; None stays None; UsageError otherwise (§13.19)."""
    if text is None:
        return None
    return month_label(*parse_month(text))
