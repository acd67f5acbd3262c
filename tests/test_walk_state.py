"""A saved walk state reads back as the same state (rules/walk_state.py), every field of every case
included: a field added to rules.ledger.Case later must survive the store, or a resumed run would differ
from a run from scratch (a 销号 reason, who closed the case, the 劝返 log)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from kc_batch.rules.attendance import StepReached
from kc_batch.rules.ledger import Case
from kc_batch.rules.walk_state import WalkState, from_text, to_text

D = dt.date


def full_case() -> Case:
    values = dict(key="440101201501011234", opened=D(2026, 10, 12), category="疑似辍学", reason="连续旷课",
                  responsible="王老师", state="已销号", closed=D(2026, 11, 9), close_reason="返校连续出勤",
                  closed_by="served", back_since=D(2026, 11, 2),
                  log=[(D(2026, 10, 13), "王老师", "家访，家长答应送回"), (D(2026, 10, 20), "李校长", "约谈")],
                  history=[(D(2026, 10, 12), "在办"), (D(2026, 11, 2), "观察中"), (D(2026, 11, 9), "已销号")])
    # every field of Case is given a value that is not its default: a new field fails here until it is added
    assert set(values) == {f.name for f in dataclasses.fields(Case)}
    return Case(**values)


def test_saved_state_reads_back_equal():
    step = StepReached(3, 5.0, D(2026, 10, 12), None)
    state = WalkState(D(2026, 11, 13), streak=2.5, streak_start=D(2026, 11, 12), steps=[step],
                      suspect_since=D(2026, 10, 12), unexcused_total=9.5, absent_total=11.0, days_with_data=48,
                      cases=[full_case()], suspect_spells=[(D(2026, 10, 12), D(2026, 11, 2))], flags=[step],
                      phase="closed", case_index=0, days_back=10, week_periods={"2026-W46": 3})
    back = from_text(state.day, to_text(state))
    assert back == state
    assert back.cases[0].closed_by == "served" and back.cases[0].log[1] == (D(2026, 10, 20), "李校长", "约谈")
    assert back.steps[0] is back.flags[0]        # one object in both lists, as the walk keeps it
