"""The 学年 a cohort figure needs (§22.1): one reconcile.cohort.YearRecord per 学年 held in the store.

An earlier 学年 (closed by kc rollover) is read as of its last school day with its kept
kc.toml.YYYY calendar; a 学年 whose kc.toml.YYYY is gone is left out, and so are the 学年 before it
(the cohort then starts later, and its 口径 says from which 学年). The current 学年 is the monthly's
own state at the cutoff.
"""
from __future__ import annotations

import datetime as dt

from kc_batch.app.jobs import Workspace, year_workspace
from kc_batch.app.loading import load_status, school_year_of
from kc_batch.reconcile.cohort import CohortResult, YearRecord, compute_cohorts, year_record
from kc_batch.rules.status import SchoolState, build_state
from kc_batch.store import Store


def cohort_years(store: Store, ws: Workspace, state: SchoolState, cutoff: dt.date) -> list[YearRecord]:
    current = school_year_of(cutoff)
    last_days = {year - 1: last_day for year, _, last_day in store.rollovers()}  # old 学年 → its last school day
    records = [year_record(current, state, cutoff, last_days.get(current - 1))]
    year = current - 1
    while year in last_days:
        old = year_workspace(ws, dt.date(year, 9, 1))
        if old.cfg.calendar.year_start.year != year:
            break  # no kept kc.toml.YYYY for that 学年: its calendar is unknown
        data = load_status(store, last_days[year])
        records.insert(0, year_record(year, build_state(data, old.cal), last_days[year], last_days.get(year - 1)))
        year -= 1
    return records


def monthly_cohorts(store: Store, ws: Workspace, res) -> CohortResult:
    """The cohort block of a monthly result (reconcile.monthly.MonthlyResult) for its 学段."""
    stages = [row.stage for row in res.rows if row.kind == "stage"]
    return compute_cohorts(cohort_years(store, ws, res.state, res.cutoff), stages)
