"""The 开学一周日报 of one school day (SPEC §16): per class 应到, 实到, 未到 as of that day, from the
周查表 received so far (a week with only the days so far), and the 未返校名单 with 家访情况 (§17).

应到: the students 在读 on the day (a student 在读 at the end of the last term stays 在读 until an event
says otherwise, and the new term's roster adds its students). 实到: those with a present (or late)
mark that day. 未返校: 在读 on the day with no present day since the term began.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.calendar import SchoolCalendar
from kc_batch.config import Config
from kc_batch.model import SchoolData, Visit
from kc_batch.rules.home_visits import visits_by_student
from kc_batch.rules.status import Student, build_state

NO_DATA = "本班无考勤数据"


@dataclass
class ClassDay:
    grade: int | None
    class_no: str | None
    expected: int = 0
    present: int = 0
    reported: bool = False      # the class has a mark on the day

    @property
    def absent(self) -> int | None:
        return self.expected - self.present if self.reported else None


@dataclass
class DailyResult:
    day: dt.date
    term_name: str
    term_start: dt.date
    classes: list[ClassDay] = field(default_factory=list)
    missing: list[tuple[Student, str, str]] = field(default_factory=list)  # (student, 家访情况, 说明)


def term_bounds(cal: SchoolCalendar, day: dt.date) -> tuple[str, dt.date] | None:
    """(term name, its first school day) of the term holding `day`; without terms the 学年 is one term."""
    if not cal.terms:
        return "本学年", cal.first_school_day
    term = cal.term_of(day)
    return (term.name, cal.first_school_day_on_or_after(term.start)) if term else None


def compute_daily(data: SchoolData, cfg: Config, cal: SchoolCalendar, day: dt.date) -> DailyResult:
    name, start = term_bounds(cal, day)
    state = build_state(data, cal)
    res = DailyResult(day, name, start)
    visits = visits_by_student(data.visits, state, day)
    by_class: dict[tuple, ClassDay] = {}
    reported_classes = {(m.grade, m.class_no) for ms in data.marks.values() for m in ms if start <= m.day <= day}
    reported_today = {(m.grade, m.class_no) for ms in data.marks.values() for m in ms if m.day == day}
    for s in sorted(state.reading_students(day), key=lambda s: (s.class_at(day)[0] or 0, str(s.class_at(day)[1]),
                                                                 s.name)):
        cls = s.class_at(day)
        row = by_class.setdefault(cls, ClassDay(*cls))
        marks = [m for m in data.marks.get(s.key, []) if start <= m.day <= day]
        row.expected += 1
        today = [m for m in marks if m.day == day]
        row.reported = cls in reported_today
        row.present += int(any(m.is_back for m in today))
        if not any(m.is_back for m in marks):
            why = "" if cls in reported_classes else NO_DATA
            res.missing.append((s, visit_text(visits.get(s.key, []), start), why))
    res.classes = [by_class[k] for k in sorted(by_class, key=lambda k: (k[0] or 0, str(k[1])))]
    return res


def visit_text(visits: list[Visit], since: dt.date) -> str:
    """家访情况 of the term so far: “日期 教师 方式：结果；…”, or 未家访."""
    done = [v for v in visits if v.date >= since]
    if not done:
        return "未家访"
    return "；".join(f"{v.date.isoformat()} {v.teacher_text()} {v.way}" + (f"：{v.result}" if v.result else "")
                    for v in done)
