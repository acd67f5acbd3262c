"""Who gets which letter as of a date, and what it says (SPEC §18). Pure compute: no store, no files.

- 家长通知书: every 在读 student at ladder step 2 or higher; one letter per streak and step
  (episode = the streak's first day and the step), so a new letter is issued only when a new streak
  starts or the student climbs a step;
- 辍学报告单 and 辍学生返校通知书: every student 疑似辍学 (§6.3, including a 转出 逾期未回执) or in
  status 辍学 at the date; one per ledger case (episode = the case's 开立日期).
Numbers are given by app.letters from the store; here each letter knows its episode only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.calendar import SchoolCalendar, chinese_date
from kc_batch.config import Config
from kc_batch.model import SchoolData
from kc_batch.read.values import class_label
from kc_batch.rules import attendance
from kc_batch.rules.classes import head_teachers
from kc_batch.rules.home_visits import visits_by_student
from kc_batch.rules.status import SchoolState, Student, build_state

PARENT_NOTICE, DROPOUT_REPORT, RETURN_NOTICE = "家长通知书", "辍学报告单", "辍学生返校通知书"
KINDS = (PARENT_NOTICE, DROPOUT_REPORT, RETURN_NOTICE)
KIND_CODES = {PARENT_NOTICE: "TZ", DROPOUT_REPORT: "BG", RETURN_NOTICE: "FX"}   # in the letter number
NOTICE_FROM_STEP = 2   # §18: 家长通知书 from ladder step 2


@dataclass
class Letter:
    kind: str
    student: Student
    episode: str                      # what makes it a new letter (see the module docstring)
    fields: dict = field(default_factory=dict)   # the template's `l.…` values, number added by app
    number: str = ""

    @property
    def class_key(self) -> tuple:
        return (self.student.grade or 0, self.student.class_no or "")


def compute_letters(data: SchoolData, cfg: Config, cal: SchoolCalendar, as_of: dt.date) -> list[Letter]:
    state = build_state(data, cal)
    atts = attendance.analyse(state, data.marks, cfg.policy, as_of)
    visits = visits_by_student(data.visits, state, as_of)
    heads = head_teachers(cfg, state.head_teachers)
    common = _common(cfg, cal, as_of)
    out = []
    for key, a in atts.items():
        s = state.students[key]
        if s.reading_at(as_of) and a.top_step is not None and a.top_step.index >= NOTICE_FROM_STEP:
            episode = f"{a.streak_start.isoformat()}#{a.top_step.index}"
            out.append(Letter(PARENT_NOTICE, s, episode, {**common, **_student_fields(s, heads),
                                                           **_streak_fields(a, as_of)}))
    for s, reason, case in _dropouts(state, atts, cfg, as_of):
        a = atts[s.key]
        fields = {**common, **_student_fields(s, heads), **_case_fields(s, a, case, reason, cal, as_of),
                  "measures": _measures(visits.get(s.key, [])),
                  "return_by": chinese_date(cal.add_school_days(as_of, cfg.policy.return_notice_days))}
        episode = case.opened.isoformat() if case else "—"
        out.append(Letter(DROPOUT_REPORT, s, episode, dict(fields)))
        out.append(Letter(RETURN_NOTICE, s, episode, dict(fields)))
    out.sort(key=lambda lt: (KINDS.index(lt.kind), lt.class_key, lt.student.xjh or lt.student.sfz or "",
                             lt.student.name))
    return out


def _dropouts(state: SchoolState, atts, cfg: Config, as_of: dt.date):
    """(student, reason, ledger case) of every 疑似辍学 student and every student 辍学 at as_of."""
    out, seen = [], set()
    for s, reason, _ in attendance.suspects(state, atts, cfg.policy, as_of):
        out.append((s, reason, _latest_case(atts[s.key], as_of)))
        seen.add(s.key)
    for s in state.students.values():
        if s.key not in seen and s.status_at(as_of) == "辍学":
            case = _latest_case(atts[s.key], as_of)
            out.append((s, (case.reason if case else "") or "辍学", case))
    return out


def _latest_case(a, as_of: dt.date):
    cases = [c for c in a.cases if c.opened <= as_of]
    return cases[-1] if cases else None


def _common(cfg: Config, cal: SchoolCalendar, as_of: dt.date) -> dict:
    unit = cfg.unit
    contact = "、".join(x for x in (unit.clerk, unit.phone) if x) or unit.name
    return {"school": unit.name, "date": chinese_date(as_of), "as_of": chinese_date(as_of), "phone": unit.phone,
            "contact": contact}


def _student_fields(s: Student, heads: dict) -> dict:
    return {"name": s.name, "sex": s.sex, "xjh": s.xjh or s.sfz or "", "class_name": class_label(s.grade, s.class_no),
            "guardian": s.attrs.get("guardian", "") or "学生", "guardian_phone": s.attrs.get("phone", ""),
            "address": s.attrs.get("address", ""),
            "head_teacher": heads.get((s.grade, s.class_no), "") or "班主任"}


def _streak_fields(a, as_of: dt.date) -> dict:
    days = [m.day for m in a.marks if a.streak_start and a.streak_start <= m.day <= as_of and m.unexcused > 0]
    return {"first_day": chinese_date(a.streak_start), "days": _num(a.streak),
            "dates": "、".join(f"{d.month}月{d.day}日" for d in days)}


def _case_fields(s: Student, a, case, reason: str, cal: SchoolCalendar, as_of: dt.date) -> dict:
    """First absence day and days missed: the current streak when there is one; for a 辍学 student
    (no streak while not 在读) the school days from the 辍学 date to the as-of date."""
    if a.streak:
        first, days = a.streak_start, a.streak
    else:
        dropped = next((e.date for e in reversed(s.applied_events(as_of)) if e.type == "辍学"), None)
        first = dropped or (case.opened if case else None)
        days = len(cal.school_days_between(first, as_of)) if first else 0
    return {"first_day": chinese_date(first), "days": _num(days), "reason": reason,
            "category": (case.category if case else "疑似辍学") if s.status_at(as_of) != "辍学" else "辍学"}


def _measures(visits) -> list[str]:
    """The 家访 and 劝返 log with dates, one line each (§18 辍学报告单)."""
    return [f"{v.date.month}月{v.date.day}日 {v.kind if v.kind == '劝返记录' else v.way + '家访'}"
            f"（{v.teacher_text()}）{('：' + v.result) if v.result else ''}" for v in visits]


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
