"""Students, their status over time, and change events (SPEC §5, §5.2a, §13.12, §13.13, §13.21).

`build_state` turns a unit's loaded data (model.SchoolData) into a `SchoolState`: every student with
their newest-roster class, attributes, and a status timeline built by applying their change events in date order. Events that
are impossible from the current status are rejected (finding R10) and change nothing.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field, replace

from kc_batch.calendar import SchoolCalendar
from kc_batch.model import NO_SOURCE, Event, RosterRow, SchoolData, Source  # noqa: F401  (Event: re-exported)

# §5.2: the one event-type table lives in kc_batch.event_types (lowest layer, the reader needs it too)
from kc_batch.event_types import (EVENT_TYPES, JOIN_TYPES, JOINS, R05_STATUSES, READING,  # noqa: F401
                                  STATUS_EVENT_TYPES, EventType)

STATUS_CN = {None: "未在本校", READING: "在读"}


@dataclass
class Student:
    key: str
    name: str
    sfz: str | None = None
    xjh: str | None = None
    grade: int | None = None
    class_no: str | None = None
    attrs: dict = field(default_factory=dict)
    on_roster: bool = False
    source: Source = NO_SOURCE
    events: list[Event] = field(default_factory=list)
    # status timeline: change dates and the status from that date on
    _dates: list[dt.date] = field(default_factory=list)
    _statuses: list = field(default_factory=list)
    initial: str | None = None
    moves: list[tuple[dt.date, int, str]] = field(default_factory=list)  # 调班: (date, grade, class)

    def status_at(self, day: dt.date):
        i = bisect.bisect_right(self._dates, day)
        return self._statuses[i - 1] if i else self.initial

    def reading_at(self, day: dt.date) -> bool:
        return self.status_at(day) == READING

    def timeline(self) -> list[tuple[dt.date, str]]:
        """(date, status from that date on) of every change, in date order (before the first: `initial`)."""
        return list(zip(self._dates, self._statuses))

    def class_at(self, day: dt.date) -> tuple[int | None, str | None]:
        g, c = self.grade, self.class_no
        for d, mg, mc in self.moves:
            if d <= day:
                g, c = mg, mc
        return g, c

    def applied_events(self, until: dt.date | None = None) -> list[Event]:
        return [e for e in self.events if e.applied and (until is None or e.date <= until)]

    def flag(self, name: str) -> bool:
        v = self.attrs.get(name)
        return bool(v) and v not in ("否", "无")

    @property
    def sex(self) -> str:
        return self.attrs.get("sex", "")

    def categories(self) -> str:
        """建档立卡/残疾/留守/随迁/孤儿 joined by 、 (§9.1)."""
        out = []
        for attr, word in (("poor", "建档立卡"), ("disability", "残疾"), ("left_behind", "留守"),
                           ("migrant", "随迁"), ("orphan", "孤儿")):
            if self.flag(attr):
                out.append(word)
        return "、".join(out)


@dataclass
class SchoolState:
    cal: SchoolCalendar
    students: dict[str, Student]
    roster_rows: list[RosterRow]
    snapshots: dict[tuple, list[list[RosterRow]]]   # class → snapshots, oldest first
    events: list[Event]
    duplicates: list[tuple[str, list[RosterRow]]]   # R04 within current snapshots
    head_teachers: dict = field(default_factory=dict)  # (grade, class) → 班主任 from the newest 周查表

    def reading_students(self, day: dt.date) -> list[Student]:
        return [s for s in self.students.values() if s.reading_at(day)]


def build_state(data: SchoolData, cal: SchoolCalendar) -> SchoolState:
    """The students of a unit and their status timelines, from its stored rosters and events."""
    roster = data.roster
    snapshots = _class_snapshots(roster)
    students, duplicates = _students_from_roster(roster, snapshots)
    events = [replace(e, applied=True, rejection="") for e in data.events]  # the timeline marks rejections
    for e in events:
        s = students.get(e.key)
        if s is None:
            s = students[e.key] = Student(key=e.key, name=e.name, sfz=e.sfz, xjh=e.xjh, grade=e.grade,
                                          class_no=e.class_no, source=e.source, attrs=_attrs_from_id(e.sfz or e.key))
        s.events.append(e)
    for s in students.values():
        _build_timeline(s, cal)
    return SchoolState(cal, students, roster, snapshots, events, duplicates, dict(data.head_teachers))


def _attrs_from_id(sfz: str | None) -> dict:
    """A student known only from the change register: sex and birth date from the 身份证号 (§3.6)."""
    from kc_batch.read.identity import id_birth, id_sex
    if not sfz or len(sfz) != 18 or not sfz[:17].isdigit():
        return {}
    return {"sex": id_sex(sfz), "birth": id_birth(sfz).isoformat()}


def _class_snapshots(roster: list[RosterRow]) -> dict[tuple, list[list[RosterRow]]]:
    """Each (file, table) group of a class is one roster snapshot of that class (§13.13)."""
    groups: dict[tuple, dict[tuple, list[RosterRow]]] = {}
    for r in roster:
        groups.setdefault((r.grade, r.class_no), {}).setdefault((r.file_id, r.tbl), []).append(r)
    return {cls: [snap[k] for k in sorted(snap)] for cls, snap in groups.items()}


def _students_from_roster(roster, snapshots):
    """Class from the current snapshots; a key listed twice stays in its first row's class (§13.21);
    a student missing from a newer roster stays in the older roster's class (§13.12)."""
    current_rows: dict[str, list[RosterRow]] = {}
    for cls, snaps in snapshots.items():
        for r in snaps[-1]:
            current_rows.setdefault(r.key, []).append(r)
    last_seen: dict[str, RosterRow] = {}
    for r in roster:
        last_seen[r.key] = r  # rows are in import order: the newest row last
    students, duplicates = {}, []
    for key, newest in last_seen.items():
        rows = current_rows.get(key)
        if rows:
            rows.sort(key=lambda r: (r.file_id, r.seq))
            chosen = rows[0]
            if len(rows) > 1:
                duplicates.append((key, rows))
        else:
            chosen = newest
        students[key] = Student(key=key, name=chosen.name, sfz=chosen.sfz, xjh=chosen.xjh, grade=chosen.grade,
                                class_no=chosen.class_no, attrs=dict(chosen.attrs), on_roster=True,
                                source=chosen.source)
    return students, duplicates


def _build_timeline(s: Student, cal: SchoolCalendar):
    """§5.2a: a roster student is 在读 from 学年初 unless a 新生入学/转入 event after 学年初 says when
    they joined; events apply on their date, in date order; impossible ones are rejected (R10)."""
    status_events = [e for e in s.events if e.type in STATUS_EVENT_TYPES]
    first = status_events[0] if status_events else None
    joins_by_event = first is not None and first.type in JOIN_TYPES
    s.initial = READING if s.on_roster and not joins_by_event else None
    status = s.initial
    for e in status_events:
        kind = EVENT_TYPES[e.type]
        after = kind.after
        if status not in kind.allowed_from:
            e.applied = False
            e.rejection = (f"{e.type}无法应用：该生在 {e.date.isoformat()} 的状态为"
                           f"“{STATUS_CN.get(status, status)}”")
            continue
        if kind.unit == JOINS and not s.on_roster and s.grade is None:
            s.grade, s.class_no = e.grade, e.class_no
        if e.type == "调班" and e.grade:
            s.moves.append((e.date, e.grade, e.class_no))
        if e.type == "送教上门":
            s.attrs = dict(s.attrs, study_mode="送教上门")
        if after != status or kind.unit == JOINS:
            s._dates.append(e.date)
            s._statuses.append(after)
        status = after
