"""A 周查表 row's day columns → one mark per school day (SPEC §3.2, §4). A day over two columns (a date
merged over 上午/下午) is the mean of its two halves: 旷 in one half is half a day 旷课 (§13.3)."""
from __future__ import annotations

import datetime as dt

from kc_batch.calendar import week_days
from kc_batch.model import InputError, Source
from kc_batch.read.headers import Header
from kc_batch.read.values import Mark, cell_text, is_blank, parse_mark

UNCALCULATED = "公式没有计算结果，请在 Excel/WPS 中打开并保存后再放入"
UNKNOWN_MARK = ("无法识别的考勤符号（可用：空白/√ 到校，迟，病/病假，事/事假，假，旷/×；半天写“旷半”“病半”），"
                "该日按无数据处理")
HALF_WITHOUT_DATA = "同一天的上午、下午一格写了“—”（无数据）、一格写了考勤，无法确定该日，该日按无数据处理"
_ERROR = "error"


def read_days(row, h: Header, week: str | None, src: Source, cal, out, uncalculated=()) -> dict:
    """{date: (cell text, Mark)} for the school days of the row; cell errors go to out.errors."""
    week_dates = week_days(week) if week else None
    periods = cal.cfg.periods_per_day if cal is not None else 6
    marks, halves = {}, {}
    for j, header in sorted(h.day_cols.items()):
        day = _day_of(header, week_dates)
        if day is None:
            continue
        if cal is not None and not cal.is_school_day(day):
            continue  # §3.2: a column for a day that is not a school day is ignored
        if j in h.halves:
            halves.setdefault(day, []).append(j)
            continue
        cell = _cell(row, j, h, day, src, out, uncalculated, periods)
        if cell not in (None, _ERROR):
            marks[day] = cell
    for day, cols in halves.items():
        cells = [_cell(row, j, h, day, src, out, uncalculated, periods) for j in cols]
        if _ERROR in cells or all(c is None for c in cells):
            continue
        if None in cells:
            j = cols[cells.index(None)]
            out.errors.append(InputError(src.file, src.sheet, src.row, _column(h, j, day),
                                         cell_text(row[j] if j < len(row) else None), HALF_WITHOUT_DATA))
            continue
        marks[day] = _combine([h.halves[j] for j in cols], cells)
    return marks


def _day_of(header, week_dates) -> dt.date | None:
    kind, v = header
    if kind == "date":
        return v
    if week_dates is None:
        return None
    if kind == "weekday":
        return week_dates[v]
    # a 'day' header such as 16日: the date of the week with that day of month
    return next((d for d in week_dates if d.day == v), None)


def _column(h: Header, j: int, day: dt.date) -> str:
    return f"{h.letter(j)}列（{day.month}月{day.day}日{h.halves.get(j, '')}）"


def _cell(row, j: int, h: Header, day: dt.date, src: Source, out, uncalculated, periods: int):
    """(cell text, Mark), None for a no-data cell ('—'), or _ERROR (said in out.errors)."""
    value = row[j] if j < len(row) else None
    if j in uncalculated:  # no data that day, not 'present'
        out.errors.append(InputError(src.file, src.sheet, src.row, _column(h, j, day), "",
                                     UNCALCULATED + "，该日按无数据处理"))
        return _ERROR
    mark = parse_mark(value, periods)
    if mark == "error":
        out.errors.append(InputError(src.file, src.sheet, src.row, _column(h, j, day), cell_text(value), UNKNOWN_MARK))
        return _ERROR
    if mark is None:
        return None
    return ("" if is_blank(value) else cell_text(value), mark)


def _combine(halves: list[str], cells: list[tuple[str, Mark]]) -> tuple[str, Mark]:
    """The day of a student marked in halves: each kind is the mean of the halves; the text says which half."""
    n = len(cells)
    texts = [text for text, _ in cells]
    if all(t == texts[0] for t in texts):
        text = texts[0]
    else:
        text = " ".join(f"{half}{t}" for half, t in zip(halves, texts) if t)
    marks = [m for _, m in cells]
    return text, Mark(present=sum(m.present for m in marks) / n, late=max(m.late for m in marks),
                      sick=sum(m.sick for m in marks) / n, personal=sum(m.personal for m in marks) / n,
                      unexcused=sum(m.unexcused for m in marks) / n)
