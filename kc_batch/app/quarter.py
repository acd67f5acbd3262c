"""`kc aggregate --quarter YYYY-Qn` as a command (SPEC §21.3): read the inbox's monthly workbooks once
(app/aggregate.read_monthly_inbox), make each month's aggregate of the quarter (reconcile/aggregate.combine),
evaluate the units (reconcile/quarter.py) and write the 季评 workbook (reports/quarter_book.py).
"""
from __future__ import annotations

from pathlib import Path

from kc_batch.app.aggregate import read_monthly_inbox
from kc_batch.app.jobs import RunOutcome, open_workspace
from kc_batch.app.weekly_rollup import check_level
from kc_batch.calendar import normalise_quarter
from kc_batch.errors import NoInputError
from kc_batch.read.books import Problem
from kc_batch.reconcile.aggregate import combine
from kc_batch.reconcile.quarter import EXCELLENT, INTERVIEW, QuarterResult, evaluate, month_cn
from kc_batch.reports.quarter_book import write_quarter
from kc_batch.rules.timeliness import quarter_months

NOT_THIS_MONTH = "不是本月的月报"   # reconcile.aggregate names every other month's book; the quarter names them once


def compute_quarter(work_dir: Path, quarter: str) -> QuarterResult:
    ws = open_workspace(work_dir, "aggregate")
    check_level(ws.cfg)
    quarter = normalise_quarter(quarter)
    books, wrong, unreadable, skipped = read_monthly_inbox(ws)
    months = quarter_months(quarter)
    received = [m for m in months if any(b.month == m for b in books)]
    if not received:
        raise NoInputError(f"收件箱中没有 {quarter}（{month_cn(months[0])}至{month_cn(months[-1])}）的月报，未生成季评表。")
    due = months[:months.index(received[-1]) + 1]
    problems: list[Problem] = list(wrong)
    for book in books:
        if book.month not in months:
            problems.append(Problem(book.unit, book.rel, book.table.sheet, "", "不是本季度的月报，未计入季评",
                                    f"{month_cn(months[0])}至{month_cn(months[-1])}",
                                    month_cn(book.month) if book.month else "（空）"))
    results = []
    for month in due:
        start, cutoff = ws.cal.month_period(month)
        res = combine(ws.cfg, month, start, cutoff, [b for b in books if b.month == month])
        problems += [Problem(p.unit, p.file, p.sheet, p.cell, f"{month_cn(month)}：{p.issue}", p.expected, p.actual)
                     for p in res.problems if not p.issue.startswith(NOT_THIS_MONTH)]
        results.append(res)
    out = evaluate(ws.cfg, quarter, results, ws.cal.month_period(due[0])[0], problems)
    out.unreadable, out.skipped = unreadable, skipped
    return out


def run_quarter(work_dir: Path, quarter: str) -> RunOutcome:
    ws = open_workspace(work_dir)
    res = compute_quarter(work_dir, quarter)
    path = write_quarter(ws.dir, ws.cfg, res)
    out = RunOutcome(outputs=[path], unreadable=list(res.unreadable))
    out.lines += quarter_summary_lines(res)
    return out


def quarter_summary_lines(res: QuarterResult) -> list[str]:
    excellent, interview = res.of(EXCELLENT), res.of(INTERVIEW)
    lines = [f"{res.unit_name} {res.quarter} 季评（{res.period_text}，{len(res.months)} 个月）：评定单位 {len(res.units)} 个，"
             f"先进 {len(excellent)} 个，约谈 {len(interview)} 个。"]
    if excellent:
        lines.append("先进：" + "、".join(u.unit for u in excellent))
    if interview:
        lines.append("约谈：" + "；".join(f"{u.unit}（{'，'.join(u.reasons)}）" for u in interview))
    lines += res.notes
    failing = sorted({p.file for p in res.problems if p.file})
    if failing:
        lines.append(f"报表校验有问题的工作簿 {len(failing)} 个（详见“报表校验”表）：" + "、".join(failing))
    return lines
