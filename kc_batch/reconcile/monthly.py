"""The figures of a unit's month (SPEC §1, §5.3, §6.4, §8, §9.2, §13.4–§13.16).

Month M covers the 21st of M−1 through the cutoff (the 20th) of M; September starts at 学年初.
Every count is per student: each student is counted in one grade row (their grade at the cutoff), so
that each row keeps the balance identity 上月末 + increases − decreases = 本月末 (§5.3).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.rules import attendance
from kc_batch.rules.attendance import Attendance, transfer_status
from kc_batch.reconcile.cohort import CohortResult
from kc_batch.reconcile.warning_review import WarningReview, review_warnings
from kc_batch.calendar import SchoolCalendar
from kc_batch.config import Config
from kc_batch.event_types import EVENT_TYPES, FLOW_LIST_TYPES, JOIN_TYPES, LEAVING_TYPES, monthly_column
from kc_batch.model import SchoolData
from kc_batch.rules.rates import Basis, Rate, dropout_rates, rate_breaches, retention_rate  # noqa: F401
from kc_batch.rules.status import READING, SchoolState, Student, build_state
from kc_batch.read.values import GRADE_NAMES
from kc_batch.schemas import MONTHLY_COUNT_COLUMNS, MONTHLY_LEAF_COLUMNS, MONTHLY_RATE_COLUMNS

COUNT_COLUMNS = MONTHLY_COUNT_COLUMNS
RATE_COLUMNS = MONTHLY_RATE_COLUMNS
LEAF_COLUMNS = MONTHLY_LEAF_COLUMNS  # §9.2 + §15.3 本月毕业: the 24 leaf headers, in this order
STAGE_GRADES = {"小学": range(1, 7), "初中": range(7, 10)}


@dataclass
class Figures:
    """Counts of one row (a grade, a 学段 or the unit) and the parts of its rates."""
    counts: dict = field(default_factory=lambda: {c: 0 for c in COUNT_COLUMNS})
    base: int = 0             # 巩固基数
    retained: int = 0         # students of the base 在读 at the cutoff
    adjusted: int = 0         # 调整基数 = 学年初 + 转入 − 转出 − 死亡 (学年内)
    xiuxue_now: int = 0       # 休学 at the cutoff (两基口径)
    returned_old: int = 0     # 往年劝返: back this year from an earlier year's 休学/辍学

    def add(self, other: "Figures"):
        for c in COUNT_COLUMNS:
            self.counts[c] += other.counts[c]
        for a in ("base", "retained", "adjusted", "xiuxue_now", "returned_old"):
            setattr(self, a, getattr(self, a) + getattr(other, a))


@dataclass
class MonthRow:
    label: str               # 一年级 … / 小学小计 / 初中小计 / 合计
    kind: str                # grade | stage | total
    stage: str | None
    figures: Figures
    rates: dict = field(default_factory=dict)  # name → Rate


@dataclass
class MonthlyResult:
    month: str
    start: dt.date
    cutoff: dt.date
    prev_cutoff: dt.date
    rows: list[MonthRow]
    dropouts: list           # (student, event, case)
    suspects: list           # (student, reason, streak, since)
    cases: list              # (student, case) open at any time in the period
    case_counts: dict        # 新增, 销号, 仍在办
    flows: list              # (student, event, status)
    weekly_rates: list       # (week, expected, present)
    state: SchoolState
    options_text: str
    atts: dict = field(default_factory=dict)              # key → Attendance at the cutoff
    student_figures: dict = field(default_factory=dict)   # key → Figures of each student counted
    warnings: WarningReview | None = None                 # §22.2 预警回顾 of the 学年 so far
    cohort: CohortResult | None = None                    # §22.1 届巩固率 (set by app.cohort: it needs earlier 学年)


def compute_month(data: SchoolData, cfg: Config, cal: SchoolCalendar, month: str) -> MonthlyResult:
    """A month's figures from the unit's data loaded as of the month's cutoff
    (app.loading.load_school(store, cutoff))."""
    return compute_period(data, cfg, cal, month, *cal.month_period(month))


def compute_period(data: SchoolData, cfg: Config, cal: SchoolCalendar, label: str, start: dt.date,
                   cutoff: dt.date) -> MonthlyResult:
    """The figures of any period start…cutoff of the 学年 (a month, or a term for §16) by the month's
    rules: the opening stock is taken the day before `start` (at 学年初 when the period opens the 学年),
    the period's events are those after it up to the cutoff."""
    first_day = cal.first_school_day
    # the stock of 上月末 is taken at the previous cutoff; for September at 学年初 (§1)
    prev = max(start - dt.timedelta(days=1), first_day)
    state = build_state(data, cal)
    atts = attendance.analyse(state, data.marks, cfg.policy, cutoff, data.walk_states)
    suspects = _suspect_list(state, atts, cfg, cutoff)
    suspect_keys = {s.key for s, *_ in suspects}
    by_grade: dict[int, Figures] = {}
    per_student: dict[str, Figures] = {}
    for s in state.students.values():
        grade = grade_of(s, cutoff)
        if grade is None:
            continue
        f = _student_figures(s, cal, cfg, first_day, prev, cutoff, s.key in suspect_keys)
        if f is not None:
            by_grade.setdefault(grade, Figures()).add(f)
            per_student[s.key] = f
    rows = _rows(by_grade, cfg)
    for row in rows:
        row.rates = rates_of(row.figures, cfg)
    dropouts = _dropout_list(state, atts, cutoff)
    cases, counts = _cases_in_period(state, atts, start, cutoff)
    flows = [(s, e, transfer_status(e, cal, cfg.policy, cutoff)) for s in state.students.values()
             for e in s.applied_events(cutoff) if e.type in FLOW_LIST_TYPES and start <= e.date <= cutoff]
    flows.sort(key=lambda t: (t[1].date, t[1].type, t[0].grade or 0, t[0].name))
    return MonthlyResult(label, start, cutoff, prev, rows, dropouts, suspects, cases, counts, flows,
                         _weekly_rates(atts, data, first_day), state, options_text(cfg), atts, per_student,
                         review_warnings(state, atts, cfg.policy, first_day, cutoff, data.review_marks))


