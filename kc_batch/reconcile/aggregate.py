"""`kc aggregate`: a township's or county's monthly report built from the workbooks it received
(SPEC §9.3, §13.16, §13.27). The workbooks are read by kc_batch/read/books.py; this module checks them
and makes the figures, from the Book records alone (no files).

Checks (报表校验, one row per failing cell; a failing workbook's figures are still counted):
合计 = sum of the grade rows (for a 汇总表: of the unit rows), 小学小计/初中小计 = sum of their grades,
for every count column; the balance 上月末 + 新生入学 + 转入 + 复学 + 劝返复学 − 转出 − 休学 − 死亡 − 辍学
− 毕业 = 本月末 on every row (§5.3, §15.3; the columns come from kc_batch.event_types); each rate cell within 0.00005 of its counts: under the default 口径
(指标说明 口径 mentions neither 调整基数 nor 休学计入, or there is no 指标说明) 年辍学率 = 当前辍学 ÷
学年初在校生 and 可能辍学率 = (当前辍学 + 疑似辍学) ÷ 学年初在校生; 巩固率, and every rate under another
口径, against 分子 ÷ 分母 of its 指标说明 row. A count cell that is not a number counts as 0 and is named.
A blank count cell is 0; a rate cell left blank where a rate can be computed is named.

Figures (§13.16, §21.4). A unit's line is its 合计 row; its rates are 分子 ÷ 分母 of its 指标说明 合计
rows; without them 年辍学率 and 可能辍学率 come from the counts (default 口径) and 巩固率 is copied
from the workbook. The 合计 row's rates are Σ分子 ÷ Σ分母 over the units, never averages; when a unit
gives no 巩固率 分子/分母 the 合计 巩固率 is left empty and a note names the units. The 汇总表 rows
(one per unit and 学段, a township's units under its 乡镇小计) are made by reconcile/aggregate_rows.py;
小学小计 / 初中小计 are Σ over the unit rows of that 学段, checked against the 学段's limit (§8) and
written into our own 指标说明 (范围 = each row, 乡镇小计, 小学小计, 初中小计, 合计) so that one level
up can read it. A received 汇总表 is checked the same way at every level: 合计 = Σ unit rows, 小学小计 /
初中小计 = Σ the unit rows of their 学段, each 乡镇小计 = Σ the rows naming that township in 所属乡镇.

跨校核对 is in kc_batch/reconcile/cross_check.py.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kc_batch.calendar import SchoolCalendar, chinese_date, chinese_span
from kc_batch.config import Config
from kc_batch.event_types import MONTHLY_DECREASES, MONTHLY_INCREASES
from kc_batch.read.books import (MISSING_CODE, MISSING_STAGES, MISSING_UNIT, MISSING_VIA, STAGE_ROWS, TOTAL, Book,  # noqa: F401
                                 GROUP_SUFFIX, Indicator, MainTable, Problem, TableRow, cell_name,
                                 row_indicator, unit_key)
from kc_batch.rules.timeliness import LATE, ON_TIME, STATE_COLUMN, monthly_due, report_states
from kc_batch.rules.rates import (DEFAULT_FORMULAS, Rate, basis_of, count_rates, dropout_over_limit,  # noqa: F401
                                  rate_breaches, ratio, retention_under_target, sum_rates)
from kc_batch.read.values import cell_text, parse_grade
from kc_batch.reconcile.aggregate_rows import (STAGE_OF_GRADE, TOWNSHIP, UNIT, SummaryRow, UnitLine,  # noqa: F401
                                               book_rows, unit_line)
from kc_batch.reconcile.ledger_counts import ledger_lines
from kc_batch.reconcile.cohort import aggregate_cohorts
from kc_batch.reconcile.cross_check import CrossRow, cross_check
from kc_batch.schemas import MONTHLY_COUNT_COLUMNS as COUNT_COLUMNS, MONTHLY_RATE_COLUMNS as RATE_COLUMNS

# §5.3, from the one event-type table, in the 月报表's column order
INCREASES = [c for c in COUNT_COLUMNS if c in MONTHLY_INCREASES]
DECREASES = [c for c in COUNT_COLUMNS if c in MONTHLY_DECREASES]
RATE_TOLERANCE = 0.00005


@dataclass
class MissingUnit:
    """One row of 未报单位: an expected unit with no workbook, here or at a township below (§21.4)."""
    name: str
    code: str = ""
    stages: list[str] = field(default_factory=list)
    via: str = ""          # the township whose 汇总 lists it as 未报 ("" for our own [[units]])

    @property
    def label(self) -> str:
        return f"{self.name}（{self.via}）" if self.via else self.name


@dataclass
class AggregateResult:
    unit_name: str
    level: str
    month: str
    start: dt.date
    cutoff: dt.date
    lines: list[UnitLine]
    total_counts: dict[str, float]
    total_rates: dict[str, Rate | None]
    stage_rates: dict[str, dict[str, Rate | None]]
    dropouts: list[dict]
    suspects: list[dict]
    flows: list[dict]
    missing: list[MissingUnit]
    cross: list[CrossRow]
    problems: list[Problem]
    notes: list[str]
    unreadable: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    ledger: list = field(default_factory=list)   # LedgerLine per unit (§20 台账 counts), then 合计
    states: list = field(default_factory=list)          # rules.timeliness.ReportState: 按时/逾期/未报 (§21.2)
    cases: list[dict] = field(default_factory=list)        # the units' 劝返台账 rows, with 学校 (§21.3)
    rows: list[SummaryRow] = field(default_factory=list)   # 汇总表 rows: each unit's 学段, 乡镇小计 (§21.4)
    stage_counts: dict[str, dict[str, float]] = field(default_factory=dict)   # 小学小计 / 初中小计 counts
    cohort: list = field(default_factory=list)   # §22.1 届巩固率 rows (reconcile.cohort.CohortRow): units, Σ

    @property
    def period_text(self) -> str:
        return chinese_span(self.start, self.cutoff)


# ---------------------------------------------------------------- small helpers


def show_number(value: float | None) -> str:
    if value is None:
        return "（空）"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def show_rate(value: float | None, other: float | None = None) -> str:
    if value is None:
        return "（空）"
    if other is not None and f"{value:.2%}" == f"{other:.2%}":
        return f"{value:.4%}"
    return f"{value:.2%}"


def default_basis(indicator: Indicator) -> bool:
    """Whether a received 指标说明 row is of the default 口径 of §8 (denominator 学年初在校生, 休学 not
    counted as dropout): read from its 口径代码, or from its 口径 sentence in an older workbook."""
    basis = basis_of(indicator.code, indicator.basis)
    return basis is not None and basis.is_default


# ---------------------------------------------------------------- checks of one workbook


def check_book(book: Book) -> list[Problem]:
    """报表校验 rows for one workbook's main table (its own sums, balance and rates)."""
    problems: list[Problem] = []
    t = book.table

    def add(col_leaf: str, row: TableRow, issue: str, expected: str, actual: str):
        problems.append(Problem(book.unit, book.rel, t.sheet, cell_name(t.columns[col_leaf], row.excel_row),
                                issue, expected, actual))

    what = "各年级" if t.kind == "monthly" else "各单位"
    if t.total is None:
        problems.append(Problem(book.unit, book.rel, t.sheet, "", "没有合计行，按各行之和计入"))
    else:
        _check_sum(t.total, t.rows, f"合计行“{{leaf}}”不等于{what}之和", add)
    for label, sub in t.subtotals.items():
        if t.kind == "monthly":
            members = [r for r in t.rows if STAGE_OF_GRADE.get(parse_grade(r.label)) == STAGE_ROWS[label]]
            _check_sum(sub, members, f"{label}“{{leaf}}”不等于本学段各年级之和", add)
        elif all(r.stage for r in t.rows):   # a 汇总表 with its 学段 column (§21.4)
            members = [r for r in t.rows if r.stage == STAGE_ROWS[label]]
            _check_sum(sub, members, f"{label}“{{leaf}}”不等于本学段各单位之和", add)
    for group in t.groups:                    # a county 汇总表's 乡镇小计 rows (§21.4)
        town = group.label.removesuffix(GROUP_SUFFIX)
        members = [r for r in t.rows if unit_key(r.group) == unit_key(town)]
        _check_sum(group, members, f"{group.label}“{{leaf}}”不等于本乡镇各单位之和", add)
    for row in _all_rows(t):
        _check_balance(row, add)
        _check_rates(row, book.indicators, add)
    return problems


