"""Attendance: marks while 在读, streaks (§6.1), the escalation ladder (§6.2), 疑似辍学 (§6.3) and
the ledger of 劝返 cases (§6.4, §13.7, §13.9).

Everything is computed from the stored history as of a date, so a re-run gives the same answer.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from kc_batch.calendar import monday_of, week_of
from kc_batch.config import Policy
from kc_batch.rules.status import EVENT_TYPES, JOIN_TYPES, R05_STATUSES, READING, SchoolState, Student
from kc_batch.model import DayMark  # noqa: F401  (re-exported)
from kc_batch.rules.ledger import Case, Ledger  # noqa: F401  (Case re-exported)
from kc_batch.rules.walk_state import WalkState, copy_case


@dataclass
class StepReached:
    index: int      # 1-based ladder step
    days: float | None
    date: dt.date
    periods: int | None = None   # §17.4: a step counted in class periods within the week


@dataclass
class Attendance:
    """One student's attendance picture as of a date."""
    key: str
    marks: list[DayMark] = field(default_factory=list)      # days while 在读
    after_leaving: list[DayMark] = field(default_factory=list)  # R05
    streak: float = 0.0
    streak_start: dt.date | None = None
    steps: list[StepReached] = field(default_factory=list)
    suspect_since: dt.date | None = None
    unexcused_total: float = 0.0
    absent_total: float = 0.0
    days_with_data: int = 0
    cases: list[Case] = field(default_factory=list)
    suspect_spells: list = field(default_factory=list)  # (first day 疑似辍学, day it ended | None), §6.3
    flags: list[StepReached] = field(default_factory=list)  # every ladder step reached, never reset (§22.2)
    checkpoint: object = None   # rules.walk_state.WalkState at the as-of date, to go on from next time

    @property
    def absence_rate(self) -> float | None:
        return self.absent_total / self.days_with_data if self.days_with_data else None

    @property
    def top_step(self) -> StepReached | None:
        return self.steps[-1] if self.steps else None


def analyse(state: SchoolState, marks: dict[str, list[DayMark]], policy: Policy,
            as_of: dt.date, resume: dict | None = None) -> dict[str, Attendance]:
    """Attendance of every student of the unit (R02 students are not students: left out, §13.12).

    `resume`: key → rules.walk_state.WalkState of a day before as_of, to go on from (issue 18); that
    student's `marks` are then only the marks after that day, and their Attendance.marks and
    after_leaving hold only those (the totals, streak, steps and cases are of the whole 学年).
    Without a state, a student is walked from 学年初 over all their marks."""
    out = {}
    resume = resume or {}
    for key, s in state.students.items():
        out[key] = _analyse_student(s, marks.get(key, []), state, policy, as_of, resume.get(key))
    return out


def _split_marks(s: Student, marks: list[DayMark], as_of: dt.date, since: dt.date | None = None):
    """Marks while 在读 count; explicit marks after 转出/辍学/死亡 are R05 and left out (§13.5).
    A blank cell on a day the student is not 在读 is no data, not a mark (README)."""
    kept, leaving = [], []
    for m in marks:
        if m.day > as_of or (since is not None and m.day <= since):
            continue
        status = s.status_at(m.day)
        if status == READING:
            kept.append(m)
        elif status in R05_STATUSES and m.raw:
            leaving.append(m)
    return kept, leaving


def _analyse_student(s: Student, marks, state: SchoolState, policy: Policy, as_of: dt.date,
                     resumed: WalkState | None = None) -> Attendance:
    att = Attendance(s.key)
    since = resumed.day if resumed is not None else None
    if resumed is not None:
        _restore(att, resumed)
    att.marks, att.after_leaving = _split_marks(s, marks, as_of, since)
    for m in att.marks:
        att.days_with_data += 1
        att.unexcused_total += m.unexcused
        att.absent_total += m.sick + m.personal + m.unexcused
    _walk(s, att, state, policy, as_of, resumed)
    return att


def _restore(att: Attendance, ws: WalkState) -> None:
    att.streak, att.streak_start, att.suspect_since = ws.streak, ws.streak_start, ws.suspect_since
    att.steps, att.flags = list(ws.steps), list(ws.flags)
    att.unexcused_total, att.absent_total, att.days_with_data = ws.unexcused_total, ws.absent_total, ws.days_with_data
    att.cases = [copy_case(c) for c in ws.cases]
    att.suspect_spells = list(ws.suspect_spells)


def _checkpoint(att: Attendance, ledger: Ledger, week_periods: dict, day: dt.date) -> WalkState:
    cases = [copy_case(c) for c in att.cases]
    index = next((i for i, c in enumerate(att.cases) if c is ledger.case), None)
    return WalkState(day, att.streak, att.streak_start, list(att.steps), att.suspect_since, att.unexcused_total,
                     att.absent_total, att.days_with_data, cases, list(att.suspect_spells), list(att.flags),
                     ledger.phase, index, ledger.days_back, _this_week(week_periods, day))


