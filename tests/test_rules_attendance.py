"""Streaks (§6.1), the ladder (§6.2, 截止日期 §13.10), 疑似辍学 (§6.3) and the reopen threshold of
the ledger (§6.4, [policy] reopen_streak_days), on plain records (tests/plain_school.py), by hand.

School days: W40 Mon 09-28, Tue 09-29, Wed 09-30 (10-01…07 holidays); W41 Thu 10-08, Fri 10-09,
Sat 10-10 (调休); W42 Mon 10-12 … Fri 10-16; W43 Mon 10-19 … Fri 10-23; W44 Mon 10-26 …
"""
from __future__ import annotations

import datetime as dt

import pytest

from plain_school import CAL, D, School, absent, key

from kc_batch.config import Config, EscalationStep, Policy
from kc_batch.reconcile import weekly

W42 = [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)]
W43 = [D(2026, 10, 19) + dt.timedelta(days=i) for i in range(5)]


def picture(marks: dict, as_of: dt.date, policy=None, events=()):
    school = School().roster("甲").marks("甲", marks)
    for e in events:
        school.event("甲", *e)
    state, atts = school.attendance(as_of, policy)
    return atts[key("甲")]


# ---------------------------------------------------------------- streaks (§6.1)

def test_streak_runs_across_holidays_weekends_and_weeks():
    """旷 09-29, 09-30 (W40), 10-08, 10-09, 10-10 (W41, 调休 Saturday), 10-12 (W42): the holidays and
    the Sunday are not school days, so the streak is 6, begun 09-29."""
    a = picture(absent(D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10),
                       D(2026, 10, 12)), D(2026, 10, 12))
    assert (a.streak, a.streak_start, a.unexcused_total) == (6, D(2026, 9, 29), 6)


@pytest.mark.parametrize("ender", ["√", "迟", "病", "事"])
def test_present_late_or_excused_days_end_a_streak(ender):
    """旷 10-12, 10-13; then the ender on 10-14; 旷 10-15, 10-16 → the streak is 2, begun 10-15."""
    a = picture({**absent(*W42[:2]), W42[2]: ender, **absent(*W42[3:])}, W42[-1])
    assert (a.streak, a.streak_start) == (2, W42[3])
    assert a.unexcused_total == 4


def test_unknown_days_neither_add_nor_end():
    """旷 10-12, no data 10-13 and 10-14, 旷 10-15 → streak 2 (days with data: 2)."""
    a = picture(absent(W42[0], W42[3]), W42[3])
    assert (a.streak, a.streak_start, a.days_with_data) == (2, W42[0], 2)


def test_half_days():
    """旷 10-12, 旷半 10-13 (½ 旷, ½ present: continues the streak), 旷 10-14 → streak 2.5;
    病半 10-15 ends it (no 旷 in it). Absence rate = (2.5 旷 + 0.5 病) ÷ 4 days with data = 75%."""
    a = picture({W42[0]: "旷", W42[1]: "旷半", W42[2]: "旷"}, W42[2])
    assert a.streak == 2.5
    a = picture({W42[0]: "旷", W42[1]: "旷半", W42[2]: "旷", W42[3]: "病半"}, W42[3])
    assert (a.streak, a.absence_rate) == (0, pytest.approx(3 / 4))


def test_marks_after_as_of_are_not_counted():
    a = picture(absent(*W42), W42[1])
    assert (a.streak, a.days_with_data) == (2, 2)


def test_a_change_event_ends_the_streak_but_a_class_move_does_not():
    """旷 10-12 … 10-14; 调班 on 10-14 keeps the streak (3); a 送教上门 event on 10-14 ends it."""
    days = absent(*W42[:3])
    a = picture(days, W42[2], events=[("调班", W42[2])])
    assert a.streak == 3
    a = picture(days, W42[2], events=[("送教上门", W42[2])])
    assert a.streak == 1  # only the 10-14 mark after the event (events sort before marks of a day)


def test_a_quanfan_attempt_neither_ends_the_streak_nor_the_suspicion():
    """旷 on Fri 10-09, Sat 10-10 (调休) and Mon–Fri 10-12 … 10-16: 7 school days. A 劝返记录 (a home visit, §6.4 log) on 10-13 leaves the student away: the
    streak is still 7 on 10-16 and 疑似辍学 since 10-16; a 劝返复学 is what ends it (README 口径与取舍)."""
    days = absent(D(2026, 10, 9), D(2026, 10, 10), *W42)
    a = picture(days, W42[-1], events=[("劝返记录", W42[1])])
    assert a.streak == 7
    assert a.suspect_since == W42[-1]


# ---------------------------------------------------------------- ladder (§6.2, §13.10)

