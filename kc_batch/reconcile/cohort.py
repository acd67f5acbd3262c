"""Cohort 巩固率 (§22.1): a 学段's cohort of this 学年 followed back through the 学年 the store holds.

Input: one YearRecord per 学年 (oldest first, consecutive), each made by `year_record` from that
学年's SchoolState as of its last school day (the current 学年: as of the cutoff). The formulas and
口径 are rules.rates_cohort's; this module only counts.

Who is in a cohort (choices written in the README, 口径与取舍):
- The cohort of a 学段 (小学 一至六年级, 初中 七至九年级) is the one in its last grade this 学年. With n
  学年 in the store it starts in the entry grade max(first grade, last grade − n + 1) of the 学年
  (last grade − entry grade) years back.
- A student belongs to the cohort when the first 学年 of that window in which they belong to the unit
  (在读 on the first school day, or 新生入学/转入 later in it) finds them in the cohort's grade of that
  学年: the entrants, and later 转入 into the cohort's grade (§8: 转入 join the base). A student seen
  first in another grade belongs to another cohort.
- 留级: the student stays in the cohort they entered with (followed per student, whatever grade they
  are in); a repeater from the cohort above does not join this one. A repeater 在读 at the cutoff is
  retained (still in school).
- Their last record decides: 死亡, or 转出 with a 回执 on or before the cutoff (转出已接收), leave the
  base; 在读 or 毕业 at the cutoff is retained; 辍学, 休学 and 转出 without 回执 stay in the base, not
  retained.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.event_types import JOIN_TYPES, READING, REPEAT_TYPES
from kc_batch.read.books import Book, unit_key
from kc_batch.rules.rates import Rate, sum_rates
from kc_batch.rules.rates_cohort import (JIE, STAGE_SPANS, STUDENT, UIS, COHORT_NAMES, CohortBasis, GradeFlow, cohort_method,
                                         grade_word, jie_rate, student_rate, sum_code, uis_rate)
from kc_batch.rules.status import SchoolState

LEAVING_LEGITIMATELY = ("死亡",)          # and 转出 with its 回执 (checked on the date)
RETAINED = (READING, "毕业")
JIE_DECREASES = ("转出", "休学", "死亡")   # 届减少 (转出、休学、其他)


@dataclass(frozen=True)
class StudentYear:
    """One student in one 学年: grade on the first school day (when 在读 then), grade of joining later
    in the 学年 (新生入学/转入), grade and status at the 学年's as-of date, the receipt date of their
    last 转出, whether they repeat (留级), and the 届 events (type, grade, dated on or before the first
    school day) since the previous 学年's last school day."""
    key: str
    name: str
    start_grade: int | None
    join_grade: int | None
    end_grade: int | None
    status: str | None
    out_receipt: dt.date | None
    repeated: bool
    jie_events: tuple = ()

    @property
    def belonged(self) -> bool:
        return self.start_grade is not None or self.join_grade is not None

    @property
    def grade(self) -> int | None:
        return self.start_grade if self.start_grade is not None else self.join_grade


@dataclass
class YearRecord:
    year: int
    first_day: dt.date
    as_of: dt.date
    students: dict[str, StudentYear]


def year_record(year: int, state: SchoolState, as_of: dt.date, since: dt.date | None = None) -> YearRecord:
    """A 学年's records from its state as of `as_of`; `since` = the previous 学年's last school day
    (events after it and before this 学年's first day — a summer 转出 — count in this 学年's 届 figures)."""
    first = state.cal.first_school_day
    since = since or first - dt.timedelta(days=1)
    out = {}
    for s in state.students.values():
        events = s.applied_events(as_of)
        joins = [e for e in events if e.type in JOIN_TYPES and first < e.date]
        outs = [e for e in events if e.type == "转出"]
        jie = tuple((e.type, _grade_at(s, e), e.date <= first) for e in events
                    if e.type in JIE_DECREASES + JOIN_TYPES and since < e.date)
        out[s.key] = StudentYear(
            s.key, s.name, s.class_at(first)[0] if s.reading_at(first) else None,
            _grade_at(s, joins[0]) if joins and not s.reading_at(first) else None,
            s.class_at(as_of)[0], s.status_at(as_of), outs[-1].receipt_date if outs else None,
            any(e.type in REPEAT_TYPES and first <= e.date for e in events), jie)
    return YearRecord(year, first, as_of, out)


def _grade_at(s, e) -> int | None:
    return e.grade or s.class_at(e.date)[0]