def _all_rows(t: MainTable) -> list[TableRow]:
    return t.rows + t.groups + list(t.subtotals.values()) + ([t.total] if t.total else [])


def _check_sum(target: TableRow, members: list[TableRow], issue: str, add) -> None:
    for leaf in COUNT_COLUMNS:
        expected = sum(r.values[leaf] for r in members)
        if abs(expected - target.values[leaf]) > 1e-9:
            add(leaf, target, issue.format(leaf=leaf), show_number(expected), show_number(target.values[leaf]))


def _check_balance(row: TableRow, add) -> None:
    v = row.values
    expected = v["上月末在校生"] + sum(v[c] for c in INCREASES) - sum(v[c] for c in DECREASES)
    if abs(expected - v["本月末在校生"]) > 1e-9:
        add("本月末在校生", row, f"{row.label}：上月末在校生＋本月{_short(INCREASES)}－本月{_short(DECREASES)}"
                            f"应等于本月末在校生（账实不符）", show_number(expected), show_number(v["本月末在校生"]))


def _short(columns: list[str]) -> str:
    """本月新生入学, 本月转入 … → 新生入学、转入、…"""
    return "、".join(c.removeprefix("本月") for c in columns)


def _check_rates(row: TableRow, indicators: dict, add) -> None:
    for name in RATE_COLUMNS:
        indicator = row_indicator(indicators, row, name)
        expected, source = _expected_rate(row, name, indicator)
        if expected is None:
            continue
        actual = row.values[name]
        if actual is None or abs(actual - expected) > RATE_TOLERANCE:
            add(name, row, f"{row.label}“{name}”与{source}不符", show_rate(expected, actual), show_rate(actual, expected))


