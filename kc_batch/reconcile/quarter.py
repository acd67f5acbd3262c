"""月报季评 (SPEC §21.3): a township's or county's quarterly evaluation of its units, made from the monthly
aggregates (reconcile/aggregate.py `combine`) of the quarter's months alone (no files).

Months: calendar quarters (Q4 = 10–12月). The 评定月 is the quarter's last month for which any workbook
was received (normally its third month); the months up to it are the months whose reports were due.

Per unit of [[units]] (and any other unit that reported):
- 年辍学率 and 巩固率 of the 评定月's 汇总 line (Σ分子 ÷ Σ分母 of its 指标说明, §13.16). 年辍学率 达标 when
  every 学段 of the unit is within its own limit (§8, a 九年一贯制 school's 初中 judged on its 初中 row,
  a township on the Σ of its schools' rows of that 学段); 巩固率 达标 when not below the target. A unit
  without a 评定月 workbook is 未评定 (“—”).
- 疑似辍学: the 评定月 count.
- 劝返成功率 = cases opened in the quarter (开立日期 from the first month's period start to the 评定月
  cutoff) that are 已销号 by the student's return (销号原因 says 返校, i.e. closed after the return
  days of §13.9 — not by a 转出 回执 or 死亡) by that cutoff ÷ cases opened in the quarter; the cases are
  the 劝返台账 rows of the quarter's workbooks (a township's merged one included), one per 学籍号 and
  开立日期, the latest month's row winning. No case opened: “—” (no rank).
- 报送及时率 = reports 按时 ÷ reports due (one per month up to the 评定月, §21.2; 未报 counts as due).
- 去向不明: students of the unit still 去向不明 in the 评定月's 跨校核对 (a 转出 unresolved).
- Ranks: 1 = best (巩固率, 劝返成功率, 报送及时率 high; 年辍学率, 疑似辍学 low); equal values share a rank
  (1, 1, 3); a unit without the value has no rank.
- 先进: both rates 达标, no 去向不明, at most `[policy.quarter] excellent_max_late` 逾期 (default 0) and no
  未报, 劝返成功率 not below `excellent_min_return_rate` (when a case was opened). 约谈: a rate 未达标, a
  去向不明 student, or (with `interview_missing_last_month`, default on) no workbook for the 评定月.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.calendar import chinese_span
from kc_batch.read.books import Problem, unit_key
from kc_batch.read.values import cell_text, norm_header, parse_date
from kc_batch.reconcile.aggregate import UNIT, AggregateResult
from kc_batch.reconcile.aggregate_rows import STAGES
from kc_batch.rules.rates import Rate, rate_breaches, ratio, retention_under_target, sum_rates
from kc_batch.rules.timeliness import LATE, MISSING, ON_TIME

EXCELLENT, INTERVIEW = "先进", "约谈"
PASS, FAIL = "达标", "未达标"
CLOSED = "已销号"
RANKED = {"年辍学率": False, "巩固率": True, "疑似辍学": False, "劝返成功率": True, "报送及时率": True}  # True: higher is better


@dataclass
class QuarterUnit:
    unit: str
    stages: str
    evaluated: bool                       # a workbook of the 评定月 was counted
    dropout: float | None = None
    dropout_ok: bool | None = None
    stage_dropouts: dict[str, float | None] = field(default_factory=dict)
    retention: float | None = None
    retention_ok: bool | None = None
    suspects: float | None = None
    opened: int = 0
    returned: int = 0
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    unresolved: int = 0
    ranks: dict[str, int | None] = field(default_factory=dict)
    verdict: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def return_rate(self) -> float | None:
        return ratio(self.returned, self.opened)

    @property
    def timely_rate(self) -> float | None:
        return ratio(self.on_time, self.due)

    def value(self, name: str) -> float | None:
        return {"年辍学率": self.dropout, "巩固率": self.retention, "疑似辍学": self.suspects,
                "劝返成功率": self.return_rate, "报送及时率": self.timely_rate}[name]


@dataclass
class QuarterResult:
    unit_name: str
    level: str
    quarter: str
    months: list[str]            # the months due, up to the 评定月
    start: dt.date
    cutoff: dt.date
    units: list[QuarterUnit]
    problems: list[Problem]
    notes: list[str]
    unreadable: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def period_text(self) -> str:
        return chinese_span(self.start, self.cutoff)

    @property
    def month(self) -> str:
        return self.months[-1]

    def of(self, verdict: str) -> list[QuarterUnit]:
        return [u for u in self.units if u.verdict == verdict]


def month_cn(month: str) -> str:
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def closed_by_return(case: dict) -> bool:
    """A 劝返台账 row 已销号 because the student came back (§13.9), not by a 转出 回执 or 死亡."""
    reason = cell_text(case.get("销号原因"))
    return norm_header(case.get("状态")) == CLOSED and "返校" in reason and not reason.startswith(("转出", "死亡"))


# ---------------------------------------------------------------- one unit


def _rows_of(res: AggregateResult, key: str) -> list:
    """The 汇总表 unit rows of a unit: its own, or a township's schools."""
    return [r for r in res.rows if r.kind == UNIT and
            ((not r.township and unit_key(r.unit) == key) or unit_key(r.township) == key)]


