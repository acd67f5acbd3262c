"""The figures of a school's week (SPEC §9.1, §13.1–§13.4, §13.10, §13.24, §13.25)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.rules import attendance
from kc_batch.rules import findings
from kc_batch.rules import home_visits
from kc_batch.rules.classes import head_teachers
from kc_batch.reconcile.home_visits import compute_visit_stats
from kc_batch.rules.attendance import Attendance, Case
from kc_batch.calendar import SchoolCalendar, week_days
from kc_batch.config import Config
from kc_batch.event_types import EVENT_TYPES, JOINS
from kc_batch.model import SchoolData
from kc_batch.rules.status import SchoolState, Student, build_state
from kc_batch.schemas import WEEKLY_EVENT_TYPES

EVENT_COLUMNS = WEEKLY_EVENT_TYPES  # 本周… columns of 周汇总 (§9.1)


@dataclass
class ClassWeek:
    grade: int
    class_no: str
    enrolled: int = 0          # 在册人数 (§13.1)
    expected: float = 0        # 应出勤人次
    present: float = 0         # 实出勤人次
    late: int = 0
    sick: float = 0
    personal: float = 0
    unexcused: float = 0
    events: dict = field(default_factory=lambda: {t: 0 for t in EVENT_COLUMNS})
    suspects: int = 0
    has_sheet: bool = False

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


@dataclass
class Alert:
    """One row of 缺勤预警 (§9.1, §13.10, §13.24)."""
    student: Student
    streak: float
    first_day: dt.date | None
    unexcused_total: float
    absence_rate: float | None
    level: str
    action: str
    responsible: str
    deadline: dt.date | None
    steps: list
    handling: str = ""         # §17.3 处理情况


@dataclass
class WeeklyResult:
    week: str
    as_of: dt.date
    classes: list[ClassWeek]
    alerts: list[Alert]
    findings: list
    cases: list[tuple[Student, Case]]
    suspects: list
    state: SchoolState
    atts: dict
    visit_stats: object = None   # reconcile.home_visits.VisitStats (§17.2)


def compute_week(data: SchoolData, cfg: Config, cal: SchoolCalendar, week: str) -> WeeklyResult:
    """A week's figures from the unit's data loaded as of the week's last school day
    (app.loading.load_school(store, cal.week_end(week), week))."""
    as_of = cal.week_end(week)
    days = [d for d in week_days(week) if d <= as_of]
    state = build_state(data, cal)
    atts = attendance.analyse(state, data.marks, cfg.policy, as_of, data.walk_states)
    suspects = attendance.suspects(state, atts, cfg.policy, as_of)
    classes = _class_weeks(data, state, atts, suspects, days, as_of)
    balance = _class_balance(data, state, days, as_of, classes)
    found = findings.week_findings(data, state, atts, cfg.policy, week, days, as_of, balance)
    alerts = _alerts(state, atts, cfg, cal, as_of)
    cases = _open_cases(state, atts, as_of)
    visits = home_visits.visits_by_student(data.visits, state, as_of)
    _add_handling(alerts, visits, cfg, as_of)
    stats = compute_visit_stats(state, visits, cfg.policy.home_visits,
                                head_teachers(cfg, state.head_teachers), as_of)
    return WeeklyResult(week, as_of, classes, alerts, found, cases, suspects, state, atts, stats)


def _add_handling(alerts: list[Alert], visits, cfg: Config, as_of: dt.date):
    """§17.3: 处理情况 of each alert's highest step (长期缺勤预警 has no step, no deadline)."""
    for a in alerts:
        if a.steps and a.deadline:
            a.handling = home_visits.step_handling(a.action, a.steps[-1].date, a.deadline,
                                                   visits.get(a.student.key, []),
                                                   cfg.policy.home_visits.counting_ways, as_of)


def _class_weeks(data: SchoolData, state: SchoolState, atts, suspects, days, as_of) -> list[ClassWeek]:
    rows: dict[tuple, ClassWeek] = {}

    def row(g, c) -> ClassWeek:
        if (g, c) not in rows:
            rows[(g, c)] = ClassWeek(g, c)
        return rows[(g, c)]

    for g, c in findings.classes_on_roster(state):
        row(g, c)
    for g, c in data.reported_classes:
        if g is not None:
            row(g, c).has_sheet = True
    first_day = days[0]
    for s in state.students.values():
        g, c = s.class_at(as_of)
        if g is None:
            continue
        if s.reading_at(as_of):
            row(g, c).enrolled += 1
        for m in atts[s.key].marks:
            if first_day <= m.day <= as_of:
                r = row(*s.class_at(m.day))
                r.expected += 1
                r.present += m.present
                r.late += m.late
                r.sick += m.sick
                r.personal += m.personal
                r.unexcused += m.unexcused
        for e in s.applied_events(as_of):
            if e.date >= first_day and e.type in EVENT_COLUMNS:
                joins = EVENT_TYPES[e.type].unit == JOINS  # a joiner counts in their class at the week's end
                row(*s.class_at(as_of if joins else e.date)).events[e.type] += 1
    for s, _, _ in suspects:
        g, c = s.class_at(as_of)
        if g is not None:
            row(g, c).suspects += 1
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], _class_sort(k[1])))]


def _class_sort(c):
    return (0, int(c)) if str(c).isdigit() else (1, str(c))


