"""THE ledger of 劝返 cases (辍学学生劝返复学台账) as one state machine (SPEC §6.4, §13.7, §13.9).

A student's case moves 在办 → 观察中 → 已销号 and back to 在办 on a new streak of
`reopen_streak_days` (default 3) school days. Every move is an edge of TRANSITIONS: (state, signal)
→ state. A signal with no edge from the current state changes nothing. The attendance walk
(rules.attendance) only says what happened, in time order; this module decides what it does to the
case. To change the ledger, change TRANSITIONS and its actions here.

States: NO_CASE (no open case), 在办, 观察中, 已销号.
Signals:
  suspect      the streak reaches suspect_after_days (§6.3)           opens a 疑似辍学 case
  dropout      a 辍学 event (§13.7: continues an open case as 辍学)
  overdue      a 转出 without 回执 becomes 逾期未回执 (§13.7)           opens a 疑似辍学 case
  back         a present or late day (an excused day is not back, §13.9)
  returned     a 复学 / 劝返复学 event
  new_streak   the streak reaches reopen_streak_days during 观察中
  served       the close_after_present_days-th present (or late) day back (§13.9; the return day
               is day 1). Only days with a present mark count: a school day without data (the
               class sent no 周查表), an excused day or an absent day is not a day back.
  left         the student leaves legitimately: 死亡, or the 回执 of a 转出 (§6.4)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

NO_CASE, OPEN, WATCH, CLOSED = None, "在办", "观察中", "已销号"

_ANY_OPEN = (OPEN, WATCH)

# (state, signal) → (state after, action)
TRANSITIONS: dict[tuple, tuple] = {
    (NO_CASE, "suspect"): (OPEN, "open"),
    (NO_CASE, "dropout"): (OPEN, "open"),
    (NO_CASE, "overdue"): (OPEN, "open"),
    (OPEN, "dropout"): (OPEN, "as_dropout"),       # §13.7: a 辍学 after 疑似辍学 continues the same case
    (WATCH, "dropout"): (OPEN, "as_dropout"),
    (OPEN, "back"): (WATCH, "watch"),
    (OPEN, "returned"): (WATCH, "watch"),
    (WATCH, "new_streak"): (OPEN, "reopen"),
    (WATCH, "served"): (CLOSED, "close"),
    **{(state, "left"): (CLOSED, "close") for state in _ANY_OPEN},
}


@dataclass
class Case:
    key: str
    opened: dt.date
    category: str            # 疑似辍学 | 辍学
    reason: str
    responsible: str = ""
    state: str = OPEN        # 在办 | 观察中 | 已销号 (as shown)
    closed: dt.date | None = None
    close_reason: str = ""
    closed_by: str = ""      # the signal that closed it: served (the student came back) or left
    back_since: dt.date | None = None
    log: list = field(default_factory=list)       # (date, responsible, result)
    history: list = field(default_factory=list)   # (date, state)

    def returned_by(self, day: dt.date) -> bool:
        """已销号 by `day` because the student came back and stayed (§21.3 劝返成功), not by leaving."""
        return self.closed is not None and self.closed <= day and self.closed_by == "served"

    def state_at(self, day: dt.date) -> str | None:
        state = None
        for d, s in self.history:
            if d <= day:
                state = s
        return state


class Ledger:
    """One student's cases. `fire(signal, day, …)` applies the edge of TRANSITIONS from the current
    state, if there is one, and says whether there was."""

    def __init__(self, key: str, cal, policy, cases: list[Case]):
        self.key, self.cal, self.policy, self.cases = key, cal, policy, cases
        self.case: Case | None = None
        self.phase = NO_CASE
        self.days_back = 0   # present (or late) days since the return, the return day included

    @property
    def served_text(self) -> str:
        return f"返校后到校{self.policy.close_after_present_days}个教学日未再连续旷课"

    def fire(self, signal: str, day: dt.date, **info) -> bool:
        edge = TRANSITIONS.get((self.phase, signal))
        if edge is None:
            return False
        target, action = edge
        before = self.phase
        if action:
            getattr(self, "_" + action)(day, signal=signal, **info)
        if target == CLOSED:
            self.case, self.phase, self.days_back = None, NO_CASE, 0
            return True
        self.phase = target
        self.case.state = target
        if target != before:
            self.case.history.append((day, target))
        return True

    def present(self, day: dt.date) -> None:
        """A present or late day (after any 'back' it fired): while 观察中 it is one more day back, and
        the close_after_present_days-th one closes the case (§13.9)."""
        if self.phase != WATCH:
            return
        self.days_back += 1
        if self.days_back >= self.policy.close_after_present_days:
            self.fire("served", day)

    def log(self, day: dt.date, responsible: str, result: str) -> None:
        """A 劝返记录 goes to the open case, else to the student's last case."""
        target = self.case or (self.cases[-1] if self.cases else None)
        if target is not None:
            target.log.append((day, responsible, result))

    # -- actions of the edges

    def _open(self, day, signal, reason="", responsible="", **_):
        category = "辍学" if signal == "dropout" else "疑似辍学"
        self.case = Case(self.key, day, category, reason or category, responsible)
        self.cases.append(self.case)

    def _as_dropout(self, day, signal, reason="", responsible="", **_):
        c = self.case
        c.category, c.reason, c.responsible = "辍学", reason or c.reason, responsible or c.responsible
        if self.phase != OPEN:
            c.back_since, self.days_back = None, 0

    def _watch(self, day, signal, back=None, **_):
        self.case.back_since = back or day
        self.days_back = 0

    def _reopen(self, day, signal, **_):
        self.case.back_since = None
        self.days_back = 0

    def _close(self, day, signal, reason="", **_):
        c = self.case
        c.state, c.closed, c.close_reason = CLOSED, day, reason or self.served_text
        c.closed_by = signal
        c.history.append((day, CLOSED))
