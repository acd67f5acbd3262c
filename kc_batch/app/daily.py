"""kc daily --date D: the 开学一周日报 (SPEC §16) — import, compute as of D, write."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch import calendar as school_calendar
from kc_batch.app.jobs import RunOutcome, _import_for_report, open_workspace, year_workspace
from kc_batch.app.loading import load_school
from kc_batch.calendar import chinese_date, week_of
from kc_batch.errors import UsageError
from kc_batch.reconcile.daily import compute_daily, term_bounds
from kc_batch.reports.daily_book import write_daily


def parse_day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"日期“{text}”格式不对，应写成 2027-09-03 这样的 年-月-日。") from None


def run_daily(work_dir: Path, date: str | None = None, force: bool = False) -> RunOutcome:
    store_ws = open_workspace(work_dir, "daily")
    day = parse_day(date) or school_calendar.today()
    ws = year_workspace(store_ws, day)
    if not ws.cal.is_school_day(day) or term_bounds(ws.cal, day) is None:
        raise UsageError(f"{chinese_date(day)}不是教学日（不在 kc.toml 的学期内，或是节假日、周末），没有日报。"
                         "请检查 --date 或 kc.toml 的 terms。")
    if day > school_calendar.today() and not force:
        raise UsageError(f"{chinese_date(day)}在今天（{chinese_date(school_calendar.today())}）之后，还不可能有数据。"
                         "请检查 --date；如确需生成，请加 --force。")
    with store_ws.open_store() as store:
        out, errors = _import_for_report(store_ws, store, week_of(day), None)
        res = compute_daily(load_school(store, day), ws.cfg, ws.cal, day)
        path = write_daily(ws.dir, ws.cfg, res, errors)
    out.outputs.append(path)
    reported = [c for c in res.classes if c.reported]
    out.lines.append(f"{ws.cfg.unit.name} {res.term_name}开学日报（{day.isoformat()}）：应到 {sum(c.expected for c in res.classes)}，"
                     f"实到 {sum(c.present for c in reported)}（{len(reported)}/{len(res.classes)} 个班已报），"
                     f"未返校 {len(res.missing)} 人。")
    return out