def _class_balance(data: SchoolData, state: SchoolState, days, as_of, classes) -> dict:
    """§5.3 per class over the week: 期初 (the day before the week) + increases − decreases = 期末,
    and the class's 在读 students against this week's 周查表 (R07).

    A registered 调班 moves a student between two classes: it counts as an increase of the new class
    and a decrease of the old one (it cancels out per grade and unit), so a registered move does not
    break the identity of either class (§5.3, §7 R07).
    The 周查表 comparison leaves out the differences that are other findings already (§7): 在读
    students on no 周查表 (R01), rows that are not students of the unit (R02), and students who are
    not 在读 this week (转出/休学/… rows with '—' cells, or R05). What is left is a 在读 student on the
    周查表 of another class than the one the events and rosters put them in."""
    start_day = days[0] - dt.timedelta(days=1)
    sheet_keys: dict[tuple, set] = {}
    for r in data.check_rows:
        sheet_keys.setdefault((r.grade, r.class_no), set()).add(r.key)
    on_any_sheet = set().union(*sheet_keys.values()) if sheet_keys else set()
    reading_this_week = set()
    counts: dict[tuple, dict] = {}
    in_classes: dict[tuple, set] = {}

    def count(cls, what):
        counts.setdefault(cls, dict(start=0, end=0, plus=0, minus=0))[what] += 1

    for s in state.students.values():  # one pass over the students, not one per class
        if s.reading_at(start_day):
            count(s.class_at(start_day), "start")
        if s.reading_at(as_of):
            count(s.class_at(as_of), "end")
        for e in s.applied_events(as_of):
            if e.date <= start_day:
                continue
            before, after = s.class_at(e.date - dt.timedelta(days=1)), s.class_at(e.date)
            if e.type == "调班":
                if before != after:
                    count(after, "plus")
                    count(before, "minus")
            elif EVENT_TYPES[e.type].reading > 0:
                count(after, "plus")
            elif EVENT_TYPES[e.type].reading < 0:
                count(after, "minus")
        for d in days:
            if s.reading_at(d):
                reading_this_week.add(s.key)
                in_classes.setdefault(s.class_at(d), set()).add(s.key)
    out = {}
    for cw in classes:
        cls = (cw.grade, cw.class_no)
        c = counts.get(cls, dict(start=0, end=0, plus=0, minus=0))
        start, end, plus, minus = c["start"], c["end"], c["plus"], c["minus"]
        in_class = in_classes.get(cls, set())
        on_sheet = sheet_keys.get(cls)
        foreign = elsewhere = []
        if on_sheet is not None:
            foreign = sorted(k for k in on_sheet if k in reading_this_week and k not in in_class)
            elsewhere = sorted(k for k in in_class if k not in on_sheet and k in on_any_sheet)
        out[cls] = dict(start=start, plus=plus, minus=minus, expected_end=start + plus - minus, end=end,
                        foreign=[(state.students[k], as_of) for k in foreign],
                        elsewhere=[state.students[k] for k in elsewhere])
    return out


def responsible_text(step_responsible: str, s: Student, head_teachers: dict) -> str:
    """Roles of the ladder step with the names we know: 班主任 from the 周查表, 包保教师 from the roster."""
    text = step_responsible
    head = head_teachers.get((s.grade, s.class_no))
    if head and "班主任" in text:
        text = text.replace("班主任", f"班主任（{head}）", 1)
    teacher = s.attrs.get("teacher")
    if teacher and "包保教师" in text:
        text = text.replace("包保教师", f"包保教师（{teacher}）", 1)
    return text


def _alerts(state: SchoolState, atts: dict[str, Attendance], cfg: Config, cal, as_of) -> list[Alert]:
    ladder = cfg.policy.escalation
    heads = head_teachers(cfg, state.head_teachers)
    out = []
    for key, a in atts.items():
        s = state.students[key]
        if not s.reading_at(as_of):
            continue  # §13.10: 缺勤预警 lists 在读 students only
        top = a.top_step
        if top is not None:
            step = ladder[top.index - 1]
            deadline = attendance.step_deadline(top, cfg.policy, cal)
            out.append(Alert(s, a.streak, a.streak_start, a.unexcused_total, a.absence_rate,
                             attendance.step_label(top), step.action,
                             responsible_text(step.responsible, s, heads), deadline, a.steps))
        elif a.absence_rate is not None and a.absence_rate >= cfg.policy.chronic_absence_rate:
            out.append(Alert(s, a.streak, a.streak_start, a.unexcused_total, a.absence_rate, attendance.CHRONIC_LABEL,
                             "班主任家访了解缺勤原因，制定帮扶措施", responsible_text("班主任", s, heads), None, []))
    out.sort(key=lambda al: (-(al.steps[-1].index if al.steps else 0), -al.streak, al.student.grade or 0,
                             _class_sort(al.student.class_no or ""), al.student.name))
    return out


def _open_cases(state: SchoolState, atts, as_of) -> list[tuple[Student, Case]]:
    """§13.25: the weekly 台账 lists the cases 在办 or 观察中 at the as-of date."""
    out = []
    for key, a in atts.items():
        for case in a.cases:
            if case.state_at(as_of) in ("在办", "观察中"):
                out.append((state.students[key], case))
    out.sort(key=lambda t: (t[1].opened, t[0].grade or 0, t[0].name))
    return out

