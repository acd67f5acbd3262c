"""Attendance: marks while 在读, streaks (§6.1), the escalation ladder (§6.2), 疑似辍学 (§6.3) and
the ledger of 劝返 cases (§6.4, §13.7, §13.9).

Everything is computed from the stored history as of a date, so a re-run gives the same answer.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.config import Policy
from kc_batch.rules.status import EVENT_TYPES, JOIN_TYPES, R05_STATUSES, READING, SchoolState, Student
from kc_batch.model import DayMark  # noqa: F401  (re-exported)


@dataclass
class StepReached:
    index: int      # 1-based ladder step
    days: float
    date: dt.date


@dataclass
class Case:
    key: str
    opened: dt.date
    category: str            # 疑似辍学 | 辍学
    reason: str
    responsible: str = ""
    state: str = "在办"       # 在办 | 观察中 | 已销号
    closed: dt.date | None = None
    close_reason: str = ""
    back_since: dt.date | None = None
    log: list = field(default_factory=list)       # (date, responsible, result)
    history: list = field(default_factory=list)   # (date, state)

    def state_at(self, day: dt.date) -> str | None:
        state = None
        for d, s in self.history:
            if d <= day:
                state = s
        return state


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

    @property
    def absence_rate(self) -> float | None:
        return self.absent_total / self.days_with_data if self.days_with_data else None

    @property
    def top_step(self) -> StepReached | None:
        return self.steps[-1] if self.steps else None


def analyse(state: SchoolState, marks: dict[str, list[DayMark]], policy: Policy,
            as_of: dt.date) -> dict[str, Attendance]:
    """Attendance of every student of the unit (R02 students are not students: left out, §13.12)."""
    out = {}
    for key, s in state.students.items():
        out[key] = _analyse_student(s, marks.get(key, []), state, policy, as_of)
    return out


def _split_marks(s: Student, marks: list[DayMark], as_of: dt.date):
    """Marks while 在读 count; explicit marks after 转出/辍学/死亡 are R05 and left out (§13.5).
    A blank cell on a day the student is not 在读 is no data, not a mark (README)."""
    kept, leaving = [], []
    for m in marks:
        if m.day > as_of:
            continue
        status = s.status_at(m.day)
        if status == READING:
            kept.append(m)
        elif status in R05_STATUSES and m.raw:
            leaving.append(m)
    return kept, leaving


def _analyse_student(s: Student, marks, state: SchoolState, policy: Policy, as_of: dt.date) -> Attendance:
    att = Attendance(s.key)
    att.marks, att.after_leaving = _split_marks(s, marks, as_of)
    for m in att.marks:
        att.days_with_data += 1
        att.unexcused_total += m.unexcused
        att.absent_total += m.sick + m.personal + m.unexcused
    _walk(s, att, state, policy, as_of)
    return att


def _happenings(s: Student, att: Attendance, state: SchoolState, policy: Policy, as_of: dt.date):
    """Marks, events and 回执 deadlines of one student in time order."""
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
    items.sort(key=lambda t: (t[0], t[1]))
    return items


def _walk(s: Student, att: Attendance, state: SchoolState, policy: Policy, as_of: dt.date):
    ladder = policy.escalation
    cal = state.cal
    case: Case | None = None
    pending_close = False
    close_day: dt.date | None = None

    def open_case(day, category, reason, responsible=""):
        nonlocal case
        case = Case(s.key, day, category, reason, responsible)
        case.history.append((day, "在办"))
        att.cases.append(case)

    def close(day, reason):
        nonlocal case, pending_close, close_day
        case.state, case.closed, case.close_reason = "已销号", day, reason
        case.history.append((day, "已销号"))
        case, pending_close, close_day = None, False, None

    def reset_streak(day):
        if att.suspect_since is not None:
            att.suspect_spells.append((att.suspect_since, day))
        att.streak, att.streak_start, att.steps, att.suspect_since = 0.0, None, [], None

    def check_close(before: dt.date):
        """§13.9: 已销号 on the N-th school day back, unless a streak is under way then."""
        nonlocal pending_close
        if case and case.state == "观察中" and close_day and close_day < before:
            if att.streak == 0:
                close(close_day, f"返校后连续{policy.close_after_present_days}个教学日未再连续旷课")
            else:
                pending_close = True

    for day, _, kind, item in _happenings(s, att, state, policy, as_of):
        check_close(day)
        if kind == "mark":
            m: DayMark = item
            if m.breaks_streak:
                reset_streak(m.day)
                if m.is_back and case and case.state == "在办":
                    case.state, case.back_since = "观察中", m.day
                    case.history.append((m.day, "观察中"))
                    close_day = cal.add_school_days(m.day, policy.close_after_present_days - 1)
                elif pending_close and case and m.is_back:
                    close(m.day, f"返校后连续{policy.close_after_present_days}个教学日未再连续旷课")
                continue
            if att.streak == 0:
                att.streak_start = m.day
            att.streak += m.unexcused
            for i, step in enumerate(ladder, start=1):
                if att.streak >= step.days and len(att.steps) < i:
                    att.steps.append(StepReached(i, step.days, m.day))
            if att.streak >= policy.suspect_after_days and att.suspect_since is None:
                att.suspect_since = m.day
                if case is None:
                    open_case(m.day, "疑似辍学", f"连续旷课{policy.suspect_after_days}天")
            if case and case.state == "观察中" and att.streak >= 3:
                case.state, case.back_since, pending_close = "在办", None, False
                case.history.append((m.day, "在办"))
        elif kind == "event":
            e = item
            kind = EVENT_TYPES[e.type]
            if kind.ends_streak:
                reset_streak(e.date)  # §6.3: a change event ends 疑似辍学 (a class move does not end a streak)
            if kind.opens_case:
                if case is None:
                    open_case(e.date, "辍学", e.reason or "辍学", e.responsible)
                else:
                    case.category = "辍学"  # §13.7: a 辍学 after 疑似辍学 continues the same case
                    case.reason = e.reason or case.reason
                    case.responsible = e.responsible or case.responsible
                    if case.state == "观察中":
                        case.state, case.back_since = "在办", None
                        case.history.append((e.date, "在办"))
            elif kind.brings_back and case and case.state == "在办":
                back = cal.add_school_days(e.date, 0)
                case.state, case.back_since = "观察中", back
                case.history.append((e.date, "观察中"))
                close_day = cal.add_school_days(back, policy.close_after_present_days - 1)
            elif kind.closes_case and kind.after == "死亡" and case:
                close(e.date, e.type)  # §6.4 (a 转出 closes its case on the 回执, below)
        elif kind == "overdue":
            if case is None and s.status_at(day) == "转出":
                open_case(day, "疑似辍学", "转出未接收（去向不明）", item.responsible)
        elif kind == "receipt":
            if case and s.status_at(day) == "转出":
                close(day, f"转出已回执（{item.other_school or '对方学校'}）")
        elif kind == "log":
            target = case or (att.cases[-1] if att.cases else None)
            if target is not None:
                target.log.append((item.date, item.responsible, item.note or item.reason))
    check_close(as_of + dt.timedelta(days=1))
    if att.suspect_since is not None:
        att.suspect_spells.append((att.suspect_since, None))
    if s.status_at(as_of) != READING:
        att.streak, att.streak_start, att.steps, att.suspect_since = 0.0, None, [], None


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
    """预警级别 of a ladder step reached (§6.2): 第N级（连续N天）."""
    return f"第{step.index}级（连续{_fmt_days(step.days)}天）"


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

