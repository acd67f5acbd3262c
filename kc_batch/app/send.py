"""`kc send --month M`: one email per report of the month (SPEC §9.4).

A school's key figures are read back from the very 月报 workbook that is attached (its 合计 row and
its 统计时段 line), so the body can never disagree with the attachment. A township's or county's
汇总 email takes its figures from kc_batch.aggregate (per-学段 limits, 未报单位), after checking that
the attached workbook's 合计 still equals what the inbox adds up to.
"""
from __future__ import annotations

import os
from pathlib import Path

from kc_batch.config import Config
from kc_batch.errors import KcError, UsageError
from kc_batch.mail import ReportSummary, send_report
from kc_batch.rules.rates import rate_breaches
from kc_batch.read.values import parse_grade

MONTHLY_PREFIX = "控辍保学月报_"
AGGREGATE_PREFIX = "控辍保学月报汇总_"


def report_workbooks(work_dir: Path, cfg: Config, month: str) -> list[Path]:
    """The reports of a month this unit sends: its own 月报 and/or its 汇总 workbook."""
    from kc_batch.reports.xlsxform import safe_filename
    folder = Path(work_dir) / "out" / month
    unit = safe_filename(cfg.unit.name)
    names = [f"{MONTHLY_PREFIX}{unit}_{month}.xlsx", f"{AGGREGATE_PREFIX}{unit}_{month}.xlsx"]
    return [folder / n for n in names if (folder / n).is_file()]


def latest_report_month(work_dir: Path, cfg: Config) -> str | None:
    """§11: `kc send` without --month sends the latest month under out/ holding this unit's report."""
    from kc_batch.calendar import MONTH_RE
    out = Path(work_dir) / "out"
    months = sorted((p.name for p in out.iterdir() if p.is_dir() and MONTH_RE.fullmatch(p.name)),
                    reverse=True) if out.is_dir() else []
    return next((m for m in months if report_workbooks(work_dir, cfg, m)), None)


def summary_from_workbook(path: Path, cfg: Config, month: str) -> ReportSummary:
    """The figures of a 月报 (or of the 合计 of a 汇总表) as written in the workbook, read the way
    kc aggregate reads received workbooks (aggregate.read_main_table: by sheet name and header text)."""
    from kc_batch.read.books import read_main_table
    from kc_batch.read.files import read_file
    raw = read_file(path, path.parent)
    table = next((t for t, _ in (read_main_table(sh) for sh in raw.sheets if sh.name in ("月报表", "汇总表"))
                  if t is not None), None)
    if table is None or table.total is None:
        raise KcError(f"{path.name} 中没有可读的“月报表”或“汇总表”合计行，请重新运行 kc monthly 或 kc aggregate。")
    period = next((line.split("统计时段：", 1)[1].split()[0] for line in table.context if "统计时段：" in line), "")
    over = []
    for row in table.rows + list(table.subtotals.values()) + [table.total]:
        label = f"{row.label}（{row.stage}）" if row.stage and row.label not in STAGE_LABELS else row.label
        over += [text for _, text in rate_breaches(label, row.stage or _stage_of(row.label, cfg), row.values["年辍学率"],
                                                    row.values["巩固率"], cfg.policy)]
    total = table.total.values
    return ReportSummary(
        unit_name=cfg.unit.name, month=month, level=cfg.unit.level, period_text=period,
        enrolled_start=int(total["学年初在校生"]), enrolled_now=int(total["本月末在校生"]),
        dropouts_now=int(total["当前辍学"]), suspected=int(total["疑似辍学"]),
        dropout_rate=total["年辍学率"], retention_rate=total["巩固率"], over_limit=over,
        clerk=cfg.unit.clerk, phone=cfg.unit.phone)


STAGE_LABELS = ("小学小计", "初中小计")
KEY_FIGURES = ("enrolled_start", "enrolled_now", "dropouts_now", "suspected")


def aggregate_summary_checked(work_dir: Path, path: Path, cfg: Config, month: str) -> ReportSummary:
    """The 汇总 email's figures, refusing a workbook made before the inbox last changed."""
    from kc_batch.app.aggregate import aggregate_summary, compute_aggregate
    summary = aggregate_summary(compute_aggregate(work_dir, month), cfg)
    on_file = summary_from_workbook(path, cfg, month)
    if any(getattr(summary, f) != getattr(on_file, f) for f in KEY_FIGURES):
        raise KcError(f"{path.name} 与收件箱中各单位的月报不一致（汇总后又收到或改动了月报）。"
                      f"请先重新运行 kc aggregate --month {month}，再发送。")
    return summary


def _stage_of(label: str, cfg: Config) -> str | None:
    if label.startswith("小学"):
        return "小学"
    if label.startswith("初中"):
        return "初中"
    g = parse_grade(label)
    if g:
        return "小学" if g <= 6 else "初中"
    if label == "合计" and len(cfg.unit.stages) == 1:
        return cfg.unit.stages[0]
    return None


def run_send(work_dir: Path, month: str | None = None, smtp: bool = False, resend: bool = False, ssl_context=None) -> list[str]:
    from kc_batch.app.jobs import open_workspace
    from kc_batch.calendar import normalise_month
    month = normalise_month(month)
    ws = open_workspace(work_dir, "send")
    if month is None:
        month = latest_report_month(ws.dir, ws.cfg)
        if month is None:
            raise UsageError(f"out/ 下没有本单位的月报或汇总工作簿，请先运行 kc monthly（或 kc aggregate）。")
    books = report_workbooks(ws.dir, ws.cfg, month)
    if not books:
        raise UsageError(f"out/{month}/ 下没有本单位 {month} 的月报或汇总工作簿，请先运行 kc monthly（或 kc aggregate）--month {month}。")
    password = os.environ.get(ws.cfg.mail.password_env) if smtp else None
    lines = []
    for book in books:
        if book.name.startswith(AGGREGATE_PREFIX):
            summary = aggregate_summary_checked(ws.dir, book, ws.cfg, month)
        else:
            summary = summary_from_workbook(book, ws.cfg, month)
        summary.report_date = ws.cal.report_date(month)  # the date in the workbook's footer
        lines.append(send_report(ws.cfg, ws.dir, book, summary, smtp=smtp, resend=resend, password=password,
                                 log_db=ws.store_path, ssl_context=ssl_context))
    return lines