def _expected_rate(row: TableRow, name: str, indicator: Indicator | None) -> tuple[float | None, str]:
    v = row.values
    if indicator is None or default_basis(indicator):
        if name == "年辍学率":
            return count_rates(v)[name].value, "当前辍学÷学年初在校生"
        if name == "可能辍学率":
            return count_rates(v)[name].value, "（当前辍学＋疑似辍学）÷学年初在校生"
    if indicator is not None and indicator.numerator is not None and indicator.denominator is not None:
        return ratio(indicator.numerator, indicator.denominator), "指标说明中的分子÷分母"
    return None, ""


sum_parts = sum_rates


# ---------------------------------------------------------------- the whole aggregate


def combine(cfg: Config, month: str, start: dt.date, cutoff: dt.date, books: list[Book],
            wrong: list[Problem] = ()) -> AggregateResult:
    """`wrong`: 报表校验 rows of received reports of another kind (a 周报, a 周查表), not counted (§21)."""
    problems: list[Problem] = list(wrong)
    counted = _select_books(cfg, month, cutoff, books, problems)
    for book in counted:
        problems += book.problems + check_book(book)
    unexpected_units(cfg, counted, problems)
    order = {unit_key(u.name): i for i, u in enumerate(cfg.units)}
    counted.sort(key=lambda b: (order.get(unit_key(b.unit), len(order)), b.unit))
    lines = [unit_line(b) for b in counted]
    total_counts = {leaf: sum(l.counts[leaf] for l in lines) for leaf in COUNT_COLUMNS}
    total_rates = {n: sum_parts([l.rates[n] for l in lines]) for n in RATE_COLUMNS}
    stages_of = {unit_key(u.name): list(u.stages) for u in cfg.units}
    rows = [row for l in lines for row in book_rows(l, stages_of.get(unit_key(l.unit), []))]
    stage_counts, stage_rates = stage_sums(rows)
    missing = missing_units(cfg, counted)
    notes = _notes(lines)
    file_order = {b.rel: i for i, b in enumerate(sorted(books, key=lambda b: b.rel))}
    problems.sort(key=lambda p: file_order.get(p.file, -1))
    return AggregateResult(cfg.unit.name, cfg.unit.level, month, start, cutoff, lines, total_counts, total_rates,
                           stage_rates, _merged(counted, "dropouts"), _merged(counted, "suspects"),
                           _merged(counted, "flows"), missing,
                           cross_check(counted, SchoolCalendar(cfg.calendar), cfg.policy, cutoff), problems, notes,
                           ledger=ledger_lines(lines),
                           states=report_states(cfg, counted, monthly_due(month, cfg.policy.monthly_due_day)),
                           rows=rows, stage_counts=stage_counts, cases=_merged(counted, "cases"),
                           cohort=aggregate_cohorts(counted))


