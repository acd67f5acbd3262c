"""A student's attendance walk carried from one run to the next (issue 18, SPEC §23).

`rules.attendance` walks each student's marks and events day by day from 学年初. What the walk carries
from one day to the next is small: the streak and its first day (§6.1), the ladder steps reached
(§6.2), the 疑似辍学 spells (§6.3), the 劝返 cases and the ledger's phase (§6.4), the totals (旷课,
缺勤, days with data) and the periods 旷课 per week (§17.4). A `WalkState` is that, as of the end of
one day; the walk of a later as-of date that starts from it and walks only the later marks and
events gives the same Attendance as a walk from 学年初 — as long as nothing the walk read up to that
day has changed since. What it read is:

* the student's marks up to the day — the store drops every state from a changed mark's day on
  (triggers on the marks table, store_schema step 7), so a re-imported older 周查表 invalidates them;
* the student's status timeline and events up to the day, the calendar and the policy — hashed into
  `student_print`, checked when the state is loaded; a state whose print differs is not used and
  that student is walked from 学年初.

Plain data: the store keeps `to_text` and hands back the text; `from_text` reads it again.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from kc_batch.calendar import week_days
from kc_batch.rules.ledger import Case
from kc_batch.rules.status import READING

FORMAT = 4   # bump when the encoding changes (a state of another format is not used)


@dataclass
class WalkState:
    """One student's walk at the end of `day` (before the as-of date's own closing: a student not 在读
    at the as-of date shows no streak, but the walk goes on with it)."""
    day: dt.date
    streak: float = 0.0
    streak_start: dt.date | None = None
    steps: list = field(default_factory=list)          # rules.attendance.StepReached
    suspect_since: dt.date | None = None
    unexcused_total: float = 0.0
    absent_total: float = 0.0
    days_with_data: int = 0
    cases: list = field(default_factory=list)          # rules.ledger.Case
    suspect_spells: list = field(default_factory=list)
    flags: list = field(default_factory=list)          # StepReached
    phase: str | None = None                           # the ledger's phase
    case_index: int | None = None                      # which of `cases` is the open one
    days_back: int = 0
    week_periods: dict = field(default_factory=dict)   # the day's ISO week → its periods 旷课 so far (§17.4)


def copy_case(c: Case) -> Case:
    return dataclasses.replace(c, log=list(c.log), history=list(c.history))


# ---------------------------------------------------------------- what the walk read (fingerprints)

def config_print(policy, cal) -> str:
    """The policy and the calendar the walk used (any kc.toml change in them: every state unused)."""
    return _digest((FORMAT, repr(policy), repr(cal.cfg), cal.first_school_day.isoformat()))


def student_print(config: str, s, day: dt.date) -> str:
    """What of one student the walk up to `day` read, besides the marks: the status timeline and the
    events (with their 回执, reasons and notes) up to that day."""
    timeline = [(d.isoformat(), st) for d, st in s.timeline() if d <= day]
    events = [(e.date.isoformat(), e.type, e.applied, e.receipt_date and e.receipt_date.isoformat(), e.reason,
               e.responsible, e.note, e.other_school) for e in s.events if e.date <= day]
    return _digest((config, s.initial, timeline, events))


def week_prints(state, weeks, base) -> dict[str, str]:
    """ISO week → what the week's attendance counts (rules.attendance.presence_of_marks) read besides
    the week's marks: `base` (学年初, the 学年's window) and the status timeline, up to the week's Sunday,
    of every student 在读 at some time up to then. A student's entries join from their first 在读 day,
    so one not yet 在读 (a 转入 still to come) changes no earlier week's print; a backdated event
    changes the prints from its own week on. One pass over the entries, in day order."""
    stream = []
    for key, s in state.students.items():
        entries = [(None, s.initial), *s.timeline()]
        first = next((d or dt.date.min for d, status in entries if status == READING), None)
        if first is None:
            continue   # never 在读: none of their marks is counted
        stream += [(max(d or dt.date.min, first), key, n, _d(d), status) for n, (d, status) in enumerate(entries)]
    stream.sort(key=lambda e: e[:3])
    h = hashlib.blake2b(repr(base).encode("utf-8"), digest_size=12)
    out, i = {}, 0
    for week in sorted(weeks):
        sunday = week_days(week)[-1]
        while i < len(stream) and stream[i][0] <= sunday:
            h.update(repr(stream[i][1:]).encode("utf-8"))
            i += 1
        out[week] = h.copy().hexdigest()
    return out


def _digest(parts) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=12).hexdigest()


# ---------------------------------------------------------------- text

def to_text(ws: WalkState) -> str:
    return json.dumps([FORMAT, ws.streak, _d(ws.streak_start), [_step(st) for st in ws.steps], _d(ws.suspect_since),
                       ws.unexcused_total, ws.absent_total, ws.days_with_data, [_case(c) for c in ws.cases],
                       [[_d(a), _d(b)] for a, b in ws.suspect_spells], [_step(st) for st in ws.flags],
                       ws.phase, ws.case_index, ws.days_back, ws.week_periods],
                      ensure_ascii=False, separators=(",", ":"))


def from_text(day: dt.date, text: str) -> WalkState | None:
    """The state saved as `text` at `day`; None when it is of another format."""
    from kc_batch.rules.attendance import StepReached
    v = json.loads(text)
    if not v or v[0] != FORMAT:
        return None
    (_, streak, start, steps, since, unexcused, absent, days, cases, spells, flags, phase, index, back,
     periods) = v
    step = lambda t: StepReached(t[0], t[1], _day(t[2]), t[3])  # noqa: E731
    flag_steps = [step(t) for t in flags]
    # a step reached is one object in both lists while it holds (the walk drops it from steps, never from flags)
    by_key = {(f.index, f.date): f for f in flag_steps}
    return WalkState(day, streak, _day(start), [by_key.get((t[0], _day(t[2]))) or step(t) for t in steps],
                     _day(since), unexcused, absent, days, [_uncase(c) for c in cases],
                     [(_day(a), _day(b)) for a, b in spells], flag_steps, phase, index, back, periods)


def _d(day: dt.date | None):
    return day.isoformat() if day else None


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _step(st) -> list:
    return [st.index, st.days, _d(st.date), st.periods]


def _case(c: Case) -> dict:
    """Every field of the case by name (a field added to Case is saved without touching this)."""
    out = {}
    for f in dataclasses.fields(Case):
        value = getattr(c, f.name)
        if f.name in ("log", "history"):            # (date, ...) tuples
            value = [[_d(entry[0]), *entry[1:]] for entry in value]
        elif isinstance(value, dt.date):
            value = _d(value)
        out[f.name] = value
    return out


def _uncase(v: dict) -> Case:
    kw = dict(v)
    for f in dataclasses.fields(Case):
        if f.name in ("log", "history"):
            kw[f.name] = [(_day(entry[0]), *entry[1:]) for entry in kw.get(f.name, [])]
        elif "date" in str(f.type) and f.name in kw:
            kw[f.name] = _day(kw[f.name])
    return Case(**kw)
