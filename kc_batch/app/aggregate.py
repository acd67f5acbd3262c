"""`kc aggregate` as a command (SPEC §9.3): read the inbox's received workbooks (read/books.py), combine
them (reconcile/aggregate.py), write the 汇总 workbook (reports/aggregate_book.py), and the console and
email summary lines.
"""
from __future__ import annotations

from pathlib import Path

from kc_batch.app.jobs import RunOutcome, open_workspace
from kc_batch.calendar import normalise_month
from kc_batch.config import Config
from kc_batch.errors import NoInputError, UnreadableFile
from kc_batch.mail import ReportSummary
from kc_batch.read.books import read_book
from kc_batch.read.files import list_inbox, read_file
from kc_batch.read.weekly_books import MONTHLY
from kc_batch.reconcile.aggregate import AggregateResult, combine, limit_breaches, show_number
from kc_batch.rules.rates import Rate
from kc_batch.app.weekly_rollup import wrong_kind
from kc_batch.reports.aggregate_book import write_aggregate


def read_monthly_inbox(ws) -> tuple[list, list, list[str], list[str]]:
    """(books, wrong-kind 报表校验 rows, unreadable lines, skipped files) of the inbox's monthly workbooks."""
    inbox = ws.dir / "inbox"
    paths = list_inbox(inbox) if inbox.is_dir() else []
    expected = [u.name for u in ws.cfg.units]
    books, unreadable, skipped, wrong = [], [], [], []
    for path in paths:
        try:
            raw = read_file(path, inbox, ws.cfg.limits)
        except UnreadableFile as exc:
            unreadable.append(str(exc))
            continue
        book = read_book(raw, path.stat().st_mtime, expected)
        if book is not None:
            books.append(book)
            continue
        problem = wrong_kind(raw, MONTHLY, expected)   # §21: a 周报 or a 周查表 is named, not counted
        (wrong.append(problem) if problem else skipped.append(raw.rel))
    if not books:  # §10.1, §13.22: a file without a recognisable form is not input that could be read
        hint = ("无法读取的文件：" + "；".join(unreadable)) if unreadable else ""
        raise NoInputError(f"收件箱 {inbox} 中没有找到任何月报工作簿（含“月报表”或“汇总表”的工作簿），未生成汇总表。" + hint)
    return books, wrong, unreadable, skipped


def compute_aggregate(work_dir: Path, month: str | None = None) -> AggregateResult:
    """Read the inbox and build the aggregate, without writing anything. Without a month (§11): the
    latest month of the received workbooks."""
    ws = open_workspace(work_dir, "aggregate")
    month = normalise_month(month)  # §13.29: usage errors before the inbox is read
    books, wrong, unreadable, skipped = read_monthly_inbox(ws)
    month = month or latest_book_month(books)
    start, cutoff = ws.cal.month_period(month)
    result = combine(ws.cfg, month, start, cutoff, books, wrong)
    result.unreadable, result.skipped = unreadable, skipped
    return result


def latest_book_month(books) -> str:
    months = [b.month for b in books if b.month]
    if not months:
        raise NoInputError("收到的月报工作簿都无法确定统计月份（没有统计时段），请用 --month 指定月份，如 --month 2026-11。")
    return max(months)


def run_aggregate(work_dir: Path, month: str | None = None) -> RunOutcome:
    cfg = open_workspace(work_dir).cfg
    res = compute_aggregate(work_dir, month)
    path = write_aggregate(Path(work_dir), cfg, res)
    out = RunOutcome(outputs=[path], unreadable=list(res.unreadable))
    out.lines += summary_lines(res)
    return out


def summary_lines(res: AggregateResult) -> list[str]:
    c = res.total_counts
    rate = res.total_rates
    lines = [f"{res.unit_name} {res.month}（{res.period_text}）：已报单位 {len(res.lines)} 个，未报 {len(res.missing)} 个；"
             f"学年初在校生 {show_number(c['学年初在校生'])} 人，本月末在校生 {show_number(c['本月末在校生'])} 人，"
             f"当前辍学 {show_number(c['当前辍学'])} 人，疑似辍学 {show_number(c['疑似辍学'])} 人，"
             f"年辍学率 {_rate_text(rate['年辍学率'])}，巩固率 {_rate_text(rate['巩固率'])}。"]
    if res.missing:
        lines.append("未报单位：" + "、".join(u.label for u in res.missing))
    failing = sorted({p.file for p in res.problems})
    if failing:
        lines.append(f"报表校验有问题的工作簿 {len(failing)} 个（详见“报表校验”表）：" + "、".join(failing))
    counts = {k: sum(1 for r in res.cross if r.result == k) for k in ("已接收", "待接收", "辖区外接收", "去向不明", "重复学籍")}
    lines.append("跨校核对：" + "，".join(f"{k} {v} 人" for k, v in counts.items()) + "。")
    if res.skipped:
        shown = "、".join(res.skipped[:10]) + ("等" if len(res.skipped) > 10 else "")
        lines.append(f"跳过 {len(res.skipped)} 个不是月报工作簿的文件：{shown}")
    return lines


def _rate_text(part: Rate | None) -> str:
    return f"{part.value:.2%}" if part is not None and part.value is not None else "—"


def aggregate_summary(res: AggregateResult, cfg: Config) -> ReportSummary:
    """Key figures for the email upward (§9.4)."""
    c = res.total_counts
    rates = {n: (p.value if p is not None else None) for n, p in res.total_rates.items()}
    return ReportSummary(
        unit_name=res.unit_name, month=res.month, level=res.level, period_text=res.period_text,
        enrolled_start=int(c["学年初在校生"]), enrolled_now=int(c["本月末在校生"]), dropouts_now=int(c["当前辍学"]),
        suspected=int(c["疑似辍学"]), dropout_rate=rates["年辍学率"], retention_rate=rates["巩固率"],
        over_limit=limit_breaches(res, cfg), units_reported=len(res.lines),
        units_missing=[u.label for u in res.missing], clerk=cfg.unit.clerk, phone=cfg.unit.phone)
