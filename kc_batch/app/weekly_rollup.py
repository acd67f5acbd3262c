"""`kc aggregate --week` as a command (SPEC §21.1): read the inbox's received weekly workbooks
(read/weekly_books.py), combine them (reconcile/weekly_rollup.py), write the 周报汇总 workbook
(reports/weekly_rollup_book.py), and the console and email summary lines.
"""
from __future__ import annotations

from pathlib import Path

from kc_batch.app.jobs import RunOutcome, open_workspace
from kc_batch.calendar import normalise_week
from kc_batch.errors import ConfigError, NoInputError, UnreadableFile
from kc_batch.read.books import Problem
from kc_batch.read.files import RawFile, list_inbox, read_file
from kc_batch.read.weekly_books import KIND_TEXT, WEEKLY, classify, read_week_book, unit_named_in
from kc_batch.reconcile.aggregate import show_number
from kc_batch.reconcile.weekly_rollup import WeekRollup, combine_week
from kc_batch.reports.weekly_rollup_book import write_rollup
from kc_batch.rules.rates import ratio


def read_inbox(ws, unreadable: list[str]):
    """Each readable file of the inbox as (RawFile, mtime), one at a time (only the Book records are kept);
    one Chinese line per unreadable file is appended to `unreadable`."""
    inbox = ws.dir / "inbox"
    for path in (list_inbox(inbox) if inbox.is_dir() else []):
        try:
            yield read_file(path, inbox, ws.cfg.limits), path.stat().st_mtime
        except UnreadableFile as exc:
            unreadable.append(str(exc))


def wrong_kind(raw: RawFile, wanted: str, expected: list[str]) -> Problem | None:
    """报表校验 row for a report of another kind than the one aggregated (§21), or None for other files."""
    kind = classify(raw)
    if kind is None or kind == wanted:
        return None
    return Problem(unit_named_in(raw, expected), raw.rel, "", "",
                   f"是{KIND_TEXT[kind]}，不是{KIND_TEXT[wanted]}，未计入汇总", KIND_TEXT[wanted], KIND_TEXT[kind])


def check_level(cfg) -> None:
    if cfg.unit.level == "school":
        raise ConfigError(f"kc aggregate 只用于乡镇（township）或县（county）：{cfg.path} 中 [unit] level 为 "
                          f"school。学校请使用 kc weekly / kc monthly。")


def compute_week_rollup(work_dir: Path, week: str) -> WeekRollup:
    ws = open_workspace(work_dir)
    check_level(ws.cfg)
    week = normalise_week(week)  # §13.29: usage errors before the inbox is read
    expected = [u.name for u in ws.cfg.units]
    books, wrong, skipped, unreadable = [], [], [], []
    for raw, mtime in read_inbox(ws, unreadable):
        book = read_week_book(raw, mtime, expected)
        if book is not None:
            books.append(book)
            continue
        problem = wrong_kind(raw, WEEKLY, expected)
        (wrong.append(problem) if problem else skipped.append(raw.rel))
    if not books:
        hint = ("无法读取的文件：" + "；".join(unreadable)) if unreadable else ""
        raise NoInputError(f"收件箱 {ws.dir / 'inbox'} 中没有找到任何周报工作簿（含“周汇总”或“周报汇总”的工作簿），"
                           f"未生成周报汇总表。" + hint)
    res = combine_week(ws.cfg, week, books, wrong)
    res.unreadable, res.skipped = unreadable, skipped
    return res


def run_week_rollup(work_dir: Path, week: str) -> RunOutcome:
    ws = open_workspace(work_dir)
    res = compute_week_rollup(work_dir, week)
    path = write_rollup(ws.dir, ws.cfg, res, ws.cal.week_end(res.week))
    out = RunOutcome(outputs=[path], unreadable=list(res.unreadable))
    out.lines += week_summary_lines(res)
    return out


def attendance_text(res: WeekRollup) -> str:
    value = ratio(res.total["实出勤人次"], res.total["应出勤人次"])
    return f"{value:.2%}" if value is not None else "—"


def week_summary_lines(res: WeekRollup) -> list[str]:
    t = res.total
    late = [s for s in res.states if s.status == "逾期"]
    high = sum(t[f"第{k}级"] for k in range(3, res.steps + 1))
    lines = [f"{res.unit_name} {res.week}（{res.period_text}）：已报单位 {len(res.books)} 个，逾期 {len(late)} 个，"
             f"未报 {len(res.missing)} 个；在册 {show_number(t['在册人数'])} 人，出勤率 {attendance_text(res)}，"
             f"旷课 {show_number(t['旷课人次'])} 人次，第3级及以上预警 {show_number(high)} 人，"
             f"疑似辍学 {show_number(t['疑似辍学人数'])} 人，在办台账 {show_number(t['在办台账'])} 件。"]
    if res.missing:
        lines.append("未报单位：" + "、".join(_named(s) for s in res.missing))
    if late:
        lines.append("逾期报送：" + "、".join(_named(s) for s in late))
    failing = sorted({p.file for p in res.problems})
    if failing:
        lines.append(f"报表校验有问题的工作簿 {len(failing)} 个（详见“报表校验”表）：" + "、".join(failing))
    if res.skipped:
        shown = "、".join(res.skipped[:10]) + ("等" if len(res.skipped) > 10 else "")
        lines.append(f"跳过 {len(res.skipped)} 个不是周报工作簿的文件：{shown}")
    return lines


def _named(state) -> str:
    return f"{state.unit}（{state.township}）" if state.township else state.unit
