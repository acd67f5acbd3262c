"""Which file's marks a class-week holds (SPEC §10.2; issue 12 item 3).

The rule, in one place: of the 周查表 sheets in the inbox that hold a class-week, the one of the newest
file wins — newest in import order, the order in which kc saw each file arrive in the inbox (new, or
back after being away; within one run in sorted path order, §13.13), whatever its content hash. So an
earlier version put back wins again, and when the file holding a class-week leaves the inbox (deleted,
or overwritten by a version holding another week) the class-week is rebuilt from the newest file
still there that holds it, read again from the inbox. A class-week no file in the inbox holds keeps
the marks it has (clearing old weeks out of the inbox loses nothing).

`settle` is run once per import, inside its transaction, after the new files' sheets have said which
class-weeks they hold (Store.add_claim). `rebuild` is the one place where a class-week's marks change.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kc_batch.read.values import GRADE_NAMES
from kc_batch.store import Store

ClassWeek = tuple  # (grade, class_no, week)


@dataclass
class Settling:
    """One import's view: the records of the new files' sheets by (file_id, sheet) → class-week → rows,
    which files arrived and left, each present file's inbox name, and how to read a known file again
    (→ {class-week: rows} of one sheet, or None when it cannot be read now)."""
    arrived: list[int]
    left: list[int]
    names: dict[int, str]                       # file_id → its name in the inbox now
    new_ids: set[int] = field(default_factory=set)   # files first read in this run
    new_rows: dict[tuple, dict] = field(default_factory=dict)
    reread: Callable[[int, str, ClassWeek], list | None] | None = None
    store_rows: Callable[[int, str, str, list], None] | None = None   # (file_id, name, week, rows)
    lines: list[str] = field(default_factory=list)


def settle(store: Store, s: Settling) -> list[str]:
    """Give every class-week touched by this import (held by an arriving file, held now by a file that
    left, or left unsettled by a file that could not be read again) to its newest sheet in the inbox; → the Chinese lines saying what replaced what."""
    touched = store.class_weeks_of(s.arrived) | store.class_weeks_of(s.left, held=True) | store.unsettled_class_weeks()
    plan = []
    for cw in touched:
        claimants = store.class_week_claimants(*cw)
        if not claimants:
            continue  # no file in the inbox holds it: its marks stay
        fid, sheet, tables, arrival = claimants[0]
        holder = store.class_week_holder(*cw)
        if holder == (fid, sheet):
            continue
        losers = [c for c in claimants[1:] if c[0] in s.arrived and (c[0], c[1]) != holder]
        plan.append(((arrival, tables[-1], _order(s, fid, sheet, cw)), cw, fid, sheet, holder, losers))
    for _, cw, fid, sheet, holder, losers in sorted(plan, key=lambda p: p[0]):
        rebuild(store, s, cw, fid, sheet, holder, losers)
    return s.lines


def _order(s: Settling, fid: int, sheet: str, cw: ClassWeek) -> int:
    """Within one new sheet, class-weeks in the order its rows gave them (so that a student on two
    classes' sheets keeps the first row read, §13.21)."""
    keys = list(s.new_rows.get((fid, sheet), {}))
    return keys.index(cw) if cw in keys else 0


def rebuild(store: Store, s: Settling, cw: ClassWeek, fid: int, sheet: str, holder, losers) -> None:
    """THE class-week-replaced event: the marks of `cw` become those of (fid, sheet). Rows of a new
    file come from this run's reading; a known file is read again from the inbox (if it cannot be,
    the class-week keeps what it has)."""
    rows = s.new_rows[(fid, sheet)][cw] if (fid, sheet) in s.new_rows else s.reread(fid, sheet, cw)
    if rows is None:  # said again each run until it can be read
        s.lines.append(f"{_label(cw)} 的周查表应按收件箱中的 {s.names.get(fid)} / {sheet} 重新读取，但该文件现在无法读取"
                       "（可能正被其他程序占用），本次暂用原有考勤；请关闭该文件后重新运行")
        return
    grade, class_no, week = cw
    store.replace_class_week(grade, class_no, week, fid, sheet)
    new = f"{s.names.get(fid) or store.file_rel(fid)} / {sheet}"
    for loser_id, loser_sheet, _, _ in losers:
        _log(store, s, cw, f"{s.names.get(loser_id) or store.file_rel(loser_id)} / {loser_sheet}", new,
             f"{_label(cw)} 的周查表已由 {new} 替换（原为 {s.names.get(loser_id)} / {loser_sheet}）")
    if holder is not None:
        _log(store, s, cw, f"{store.file_rel(holder[0])} / {holder[1]}", new, _line(store, s, cw, fid, new, holder))
    s.store_rows(fid, s.names.get(fid) or store.file_rel(fid), week, rows)


def _line(store: Store, s: Settling, cw: ClassWeek, fid: int, new: str, holder) -> str:
    old_rel = store.file_rel(holder[0])
    old = f"{old_rel} / {holder[1]}"
    if fid in s.arrived and fid not in s.new_ids:
        other = " 的另一版本" if old_rel == s.names.get(fid) else ""
        return (f"{_label(cw)} 的周查表已由 {new} 替换（原为 {old}{other}；放入的是早先导入过的版本，"
                "以最后放入收件箱的为准）")
    if fid in s.arrived:
        return f"{_label(cw)} 的周查表已由 {new} 替换（原为 {old}）"
    if holder[0] in s.names:  # still in the inbox: another of its sheets, or the same sheet name elsewhere
        return f"{_label(cw)} 的周查表已按收件箱中的 {new} 重建（原为 {old}）"
    gone = (f"{old} 的旧版本，收件箱中的该文件已是另一版本" if old_rel in s.names.values()
            else f"{old}，该文件已不在收件箱中")
    return f"{_label(cw)} 的周查表已按收件箱中的 {new} 重建（原为 {gone}）"


def _log(store: Store, s: Settling, cw: ClassWeek, old: str, new: str, line: str) -> None:
    store.log_replacement(*cw, old, new, line)
    s.lines.append(line)


def _label(cw: ClassWeek) -> str:
    grade, class_no, week = cw
    return f"{GRADE_NAMES.get(grade, '')}{class_no}班 {week}"
