"""Week N's cost independent of N (issue 18, SPEC §23): `kc weekly` and `kc monthly` load each student's
attendance walk as saved by an earlier run (rules/walk_state.py, store table walk_states) and only the
marks after it, and save the walk at their own as-of date for the next run.

A saved state is used only when it is still what a walk from 学年初 would give (rules.walk_state):
the store drops every state from a changed mark's day on, and a state whose print (status timeline,
events, calendar, policy) differs from today's is not used — that student is walked from 学年初 over
all their marks, and their older states are replaced. `tests/test_resume.py` compares the workbooks
of runs that went on from saved states with runs from scratch, cell by cell.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.app.loading import load_school, school_year_of, year_window
from kc_batch.calendar import week_days, week_of
from kc_batch.model import SchoolData
from kc_batch.reconcile.warning_review import first_flags, follow_window
from kc_batch.rules import attendance, walk_state
from kc_batch.rules.status import SchoolState, build_state
from kc_batch.store import Store

FULL_LOAD_SHARE = 0.25   # more students than this walked from 学年初: one query for all marks
KEEP_DAYS = 5            # the states of the 5 latest days are kept (a correction of an older week: one full walk)


@dataclass
class Resumed:
    day: dt.date | None                              # the day of the states gone on from
    restarted: set = field(default_factory=set)      # students walked from 学年初


def load_resumed(store: Store, cfg, cal, as_of: dt.date, week: str | None = None,
                 follow_flags: bool = False, presence: bool = False) -> tuple[SchoolData, Resumed]:
    """load_school with each student's saved walk state (data.walk_states) and, for those students, the
    marks after its day only. With a week (kc weekly), a state of a day before the week: the week's
    figures count the week's marks (a re-run of the week does not go on from its own states).
    `follow_flags` (kc monthly, §22.2): the 预警回顾 reads a student's marks of the days after each first flag;
    for a flag a saved state carries, those up to the state's day are loaded too (data.review_marks,
    _marks_after_flags). `presence` (kc monthly): the weeks of the monthly's chart up to the states' day
    too (data.weekly_presence, _weeks_before)."""
    window = year_window(store.rollovers(), school_year_of(as_of))
    data = load_school(store, as_of, week, marks=False)
    state = build_state(data, cal)
    latest = week_days(week)[0] - dt.timedelta(days=1) if week else as_of
    day = store.walk_state_day(min(latest, as_of), window.old_last_day)
    states = _usable_states(store, state, cfg, cal, day) if day else {}
    restarted = set(state.students) - set(states)
    marks = {}
    if states:
        marks = store.marks(as_of, since=day, keys=states)
    if restarted:
        many = len(restarted) > FULL_LOAD_SHARE * max(1, len(state.students))
        loaded = store.marks(as_of) if many else store.marks(as_of, keys=restarted)
        marks.update((k, ms) for k, ms in loaded.items() if k not in states)
    data.marks = window.marks(marks)
    data.walk_states = states
    if follow_flags and states:
        data.review_marks = window.marks(_marks_after_flags(store, cal, states, day))
    if presence and states:
        data.presence_until = day
        data.weekly_presence = _weeks_before(store, state, cal, window, day, as_of)
    return data, Resumed(day, restarted)


def _weeks_before(store: Store, state: SchoolState, cal, window, day: dt.date, as_of: dt.date) -> dict:
    """ISO week → (days marked while 在读, present) of the weeks from 学年初 that begin on or before `day`:
    a complete week from store table week_presence while its print (walk_state.week_prints) holds and no
    mark of it has changed (the store drops it then); else counted from its stored marks, and kept when
    complete."""
    first_day = cal.first_school_day
    last = cal.teaching_week_of(week_of(min(day, as_of))) or 0
    weeks = [cal.teaching_week_to_iso(n) for n in range(1, last + 1)]
    prints = walk_state.week_prints(state, weeks, (first_day.isoformat(), str(window.old_last_day)))
    saved = store.week_presence()
    out, fresh = {}, []
    for week in weeks:
        days = week_days(week)
        monday, sunday = days[0], days[-1]
        complete = sunday <= as_of
        kept = saved.get(week)
        if complete and kept and kept[0] == prints[week]:
            out[week] = (int(kept[1]), kept[2])
            continue
        marks = store.day_presence(max(monday, first_day), min(sunday, as_of))
        out[week] = attendance.presence_of_marks(state, marks, first_day).get(week, (0, 0.0))
        if complete:
            fresh.append((week, monday, sunday, prints[week], *out[week]))
    store.save_week_presence(fresh)
    return out


def _marks_after_flags(store: Store, cal, states: dict, day: dt.date) -> dict:
    """key → the marks up to `day` of the days the 预警回顾 follows after each first flag (§22.2) a saved
    state carries: one day range of the (day, key) primary key per flag, not the student's year."""
    found: dict[str, dict] = {}
    for key, ws in states.items():
        for _, first in first_flags(ws, cal.first_school_day, day):
            last = min(follow_window(first, cal), day)
            for ms in store.marks(last, since=first, keys=[key]).values():
                found.setdefault(key, {}).update((m.day, m) for m in ms)
    return {key: [by_day[d] for d in sorted(by_day)] for key, by_day in found.items()}


def _usable_states(store: Store, state: SchoolState, cfg, cal, day: dt.date) -> dict:
    config = walk_state.config_print(cfg.policy, cal)
    out = {}
    for key, printed, text in store.walk_states(day):
        s = state.students.get(key)
        if s is None or printed != walk_state.student_print(config, s, day):
            continue
        ws = walk_state.from_text(day, text)
        if ws is not None:
            out[key] = ws
    return out


def save_states(store: Store, cfg, cal, state: SchoolState, atts: dict, as_of: dt.date, resumed: Resumed) -> None:
    """Keep each student's walk at as_of for the next run (only the students walked from 学年初 when the
    states gone on from are of as_of itself)."""
    config = walk_state.config_print(cfg.policy, cal)
    keys = resumed.restarted if resumed.day == as_of else atts.keys()
    rows = [(key, walk_state.student_print(config, state.students[key], as_of), walk_state.to_text(atts[key].checkpoint))
            for key in keys if key in atts and atts[key].checkpoint is not None]
    if rows:
        store.save_walk_states(as_of, rows, KEEP_DAYS)