# ---------------------------------------------------------------- the true cohort, per student

@dataclass
class TrueCohort:
    basis: CohortBasis
    members: list[str] = field(default_factory=list)    # keys, in the order found
    left: list[str] = field(default_factory=list)       # 转出已接收 or 死亡
    retained: list[str] = field(default_factory=list)   # 在读 or 毕业 at the cutoff

    @property
    def rate(self) -> Rate:
        return student_rate(len(self.retained), len(self.members) - len(self.left), self.basis)


def _window(years: list[YearRecord], first: int, last: int) -> tuple[int, list[YearRecord]]:
    entry = max(first, last - len(years) + 1)
    return entry, years[len(years) - 1 - (last - entry):]


def true_cohort(years: list[YearRecord], first: int, last: int) -> TrueCohort:
    entry, window = _window(years, first, last)
    cutoff = years[-1].as_of
    out = TrueCohort(CohortBasis(STUDENT, first, last, window[0].year, entry, len(window)))
    seen: set[str] = set()
    latest: dict[str, StudentYear] = {}
    for j, y in enumerate(window):
        for key, s in y.students.items():
            latest[key] = s
            if key in seen or not s.belonged:
                continue
            seen.add(key)
            if s.grade == entry + j:
                out.members.append(key)
    for key in out.members:
        s = latest[key]
        if s.status in LEAVING_LEGITIMATELY or (s.status == "转出" and s.out_receipt and s.out_receipt <= cutoff):
            out.left.append(key)
        elif s.status in RETAINED:
            out.retained.append(key)
    return out


# ---------------------------------------------------------------- the 届 method, by grade counts

def jie_cohort(years: list[YearRecord], first: int, last: int) -> Rate | None:
    entry, window = _window(years, first, last)
    entrants = sum(s.start_grade == entry for s in window[0].students.values())
    increases = decreases = 0
    for j, y in enumerate(window):
        grade = entry + j
        for s in y.students.values():
            for kind, g, before_first in s.jie_events:
                if g != grade or (j == 0 and before_first):
                    continue  # before the entry 学年's first school day: in (or not in) 本届入学人数 already
                if kind in JOIN_TYPES:
                    increases += 1
                else:
                    decreases += 1
    graduates = sum(s.end_grade == last and s.status in RETAINED for s in window[-1].students.values())
    if not entrants + increases - decreases:
        return None
    return jie_rate(graduates, entrants, increases, decreases,
                    CohortBasis(JIE, first, last, window[0].year, entry, len(window)))


# ---------------------------------------------------------------- UIS reconstructed cohort

def uis_flows(years: list[YearRecord], first: int, last: int) -> list[GradeFlow]:
    """Grade flows first … last−1: from the last two 学年 when the store holds two, else from the one."""
    if len(years) >= 2:
        prev, cur = years[-2], years[-1]
        flows = []
        for g in range(first, last):
            enrolled = sum(s.start_grade == g for s in prev.students.values())
            flows.append(GradeFlow(g, enrolled, _entered(cur, prev, g + 1) - _repeaters(cur, prev, g + 1),
                                   _repeaters(cur, prev, g)))
        return flows
    y = years[-1]
    flows = []
    for g in range(first, last):
        stayed = [s for s in y.students.values() if s.start_grade == g and not _left(s, y.as_of)]
        repeat = sum(s.repeated or s.status == "休学" for s in stayed)
        dropped = sum(s.status == "辍学" and not s.repeated for s in stayed)
        flows.append(GradeFlow(g, len(stayed), len(stayed) - repeat - dropped, repeat))
    return flows


def _entered(cur: YearRecord, prev: YearRecord, g: int) -> int:
    return sum(s.start_grade == g for s in cur.students.values())


def _repeaters(cur: YearRecord, prev: YearRecord, g: int) -> int:
    """R_{g,t+1}: 在读 in grade g on t+1's first day and in grade g at the end of t."""
    return sum(1 for k, s in cur.students.items() if s.start_grade == g and k in prev.students
               and prev.students[k].belonged and prev.students[k].end_grade == g)


def _left(s: StudentYear, cutoff: dt.date) -> bool:
    return s.status in LEAVING_LEGITIMATELY or (s.status == "转出" and bool(s.out_receipt) and s.out_receipt <= cutoff)