def grade_of(s: Student, cutoff: dt.date) -> int | None:
    """The grade row a student is counted in: their grade at the cutoff."""
    return s.class_at(cutoff)[0] or s.grade


def _student_figures(s: Student, cal, cfg: Config, first_day, prev, cutoff, suspect: bool) -> Figures | None:
    f = Figures()
    c = f.counts
    at_start = s.reading_at(first_day)
    c["学年初在校生"] = int(at_start)
    c["上月末在校生"] = int(s.reading_at(prev))
    events = s.applied_events(cutoff)
    for e in events:
        column = monthly_column(e.type)
        if column and prev < e.date <= cutoff:
            c[column] += 1
    now = s.status_at(cutoff)
    if now == READING:
        c["本月末在校生"] = 1
        c["女生"] = int(s.sex == "女")
        c["建档立卡"] = int(s.flag("poor"))
        c["残疾"] = int(s.flag("disability"))
        c["送教上门"] = int(s.attrs.get("study_mode") == "送教上门")
        c["留守儿童"] = int(s.flag("left_behind"))
        c["随迁子女"] = int(s.flag("migrant"))
    c["疑似辍学"] = int(suspect)
    c["当前辍学"] = int(now == "辍学")
    c["累计辍学"] = int(any(e.type == "辍学" and first_day <= e.date <= cutoff for e in events))
    f.xiuxue_now = int(now == "休学")
    # §8 巩固基数, per student (§13.8)
    in_year = [e for e in events if first_day < e.date <= cutoff]
    joined = any(e.type in JOIN_TYPES for e in in_year)
    belonged = at_start or joined
    if belonged and not _left_legitimately(now, in_year, cal, cfg, cutoff):
        f.base = 1
        f.retained = int(now == READING)
    elif not belonged and now == READING:
        f.returned_old = 1  # 往年劝返: outside 巩固基数
    f.adjusted = int(at_start) + sum(EVENT_TYPES[e.type].adjusted_base for e in in_year)
    if not any(c.values()) and not f.base and not f.returned_old and not f.adjusted:
        return None
    return f


def _left_legitimately(now, in_year, cal, cfg: Config, cutoff) -> bool:
    """§13.8, §15.3: 死亡 and 毕业 leave the 巩固基数; a 转出 only when 已接收 or 待回执 at the cutoff."""
    if now not in LEAVING_TYPES:
        return False
    return now != "转出" or any(e.type == "转出" and transfer_status(e, cal, cfg.policy, cutoff) in ("已接收", "待回执")
                              for e in in_year)


