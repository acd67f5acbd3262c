"""责任落实 (SPEC §19): who answers for whom, and how their students stand in the period.

One table, the chain of 包保 from the top down, each row naming who answers for it:
  校长 — the whole school; 分管领导 — a 学段 or a 年级 (`[responsibility] leaders`);
  班主任 — a class (`[[classes]]`, else the 周查表's 班主任); 包保教师 — the students naming them (§3.1).

Every row counts its students the same way (pure functions of the month's loaded data):
  在册 = 在读 at the cutoff; 预警 = 在读 at the cutoff and at a ladder step (§6.2);
  辍学 = 辍学 on any day of the period (status at the period's first day, or a 辍学 event in it);
  疑似辍学 = 疑似辍学 on any day of the period (§6.3: a streak spell, or a 转出 逾期未回执 case), not
  counted under 辍学; 去向不明转出 = 转出 逾期未回执 at the cutoff (also in 疑似辍学);
  巩固率 = the §8 rate of the row's students since 学年初 (summed per student, never averaged);
  无辍学班 = 是 for a class none of whose students was 辍学 or 疑似辍学 in the period.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kc_batch.reconcile.monthly import STAGE_GRADES, Figures, MonthlyResult, rates_of
from kc_batch.read.values import class_label, parse_grade
from kc_batch.rules.status import READING, Student

PRINCIPAL, LEADER, HEAD_TEACHER, TEACHER = "校长", "分管领导", "班主任", "包保教师"
UNNAMED = "（未指定）"
CLEAN_YES, CLEAN_NO = "是", "否"   # 无辍学班 of a class row
BELONGING = (READING, "休学", "辍学")  # a 包保教师 answers for these (and for a 转出 逾期未回执)
TEACHER_SPLIT = re.compile(r"[、,，/;；\s]+")


@dataclass
class Chain:
    """The 包保 chain as configured (§19): names only; app builds it from kc.toml and the 周查表."""
    principal: str = ""
    leaders: dict = field(default_factory=dict)        # 学段 (小学/初中) or 年级 (一年级 …) → name
    head_teachers: dict = field(default_factory=dict)  # (grade, class_no) → 班主任


@dataclass
class DutyRow:
    level: str                 # 校长 | 分管领导 | 班主任 | 包保教师
    scope: str                 # 全校 | 小学 | 一年级 | 一年级1班 | 3名学生
    person: str
    enrolled: int = 0
    warned: int = 0
    dropout: int = 0
    suspect: int = 0
    lost_transfer: int = 0
    retention: float | None = None
    classes: int = 0           # classes under this row
    clean_classes: int = 0     # of which 无辍学班
    keys: list = field(default_factory=list)
    visit_rate: float | None = None

    @property
    def clean_text(self) -> str:
        """无辍学班: 是/否 for a class, “3/4” for a school, 学段 or 年级, blank for a 包保教师."""
        if self.level == HEAD_TEACHER:
            return CLEAN_YES if self.clean_classes else CLEAN_NO
        if self.level == TEACHER:
            return ""
        return f"{self.clean_classes}/{self.classes}"


@dataclass
class Duties:
    rows: list[DutyRow]
    class_rows: list[DutyRow]
    teacher_rows: list[DutyRow]

    @property
    def clean_classes(self) -> tuple[int, int]:
        """(无辍学班, 班级数) of the unit, as `kc aggregate` carries them up."""
        return sum(r.clean_classes for r in self.class_rows), len(self.class_rows)


# ---------------------------------------------------------------- one student in the period

def dropped_in(s: Student, start: dt.date, cutoff: dt.date) -> bool:
    """辍学 on some day of [start, cutoff]."""
    return s.status_at(start) == "辍学" or any(
        e.type == "辍学" and start <= e.date <= cutoff for e in s.applied_events(cutoff))


def suspect_in(s: Student, att, start: dt.date, cutoff: dt.date) -> bool:
    """疑似辍学 on some day of [start, cutoff] (§6.3): a spell of the streak, or the case of a 转出
    逾期未回执 (opened on the first overdue day, closed by the 回执)."""
    if att is None:
        return False
    for since, ended in att.suspect_spells:
        if since <= cutoff and (ended is None or ended > start):
            return True
    return any(s.status_at(c.opened) == "转出" and c.opened <= cutoff and (c.closed is None or c.closed > start)
               for c in att.cases)


def _class_of(s: Student, cutoff: dt.date) -> tuple:
    g, c = s.class_at(cutoff)
    return (g or s.grade, c if g else s.class_no)


def teachers_of(s: Student) -> list[str]:
    """包保教师 named on the roster; several may be joined by 、 , / or spaces."""
    return [t for t in TEACHER_SPLIT.split(s.attrs.get("teacher", "")) if t]


# ---------------------------------------------------------------- rows

def compute_responsibility(res: MonthlyResult, chain: Chain, cfg, visit_rates: dict | None = None) -> Duties:
    """§19 from the month's figures. visit_rates: (grade, class_no) → 家访完成率 of the 班主任 (§17.2),
    or None when 家访 is not available."""
    start, cutoff = res.start, res.cutoff
    lost = {s.key for s, reason, _, _ in res.suspects if s.status_at(cutoff) == "转出"}
    students = [res.state.students[k] for k in res.student_figures]
    by_class: dict[tuple, list[Student]] = {}
    for s in students:
        by_class.setdefault(_class_of(s, cutoff), []).append(s)
    for cls in chain.head_teachers:
        by_class.setdefault(cls, [])

    def row(level, scope, person, members, classes=()) -> DutyRow:
        r = DutyRow(level, scope, person or UNNAMED, keys=sorted(s.key for s in members))
        total = Figures()
        for s in members:
            att = res.atts.get(s.key)
            total.add(res.student_figures.get(s.key, Figures()))
            reading = s.status_at(cutoff) == READING
            r.enrolled += int(reading)
            r.warned += int(reading and att is not None and att.top_step is not None)
            dropped = dropped_in(s, start, cutoff)
            r.dropout += int(dropped)
            r.suspect += int(not dropped and suspect_in(s, att, start, cutoff))
            r.lost_transfer += int(s.key in lost)
        r.retention = rates_of(total, cfg)["巩固率"].value
        r.classes = len(classes)
        r.clean_classes = sum(1 for c in classes if c.clean_classes)
        return r

    class_rows = []
    for cls in sorted(by_class, key=_class_sort):
        g, c = cls
        r = row(HEAD_TEACHER, class_label(g, c) or "（未分班）", chain.head_teachers.get(cls, ""), by_class[cls])
        r.classes, r.clean_classes = 1, int(r.dropout == 0 and r.suspect == 0)
        if visit_rates is not None:
            r.visit_rate = visit_rates.get(cls)
        class_rows.append(r)
    class_of_row = dict(zip(sorted(by_class, key=_class_sort), class_rows))

    rows = [row(PRINCIPAL, "全校", chain.principal, students, class_rows)]
    for scope, person in chain.leaders.items():
        grades = _grades_of_scope(scope)
        members = [s for s in students if _class_of(s, cutoff)[0] in grades]
        classes = [r for cls, r in class_of_row.items() if cls[0] in grades]
        rows.append(row(LEADER, scope, person, members, classes))
    rows += class_rows
    belonging = [s for s in students if s.status_at(cutoff) in BELONGING or s.key in lost]
    teacher_rows = _teacher_rows(belonging, row)
    return Duties(rows + teacher_rows, class_rows, teacher_rows)


def _teacher_rows(students, row) -> list[DutyRow]:
    """One row per 包保教师: the students naming them (who still belong to the unit at the cutoff)."""
    assigned: dict[str, list[Student]] = {}
    for s in students:
        for t in teachers_of(s):
            assigned.setdefault(t, []).append(s)
    out = []
    for name in sorted(assigned):
        members = assigned[name]
        out.append(row(TEACHER, f"{len(members)}名学生", name, members))
    return out


def _grades_of_scope(scope: str) -> set:
    """A leader's scope: a 学段 (小学 / 初中) or a 年级 name (一年级, 初一, 7 …)."""
    if scope in STAGE_GRADES:
        return set(STAGE_GRADES[scope])
    g = parse_grade(scope)
    return {g} if g else set()


def _class_sort(cls) -> tuple:
    g, c = cls
    return (g or 99, int(c) if c and str(c).isdigit() else 999, str(c or ""))