def stage_sums(rows: list[SummaryRow]) -> tuple[dict, dict]:
    """小学小计 / 初中小计 of the unit rows: Σ counts and Σ分子 ÷ Σ分母 (§13.16, §21.4)."""
    counts, rates = {}, {}
    for stage in ("小学", "初中"):
        having = [r for r in rows if r.kind == UNIT and r.stage == stage]
        if having:
            counts[stage] = {leaf: sum(r.counts[leaf] for r in having) for leaf in COUNT_COLUMNS}
            rates[stage] = {n: sum_parts([r.rates[n] for r in having]) for n in RATE_COLUMNS}
    return counts, rates


def missing_units(cfg: Config, counted: list[Book]) -> list[MissingUnit]:
    """Our [[units]] without a workbook, then the 未报单位 of every township 汇总 received (§21.4),
    each named with its township, unless that unit's own workbook reached us."""
    reported = {unit_key(b.unit) for b in counted}
    out = [MissingUnit(u.name, u.code, list(u.stages)) for u in cfg.units if unit_key(u.name) not in reported]
    for book in counted:
        for r in book.missing:
            name = cell_text(r.get(MISSING_UNIT))
            if unit_key(name) in reported or cell_text(r.get(STATE_COLUMN)) in (ON_TIME, LATE):
                continue  # reported to us directly, or reported to the township (§21.2: every unit is listed)
            stages = [s for s in re.split(r"[、,，\s]+", cell_text(r.get(MISSING_STAGES))) if s]
            via = cell_text(r.get(MISSING_VIA)) or book.unit   # a county's list read further up keeps its township
            out.append(MissingUnit(name, cell_text(r.get(MISSING_CODE)), stages, via))
    return out


def _select_books(cfg: Config, month: str, cutoff: dt.date, books: list[Book], problems: list[Problem]) -> list[Book]:
    """Books of this month, one per unit (the newest file); the others named in 报表校验."""
    chosen: dict[str, Book] = {}
    for book in books:
        sheet = book.table.sheet
        if book.table.kind == "aggregate" and unit_key(book.unit) == unit_key(cfg.unit.name):
            continue  # our own output put back into the inbox
        if book.month is None:
            problems.append(Problem(book.unit, book.rel, sheet, "", "无法确定统计月份（没有统计时段），未计入汇总",
                                    f"统计时段截至 {chinese_date(cutoff)}", "（空）"))
            continue
        if book.month != month:
            problems.append(Problem(book.unit, book.rel, sheet, "", "不是本月的月报，未计入汇总",
                                    f"统计时段截至 {chinese_date(cutoff)}", f"统计时段截至 {chinese_date(book.period_end)}"))
            continue
        if book.period_end.day != cutoff.day and _has_period_line(book):
            book.problems.append(Problem(book.unit, book.rel, sheet, "", "统计截止日与本单位规定不同（已计入汇总）",
                                         chinese_date(cutoff), chinese_date(book.period_end)))
        keep_newest(chosen, book, problems, "本月有多份月报")
    return list(chosen.values())