def test_default_ladder_step_dates_and_deadline():
    """§14's 乙: 旷 from Fri 10-09 through Fri 10-16. Steps 1, 2, 3, 4 at streaks 1, 2, 3, 7:
    10-09, 10-10 (调休), 10-12, 10-16. 截止日期 = the step-4 date + 1 school day = Mon 10-19."""
    a = picture(absent(D(2026, 10, 9), D(2026, 10, 10), *W42), W42[-1])
    assert [(s.index, s.days, s.date) for s in a.steps] == [
        (1, 1, D(2026, 10, 9)), (2, 2, D(2026, 10, 10)), (3, 3, D(2026, 10, 12)), (4, 7, D(2026, 10, 16))]
    assert a.suspect_since == D(2026, 10, 16)
    cfg = Config()
    cfg.calendar = CAL.cfg
    school = School().roster("甲").marks("甲", absent(D(2026, 10, 9), D(2026, 10, 10), *W42))
    state, atts = school.attendance(W42[-1])
    (alert,) = weekly._alerts(state, atts, cfg, CAL, W42[-1])
    assert (alert.level, alert.deadline, alert.first_day) == ("第4级（连续7天）", D(2026, 10, 19), D(2026, 10, 9))


def test_step_deadline_counts_school_days():
    """A step reached on Fri 10-16 with deadline_days 1 is due Mon 10-19; with 0, the same day."""
    from kc_batch.rules.attendance import StepReached, step_deadline
    policy = Policy(escalation=[EscalationStep(1, "告知家长", "班主任", 0), EscalationStep(3, "报告", "校长", 1)])
    assert step_deadline(StepReached(2, 3, W42[-1]), policy, CAL) == D(2026, 10, 19)
    assert step_deadline(StepReached(1, 1, W42[-1]), policy, CAL) == W42[-1]


def test_another_regions_ladder():
    """A two-step ladder (连续2天 家访, 连续5天 报告): 旷 10-12 … 10-16 reaches step 2 on the 5th day."""
    policy = Policy(escalation=[EscalationStep(2, "家访", "班主任", 0), EscalationStep(5, "报告", "校长", 1)])
    a = picture(absent(*W42), W42[-1], policy)
    assert [(s.index, s.date) for s in a.steps] == [(1, W42[1]), (2, W42[4])]


# ---------------------------------------------------------------- the reopen threshold

@pytest.mark.parametrize("reopen, state", [(3, "观察中"), (2, "在办")])
def test_reopen_streak_days_is_a_policy_field(reopen, state):
    """旷 09-28 … 10-12 (7 days: 疑似辍学 case 在办 on 10-12), back 10-13 (观察中), 旷 10-14, 10-15.
    A streak of 2 reopens the case only when reopen_streak_days is 2."""
    days = {**absent(*[D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 9),
                       D(2026, 10, 10), W42[0]]), W42[1]: "√", **absent(W42[2], W42[3])}
    a = picture(days, W42[3], Policy(reopen_streak_days=reopen))
    (case,) = a.cases
    assert (case.opened, case.state_at(W42[1]), case.state_at(W42[3])) == (W42[0], "观察中", state)


# ---------------------------------------------------------------- §17.4 a ladder step in class periods

PERIOD_LADDER = [EscalationStep(None, "告知家长", "班主任", 0, periods=4), EscalationStep(3, "报告校长", "教务处", 0)]


def test_a_periods_step_counts_the_weeks_periods():
    """periods_per_day 6 (default). 旷2节 Mon 10-12, present Tue 10-13, 旷2节 Wed 10-14: 4 periods this week →
    step 1 (本周旷课4节) reached on 10-14 and still listed on Fri 10-16 although Thu/Fri were present; the
    day-based step 2 (3 days) is not reached (streak ⅓ day). Mon 10-19 present: a new week, the step is gone."""
    policy = Policy(escalation=PERIOD_LADDER)
    marks = {W42[0]: "旷2节", W42[1]: "√", W42[2]: "旷2节", W42[3]: "√", W42[4]: "√", W43[0]: "√"}
    a = picture(marks, W42[4], policy)
    assert [(st.index, st.date) for st in a.steps] == [(1, W42[2])]
    from kc_batch.rules.attendance import step_label
    assert step_label(a.top_step) == "第1级（本周旷课4节）"
    assert picture(marks, W43[0], policy).steps == []


def test_a_full_day_away_is_six_periods():
    """旷 all of Mon 10-12 = 6 periods ≥ 4: step 1 on 10-12; 旷 10-13, 10-14: streak 3 → step 2 on 10-14."""
    a = picture(absent(*W42[:3]), W42[2], Policy(escalation=PERIOD_LADDER))
    assert [(st.index, st.date) for st in a.steps] == [(1, W42[0]), (2, W42[2])]
