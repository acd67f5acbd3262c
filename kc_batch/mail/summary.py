"""The figures of one report that its email says (SPEC §9.4): filled by the monthly, aggregate and
weekly code (app/send.py, app/send_week.py), read by the templates (mail/templates.py)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class ReportSummary:
    """Key figures of one report, filled by the monthly/aggregate report code."""
    unit_name: str
    month: str                 # 'YYYY-MM'
    level: str                 # 'school' | 'township' | 'county'
    period_text: str           # e.g. '2026年10月21日至2026年11月20日'
    enrolled_start: int        # 学年初在校生
    enrolled_now: int          # 本月末在校生
    dropouts_now: int          # 当前辍学
    suspected: int             # 疑似辍学
    dropout_rate: float | None      # 年辍学率
    retention_rate: float | None    # 巩固率
    over_limit: list[str]      # Chinese sentences naming each rate over its limit
    units_reported: int | None = None   # aggregate only
    units_missing: list[str] = field(default_factory=list)  # aggregate only
    clerk: str = ""
    phone: str = ""
    report_date: dt.date | None = None  # the workbook's 报出日期 (calendar.report_date, §13.18)
    kind: str = "monthly"      # 'monthly' | 'weekly' | 'quarter' (then `month` holds '2026-W47' or '2026-Q4')
    week: dict = field(default_factory=dict)   # a 周报's figures for its templates (app/send_week.py)
    quarter: dict = field(default_factory=dict)   # a 季评's figures for its templates (app/send_quarter.py)

    @property
    def is_aggregate(self) -> bool:
        return self.units_reported is not None or self.level in ("township", "county")
