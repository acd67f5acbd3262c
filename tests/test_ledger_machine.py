"""The ledger state machine (kc_batch/rules/ledger.py, SPEC §6.4, §13.7, §13.9): every edge of
TRANSITIONS, and the signals that have no edge, on plain dates.

Calendar: the default [calendar] (Mon–Fri from 2026-09-01, no holidays). October 2026: Mon 10-12 …
Fri 10-16, Mon 10-19 … Fri 10-23, Mon 10-26 … Policy defaults: close_after_present_days 10,
reopen_streak_days 3. Back on Tue 10-13 (day 1); present every school day → the 10th present day
is Mon 10-26 (10-13 14 15 16 19 20 21 22 23 26). Only present days count (§13.9, issue 11 item 7).
"""
from __future__ import annotations

import datetime as dt

import pytest

from kc_batch.calendar import SchoolCalendar
from kc_batch.config import CalendarConfig, Policy
from kc_batch.rules import ledger as L
from kc_batch.rules.ledger import Ledger

D = dt.date
CAL = SchoolCalendar(CalendarConfig())
FIRED: set = set()  # the (state, signal) edges taken


class Recording(Ledger):
    def fire(self, signal, day, **info):
        before = self.phase
        took = super().fire(signal, day, **info)
        if took:
            FIRED.add((before, signal))
        return took


def ledger(policy=None) -> Ledger:
    return Recording("k1", CAL, policy or Policy(), [])


def opened(signal="suspect", day=D(2026, 10, 12), **info) -> Ledger:
    lg = ledger()
    assert lg.fire(signal, day, **info)
    return lg


def watching() -> Ledger:
    """Back on 10-13, as the attendance walk does it: the 'back' signal, then the present day."""
    lg = opened()
    assert lg.fire("back", D(2026, 10, 13))
    lg.present(D(2026, 10, 13))
    return lg


def present_on(lg: Ledger, days):
    for d in days:
        lg.present(d)


def test_open_on_suspect_dropout_and_overdue():
    lg = opened("suspect", reason="连续旷课7天")
    c = lg.case
    assert (c.category, c.reason, c.state, c.history) == ("疑似辍学", "连续旷课7天", "在办", [(D(2026, 10, 12), "在办")])
    c = opened("dropout", reason="", responsible="王老师").case
    assert (c.category, c.reason, c.responsible) == ("辍学", "辍学", "王老师")
    assert opened("dropout", reason="外出务工").case.reason == "外出务工"
    c = opened("overdue", reason="转出未接收（去向不明）").case
    assert (c.category, c.reason) == ("疑似辍学", "转出未接收（去向不明）")


def test_dropout_continues_an_open_case():
    """§13.7: a 辍学 after 疑似辍学 continues the same case, without a new history line."""
    lg = opened()
    assert lg.fire("dropout", D(2026, 10, 14), reason="厌学", responsible="赵老师")
    assert len(lg.cases) == 1
    c = lg.case
    assert (c.category, c.reason, c.responsible, c.state) == ("辍学", "厌学", "赵老师", "在办")
    assert c.history == [(D(2026, 10, 12), "在办")]
    lg.fire("dropout", D(2026, 10, 15), reason="")
    assert c.reason == "厌学"  # an empty reason keeps the one known


def test_back_and_returned_put_the_case_under_watch():
    lg = watching()
    assert (lg.case.state, lg.case.back_since, lg.days_back) == ("观察中", D(2026, 10, 13), 1)
    assert lg.case.history[-1] == (D(2026, 10, 13), "观察中")
    lg = opened("dropout")
    assert lg.fire("returned", D(2026, 10, 17), back=D(2026, 10, 19))  # a Saturday event: back on Monday
    assert (lg.case.back_since, lg.days_back) == (D(2026, 10, 19), 0)  # its present days count from then
    assert lg.case.history[-1] == (D(2026, 10, 17), "观察中")


def test_new_streak_or_dropout_during_watch_reopens():
    for signal in ("new_streak", "dropout"):
        lg = watching()
        present_on(lg, CAL.school_days_between(D(2026, 10, 14), D(2026, 10, 16)))
        assert lg.fire(signal, D(2026, 10, 21))
        assert (lg.phase, lg.case.state, lg.case.back_since) == (L.OPEN, "在办", None)
        assert lg.case.history[-1] == (D(2026, 10, 21), "在办")
        lg.present(D(2026, 10, 22))                 # 在办: a present day is not counted …
        assert lg.days_back == 0
        assert lg.fire("back", D(2026, 10, 23))     # … until the 'back' that starts a new count
        lg.present(D(2026, 10, 23))
        assert (lg.phase, lg.days_back) == (L.WATCH, 1)