def _this_week(week_periods: dict, day: dt.date) -> dict:
    """The periods 旷课 of the day's own ISO week: a walk going on from the day reads no earlier week's
    (§17.4 counts within one week)."""
    week = week_of(day)
    return {week: week_periods[week]} if week in week_periods else {}


def _happenings(s: Student, att: Attendance, state: SchoolState, policy: Policy, as_of: dt.date,
                since: dt.date | None = None):
    """Marks, events and 回执 deadlines of one student in time order (after `since`, when given)."""
    items = [(m.day, 1, "mark", m) for m in att.marks]
    for e in s.applied_events(as_of):
        items.append((e.date, 0, "event", e))
        if e.type == "转出":
            deadline = receipt_deadline(e, state.cal, policy)
            overdue_day = overdue_since(e, state.cal, policy)  # §13.6
            if overdue_day <= as_of and not (e.receipt_date and e.receipt_date <= deadline):
                items.append((overdue_day, 0, "overdue", e))
            if e.receipt_date and e.receipt_date <= as_of:
                items.append((e.receipt_date, 0, "receipt", e))
    for e in s.events:
        if e.type == "劝返记录" and e.date <= as_of:
            items.append((e.date, 2, "log", e))
    if since is not None:
        items = [t for t in items if t[0] > since]
    items.sort(key=lambda t: (t[0], t[1]))
    return items


def _walk(s: Student, att: Attendance, state: SchoolState, policy: Policy, as_of: dt.date,
          resumed: WalkState | None = None):
    """Streaks and ladder steps day by day (§6.1, §6.2); what each happening does to the student's
    劝返 case is the ledger's state machine (rules.ledger). From a resumed state, only the
    happenings after its day; the state at as_of (before the closing below) is att.checkpoint."""
    ladder = policy.escalation
    ledger = Ledger(s.key, state.cal, policy, att.cases)
    periods_per_day = state.cal.cfg.periods_per_day
    week_periods: dict[str, float] = {}   # §17.4: periods 旷课 in each ISO week
    if resumed is not None:
        ledger.phase, ledger.days_back = resumed.phase, resumed.days_back
        ledger.case = att.cases[resumed.case_index] if resumed.case_index is not None else None
        week_periods = dict(resumed.week_periods)

    def reset_streak(day):
        if att.suspect_since is not None:
            att.suspect_spells.append((att.suspect_since, day))
        # a step counted in periods holds for the rest of its week (旷课4节 is not undone by a present day)
        att.steps = [st for st in att.steps if st.periods is not None and week_of(st.date) == week_of(day)]
        att.streak, att.streak_start, att.suspect_since = 0.0, None, None

    def reach_steps(m: DayMark):
        reached = {st.index for st in att.steps}
        for i, step in enumerate(ladder, start=1):
            if i in reached:
                continue
            if step.periods is not None:
                hit = week_periods.get(m.week, 0) >= step.periods - 1e-9
            else:
                hit = att.streak >= step.days
            if hit:
                att.steps.append(StepReached(i, step.days, m.day, step.periods))
                att.flags.append(att.steps[-1])
        att.steps.sort(key=lambda st: st.index)

    for day, _, kind, item in _happenings(s, att, state, policy, as_of, resumed.day if resumed else None):
        if kind == "mark":
            m: DayMark = item
            if m.breaks_streak:
                reset_streak(m.day)
                if m.is_back:
                    ledger.fire("back", m.day)
                    ledger.present(m.day)  # §13.9: a present mark is a day back; a day without data is not
                continue
            if att.streak == 0:
                att.streak_start = m.day
            att.streak += m.unexcused
            week_periods[m.week] = week_periods.get(m.week, 0) + m.unexcused * periods_per_day
            reach_steps(m)
            if att.streak >= policy.suspect_after_days and att.suspect_since is None:
                att.suspect_since = m.day
                ledger.fire("suspect", m.day, reason=f"连续旷课{policy.suspect_after_days}天")
            if att.streak >= policy.reopen_streak_days:
                ledger.fire("new_streak", m.day)
        elif kind == "event":
            e = item
            event = EVENT_TYPES[e.type]
            if event.ends_streak:
                reset_streak(e.date)  # §6.3: a change event ends 疑似辍学 (a class move does not end a streak)
            if event.opens_case:
                ledger.fire("dropout", e.date, reason=e.reason, responsible=e.responsible)
            elif event.brings_back:
                ledger.fire("returned", e.date, back=state.cal.add_school_days(e.date, 0))
            elif event.closes_case and event.after == "死亡":
                ledger.fire("left", e.date, reason=e.type)  # §6.4 (a 转出 closes its case on the 回执, below)
        elif kind == "overdue":
            if s.status_at(day) == "转出":
                ledger.fire("overdue", day, reason="转出未接收（去向不明）", responsible=item.responsible)
        elif kind == "receipt":
            if s.status_at(day) == "转出":
                ledger.fire("left", day, reason=f"转出已回执（{item.other_school or '对方学校'}）")
        elif kind == "log":
            ledger.log(item.date, item.responsible, item.note or item.reason)
    att.checkpoint = _checkpoint(att, ledger, week_periods, as_of)
    if att.suspect_since is not None:
        att.suspect_spells.append((att.suspect_since, None))
    if s.status_at(as_of) != READING:
        att.streak, att.streak_start, att.steps, att.suspect_since = 0.0, None, [], None


