"""Store → the loaded data the compute functions take (model.SchoolData). The one place that
decides what a weekly or monthly computation reads; rules/ and reconcile/ never see the store."""
from __future__ import annotations

import datetime as dt

from kc_batch.calendar import week_of
from kc_batch.model import RosterRow, SchoolData
from kc_batch.store import Store


def load_school(store: Store, as_of: dt.date, week: str | None = None) -> SchoolData:
    """Rosters, events, marks up to `as_of`, 班主任 of the 周查表 up to as_of's week, identity
    notices, 家访登记表 rows up to as_of; with a week, that week's 周查表 rows and the classes that reported it."""
    return SchoolData(
        roster=store.roster_rows(),
        events=store.events(),
        marks=store.marks(as_of),
        head_teachers=store.head_teachers(week_of(as_of)),
        notices=store.notices(),
        check_rows=store.check_rows(week) if week else [],
        reported_classes=store.reported_classes(week) if week else set(),
        visits=store.home_visits(as_of),
    )


def load_roster(store: Store, exclude_sha=(), grades: tuple[int, ...] | None = None) -> list[RosterRow]:
    """Every stored roster row (of some grades), in import order, less the rows of the files with
    these contents."""
    excluded = store.file_ids(exclude_sha)
    return [r for r in store.roster_rows(grades) if r.file_id not in excluded]


def store_answers(store: Store, answers: list[tuple[str, str, str]]) -> None:
    """Keep the answers read back from earlier workbooks, in the order read (the last saved wins)."""
    for kind, key, value in answers:
        store.set_answer(kind, key, value)
