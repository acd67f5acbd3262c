"""The rollover to the next 学年 as a plan computed from the old year's state (SPEC §15.2).

At the old year's last school day: every 在读 student of 六年级 (小学) and 九年级 graduates (a 毕业
event on that day) unless a 留级 event of the old year keeps them; every other 在读 student moves up
one grade in the same class number (a 留级 student keeps the grade); 休学 and 辍学 students keep
their grade. The promotion is stored as the new year's first roster snapshot of each class, so that a
roster imported later is newer and wins (§13.13), and the old year's rosters stay as they were.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.event_types import READING, REPEAT_TYPES
from kc_batch.model import Event, RosterRow, Source
from kc_batch.rules.status import SchoolState, Student

TOP_GRADES = (6, 9)            # §15.2 六年级 (小学 stage) and 九年级 graduate
KEPT_STATUSES = ("休学", "辍学")  # carried over in their grade
PROMOTION_SHEET = "学年升级"


@dataclass
class Move:
    student: Student
    status: str
    old: tuple            # (grade, class) at the old year's last school day
    new: tuple | None     # (grade, class) in the new year; None: graduates
    why: str              # 毕业 | 升级 | 留级 | 休学 | 辍学


@dataclass
class RolloverPlan:
    year: int
    last_day: dt.date
    moves: list[Move] = field(default_factory=list)
    open_cases: list = field(default_factory=list)   # (student, case) still 在办/观察中 at the last day

    def of(self, why: str) -> list[Move]:
        return [m for m in self.moves if m.why == why]

    def promoted_rows(self) -> list[RosterRow]:
        """The new year's roster rows: everyone who stays, in (grade, class, old roster) order."""
        rows = []
        for m in sorted((m for m in self.moves if m.new), key=lambda m: (m.new[0], str(m.new[1]))):
            s = m.student
            rows.append(RosterRow(0, 0, 0, Source(f"kc rollover {self.year}", PROMOTION_SHEET, 0), s.key,
                                  m.new[0], m.new[1], s.name, s.sfz, s.xjh, dict(s.attrs)))
        return rows

    def graduations(self) -> list[Event]:
        return [Event(0, m.student.key, "毕业", self.last_day, m.student.name, m.old[0], m.old[1], "", None, "",
                      "", f"kc rollover {self.year}", Source(f"kc rollover {self.year}", PROMOTION_SHEET, 0),
                      m.student.sfz, m.student.xjh) for m in self.of("毕业")]


def plan_rollover(state: SchoolState, atts: dict, year: int, last_day: dt.date) -> RolloverPlan:
    """Who graduates, who moves up, who keeps the grade, which cases carry over (§15.2)."""
    plan = RolloverPlan(year, last_day)
    for s in sorted(state.students.values(), key=lambda s: (s.class_at(last_day)[0] or 0,
                                                            str(s.class_at(last_day)[1]), s.name)):
        move = _move_of(s, last_day)
        if move is not None:
            plan.moves.append(move)
        for case in atts[s.key].cases if s.key in atts else ():
            if case.state_at(last_day) in ("在办", "观察中"):
                plan.open_cases.append((s, case))
    return plan


def _move_of(s: Student, last_day: dt.date) -> Move | None:
    status = s.status_at(last_day)
    grade, class_no = s.class_at(last_day)
    if grade is None:
        return None
    old = (grade, class_no)
    if status in KEPT_STATUSES:
        return Move(s, status, old, old, status)
    if status != READING:
        return None  # 转出, 死亡, 毕业 already, or not (yet) a student
    if any(e.type in REPEAT_TYPES for e in s.applied_events(last_day)):
        return Move(s, status, old, old, "留级")
    if grade in TOP_GRADES:
        return Move(s, status, old, None, "毕业")
    return Move(s, status, old, (grade + 1, class_no), "升级")