def _rows(by_grade: dict[int, Figures], cfg: Config) -> list[MonthRow]:
    rows = []
    total = Figures()
    stages = report_stages(by_grade, cfg)
    for stage in stages:
        sub = Figures()
        for g in STAGE_GRADES[stage]:
            if g in by_grade:
                rows.append(MonthRow(GRADE_NAMES[g], "grade", stage, by_grade[g]))
                sub.add(by_grade[g])
        rows.append(MonthRow(f"{stage}小计", "stage", stage, sub))
        total.add(sub)
    rows.append(MonthRow("合计", "total", stages[0] if len(stages) == 1 else None, total))
    return rows


def report_stages(grades, cfg: Config) -> list[str]:
    """The 学段 a unit's grade table shows: its own (kc.toml stages) and any its students' grades fall in."""
    return [s for s in ("小学", "初中") if s in cfg.unit.stages or any(g in STAGE_GRADES[s] for g in grades)]


def options_text(cfg: Config) -> str:
    """The 口径 sentence of 指标说明 (its structured twin is Basis.code, §13.16)."""
    cutoff = "月末" if cfg.calendar.cutoff_day == "月末" else f"{cfg.calendar.cutoff_day}日"
    return f"{Basis.of(cfg.policy.rates).text()}；统计截止日：每月{cutoff}"


def rates_of(f: Figures, cfg: Config) -> dict[str, Rate]:
    """§8 rates of one row, from its summed counts (never averaged); the formulas are in rules.rates."""
    basis, text = Basis.of(cfg.policy.rates), options_text(cfg)
    c = f.counts
    return {**dropout_rates(c["当前辍学"], f.xiuxue_now, c["疑似辍学"], c["学年初在校生"], f.adjusted, basis, text),
            "巩固率": retention_rate(f.retained, f.base, basis, text)}


def _suspect_list(state, atts, cfg, cutoff):
    out = []
    for s, reason, streak in attendance.suspects(state, atts, cfg.policy, cutoff):
        a = atts[s.key]
        since = a.suspect_since
        if since is None:
            for e in s.applied_events(cutoff):
                if e.type == "转出":
                    since = attendance.overdue_since(e, state.cal, cfg.policy)
        out.append((s, reason, streak, since))
    out.sort(key=lambda t: (t[0].grade or 0, str(t[0].class_no), t[0].name))
    return out


def _dropout_list(state: SchoolState, atts: dict[str, Attendance], cutoff):
    out = []
    for s in state.students.values():
        if s.status_at(cutoff) != "辍学":
            continue
        event = [e for e in s.applied_events(cutoff) if e.type == "辍学"][-1]
        case = next((c for c in reversed(atts[s.key].cases) if c.category == "辍学"), None)
        out.append((s, event, case))
    out.sort(key=lambda t: (t[0].grade or 0, str(t[0].class_no), t[0].name))
    return out


def _cases_in_period(state, atts, start, cutoff):
    cases, new, closed, open_now = [], 0, 0, 0
    for key, a in atts.items():
        for c in a.cases:
            if c.opened <= cutoff and (c.closed is None or c.closed >= start):
                cases.append((state.students[key], c))
                new += int(start <= c.opened <= cutoff)
                closed += int(c.closed is not None and start <= c.closed <= cutoff)
                open_now += int(c.state_at(cutoff) in ("在办", "观察中"))
    cases.sort(key=lambda t: (t[1].opened, t[0].name))
    return cases, {"新增": new, "销号": closed, "仍在办": open_now}


def _weekly_rates(atts, data: SchoolData, first_day) -> list[tuple[str, int, float]]:
    """Each ISO week's marked days and present days while 在读, from 学年初 (first_day) to the cutoff, the
    weeks with marks: the weeks up to the saved walks' day as app.resume counted them (issue 18), the
    later ones from the walks' marks."""
    weeks = dict(data.weekly_presence)
    weeks.update(attendance.presence_of_walks(atts, first_day, data.presence_until))
    return [(week, marked, present) for week, (marked, present) in sorted(weeks.items()) if marked]


def rate_limit_breaches(res: MonthlyResult, cfg: Config) -> list[tuple[MonthRow, str, str]]:
    """Rows whose 年辍学率 is over its 学段's limit or whose 巩固率 is under target (§8)."""
    return [(row, name, text) for row in res.rows
            for name, text in rate_breaches(row.label, row.stage, row.rates["年辍学率"].value,
                                            row.rates["巩固率"].value, cfg.policy)]