# ---------------------------------------------------------------- each week's attendance (the monthly's chart)

def presence_of_marks(state: SchoolState, day_marks, first_day: dt.date) -> dict[str, tuple[int, float]]:
    """ISO week → (days with a mark while 在读, days present) from 学年初 (first_day), from (key, day,
    present) of stored marks: the students and days _split_marks keeps (app.resume counts the weeks
    before the saved walks' day this way)."""
    return _by_week((day, present) for key, day, present in day_marks
                    if (s := state.students.get(key)) is not None and day >= first_day and s.reading_at(day))


def presence_of_walks(atts: dict[str, Attendance], first_day: dt.date,
                      after: dt.date | None = None) -> dict[str, tuple[int, float]]:
    """The same counts from the marks the walks kept (Attendance.marks, already while 在读), of the weeks
    that begin after `after` (every week without)."""
    return _by_week((m.day, m.present) for a in atts.values() for m in a.marks
                    if m.day >= first_day and (after is None or monday_of(m.day) > after))


def _by_week(days_present) -> dict[str, tuple[int, float]]:
    """The sums are exact (fsum), so a week counted either way, in any order, gives the same figure."""
    weeks: dict[str, list] = {}
    for day, present in days_present:
        week = weeks.setdefault(week_of(day), [0, []])
        week[0] += 1
        week[1].append(present)
    return {week: (n, math.fsum(values)) for week, (n, values) in weeks.items()}


# ---------------------------------------------------------------- transfers (§13.6)

def receipt_deadline(e, cal, policy: Policy) -> dt.date:
    """§13.6: the transfer_receipt_days-th school day after the transfer date."""
    return receipt_deadline_after(e.date, cal, policy)


def receipt_deadline_after(transfer_date: dt.date, cal, policy: Policy) -> dt.date:
    return cal.add_school_days(transfer_date, policy.transfer_receipt_days)


def overdue_since(e, cal, policy: Policy) -> dt.date:
    """The first school day on which a 转出 without 回执 is 逾期未回执 (and its ledger case opens)."""
    return cal.add_school_days(receipt_deadline(e, cal, policy), 1)


def transfer_status(e, cal, policy: Policy, as_of: dt.date) -> str:
    """学生流动 状态 of a 转出: 已接收 / 待回执 / 逾期未回执; a 转入 is 已转入."""
    if e.type in JOIN_TYPES:
        return "已转入"
    if e.receipt_date and e.receipt_date <= as_of:
        return "已接收"
    return "逾期未回执" if as_of > receipt_deadline(e, cal, policy) else "待回执"


def overdue_transfers(state: SchoolState, policy: Policy, as_of: dt.date) -> list:
    """转出 events that are 逾期未回执 at as_of, whose student is still 转出 (§6.3, §13.7)."""
    out = []
    for s in state.students.values():
        for e in s.applied_events(as_of):
            if e.type == "转出" and s.status_at(as_of) == "转出" and \
                    transfer_status(e, state.cal, policy, as_of) == "逾期未回执":
                out.append((s, e))
    return out


def suspects(state: SchoolState, atts: dict[str, Attendance], policy: Policy, as_of: dt.date):
    """Every student 疑似辍学 at as_of: (student, reason, streak) — streak-based ones (在读) and the
    逾期未回执 转出 (counted under 转出, listed with reason 转出未接收) (§6.3, §13.7)."""
    out = []
    for key, a in atts.items():
        s = state.students[key]
        if a.suspect_since and s.reading_at(as_of):
            out.append((s, f"连续旷课{_fmt_days(a.streak)}天", a.streak))
    seen = {s.key for s, _, _ in out}
    for s, e in overdue_transfers(state, policy, as_of):
        if s.key not in seen:
            out.append((s, "转出未接收（去向不明）", 0))
            seen.add(s.key)
    return out


def step_label(step: StepReached) -> str:
    """预警级别 of a ladder step reached (§6.2): 第N级（连续N天）, or 第N级（本周旷课N节） (§17.4)."""
    if step.periods is not None:
        return f"第{step.index}级（本周旷课{step.periods}节）"
    return f"第{step.index}级（连续{_fmt_days(step.days)}天）"


def step_deadline(step: StepReached, policy: Policy, cal) -> dt.date:
    """§13.10 截止日期: the day the step was reached plus that step's deadline_days school days."""
    return cal.add_school_days(step.date, policy.escalation[step.index - 1].deadline_days)


CHRONIC_LABEL = "长期缺勤预警"


def warning_label(a: Attendance, policy: Policy) -> str:
    """The student's 预警 at the as-of date: the highest ladder step, else 长期缺勤预警 (§6.2), else ''."""
    if a.top_step is not None:
        return step_label(a.top_step)
    if a.absence_rate is not None and a.absence_rate >= policy.chronic_absence_rate:
        return CHRONIC_LABEL
    return ""


def _fmt_days(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"

