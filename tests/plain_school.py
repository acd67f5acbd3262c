"""A school as plain records (kc_batch.model), for unit tests of one rule without workbooks or a store.

The calendar is that of tests/school.py: 学年初 2026-09-01, holidays 10-01…10-07, 调休 school day
Sat 10-10. Students are keyed "K<name>" and sit in 三年级1班 unless told otherwise.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.calendar import SchoolCalendar, week_of
from kc_batch.config import CalendarConfig, Policy
from kc_batch.model import CheckRow, DayMark, Event, Notice, RosterRow, SchoolData, Source
from kc_batch.rules import attendance
from kc_batch.rules.status import build_state

D = dt.date
CAL = SchoolCalendar(CalendarConfig(holidays=[D(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)],
                                    extra_school_days=[D(2026, 10, 10)]))

# mark text → (present, late, sick, personal, unexcused), as the reader stores them (§4, §13.3)
MARKS = {"√": (1, 0, 0, 0, 0), "迟": (1, 1, 0, 0, 0), "病": (0, 0, 1, 0, 0), "事": (0, 0, 0, 1, 0),
         "旷": (0, 0, 0, 0, 1), "旷半": (0.5, 0, 0, 0, 0.5), "病半": (0.5, 0, 0.5, 0, 0),
         "旷2节": (4 / 6, 0, 0, 0, 2 / 6)}   # §17.4 with the default 6 periods a day


def key(name: str) -> str:
    return "K" + name


@dataclass
class School:
    data: SchoolData = field(default_factory=SchoolData)
    _seq: int = 0

    def roster(self, *names, grade=3, class_no="1", file_id=1, birth="2018-03-01", sex="男") -> "School":
        for name in names:
            self._seq += 1
            self.data.roster.append(RosterRow(file_id, self._seq, 1, Source(f"花名册{file_id}.xlsx", "三年级1班", self._seq + 2),
                                              key(name), grade, class_no, name, attrs={"sex": sex, "birth": birth}))
        return self

    def event(self, name, typ, day, grade=3, class_no="1", receipt=None, reason="", responsible="", other="",
              note="") -> "School":
        n = len(self.data.events) + 1
        self.data.events.append(Event(n, key(name), typ, day, name, grade, class_no, other, receipt, reason,
                                      responsible, note, Source("变动.xlsx", "变动", n + 2)))
        self.data.events.sort(key=lambda e: e.date)
        return self

    def marks(self, name, by_day: dict, grade=3, class_no="1") -> "School":
        out = self.data.marks.setdefault(key(name), [])
        for day, text in by_day.items():
            p, late, sick, personal, unexcused = MARKS[text]
            out.append(DayMark(day, p, late, sick, personal, unexcused, "" if text == "√" else text, grade, class_no,
                               week_of(day), Source("周查表.xlsx", "三年级1班", 3)))
        out.sort(key=lambda m: m.day)
        return self

    def on_sheet(self, name, grade=3, class_no="1") -> "School":
        self.data.check_rows.append(CheckRow(key(name), name, grade, class_no, Source("周查表.xlsx", "三年级1班", 3)))
        self.data.reported_classes.add((grade, class_no))
        return self

    def notice(self, name, message) -> "School":
        self.data.notices.append(Notice(Source("花名册1.xlsx", "三年级1班", 3), key(name), message))
        return self

    def state(self):
        return build_state(self.data, CAL)

    def attendance(self, as_of: dt.date, policy: Policy | None = None):
        state = self.state()
        return state, attendance.analyse(state, self.data.marks, policy or Policy(), as_of)


def absent(*days) -> dict:
    return {d: "旷" for d in days}
