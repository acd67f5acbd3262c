"""`kc send --week W`: the week's report as one email (SPEC §21.1, §9.4) — a township's or county's
周报汇总 (out/<week>/控辍保学周报汇总_<单位>_<week>.xlsx), or a school's own 周查汇总.

The figures in the body are read back from the very workbook that is attached (its 合计 row, the way
kc aggregate reads received weekly workbooks); for a 周报汇总 the inbox is rolled up again and the email
is refused when the attached workbook no longer agrees with it (a report received after the run).
Subject and body come from their own templates, email_subject_week.txt.j2 and email_body_week.txt.j2.
"""
from __future__ import annotations

import os
from pathlib import Path

from kc_batch.calendar import normalise_week
from kc_batch.errors import KcError, UsageError
from kc_batch.mail import ReportSummary, send_report
from kc_batch.read.files import read_file
from kc_batch.read.weekly_books import read_week_book
from kc_batch.reconcile.weekly_rollup import HIGH_STEP, WeekRollup, school_line, step_name
from kc_batch.reports.weekly_book import weekly_path
from kc_batch.reports.weekly_rollup_book import rollup_path
from kc_batch.rules.rates import ratio

KEY_FIGURES = ("enrolled", "unexcused", "high_alerts", "open_cases")


def week_workbook(work_dir: Path, cfg, week: str) -> Path:
    path = (weekly_path(work_dir, cfg.unit.name, week) if cfg.unit.level == "school"
            else rollup_path(work_dir, cfg.unit.name, week))
    if not path.is_file():
        command = "kc weekly" if cfg.unit.level == "school" else "kc aggregate"
        raise UsageError(f"没有找到本单位 {week} 的周报工作簿 {path.name}，请先运行 {command} --week {week}。")
    return path


def _figures(counts: dict, steps: int) -> dict:
    rate = ratio(counts["实出勤人次"], counts["应出勤人次"])
    return dict(enrolled=int(counts["在册人数"]), unexcused=_number(counts["旷课人次"]),
                high_alerts=int(sum(counts.get(step_name(k), 0) for k in range(HIGH_STEP, steps + 1))),
                suspected=int(counts["疑似辍学人数"]), new_cases=int(counts.get("本周新增台账", 0)),
                open_cases=int(counts.get("在办台账", 0)),
                attendance_text=f"{rate:.2%}" if rate is not None else "—（无法计算）")


def _number(value: float):
    return int(value) if float(value).is_integer() else value


def figures_from_workbook(path: Path, cfg, week: str) -> tuple[dict, str]:
    """(figures, 统计时段) of the attached workbook, from its 合计 row / its lists."""
    book = read_week_book(read_file(path, path.parent), path.stat().st_mtime, [cfg.unit.name])
    if book is None or book.table.total is None:
        raise KcError(f"{path.name} 中没有可读的“周汇总”或“周报汇总”合计行，请重新生成后再发送。")
    period = next((line.split("统计时段：", 1)[1].split()[0] for line in book.table.context if "统计时段：" in line), "")
    if book.table.kind == "school":
        counts = school_line(book, week).counts
    else:
        counts = {name: value or 0.0 for name, value in book.table.total.values.items()}
    steps = max([len(cfg.policy.escalation)] + [int(n[1:-1]) for n in counts if n.startswith("第") and n.endswith("级")])
    return _figures(counts, steps), period


def checked_rollup_figures(work_dir: Path, path: Path, cfg, week: str) -> tuple[dict, WeekRollup]:
    from kc_batch.app.weekly_rollup import compute_week_rollup
    res = compute_week_rollup(work_dir, week)
    fresh = _figures(res.total, res.steps)
    on_file, _ = figures_from_workbook(path, cfg, week)
    if any(fresh[k] != on_file[k] for k in KEY_FIGURES):
        raise KcError(f"{path.name} 与收件箱中各单位的周报不一致（汇总后又收到或改动了周报）。"
                      f"请先重新运行 kc aggregate --week {week}，再发送。")
    return fresh, res


def week_summary(work_dir: Path, ws, week: str, path: Path) -> ReportSummary:
    cfg = ws.cfg
    figures, period = figures_from_workbook(path, cfg, week)
    summary = ReportSummary(unit_name=cfg.unit.name, month=week, level=cfg.unit.level, period_text=period,
                            enrolled_start=0, enrolled_now=figures["enrolled"], dropouts_now=0,
                            suspected=figures["suspected"], dropout_rate=None, retention_rate=None, over_limit=[],
                            clerk=cfg.unit.clerk, phone=cfg.unit.phone, report_date=ws.cal.report_date(week),
                            kind="weekly")
    if cfg.unit.level != "school":
        figures, res = checked_rollup_figures(work_dir, path, cfg, week)
        summary.units_reported = len(res.books)
        summary.units_missing = [_named(s) for s in res.missing]
        figures["units_late"] = [_named(s) for s in res.states if s.status == "逾期"]
    summary.week = figures
    return summary


def _named(state) -> str:
    return f"{state.unit}（{state.township}）" if state.township else state.unit


def run_send_week(work_dir: Path, week: str, smtp: bool = False, resend: bool = False, ssl_context=None) -> list[str]:
    from kc_batch.app.jobs import open_workspace
    week = normalise_week(week)
    ws = open_workspace(work_dir, "send")
    path = week_workbook(ws.dir, ws.cfg, week)
    summary = week_summary(ws.dir, ws, week, path)
    password = os.environ.get(ws.cfg.mail.password_env) if smtp else None
    return [send_report(ws.cfg, ws.dir, path, summary, smtp=smtp, resend=resend, password=password,
                        log_db=ws.store_path, ssl_context=ssl_context)]
