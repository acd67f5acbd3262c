"""`kc aggregate --week`: a township's or county's weekly roll-up (SPEC §21.1, §21.2, §21.4), made from the
WeekBook records of kc_batch/read/weekly_books.py alone (no files).

周报汇总 (one line per reporting school): 在册人数, 应出勤人次, 实出勤人次, 旷课人次, 疑似辍学人数 are the
school's 周汇总 合计 row (without one: the sum of its class rows); 出勤率 = 实出勤人次 ÷ 应出勤人次; 缺勤预警
by step = the school's 缺勤预警 rows counted by 预警级别 (“第k级…” → column 第k级, 长期缺勤预警 on its own);
本周新增台账 = 台账 rows whose 开立日期 lies in the week (Monday to Sunday); 在办台账 = 台账 rows not 已销号
(the weekly 台账 lists the cases 在办 or 观察中, §13.25). A township's 周报汇总 received by a county brings
its schools' lines one by one, under a 乡镇小计 line (its 合计 row); 合计 = Σ of the school lines and its
出勤率 is Σ实出勤 ÷ Σ应出勤, never an average.

Merged lists (学校 column): 缺勤预警 rows at ladder step 3 or higher; 疑似辍学名单 rows (a workbook in
the plain §9.1 layout without that sheet: its 台账 rows of 类别 疑似辍学 still 在办).

报表校验: 合计 ≠ Σ class (unit) rows for a count column, 出勤率 ≠ 实出勤 ÷ 应出勤 (±0.00005), a 疑似辍学名单
that lists another number of students than 疑似辍学人数, a workbook of another week or without a week,
one of another kind (named by the caller), and the older of two workbooks of one unit for the week.

未报单位 (§21.2): every expected unit with 按时 / 逾期 / 未报 — 报出日期 (else the file's modification day)
against `[policy] weekly_due` of the week — and, for a township's workbook, the township's own rows
(its schools, 未报 ones included) with the township named in 所属乡镇.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kc_batch.config import Config
from kc_batch.read.books import Problem, TableRow, cell_name, unit_key
from kc_batch.read.values import cell_text, norm_header, parse_date
from kc_batch.read.weekly_books import (CHRONIC_COLUMN, LEDGER_COUNT_COLUMNS, STEP_HEADER_RE, WEEK_COUNT_COLUMNS,
                                        WeekBook)
from kc_batch.reconcile.aggregate import RATE_TOLERANCE, keep_newest, show_number, show_rate, unexpected_units
from kc_batch.rules.rates import Rate, ratio
from kc_batch.rules.timeliness import MISSING, ReportState, report_states, weekly_due
from kc_batch.calendar import chinese_span, week_days

HIGH_STEP = 3            # §21.1: the merged 缺勤预警 lists step 3 and higher
LEVEL_RE = re.compile(r"第\s*(\d+)\s*级")
CLOSED = "已销号"


@dataclass
class WeekLine:
    """One line of 周报汇总: a school (kind 'unit') or a township's 乡镇小计 (kind 'township')."""
    unit: str
    township: str
    kind: str
    counts: dict[str, float]

    @property
    def attendance(self) -> Rate:
        return Rate(self.counts["实出勤人次"], self.counts["应出勤人次"])


@dataclass
class WeekRollup:
    unit_name: str
    level: str
    week: str
    start: dt.date
    end: dt.date
    due: dt.date
    steps: int
    lines: list[WeekLine]
    total: dict[str, float]
    alerts: list[dict]
    suspects: list[dict]
    states: list[ReportState]
    problems: list[Problem]
    books: list[WeekBook] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def period_text(self) -> str:
        return chinese_span(self.start, self.end)

    @property
    def count_columns(self) -> list[str]:
        return line_columns(self.steps)

    @property
    def schools(self) -> list[WeekLine]:
        return [line for line in self.lines if line.kind == "unit"]

    @property
    def missing(self) -> list[ReportState]:
        return [s for s in self.states if s.status == MISSING]


def step_name(k: int) -> str:
    return f"第{k}级"


def line_columns(steps: int) -> list[str]:
    """The count columns of a 周报汇总 line, in order (出勤率 is written between 实出勤人次 and 旷课人次)."""
    return (WEEK_COUNT_COLUMNS[:4] + [step_name(k) for k in range(1, steps + 1)] + [CHRONIC_COLUMN]
            + WEEK_COUNT_COLUMNS[4:] + LEDGER_COUNT_COLUMNS)


def step_of(level: str) -> int | None:
    m = LEVEL_RE.search(cell_text(level))
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------- one school's line


def school_line(book: WeekBook, week: str, township: str = "") -> WeekLine:
    t = book.table
    base = t.total.values if t.total is not None else {c: sum(r.values.get(c) or 0 for r in t.rows)
                                                       for c in WEEK_COUNT_COLUMNS}
    counts: dict[str, float] = {c: base.get(c) or 0.0 for c in WEEK_COUNT_COLUMNS}
    counts[CHRONIC_COLUMN] = 0.0
    for alert in book.alerts:
        k = step_of(alert.get("预警级别"))
        if k is not None:
            counts[step_name(k)] = counts.get(step_name(k), 0.0) + 1
        elif CHRONIC_COLUMN in cell_text(alert.get("预警级别")):
            counts[CHRONIC_COLUMN] += 1
    days = week_days(week)
    opened = [parse_date(r.get("开立日期")) for r in book.ledger]
    counts["本周新增台账"] = float(sum(1 for d in opened if d and days[0] <= d <= days[-1]))
    counts["在办台账"] = float(sum(1 for r in book.ledger if norm_header(r.get("状态")) != CLOSED))
    return WeekLine(book.unit, township, "unit", counts)