def uis_basis(years: list[YearRecord], first: int, last: int) -> CohortBasis:
    two = len(years) >= 2
    return CohortBasis(UIS, first, last, years[-2].year if two else years[-1].year, first, 2 if two else 1)


# ---------------------------------------------------------------- the 指标说明 cohort block

@dataclass
class CohortRow:
    scope: str       # 小学小计 / 初中小计 / 合计, or a grade (UIS flows)
    name: str
    rate: Rate


@dataclass
class CohortResult:
    years: list[int]
    rows: list[CohortRow]

    def get(self, scope: str, name: str) -> Rate | None:
        return next((r.rate for r in self.rows if r.scope == scope and r.name == name), None)


def consecutive(years: list[YearRecord]) -> list[YearRecord]:
    """The run of consecutive 学年 that ends with the current one."""
    out = years[-1:]
    for y in reversed(years[:-1]):
        if y.year != out[0].year - 1:
            break
        out.insert(0, y)
    return out


def compute_cohorts(years: list[YearRecord], stages: list[str]) -> CohortResult:
    """§22.1 for each 学段 of the unit: the true cohort (two 学年 or more), the UIS estimate (fewer 学年
    than the 学段 has grades), the 届 method; 合计 = Σ分子 ÷ Σ分母 of the 学段 rows of one 口径."""
    years = consecutive(years)
    rows: list[CohortRow] = []
    for stage in stages:
        first, last = STAGE_SPANS[stage]
        scope = f"{stage}小计"
        if len(years) >= 2:
            tc = true_cohort(years, first, last)
            if tc.members:
                rows.append(CohortRow(scope, COHORT_NAMES[STUDENT], tc.rate))
        if len(years) < last - first + 1:
            flows = uis_flows(years, first, last)
            estimate = uis_rate(flows, uis_basis(years, first, last))
            if estimate is not None:
                rows.append(CohortRow(scope, COHORT_NAMES[UIS], estimate))
            rows += [CohortRow(grade_word(f.grade), name, rate) for f in flows if f.enrolled
                     for name, rate in f.rates().items()]
        jie = jie_cohort(years, first, last)
        if jie is not None:
            rows.append(CohortRow(scope, COHORT_NAMES[JIE], jie))
    rows += total_rows(rows, [f"{s}小计" for s in stages])
    return CohortResult([y.year for y in years], rows)


def total_rows(rows: list[CohortRow], scopes: list[str], scope: str = "合计") -> list[CohortRow]:
    """合计 of each cohort 口径: Σ分子 ÷ Σ分母 over the rows of the given scopes (学段, or units)."""
    out = []
    for method, name in COHORT_NAMES.items():
        parts = [r for r in rows if r.name == name and r.scope in scopes]
        total = sum_rates([r.rate for r in parts])
        if total is not None:
            total.formula = f"Σ分子 ÷ Σ分母（{'、'.join(r.scope for r in parts)}）"
            total.code = sum_code((r.rate.code for r in parts), method)
            out.append(CohortRow(scope, name, total))
    return out


# ---------------------------------------------------------------- kc aggregate: Σ over received workbooks

SUM_SCOPES = ("小学小计", "初中小计", "合计")


def received_rows(book: Book) -> list[CohortRow]:
    """A received workbook's cohort rows of its 学段小计 and 合计: those whose 口径代码 names the method of
    their 指标 (a row without it, or re-typed with another, is not counted; no sentence is read)."""
    out = []
    for scope in SUM_SCOPES:
        for method, name in COHORT_NAMES.items():
            ind = book.indicators.get((unit_key(scope), name))
            if ind is None or ind.numerator is None or not ind.denominator or cohort_method(ind.code) != method:
                continue
            out.append(CohortRow(scope, name, Rate(ind.numerator, ind.denominator, ind.formula, "", ind.code)))
    return out


def aggregate_cohorts(books: list[Book]) -> list[CohortRow]:
    """Each unit's 合计 rows (范围 = the unit), then 小学小计, 初中小计 and 合计 = Σ分子 ÷ Σ分母 of the units'
    rows of that 范围 (§13.16)."""
    per_unit = {book.unit: received_rows(book) for book in books}
    out = [CohortRow(unit, r.name, r.rate) for unit, rows in per_unit.items() for r in rows if r.scope == "合计"]
    for scope in SUM_SCOPES:
        tagged = [CohortRow(unit, r.name, r.rate) for unit, rows in per_unit.items() for r in rows if r.scope == scope]
        out += total_rows(tagged, list(per_unit), scope)
    return out