def test_served_closes_on_the_tenth_present_day_back():
    lg = watching()
    present_on(lg, CAL.school_days_between(D(2026, 10, 14), D(2026, 10, 23)))   # days 2 … 9
    assert (lg.phase, lg.days_back) == (L.WATCH, 9)
    lg.present(D(2026, 10, 26))                                                  # day 10
    c = lg.cases[0]
    assert (lg.phase, lg.case, c.state, c.closed) == (L.NO_CASE, None, "已销号", D(2026, 10, 26))
    assert c.close_reason == "返校后到校10个教学日未再连续旷课"
    assert c.history[-1] == (D(2026, 10, 26), "已销号")


def test_school_days_without_a_present_mark_are_not_days_back():
    """Issue 11 item 7: present 10-13 … 10-16 (days 1–4), no data 10-19 … 10-23, present 10-26 … 10-30
    (days 5–9): still 观察中 after the calendar's 10th school day back; present 11-02 is day 10."""
    lg = watching()
    present_on(lg, CAL.school_days_between(D(2026, 10, 14), D(2026, 10, 16)))
    present_on(lg, CAL.school_days_between(D(2026, 10, 26), D(2026, 10, 30)))
    assert (lg.phase, lg.days_back, lg.case.state) == (L.WATCH, 9, "观察中")
    lg.present(D(2026, 11, 2))
    assert lg.cases[0].closed == D(2026, 11, 2)


def test_present_days_outside_watch_change_nothing():
    lg = ledger()
    lg.present(D(2026, 10, 12))
    assert (lg.phase, lg.cases) == (L.NO_CASE, [])
    lg = opened()
    lg.present(D(2026, 10, 13))
    assert (lg.phase, lg.days_back) == (L.OPEN, 0)


@pytest.mark.parametrize("make", [opened, watching])
def test_leaving_legitimately_closes_at_once(make):
    lg = make()
    assert lg.fire("left", D(2026, 10, 22), reason="死亡")
    c = lg.cases[0]
    assert (c.state, c.closed, c.close_reason, lg.phase) == ("已销号", D(2026, 10, 22), "死亡", L.NO_CASE)


def test_signals_without_an_edge_change_nothing():
    lg = ledger()
    for signal in ("back", "returned", "new_streak", "served", "left"):
        assert not lg.fire(signal, D(2026, 10, 12))
    assert lg.cases == [] and lg.phase == L.NO_CASE
    lg = opened()
    for signal in ("suspect", "overdue", "new_streak", "served"):
        assert not lg.fire(signal, D(2026, 10, 13))
    assert lg.case.history == [(D(2026, 10, 12), "在办")]
    lg = watching()
    for signal in ("suspect", "overdue", "back", "returned"):
        assert not lg.fire(signal, D(2026, 10, 14))
    assert lg.phase == L.WATCH and lg.case.back_since == D(2026, 10, 13)


def test_a_closed_case_stays_and_a_new_one_opens():
    lg = opened()
    lg.fire("left", D(2026, 10, 13), reason="死亡")
    lg.fire("suspect", D(2026, 10, 20))
    assert [c.state for c in lg.cases] == ["已销号", "在办"]
    assert lg.cases[0].state_at(D(2026, 10, 12)) == "在办" and lg.cases[0].state_at(D(2026, 10, 13)) == "已销号"


def test_log_goes_to_the_open_case_else_the_last():
    lg = ledger()
    lg.log(D(2026, 10, 12), "王老师", "家访")  # no case at all: nowhere to go
    lg = opened()
    lg.log(D(2026, 10, 13), "王老师", "家访")
    lg.fire("left", D(2026, 10, 14), reason="死亡")
    lg.log(D(2026, 10, 15), "李老师", "电话")
    assert lg.cases[0].log == [(D(2026, 10, 13), "王老师", "家访"), (D(2026, 10, 15), "李老师", "电话")]


def test_every_edge_of_the_table_is_taken():
    """The scenarios above, run again here, take each (state, signal) edge of TRANSITIONS."""
    FIRED.clear()
    test_open_on_suspect_dropout_and_overdue()
    test_dropout_continues_an_open_case()
    test_back_and_returned_put_the_case_under_watch()
    test_served_closes_on_the_tenth_present_day_back()
    test_new_streak_or_dropout_during_watch_reopens()
    for make in (opened, watching):
        test_leaving_legitimately_closes_at_once(make)
    assert set(L.TRANSITIONS) - FIRED == set()
