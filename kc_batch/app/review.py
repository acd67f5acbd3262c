"""kc review --suspect-after 5,7,10: the 疑似辍学 review (§22.2) of the 学年 so far for alternative
thresholds, printed as a table (issue 19's ladder tuning aid). Writes no workbook."""
from __future__ import annotations

from pathlib import Path

from kc_batch import calendar as school_calendar
from kc_batch.app.daily import parse_day
from kc_batch.app.jobs import RunOutcome, _import_for_report, open_workspace, year_workspace
from kc_batch.app.loading import load_school
from kc_batch.errors import UsageError
from kc_batch.reconcile.warning_review import CAUGHT, DROPOUT, PENDING, STILL_ABSENT, review_thresholds

HEADER = ["疑似辍学阈值", "预警人数", "辍学", "仍缺勤", "观察中", "准确率", "提前教学日中位数"]


def parse_choices(text: str) -> list[int]:
    try:
        choices = [int(p) for p in text.replace("，", ",").split(",") if p.strip()]
    except ValueError:
        choices = []
    if not choices or any(n <= 0 for n in choices):
        raise UsageError(f"--suspect-after“{text}”格式不对，应写成 5,7,10 这样用逗号分开的正整数（连续旷课天数）。")
    return sorted(set(choices))


def run_review(work_dir: Path, suspect_after: str, date: str | None = None) -> RunOutcome:
    choices = parse_choices(suspect_after)
    store_ws = open_workspace(work_dir, "review")
    as_of = parse_day(date) or school_calendar.today()
    ws = year_workspace(store_ws, as_of)
    if as_of < ws.cal.first_school_day:
        raise UsageError(f"{as_of.isoformat()} 在学年初 {ws.cal.first_school_day.isoformat()} 之前，请检查 --date。")
    with store_ws.open_store() as store:
        out, _ = _import_for_report(store_ws, store, None, None)
        data = load_school(store, as_of)
    rows = review_thresholds(data, ws.cfg.policy, ws.cal, as_of, choices)
    out.lines += review_table(rows, ws.cfg.policy.suspect_after_days, ws.cfg.unit.name, ws.cal.first_school_day, as_of)
    return out


def review_table(rows, current: int, unit: str, start, as_of) -> list[str]:
    lines = [f"{unit} 疑似辍学预警回顾（{start.isoformat()} 至 {as_of.isoformat()}，首次预警后20个教学日）：",
             "\t".join(HEADER)]
    for days, k in rows:
        precision = "—" if k.precision is None else f"{k.precision:.1%}"
        lead = "—" if k.median_lead is None else f"{k.median_lead:g}"
        label = f"{days}天" + ("（当前）" if days == current else "")
        lines.append("\t".join(map(str, [label, k.flags, k.count(DROPOUT), k.count(STILL_ABSENT), k.count(PENDING),
                                         precision, lead])))
    lines.append(f"准确率 =（{'＋'.join(CAUGHT)}）÷（预警人数－观察中）。要改用其他阈值，请修改 kc.toml 的 suspect_after_days。")
    return lines