def rollup_lines(book: WeekBook) -> list[WeekLine]:
    """A township's 周报汇总: its school lines, then its 乡镇小计 (the 合计 row, else their sum)."""
    lines = [WeekLine(row.label, book.unit, "unit", _row_counts(row)) for row in book.table.rows]
    if book.table.total is not None:
        total = _row_counts(book.table.total)
    else:
        total = _sum_counts(lines)
    lines.append(WeekLine(book.unit, book.unit, "township", total))
    return lines


def _row_counts(row: TableRow) -> dict[str, float]:
    return {name: value or 0.0 for name, value in row.values.items() if name != "出勤率"}


def _sum_counts(lines: list[WeekLine]) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in lines:
        for name, value in line.counts.items():
            out[name] = out.get(name, 0.0) + value
    return out


def book_suspects(book: WeekBook) -> list[dict]:
    if book.has_suspect_sheet or book.table.kind == "rollup":
        return book.suspects
    return [r for r in book.ledger if "疑似" in cell_text(r.get("类别")) and norm_header(r.get("状态")) == "在办"]


# ---------------------------------------------------------------- checks


def check_week_book(book: WeekBook) -> list[Problem]:
    problems: list[Problem] = []
    t = book.table

    def add(name: str, row: TableRow, issue: str, expected: str, actual: str):
        problems.append(Problem(book.unit, book.rel, t.sheet, cell_name(t.columns[name], row.excel_row), issue,
                                expected, actual))

    what = "各班级" if t.kind == "school" else "各单位"
    if t.total is None:
        problems.append(Problem(book.unit, book.rel, t.sheet, "", "没有合计行，按各行之和计入"))
    else:
        for name in t.columns:
            if name == "出勤率":
                continue
            expected = sum(r.values.get(name) or 0 for r in t.rows)
            if abs(expected - (t.total.values.get(name) or 0)) > 1e-9:
                add(name, t.total, f"合计行“{name}”不等于{what}之和", show_number(expected),
                    show_number(t.total.values.get(name)))
    if "出勤率" in t.columns:
        for row in t.rows + t.subtotals + ([t.total] if t.total else []):
            _check_rate(row, add)
    if t.kind == "school" and book.has_suspect_sheet:
        listed = len(book.suspects)
        stated = (t.total.values if t.total else {}).get("疑似辍学人数")
        if stated is not None and abs(listed - stated) > 1e-9:
            problems.append(Problem(book.unit, book.rel, "疑似辍学名单", "", "疑似辍学名单人数与周汇总“疑似辍学人数”合计不符",
                                    show_number(stated), show_number(listed)))
    return problems


def _check_rate(row: TableRow, add) -> None:
    expected = ratio(row.values.get("实出勤人次") or 0, row.values.get("应出勤人次") or 0)
    actual = row.values.get("出勤率")
    if expected is None:
        return
    if actual is None or abs(actual - expected) > RATE_TOLERANCE:
        add("出勤率", row, f"{row.label}“出勤率”与实出勤人次÷应出勤人次不符", show_rate(expected, actual),
            show_rate(actual, expected))


# ---------------------------------------------------------------- the whole roll-up


def select_books(cfg: Config, week: str, books: list[WeekBook], problems: list[Problem]) -> list[WeekBook]:
    """The books of this week, one per unit (the newest file); the others named in 报表校验."""
    chosen: dict[str, WeekBook] = {}
    for book in books:
        sheet = book.table.sheet
        if book.table.kind == "rollup" and unit_key(book.unit) == unit_key(cfg.unit.name):
            continue  # our own output put back into the inbox
        if book.week is None:
            problems.append(Problem(book.unit, book.rel, sheet, "", "无法确定周次（标题和统计时段中都没有），未计入汇总",
                                    week, "（空）"))
            continue
        if book.week != week:
            problems.append(Problem(book.unit, book.rel, sheet, "", "不是本周的周报，未计入汇总", week, book.week))
            continue
        keep_newest(chosen, book, problems, "本周有多份周报")
    return list(chosen.values())


def combine_week(cfg: Config, week: str, books: list[WeekBook], wrong: list[Problem] = ()) -> WeekRollup:
    problems: list[Problem] = list(wrong)
    counted = select_books(cfg, week, books, problems)
    for book in counted:
        problems += book.problems + check_week_book(book)
    unexpected_units(cfg, counted, problems)
    order = {unit_key(u.name): i for i, u in enumerate(cfg.units)}
    counted.sort(key=lambda b: (order.get(unit_key(b.unit), len(order)), b.unit))
    lines: list[WeekLine] = []
    alerts: list[dict] = []
    suspects: list[dict] = []
    for book in counted:
        lines += rollup_lines(book) if book.table.kind == "rollup" else [school_line(book, week)]
        alerts += [a for a in book.alerts if (step_of(a.get("预警级别")) or 0) >= HIGH_STEP]
        suspects += book_suspects(book)
    steps = max([len(cfg.policy.escalation)] + [int(STEP_HEADER_RE.match(n).group(1)) for l in lines for n in l.counts
                                                 if STEP_HEADER_RE.match(n)])
    for line in lines:
        for name in line_columns(steps):
            line.counts.setdefault(name, 0.0)
    total = _sum_counts([line for line in lines if line.kind == "unit"])
    for name in line_columns(steps):
        total.setdefault(name, 0.0)
    due = weekly_due(week, cfg.policy.weekly_due)
    days = week_days(week)
    file_order = {b.rel: i for i, b in enumerate(sorted(books, key=lambda b: b.rel))}
    problems.sort(key=lambda p: file_order.get(p.file, -1))
    return WeekRollup(cfg.unit.name, cfg.unit.level, week, days[0], days[-1], due, steps, lines, total, alerts,
                      suspects, report_states(cfg, counted, due), problems, counted)
