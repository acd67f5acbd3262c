"""家访统计 (SPEC §17.2): each teacher's quota and how far it is met, the students of each class not
yet visited this 学年, and the list of every visit.

Pure compute: takes the school's state, its visits (rules.home_visits.visits_by_student), the 班主任 of each
class and the quotas; returns plain rows for reports/.

Counting (README 口径与取舍):
- a visit counts toward a quota when its 方式 is in `counting_ways` (default 入户、视频);
- a 班主任 is credited with a visit of a student of their class (the class on the visit date) when
  their name is among the 家访教师 or the row's 教师身份 is 班主任;
- 应访 of 班主任: 学年普访 = the class's 在读 students at the as-of date; 学期 = ⌈share × that⌉;
  已访 = those students visited (each once); a 科任教师's 应访 is `subject_teacher_per_term` 人次 and
  已访 the visits (人次) naming them with 教师身份 科任教师;
- 未完成 = max(应访 − 已访, 0); 完成率 = min(已访 ÷ 应访, 1);
- the 学期 quotas count the visits from the start of the term holding the as-of date (the latest term
  begun by then, §15.1); until kc.toml has terms the 学期 is the whole 学年 up to the as-of date.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from kc_batch.config import HomeVisitQuotas
from kc_batch.read.values import class_label as class_name
from kc_batch.model import Visit
from kc_batch.rules.status import SchoolState, Student

HEAD_TEACHER, SUBJECT_TEACHER = "班主任", "科任教师"
UNKNOWN_TEACHER = "（未登记班主任）"


@dataclass
class QuotaRow:
    teacher: str
    role: str
    classes: str            # 班级 text, e.g. 三年级1班
    requirement: str        # 考核要求
    due: int                # 应访
    done: int               # 已访
    cls: tuple | None = None   # (grade, class_no) of a 班主任 row

    @property
    def missing(self) -> int:
        return max(self.due - self.done, 0)

    @property
    def rate(self) -> float | None:
        return min(self.done / self.due, 1.0) if self.due else None


@dataclass
class VisitStats:
    as_of: dt.date
    quotas: list[QuotaRow]
    not_visited: list[tuple[Student, str]]          # (student, 班主任)
    visits: list[tuple[Student | None, Visit, bool]] = field(default_factory=list)  # (student, visit, counts)


def compute_visit_stats(state: SchoolState, visits: dict[str, list[Visit]], quotas: HomeVisitQuotas,
                        teachers: dict[tuple, str], as_of: dt.date, term_start: dt.date | None = None) -> VisitStats:
    year_start = state.cal.year_start
    in_year = {k: [v for v in vs if year_start <= v.date <= as_of] for k, vs in visits.items()}
    counting = {k: [v for v in vs if v.counts(quotas.counting_ways)] for k, vs in in_year.items()}
    term_start = term_start or current_term_start(state.cal, as_of) or year_start
    in_term = {k: [v for v in vs if v.date >= term_start] for k, vs in counting.items()}
    by_class: dict[tuple, list[Student]] = {}
    for s in state.students.values():
        if s.reading_at(as_of):
            by_class.setdefault(s.class_at(as_of), []).append(s)
    classes = sorted((c for c in by_class if c[0] is not None), key=_class_order)
    rows: list[QuotaRow] = []
    not_visited: list[tuple[Student, str]] = []
    for cls in classes:
        students = sorted(by_class[cls], key=lambda s: (s.xjh or s.sfz or "", s.name))
        head = teachers.get(cls, "")
        rows += _head_teacher_rows(cls, head, students, counting, in_term, quotas)
        not_visited += [(s, head) for s in students if not counting.get(s.key)]
    rows += _subject_teacher_rows(state, in_term, quotas)
    listed = []
    for key, vs in in_year.items():
        s = state.students.get(key)
        for v in vs:
            listed.append((s, v, v.counts(quotas.counting_ways)))
    listed.sort(key=lambda t: (t[1].date, _source_order(t[1])))
    return VisitStats(as_of, rows, not_visited, listed)


def current_term_start(cal, as_of: dt.date) -> dt.date | None:
    """The first day of the latest term begun by `as_of` (kc.toml [calendar] terms); None without terms."""
    begun = [t.start for t in cal.terms if t.start <= as_of]
    return max(begun) if begun else None


def class_visit_rates(stats: VisitStats) -> dict[tuple, float | None]:
    """(grade, class_no) → 家访完成率 of the class's 班主任 (§19): their first quota row (学年普访 when
    that quota is on, else the 学期 share)."""
    out: dict[tuple, float | None] = {}
    for q in stats.quotas:
        if q.cls is not None and q.cls not in out:
            out[q.cls] = q.rate
    return out


def _source_order(v: Visit) -> tuple:
    return (v.source.file, v.source.sheet, v.source.row or 0) if v.source else ("", "", 0)


def _class_order(cls):
    g, c = cls
    return (g or 0, (0, int(c)) if str(c).isdigit() else (1, str(c)))


def _by_head_teacher(v: Visit, head: str) -> bool:
    return (head and head in v.teachers) or v.role == HEAD_TEACHER


def _visited(cls, head, students, counting) -> int:
    return sum(1 for s in students
               if any(_by_head_teacher(v, head) and s.class_at(v.date) == cls for v in counting.get(s.key, [])))


def _head_teacher_rows(cls, head, students, counting, in_term, quotas: HomeVisitQuotas) -> list[QuotaRow]:
    visited = _visited(cls, head, students, counting)
    name, label = head or UNKNOWN_TEACHER, class_name(*cls)
    out = []
    if quotas.head_teacher_all_per_year:
        out.append(QuotaRow(name, HEAD_TEACHER, label, "一学年内普访全班学生一次", len(students), visited, cls))
    if quotas.head_teacher_share_per_term > 0:
        due = math.ceil(quotas.head_teacher_share_per_term * len(students))
        out.append(QuotaRow(name, HEAD_TEACHER, label,
                            f"一学期内至少家访{quotas.head_teacher_share_per_term:.0%}的学生", due,
                            _visited(cls, head, students, in_term), cls))
    return out


def _subject_teacher_rows(state: SchoolState, counting, quotas: HomeVisitQuotas) -> list[QuotaRow]:
    if quotas.subject_teacher_per_term <= 0:
        return []
    done: dict[str, int] = {}
    classes: dict[str, set] = {}
    for key, vs in counting.items():
        s = state.students.get(key)
        for v in vs:
            if v.role != SUBJECT_TEACHER:
                continue
            for t in v.teachers:
                done[t] = done.get(t, 0) + 1
                if s is not None:
                    classes.setdefault(t, set()).add(s.class_at(v.date))
    return [QuotaRow(t, SUBJECT_TEACHER, "、".join(class_name(*c) for c in sorted(classes.get(t, ()), key=_class_order)),
                     f"每学期至少家访{quotas.subject_teacher_per_term}人次", quotas.subject_teacher_per_term, n)
            for t, n in sorted(done.items())]
