"""The students of each class for a week's pre-filled forms (SPEC §3, issue 14). Pure compute.

A class's 周查表 lists every student who is 在读 on at least one of the week's school days — the
students 在读 on the Monday, and those a 转入/新生入学 brings in during the week — in their newest
class (as of the week's last school day), in roster order. A student who left before the week
(转出, 辍学, 休学 …) is not listed; the school days on which a listed student is not 在读 (before
joining, after leaving) are marked no-data (“—”), which the reader reads as no data (§4).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.calendar import SchoolCalendar, week_days
from kc_batch.config import Config
from kc_batch.model import SchoolData
from kc_batch.rules.classes import head_teachers
from kc_batch.rules.status import Student, build_state


@dataclass
class ListedStudent:
    student: Student
    absent_days: set = field(default_factory=set)   # school days of the week not 在读: “—”


@dataclass
class ClassList:
    grade: int
    class_no: str
    head_teacher: str
    students: list[ListedStudent]


def week_columns(cal: SchoolCalendar, week: str) -> list[tuple[dt.date, bool]]:
    """(day, is a school day) for the week's columns: Monday to Friday always (a holiday shows, greyed),
    and a weekend day only when it is a school day (调休)."""
    return [(d, cal.is_school_day(d)) for d in week_days(week) if d.weekday() < 5 or cal.is_school_day(d)]


def class_lists(data: SchoolData, cfg: Config, cal: SchoolCalendar, week: str) -> list[ClassList]:
    state = build_state(data, cal)
    school_days = [d for d, is_school in week_columns(cal, week) if is_school]
    if not school_days:
        return []
    last = school_days[-1]
    heads = head_teachers(cfg, state.head_teachers)
    by_class: dict[tuple, list[ListedStudent]] = {}
    for s in state.students.values():
        if not s.on_roster and not s.events:
            continue
        reading = [d for d in school_days if s.reading_at(d)]
        if not reading:
            continue
        grade, class_no = s.class_at(last)
        if grade is None or class_no is None:
            continue
        by_class.setdefault((grade, class_no), []).append(
            ListedStudent(s, {d for d in school_days if d not in reading}))
    out = []
    for (grade, class_no), students in sorted(by_class.items(), key=lambda kv: _class_order(kv[0])):
        students.sort(key=_listing_order)
        out.append(ClassList(grade, class_no, heads.get((grade, class_no), ""), students))
    return out


def _listing_order(ls: ListedStudent) -> tuple:
    """Roster students in roster order, then students known only from a 转入/新生入学, by that date."""
    s = ls.student
    joined = min((e.date for e in s.events), default=dt.date.min)
    return (not s.on_roster, joined if not s.on_roster else dt.date.min, s.source.file, s.source.sheet,
            s.source.row or 0)


def _class_order(cls):
    g, c = cls
    return (g, (0, int(c)) if str(c).isdigit() else (1, str(c)))
