"""The monthly's chart of weekly attendance (issue 18): each ISO week's days marked while 在读 and days
present, counted from stored marks (rules.attendance.presence_of_marks, for the weeks before the saved
walks' day) or from the walks' marks (presence_of_walks), and the print that says when a saved week's
counts still hold (rules.walk_state.week_prints). Plain records (tests/plain_school.py).

  甲 √ every school day 09-07 … 09-18.
  乙 √ the same days but 旷半 on 09-08 (present 0.5); 转出 Wed 09-16, so 09-16 … 09-18 are not counted.
  丙 转入 Mon 09-14, √ 09-14 … 09-18; a stray mark on 09-10, before the 转入, is not counted.
By hand: 2026-W37 (09-07 … 09-11) 甲 5 + 乙 5 = 10 marked, 5 + 4.5 = 9.5 present;
         2026-W38 (09-14 … 09-18) 甲 5 + 乙 2 (14, 15) + 丙 5 = 12 marked, 12 present.
"""
from __future__ import annotations

from plain_school import CAL, D, School

from kc_batch.config import Policy
from kc_batch.rules import attendance
from kc_batch.rules.walk_state import week_prints

START = D(2026, 9, 1)
BASE = (START.isoformat(), "None")
WEEKS = ["2026-W37", "2026-W38", "2026-W39"]


def _school() -> School:
    days = CAL.school_days_between(D(2026, 9, 7), D(2026, 9, 18))
    school = School().roster("甲", "乙")
    school.marks("甲", {d: "√" for d in days})
    school.marks("乙", {**{d: "√" for d in days}, D(2026, 9, 8): "旷半"})
    school.event("乙", "转出", D(2026, 9, 16), other="城关小学")
    school.event("丙", "转入", D(2026, 9, 14), other="城关小学")
    school.marks("丙", {D(2026, 9, 10): "√", **{d: "√" for d in days if d >= D(2026, 9, 14)}})
    return school


def _triples(school: School):
    return [(k, m.day, m.present) for k, ms in school.data.marks.items() for m in ms]


def test_counts_from_stored_marks_and_from_the_walks_agree_with_the_hand_count():
    school = _school()
    state, atts = school.attendance(D(2026, 9, 18), Policy())
    by_hand = {"2026-W37": (10, 9.5), "2026-W38": (12, 12.0)}
    assert attendance.presence_of_marks(state, _triples(school), START) == by_hand
    assert attendance.presence_of_walks(atts, START) == by_hand
    # the weeks beginning after Fri 09-11 only: W38 (its Monday 09-14 is after)
    assert attendance.presence_of_walks(atts, START, after=D(2026, 9, 11)) == {"2026-W38": (12, 12.0)}
    assert attendance.presence_of_walks(atts, START, after=D(2026, 9, 14)) == {}


def test_a_week_print_changes_only_when_what_the_week_counted_could_change():
    prints = week_prints(_school().state(), WEEKS, BASE)
    # W38 reads 乙's 转出 and 丙's 转入 on top of what W37 read; W39 reads nothing new (no change in it)
    assert prints["2026-W37"] != prints["2026-W38"] == prints["2026-W39"]
    # a student who comes later (转入 Mon 09-21, W39) is not 在读 in W37 and W38: their prints hold
    later = _school().event("丁", "转入", D(2026, 9, 21), other="城关小学")
    changed = week_prints(later.state(), WEEKS, BASE)
    assert [changed[w] == prints[w] for w in WEEKS] == [True, True, False]
    # a 转出 of 甲 dated back to Tue 09-15 (W38): W37 holds, W38 and W39 do not
    backdated = _school().event("甲", "转出", D(2026, 9, 15), other="城关小学")
    changed = week_prints(backdated.state(), WEEKS, BASE)
    assert [changed[w] == prints[w] for w in WEEKS] == [True, False, False]
    # another 学年初 or year window: every week
    assert all(week_prints(_school().state(), WEEKS, (START.isoformat(), "2026-07-10"))[w] != prints[w] for w in WEEKS)
