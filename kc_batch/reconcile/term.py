"""The term reports (SPEC §16): 春秋两季辍学报告 (kind start) and 学期末全面报告 (kind end).

start — as of the term's 5th school day: per grade 上学期末在校生 (在读 at the previous term's last
  school day; for the first term of a 学年, the old year's last school day after kc rollover),
  学期间新增 / 学期间减少 (students 在读 now and not then / then and not now), 应返校 (在读 now),
  本学期返校 (a present or late day since the term began), 未返校 and 其中疑似辍学; every row keeps
  上学期末在校生 + 学期间新增 − 学期间减少 = 应返校 = 本学期返校 + 未返校. The 未返校名单 is the
  开学日报's (reconcile.daily); every student 辍学 now or with a 辍学 event (this or an earlier year).
end — as of the term's last school day, by the monthly rules over the term (reconcile.monthly.
  compute_period: the opening stock the day before the term's start, at 学年初 for the first term): per
  grade the term's changes, 学期辍学率, 巩固率 (§8, since 学年初) and 劝返成功率 (§21.3: cases opened
  in the term and closed by the student's return by its end ÷ cases opened in the term).
Without `terms` in kc.toml the 学年 is one term, 本学年 (§15.1).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.calendar import SchoolCalendar
from kc_batch.config import Config
from kc_batch.model import SchoolData
from kc_batch.read.values import GRADE_NAMES
from kc_batch.reconcile.daily import compute_daily
from kc_batch.reconcile.monthly import STAGE_GRADES, MonthlyResult, compute_period, grade_of, report_stages
from kc_batch.rules import attendance
from kc_batch.rules.rates import Basis, Rate, return_success_rate, term_dropout_rate
from kc_batch.rules.status import READING, Student, build_state

START, END = "start", "end"
KIND_WORDS = {START: "开学", END: "期末"}
WHOLE_YEAR = "本学年"
REPORT_DAY = 5              # §16: the 春秋两季辍学报告 is as of the term's 5th school day
TERM_COUNTS = ["本月新生入学", "本月转入", "本月复学", "本月劝返复学", "本月转出", "本月休学", "本月死亡", "本月辍学",
               "本月毕业"]   # the month's columns, summed over the term


@dataclass(frozen=True)
class TermPeriod:
    name: str
    kind: str
    year: int                       # the 学年 (the calendar year it starts in)
    start: dt.date                  # the term's first day as kc.toml gives it
    first_day: dt.date              # its first school day
    last_day: dt.date               # its last school day
    as_of: dt.date
    due: dt.date                    # when the report is due
    whole_year: bool = False        # kc.toml has no terms
    previous_end: dt.date | None = None   # the previous term's last school day in this 学年
    day_number: int = 0             # the as-of day is the term's n-th school day

    @property
    def title(self) -> str:
        return f"{self.year}—{self.year + 1}学年{self.name}"


def term_names(cal: SchoolCalendar) -> list[str]:
    return [t.name for t in cal.terms] or [WHOLE_YEAR]


def term_period(cal: SchoolCalendar, name: str, kind: str, due_days=()) -> TermPeriod | None:
    """The term `name` of the 学年, or None when kc.toml defines no such term."""
    year = cal.year_start.year
    if not cal.terms:
        if name != WHOLE_YEAR:
            return None
        start, end, previous = cal.year_start, cal.year_end, None
    else:
        term = cal.term_named(name)
        if term is None:
            return None
        start, end = term.start, term.end
        before = [t for t in cal.terms if t.end < term.start]
        previous = cal.last_school_day_on_or_before(before[-1].end) if before else None
    first = cal.first_school_day_on_or_after(start)
    last = cal.last_school_day_on_or_before(end)
    if kind == START:
        days = cal.school_days_between(first, last) or [first]   # a term without a school day: its first day after
        as_of = days[min(REPORT_DAY, len(days)) - 1]
        due = _fixed_due(cal, start, end, due_days) or as_of
    else:
        as_of = due = last
    number = len(cal.school_days_between(first, as_of))
    return TermPeriod(name, kind, year, start, first, last, as_of, due, not cal.terms, previous, number)


def _fixed_due(cal: SchoolCalendar, start: dt.date, end: dt.date, due_days) -> dt.date | None:
    """The first `[policy] term_report_due` day (月-日) inside the term, if any (§16: 3月15日, 9月25日)."""
    days = []
    for month, day in due_days:
        try:
            d = cal.date_for_month_day(month, day)
        except ValueError:   # 02-29 of a common year
            continue
        if start <= d <= end:
            days.append(d)
    return min(days) if days else None


def _row_grades(label: str, kind: str, stage: str | None, grades) -> set:
    if kind == "grade":
        return {g for g, n in GRADE_NAMES.items() if n == label}
    if kind == "stage":
        return set(STAGE_GRADES[stage])
    return set(grades)


# ---------------------------------------------------------------- 学期末全面报告

@dataclass
class TermRow:
    label: str               # 一年级 … / 小学小计 / 初中小计 / 合计
    kind: str
    stage: str | None
    opening: int             # 学期初在校生
    changes: dict            # TERM_COUNTS → count over the term
    closing: int             # 学期末在校生
    dropout_rate: Rate
    retention: Rate
    success: Rate


@dataclass
class TermEnd:
    period: TermPeriod
    res: MonthlyResult       # the term's figures by the monthly rules (lists, cases, 责任落实 take it)
    rows: list[TermRow]
    opened: int = 0          # ledger cases opened in the term
    returned: int = 0        # of which closed by the student's return by the term's end
    planned_graduations: int = 0   # 毕业 of the year's last term taken from the rollover's plan (app)


def compute_term_end(data: SchoolData, cfg: Config, cal: SchoolCalendar, period: TermPeriod) -> TermEnd:
    res = compute_period(data, cfg, cal, period.name, period.start, period.last_day)
    cases = case_counts_by_grade(res, period.start, period.last_day)
    grades = sorted(cases)
    basis = f"{Basis.of(cfg.policy.rates).text()}；截至学期最后一个教学日 {period.last_day.isoformat()}"
    rows = []
    for r in res.rows:
        c = r.figures.counts
        in_row = _row_grades(r.label, r.kind, r.stage, grades)
        opened = sum(cases[g][0] for g in in_row if g in cases)
        returned = sum(cases[g][1] for g in in_row if g in cases)
        kept = r.rates["巩固率"]
        retention = Rate(kept.numerator, kept.denominator, kept.formula, basis, kept.code)
        rows.append(TermRow(r.label, r.kind, r.stage, c["上月末在校生"], {k: c[k] for k in TERM_COUNTS},
                            c["本月末在校生"], term_dropout_rate(c["本月辍学"], c["上月末在校生"], basis),
                            retention, return_success_rate(returned, opened, basis)))
    total = [cases[g] for g in cases]
    return TermEnd(period, res, rows, sum(o for o, _ in total), sum(n for _, n in total))


def case_counts_by_grade(res: MonthlyResult, start: dt.date, end: dt.date) -> dict:
    """grade → (cases opened in start…end, of which closed by the student's return by `end`) (§21.3)."""
    out: dict[int, list[int]] = {}
    for key, a in res.atts.items():
        s = res.state.students[key]
        for c in a.cases:
            if start <= c.opened <= end:
                n = out.setdefault(grade_of(s, end) or 0, [0, 0])
                n[0] += 1
                n[1] += int(c.returned_by(end))
    return {g: tuple(n) for g, n in out.items()}


# ---------------------------------------------------------------- 春秋两季辍学报告 (开学)

@dataclass
class StartRow:
    label: str
    kind: str
    stage: str | None
    before: int | None       # 上学期末在校生 (None: not known)
    joined: int | None       # 学期间新增
    left: int | None         # 学期间减少
    expected: int            # 应返校 (在读 at the as-of day)
    back: int                # 本学期返校
    missing: int             # 未返校
    suspect: int             # 其中疑似辍学


@dataclass
class DropoutLine:
    student: Student
    date: dt.date | None     # the last 辍学 event's date
    reason: str
    status: str              # 学籍状态 at the as-of day
    case: object | None
    past_year: bool          # the 辍学 was in an earlier 学年


@dataclass
class TermStart:
    period: TermPeriod
    rows: list[StartRow]
    missing: list            # (student, 家访情况, 说明) as reconcile.daily
    dropouts: list[DropoutLine] = field(default_factory=list)
    before_known: bool = True


def reading_grades(data: SchoolData, cal: SchoolCalendar, day: dt.date) -> dict[str, int | None]:
    """key → grade of every student 在读 at `day` (上学期末在校生 of the next term)."""
    state = build_state(data, cal)
    return {s.key: grade_of(s, day) for s in state.reading_students(day)}


def compute_term_start(data: SchoolData, cfg: Config, cal: SchoolCalendar, period: TermPeriod,
                       before: dict[str, int | None] | None) -> TermStart:
    """`before`: reading_grades at the previous term's last school day (None when the store does not
    hold it: the first term of the first 学年 in the store)."""
    day = period.as_of
    state = build_state(data, cal)
    atts = attendance.analyse(state, data.marks, cfg.policy, day)
    suspects = {s.key for s, *_ in attendance.suspects(state, atts, cfg.policy, day)}
    daily = compute_daily(data, cfg, cal, day)
    missing = {s.key for s, *_ in daily.missing}
    now = {s.key: grade_of(s, day) for s in state.reading_students(day)}
    then = before or {}
    grade = {**then, **{k: grade_of(s, day) for k, s in state.students.items()}}
    by_grade: dict[int, dict] = {}

    def add(key, column):
        row = by_grade.setdefault(grade[key] or 0, dict.fromkeys(("before", "joined", "left", "expected", "back",
                                                                     "missing", "suspect"), 0))
        row[column] += 1

    for key in then:
        add(key, "before")
        if key not in now:
            add(key, "left")
    for key in now:
        add(key, "expected")
        if key not in then:
            add(key, "joined")
        if key in missing:
            add(key, "missing")
            if key in suspects:
                add(key, "suspect")
        else:
            add(key, "back")
    rows = _start_rows(by_grade, cfg, before is not None)
    return TermStart(period, rows, daily.missing, _dropouts(state, atts, cal, day), before is not None)


def _start_rows(by_grade: dict[int, dict], cfg: Config, known: bool) -> list[StartRow]:
    def row(label, kind, stage, grades):
        n = {k: sum(by_grade[g][k] for g in grades if g in by_grade) for k in
             ("before", "joined", "left", "expected", "back", "missing", "suspect")}
        return StartRow(label, kind, stage, *(n[k] if known else None for k in ("before", "joined", "left")),
                        n["expected"], n["back"], n["missing"], n["suspect"])

    rows = []
    stages = report_stages(by_grade, cfg)
    for stage in stages:
        grades = [g for g in STAGE_GRADES[stage] if g in by_grade]
        rows += [row(GRADE_NAMES[g], "grade", stage, [g]) for g in grades]
        rows.append(row(f"{stage}小计", "stage", stage, grades))
    rows.append(row("合计", "total", stages[0] if len(stages) == 1 else None, list(by_grade)))
    return rows


def _dropouts(state, atts, cal: SchoolCalendar, day: dt.date) -> list[DropoutLine]:
    """Every student 辍学 at `day` or with a 辍学 event up to it (this or an earlier 学年, §16)."""
    out = []
    for s in state.students.values():
        events = [e for e in s.applied_events(day) if e.type == "辍学"]
        status = s.status_at(day)
        if not events and status != "辍学":
            continue
        e = events[-1] if events else None
        a = atts.get(s.key)
        case = next((c for c in reversed(a.cases) if c.category == "辍学"), None) if a else None
        shown = "在读（已返校）" if status == READING else (status or "未在本校")
        out.append(DropoutLine(s, e.date if e else None, e.reason if e else "", shown, case,
                               bool(e and e.date < cal.first_school_day)))
    out.sort(key=lambda d: (d.student.class_at(day)[0] or 0, str(d.student.class_at(day)[1]), d.student.name))
    return out
