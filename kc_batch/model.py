"""The shared records every stage passes on (lowest layer: imports nothing from kc_batch but errors).

`Source` is the one shape of provenance: every row carries it from the reader to the last report,
so any figure or finding can say which file, sheet and Excel row it came from.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    file: str
    sheet: str
    row: int  # as Excel shows it

    def text(self) -> str:
        return f"{self.file} / {self.sheet} / 第{self.row}行"


NO_SOURCE = Source("", "", 0)


@dataclass
class InputError:
    """One row of 输入错误 (§10.1): file, sheet, Excel row, column, the value and why."""
    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    reason: str


@dataclass
class Notice:
    """An identity warning on a kept row (→ finding R08)."""
    source: Source
    key: str
    message: str


# ---------------------------------------------------------------- what the store holds (typed reads)

@dataclass
class RosterRow:
    """One stored 花名册 row. (file_id, tbl) is the roster snapshot it belongs to (§13.13); seq its
    position in the import (sheet order, then Excel row)."""
    file_id: int
    seq: int
    tbl: int
    source: Source
    key: str
    grade: int | None
    class_no: str | None
    name: str = ""
    sfz: str | None = None
    xjh: str | None = None
    attrs: dict = field(default_factory=dict)


@dataclass
class Event:
    """One stored change event (§3.3). `applied`/`rejection` are set when the status timeline is built
    (an impossible event is rejected, R10)."""
    id: int
    key: str
    type: str
    date: dt.date
    name: str
    grade: int | None
    class_no: str | None
    other_school: str
    receipt_date: dt.date | None
    reason: str
    responsible: str
    note: str
    source: Source
    sfz: str | None = None
    xjh: str | None = None
    applied: bool = True
    rejection: str = ""


@dataclass
class DayMark:
    """One student's stored mark of one school day (§3.2, §4)."""
    day: dt.date
    present: float
    late: int
    sick: float
    personal: float
    unexcused: float
    raw: str
    grade: int | None
    class_no: str | None
    week: str
    source: Source

    @property
    def is_back(self) -> bool:
        """§13.9: a present or late day brings a student back (an excused day does not)."""
        return self.present > 0 and self.unexcused == 0

    @property
    def breaks_streak(self) -> bool:
        """§6.1: present, late or excused days end a streak; a half-day 旷 continues it (README)."""
        return self.unexcused == 0


@dataclass(frozen=True)
class CheckRow:
    """One stored 周查表 row: who was listed in which class's sheet of a week."""
    key: str
    name: str
    grade: int | None
    class_no: str | None
    source: Source


@dataclass
class Visit:
    """One 家访 (§17.1): a 家访登记表 row, or a 劝返记录 row of the 学籍变动登记表 (kind)."""
    key: str
    date: dt.date
    teachers: list[str]
    role: str = ""
    way: str = "入户"
    purpose: str = ""
    result: str = ""
    source: Source | None = None
    kind: str = "家访登记表"            # or 劝返记录

    def counts(self, counting_ways) -> bool:
        """§17.2: only the listed ways (default 入户, 视频) count toward a quota or a 家访 step."""
        return self.way in counting_ways

    def teacher_text(self) -> str:
        return "、".join(self.teachers)


@dataclass
class SchoolData:
    """Everything a unit's weekly or monthly figures are computed from, loaded from the store once
    (app.loading.load_school) or built in memory by a test (tests/builder.py)."""
    roster: list[RosterRow] = field(default_factory=list)      # import order
    events: list[Event] = field(default_factory=list)          # date, file, sheet, row order
    marks: dict[str, list[DayMark]] = field(default_factory=dict)  # key → marks in day order
    head_teachers: dict = field(default_factory=dict)          # (grade, class) → 班主任 (newest 周查表)
    notices: list[Notice] = field(default_factory=list)        # identity warnings (R08), import order
    check_rows: list[CheckRow] = field(default_factory=list)   # the week's 周查表 rows (weekly only)
    reported_classes: set = field(default_factory=set)         # (grade, class) with a 周查表 this week
    visits: list[Visit] = field(default_factory=list)          # 家访登记表 rows up to as-of, date order
    # key → rules.walk_state.WalkState to go on from (app.resume, issue 18); the marks of those students
    # are then only the marks after the state's day
    walk_states: dict = field(default_factory=dict)
    # the monthly's chart (issue 18): ISO week → (days marked while 在读, present) of the weeks that begin
    # on or before presence_until (the saved walks' day), whose marks are not loaded; later weeks are
    # counted from the loaded marks
    weekly_presence: dict = field(default_factory=dict)
    presence_until: dt.date | None = None
    # the 预警回顾 (§22.2, kc monthly): key → the marks, up to the saved walk's day, of the FOLLOW_DAYS school
    # days after a flag the state carries (the marks after that day are in `marks`)
    review_marks: dict = field(default_factory=dict)