def _rates(unit: QuarterUnit, res: AggregateResult, key: str, cfg) -> None:
    line = next(l for l in res.lines if unit_key(l.unit) == key)
    part = line.rates["年辍学率"]
    unit.dropout = part.value if part is not None else line.reported_rates["年辍学率"]
    part = line.rates["巩固率"]
    unit.retention = part.value if part is not None else line.reported_rates["巩固率"]
    unit.suspects = line.counts["疑似辍学"]
    rows = _rows_of(res, key)
    over = []
    for stage in STAGES:
        having = [r for r in rows if r.stage == stage]
        if not having:
            continue
        summed = sum_rates([r.rates["年辍学率"] for r in having])
        value = summed.value if summed is not None else (having[0].rate("年辍学率") if len(having) == 1 else None)
        unit.stage_dropouts[stage] = value
        over += [text for _, text in rate_breaches(stage, stage, value, None, cfg.policy)]   # §8, one wording
    unit.dropout_ok = not over
    unit.retention_ok = not retention_under_target(unit.retention, cfg.policy) if unit.retention is not None else None
    unit.reasons += over + [text for _, text in rate_breaches("", None, None, unit.retention, cfg.policy)]


def _cases(unit: QuarterUnit, months: list[AggregateResult], key: str, start: dt.date, cutoff: dt.date) -> None:
    names = {key} | {unit_key(r.unit) for res in months for r in _rows_of(res, key)}
    latest: dict[tuple, dict] = {}
    for res in months:   # in month order: the later row wins
        for case in res.cases:
            if unit_key(cell_text(case.get("学校"))) in names:
                latest[(unit_key(cell_text(case.get("学籍号"))).upper(), parse_date(case.get("开立日期")))] = case
    for (_, opened), case in latest.items():
        if opened is None or not start <= opened <= cutoff:
            continue
        unit.opened += 1
        closed = parse_date(case.get("销号日期"))
        if closed_by_return(case) and (closed is None or closed <= cutoff):
            unit.returned += 1


def _timeliness(unit: QuarterUnit, months: list[AggregateResult], key: str) -> None:
    for res in months:
        state = next((s for s in res.states if not s.township and unit_key(s.unit) == key), None)
        status = state.status if state is not None else (ON_TIME if any(unit_key(l.unit) == key for l in res.lines)
                                                         else MISSING)
        unit.due += 1
        unit.on_time += status == ON_TIME
        unit.late += status == LATE
        unit.missing += status == MISSING
    if unit.late:
        unit.reasons.append(f"逾期报送 {unit.late} 次")
    if unit.missing:
        unit.reasons.append(f"未报 {unit.missing} 次")


def _unresolved(unit: QuarterUnit, res: AggregateResult, key: str) -> None:
    names = {key} | {unit_key(r.unit) for r in _rows_of(res, key)}
    unit.unresolved = sum(1 for c in res.cross if c.result == "去向不明" and unit_key(c.unit1) in names)
    if unit.unresolved:
        unit.reasons.append(f"去向不明学生 {unit.unresolved} 人未落实")


def _verdict(unit: QuarterUnit, rules) -> str:
    if unit.dropout_ok is False or unit.retention_ok is False or unit.unresolved:
        return INTERVIEW
    if not unit.evaluated:
        return INTERVIEW if rules.interview_missing_last_month else ""
    rate = unit.return_rate
    if (unit.dropout_ok and unit.retention_ok and unit.late <= rules.excellent_max_late and not unit.missing
            and (rate is None or rate >= rules.excellent_min_return_rate)):
        return EXCELLENT
    return ""


# ---------------------------------------------------------------- ranks and the whole


def rank(values: list[float | None], higher_better: bool) -> list[int | None]:
    """Competition ranks (1, 1, 3); None for a missing value."""
    present = [v for v in values if v is not None]
    out = []
    for v in values:
        if v is None:
            out.append(None)
        else:
            out.append(1 + sum(1 for o in present if (o > v if higher_better else o < v) and abs(o - v) > 1e-12))
    return out


def evaluate(cfg, quarter: str, months: list[AggregateResult], start: dt.date, problems: list[Problem]) -> QuarterResult:
    """`months`: the monthly aggregates of the months due, in order (the last is the 评定月)."""
    last = months[-1]
    cutoff = last.cutoff
    keys = [u.name for u in cfg.units]
    for res in months:
        keys += [l.unit for l in res.lines if unit_key(l.unit) not in {unit_key(k) for k in keys}]
    stages = {unit_key(u.name): "、".join(u.stages) for u in cfg.units}
    units = []
    for name in keys:
        key = unit_key(name)
        evaluated = any(unit_key(l.unit) == key for l in last.lines)
        unit = QuarterUnit(name, stages.get(key, ""), evaluated)
        if evaluated:
            _rates(unit, last, key, cfg)
        else:
            unit.reasons.append(f"{month_cn(last.month)}月报未报，巩固率、年辍学率无法评定")
        _cases(unit, months, key, start, cutoff)
        _timeliness(unit, months, key)
        _unresolved(unit, last, key)
        unit.verdict = _verdict(unit, cfg.policy.quarter)
        units.append(unit)
    for name, higher in RANKED.items():
        for unit, r in zip(units, rank([u.value(name) for u in units], higher)):
            unit.ranks[name] = r
    notes = []
    if last.month != quarter_last_month(quarter):
        notes.append(f"本季度最后一个月的月报尚未收到，按 {month_cn(last.month)} 的月报评定。")
    return QuarterResult(cfg.unit.name, cfg.unit.level, quarter, [r.month for r in months], start, cutoff, units,
                         problems, notes)


def quarter_last_month(quarter: str) -> str:
    year, q = quarter.split("-Q")
    return f"{int(year)}-{3 * int(q):02d}"


def return_parts(units: list[QuarterUnit]) -> Rate:
    return Rate(sum(u.returned for u in units), sum(u.opened for u in units))


def timely_parts(units: list[QuarterUnit]) -> Rate:
    return Rate(sum(u.on_time for u in units), sum(u.due for u in units))
