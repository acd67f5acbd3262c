"""Store → the loaded data the compute functions take (model.SchoolData). The one place that
decides what a weekly or monthly computation reads; rules/ and reconcile/ never see the store."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kc_batch.calendar import week_of
from kc_batch.event_types import CLASS_PLACING_TYPES, GRADUATION_TYPES
from kc_batch.model import RosterRow, SchoolData
from kc_batch.store import Store


def load_school(store: Store, as_of: dt.date, week: str | None = None, marks: bool = True) -> SchoolData:
    """Rosters, events, marks up to `as_of` (unless not `marks`: app.resume loads them), 班主任 of the
    周查表 up to as_of's week, identity notices, 家访登记表 rows up to as_of; with a week, that week's
    周查表 rows and the classes that reported it. All of the 学年 holding `as_of` only (year_window)."""
    window = year_window(store.rollovers(), school_year_of(as_of))
    roster = [r for r in store.roster_rows() if window.holds_file(r.file_id)]
    on_roster = {r.key for r in roster}
    return SchoolData(
        roster=roster,
        events=[e for e in store.events() if window.keeps_event(e, on_roster)],
        marks=window.marks(store.marks(as_of)) if marks else {},
        head_teachers=store.head_teachers(week_of(as_of)),
        notices=store.notices(),
        check_rows=store.check_rows(week) if week else [],
        reported_classes=store.reported_classes(week) if week else set(),
        visits=[v for v in store.home_visits(as_of) if window.after_start(v.date)],
    )


def load_status(store: Store, as_of: dt.date) -> SchoolData:
    """Rosters and change events only, of the 学年 holding `as_of` (as load_school): enough for who was
    where and in which status — an earlier 学年's records for the cohort figures (§22.1)."""
    window = year_window(store.rollovers(), school_year_of(as_of))
    roster = [r for r in store.roster_rows() if window.holds_file(r.file_id)]
    on_roster = {r.key for r in roster}
    return SchoolData(roster=roster, events=[e for e in store.events() if window.keeps_event(e, on_roster)])


def school_year_of(day: dt.date) -> int:
    """The calendar year in which the 学年 holding `day` starts (9月1日 rule, as SchoolCalendar)."""
    return day.year if day.month >= 9 else day.year - 1


@dataclass(frozen=True)
class YearWindow:
    """What of the store belongs to one 学年 (§15.2). Rosters: the files from the rollover into the
    year (its promotion) up to the next rollover's. Events: after the old year's last school day, and
    the earlier status events of the students on this year's roster (a 辍学 of May still holds in
    September and its ledger case carries over); the old year's class moves (调班, 留级) are replaced
    by the promotion, and an earlier 毕业 of a student on this year's roster no longer holds (a 九年一贯制
    school's 六年级 graduate in its own 七年级). Marks and 家访: after the old year's last school day."""
    first_file: int = 0
    end_file: int | None = None
    old_last_day: dt.date | None = None

    def holds_file(self, file_id: int) -> bool:
        return self.first_file <= file_id and (self.end_file is None or file_id < self.end_file)

    def after_start(self, day: dt.date) -> bool:
        return self.old_last_day is None or day > self.old_last_day

    def marks(self, by_key: dict) -> dict:
        return {k: kept for k, ms in by_key.items() if (kept := [m for m in ms if self.after_start(m.day)])}

    def keeps_event(self, e, on_roster: set) -> bool:
        if self.after_start(e.date):
            return True
        # an earlier 毕业 of a student on this year's roster does not hold: they went on in this unit
        # (a 九年一贯制 school's 六年级 graduate in its own 七年级, §15.2)
        return e.key in on_roster and e.type not in CLASS_PLACING_TYPES + GRADUATION_TYPES


def year_window(rollovers: list[tuple[int, int, dt.date]], year: int) -> YearWindow:
    into = [r for r in rollovers if r[0] <= year]
    later = [r for r in rollovers if r[0] > year]
    first, last_day = (into[-1][1], into[-1][2]) if into else (0, None)
    return YearWindow(first, later[0][1] if later else None, last_day)


def load_roster(store: Store, year: int, exclude_sha=(), grades: tuple[int, ...] | None = None) -> list[RosterRow]:
    """The roster rows (of some grades) of 学年 `year` only (year_window: a store holds several 学年
    after `kc rollover`), in import order, less the rows of the files with these contents."""
    window = year_window(store.rollovers(), year)
    excluded = store.file_ids(exclude_sha)
    return [r for r in store.roster_rows(grades) if window.holds_file(r.file_id) and r.file_id not in excluded]


def load_year_roster_events(store: Store, year: int, exclude_sha=()) -> SchoolData:
    """Rosters and events of 学年 `year` (year_window), for the census: what a student's status at a
    day of that year follows from."""
    window = year_window(store.rollovers(), year)
    roster = load_roster(store, year, exclude_sha)
    on_roster = {r.key for r in roster}
    return SchoolData(roster=roster, events=[e for e in store.events() if window.keeps_event(e, on_roster)])


def store_answers(store: Store, answers: list[tuple[str, str, str]]) -> None:
    """Keep the answers read back from earlier workbooks, in the order read (the last saved wins)."""
    for kind, key, value in answers:
        store.set_answer(kind, key, value)
