"""预警回顾 (§22.2): how good were the warnings of the 学年 so far.

For every student who reached ladder step 3 or became 疑似辍学 between 学年初 and the as-of date: the
first flag of that kind, and what followed it within FOLLOW_DAYS school days. The first of these wins:
返校 (a present day, §13.9), 转出已接收 (a 转出 whose 回执 came), 辍学 (a 辍学 event), another leaving
event (休学, 死亡, a 转出 without 回执 …, named by its type); none of them and the window is over:
仍缺勤; none and the window is not over at the as-of date: 观察中 (not yet judged).
Only attendance and status events are used: no demographic attribute raises or ranks a warning.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from dataclasses import dataclass, field

from kc_batch.config import Policy
from kc_batch.rules import attendance
from kc_batch.rules.attendance import Attendance
from kc_batch.event_types import READING
from kc_batch.rules.status import EVENT_TYPES, SchoolState, Student, build_state

FOLLOW_DAYS = 20                  # §22.2: school days after the flag
REVIEWED_STEP = 3                 # §22.2: ladder step 3
SUSPECT = "疑似辍学"
BACK, RECEIVED, DROPOUT, STILL_ABSENT, PENDING = "返校", "转出已接收", "辍学", "仍缺勤", "观察中"
NAMED_OUTCOMES = (BACK, RECEIVED, DROPOUT, STILL_ABSENT, PENDING)
CAUGHT = (DROPOUT, STILL_ABSENT)  # §22.2 precision: flags followed by 辍学 or 20 days' absence


@dataclass
class Flag:
    student: Student
    kind: str                     # "第3级" or 疑似辍学
    date: dt.date                 # the first flag of that kind in the 学年
    outcome: str
    outcome_date: dt.date | None
    lead_days: int | None         # school days from the flag to the 辍学 event (outcome 辍学 only)


@dataclass
class KindReview:
    kind: str
    flags: int = 0
    outcomes: dict = field(default_factory=dict)  # outcome → count
    precision: float | None = None                # caught ÷ judged flags (观察中 left out)
    median_lead: float | None = None

    def count(self, outcome: str) -> int:
        return self.outcomes.get(outcome, 0)

    def others(self) -> int:
        """Flags followed by another leaving event (休学, 死亡, 转出未接收 …)."""
        return sum(n for o, n in self.outcomes.items() if o not in NAMED_OUTCOMES)


@dataclass
class WarningReview:
    start: dt.date
    as_of: dt.date
    flags: list[Flag]
    kinds: list[KindReview]


def step_kind(index: int) -> str:
    return f"第{index}级"


def review_warnings(state: SchoolState, atts: dict[str, Attendance], policy: Policy, start: dt.date,
                    as_of: dt.date, earlier_marks: dict | None = None) -> WarningReview:
    """The review of the flags raised from `start` (学年初) to `as_of`; atts = rules.attendance.analyse
    as of `as_of` with the same policy. `earlier_marks`: key → marks of a walk that went on from a saved
    state (app.resume), before its atts' marks, as far as the days after its flags need them."""
    earlier_marks = earlier_marks or {}
    flags = []
    for key, a in atts.items():
        firsts = list(first_flags(a, start, as_of))
        if firsts:   # the marks joined only for the few students with a flag
            marks = earlier_marks.get(key, []) + a.marks
            flags += [_follow(state.students[key], marks, kind, day, state.cal, as_of) for kind, day in firsts]
    flags.sort(key=lambda f: (f.kind != step_kind(REVIEWED_STEP), f.date, f.student.grade or 0, f.student.name))
    kinds = [_summary(kind, [f for f in flags if f.kind == kind]) for kind in (step_kind(REVIEWED_STEP), SUSPECT)]
    return WarningReview(start, as_of, flags, kinds)


def first_flags(a, start: dt.date, as_of: dt.date):
    """(kind, day) of the first flag of each reviewed kind from start to as_of; `a` an Attendance or a
    rules.walk_state.WalkState (both carry flags and suspect_spells)."""
    steps = [f.date for f in a.flags if f.index == REVIEWED_STEP and start <= f.date <= as_of]
    spells = [first for first, _ in a.suspect_spells if start <= first <= as_of]
    if steps:
        yield step_kind(REVIEWED_STEP), min(steps)
    if spells:
        yield SUSPECT, min(spells)


def follow_window(day: dt.date, cal) -> dt.date:
    """The last day a flag raised on `day` is followed (FOLLOW_DAYS school days after it)."""
    return cal.add_school_days(day, FOLLOW_DAYS)


def _follow(s: Student, marks: list, kind: str, day: dt.date, cal, as_of: dt.date) -> Flag:
    end = follow_window(day, cal)
    last = min(end, as_of)
    happenings = [(m.day, BACK) for m in marks if day < m.day <= last and m.is_back]
    for e in s.applied_events(last):
        if e.date <= day:
            continue
        if e.type == "转出" and e.receipt_date and e.receipt_date <= last:
            happenings.append((max(e.date, e.receipt_date), RECEIVED))
        elif e.type == "辍学":
            happenings.append((e.date, DROPOUT))
        elif e.type == "转出":
            happenings.append((e.date, "转出未接收"))
        elif EVENT_TYPES[e.type].after not in (None, READING):
            happenings.append((e.date, e.type))  # 休学, 死亡 …
    if happenings:
        when, outcome = min(happenings)
        if outcome == "转出未接收" and end > as_of:
            outcome = PENDING  # the 回执 may still come within the window
        lead = len(cal.school_days_between(day + dt.timedelta(days=1), when)) if outcome == DROPOUT else None
        return Flag(s, kind, day, outcome, when, lead)
    return Flag(s, kind, day, STILL_ABSENT if end <= as_of else PENDING, None, None)


def _summary(kind: str, flags: list[Flag]) -> KindReview:
    out = KindReview(kind, len(flags))
    for f in flags:
        out.outcomes[f.outcome] = out.outcomes.get(f.outcome, 0) + 1
    judged = [f for f in flags if f.outcome != PENDING]
    if judged:
        out.precision = sum(f.outcome in CAUGHT for f in judged) / len(judged)
    leads = [f.lead_days for f in flags if f.lead_days is not None]
    out.median_lead = statistics.median(leads) if leads else None
    return out


def review_thresholds(data, policy: Policy, cal, as_of: dt.date, choices: list[int]) -> list[tuple[int, KindReview]]:
    """The 疑似辍学 review of the 学年 so far for each alternative suspect_after_days (the rest of the
    ladder as in kc.toml): a tuning aid before changing kc.toml (issue 19)."""
    state = build_state(data, cal)
    out = []
    for days in choices:
        alt = dataclasses.replace(policy, suspect_after_days=days)
        atts = attendance.analyse(state, data.marks, alt, as_of)
        out.append((days, review_warnings(state, atts, alt, cal.first_school_day, as_of).kinds[1]))
    return out
