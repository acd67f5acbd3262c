"""THE ledger of 劝返 cases (辍学学生劝返复学台账) as one state machine (SPEC §6.4, §13.7, §13.9).

A student's case moves 在办 → 观察中 → 已销号 and back to 在办 on a new streak of
`reopen_streak_days` (default 3) school days. Every move is an edge of TRANSITIONS: (state, signal)
→ state. A signal with no edge from the current state changes nothing. The attendance walk
(rules.attendance) only says what happened, in time order; this module decides what it does to the
case. To change the ledger, change TRANSITIONS and its actions here.

States: NO_CASE (no open case), 在办, 观察中, and 观察中 with its close due while a streak is under
way (DUE: shown as 观察中; it closes on the next present day, §13.9), 已销号.
Signals:
  suspect      the streak reaches suspect_after_days (§6.3)           opens a 疑似辍学 case
  dropout      a 辍学 event (§13.7: continues an open case as 辍学)
  overdue      a 转出 without 回执 becomes 逾期未回执 (§13.7)           opens a 疑似辍学 case
  back         a present or late day (an excused day is not back, §13.9)
  returned     a 复学 / 劝返复学 event
  new_streak   the streak reaches reopen_streak_days during 观察中
  served       close_after_present_days school days back, no streak under way
  due          the same, but a streak is under way: the close waits for the next present day
  left         the student leaves legitimately: 死亡, or the 回执 of a 转出 (§6.4)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

NO_CASE, OPEN, WATCH, DUE, CLOSED = None, "在办", "观察中", "观察中（待销号）", "已销号"
SHOWN = {OPEN: OPEN, WATCH: WATCH, DUE: WATCH, CLOSED: CLOSED}  # DUE is 观察中 on every sheet

_ANY_OPEN = (OPEN, WATCH, DUE)

# (state, signal) → (state after, action)
TRANSITIONS: dict[tuple, tuple] = {
    (NO_CASE, "suspect"): (OPEN, "open"),
    (NO_CASE, "dropout"): (OPEN, "open"),
    (NO_CASE, "overdue"): (OPEN, "open"),
    (OPEN, "dropout"): (OPEN, "as_dropout"),       # §13.7: a 辍学 after 疑似辍学 continues the same case
    (WATCH, "dropout"): (OPEN, "as_dropout"),
    (DUE, "dropout"): (OPEN, "as_dropout"),
    (OPEN, "back"): (WATCH, "watch"),
    (OPEN, "returned"): (WATCH, "watch"),
    (WATCH, "new_streak"): (OPEN, "reopen"),
    (DUE, "new_streak"): (OPEN, "reopen"),
    (WATCH, "served"): (CLOSED, "close"),
    (DUE, "served"): (CLOSED, "close"),
    (WATCH, "due"): (DUE, None),
    (DUE, "back"): (CLOSED, "close"),
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
    back_since: dt.date | None = None
    log: list = field(default_factory=list)       # (date, responsible, result)
    history: list = field(default_factory=list)   # (date, state)

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
        self.close_day: dt.date | None = None   # the close_after_present_days-th school day back

    @property
    def served_text(self) -> str:
        return f"返校后连续{self.policy.close_after_present_days}个教学日未再连续旷课"

    def fire(self, signal: str, day: dt.date, **info) -> bool:
        edge = TRANSITIONS.get((self.phase, signal))
        if edge is None:
            return False
        target, action = edge
        before = self.phase
        if action:
            getattr(self, "_" + action)(day, signal=signal, **info)
        if target == CLOSED:
            self.case, self.phase, self.close_day = None, NO_CASE, None
            return True
        self.phase = target
        self.case.state = SHOWN[target]
        if SHOWN[target] != SHOWN.get(before):
            self.case.history.append((day, SHOWN[target]))
        return True

    def check_due(self, before: dt.date, streak: float) -> None:
        """§13.9: 已销号 on the close_after_present_days-th school day back, unless a streak is under
        way then (the close then waits for the next present day)."""
        if self.phase in (WATCH, DUE) and self.close_day and self.close_day < before:
            self.fire("served" if streak == 0 else "due", self.close_day)

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
            c.back_since = None

    def _watch(self, day, signal, back=None, **_):
        self.case.back_since = back or day
        self.close_day = self.cal.add_school_days(self.case.back_since, self.policy.close_after_present_days - 1)

    def _reopen(self, day, signal, **_):
        self.case.back_since = None

    def _close(self, day, signal, reason="", **_):
        c = self.case
        c.state, c.closed, c.close_reason = CLOSED, day, reason or self.served_text
        c.history.append((day, CLOSED))