def keep_newest(chosen: dict, book, problems: list[Problem], several: str) -> None:
    """Two workbooks of one unit for one period: the newer file (modification time, then path) counts and
    the older is named in 报表校验 (§9.3, §21). Shared by the monthly and the weekly aggregate."""
    key = unit_key(book.unit)
    previous = chosen.get(key)
    if previous is None:
        chosen[key] = book
        return
    newer, older = (book, previous) if (book.mtime, book.rel) >= (previous.mtime, previous.rel) else (previous, book)
    problems.append(Problem(older.unit, older.rel, older.table.sheet, "",
                            f"同一单位{several}，本份未计入（以较新的 {newer.rel} 为准）"))
    chosen[key] = newer


def unexpected_units(cfg: Config, books: list, problems: list[Problem]) -> None:
    """A counted workbook of a unit not in the expected list is counted and named (§13.27)."""
    expected = {unit_key(u.name) for u in cfg.units}
    for book in books:
        if unit_key(book.unit) not in expected:
            problems.append(Problem(book.unit, book.rel, book.table.sheet, "", "不在应报单位名单中，已计入汇总"))


def _has_period_line(book: Book) -> bool:
    return any("统计时段" in line or "至" in line for line in book.table.context)


def _merged(books: list[Book], attr: str) -> list[dict]:
    out = []
    for book in books:
        out += getattr(book, attr)
    return out


def _notes(lines: list[UnitLine]) -> list[str]:
    notes = []
    without = [l.unit for l in lines if l.rates["巩固率"] is None]
    if without:
        notes.append("以下单位的月报没有“指标说明”中的巩固率分子、分母，合计巩固率无法重新计算，已留空："
                     + "、".join(without) + "。")
    bases = {l.rates[n].basis for l in lines for n in RATE_COLUMNS if l.rates[n] is not None and l.rates[n].basis}
    if len(bases) > 1:
        notes.append("各单位的指标口径不一致（" + "；".join(sorted(bases)) + "），合计比率按各单位报送的分子、分母相加计算。")
    return notes


def limit_breaches(res: AggregateResult, cfg: Config) -> list[str]:
    """Chinese sentences for the rates over their limits (§8): per 学段, the total, and the units."""
    out = []
    for stage, parts in res.stage_rates.items():
        out += [text for name, text in rate_breaches(stage, stage, _value(parts["年辍学率"]), None, cfg.policy)]
    out += [text for name, text in rate_breaches("", None, None, _value(res.total_rates["巩固率"]), cfg.policy)]
    target = cfg.policy.retention_rate_target
    over = [f"{r.unit}（{r.stage} {v:.2%}）" for r, v in unit_dropout_breaches(res, cfg)]
    if over:
        out.append("年辍学率超过控制线的单位：" + "、".join(over))
    under = [f"{l.unit}（{l.rates['巩固率'].value:.2%}）" for l in res.lines
             if retention_under_target(_value(l.rates["巩固率"]), cfg.policy)]
    if under:
        out.append(f"巩固率低于目标 {target:.2%} 的单位：" + "、".join(under))
    return out


def unit_dropout_breaches(res: AggregateResult, cfg: Config) -> list[tuple[SummaryRow, float]]:
    """Unit rows over the 年辍学率 limit of their 学段 (each 学段 of a unit judged on its own figures, §21.4)."""
    out = []
    for row in res.rows:
        value = row.rate("年辍学率")
        if row.kind == UNIT and dropout_over_limit(row.stage, value, cfg.policy) is not None:
            out.append((row, value))
    return out


def _value(rate: Rate | None) -> float | None:
    return rate.value if rate is not None else None
