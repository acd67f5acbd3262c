"""Each reconciliation finding R01–R12 (SPEC §7, §13.12, §13.21) from rules.findings.week_findings,
on plain records (tests/plain_school.py). The week is 2026-W42 (Mon 10-12 … Fri 10-16, as of 10-16);
students sit in 三年级1班 and are on its 周查表 unless a test says otherwise."""
from __future__ import annotations

import datetime as dt

from plain_school import D, School, absent

from kc_batch.config import Policy
from kc_batch.rules import attendance, findings

WEEK = "2026-W42"
DAYS = [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)]
AS_OF = DAYS[-1]


def found(school: School, class_rows=None, policy=None) -> list[tuple[str, str]]:
    """(code, student name) of every finding of the week."""
    policy = policy or Policy()
    state = school.state()
    atts = attendance.analyse(state, school.data.marks, policy, AS_OF)
    out = findings.week_findings(school.data, state, atts, policy, WEEK, DAYS, AS_OF, class_rows or {})
    return [(f.code, f.name) for f in out]


def reported(*names) -> School:
    school = School().roster(*names)
    for n in names:
        school.on_sheet(n)
    return school


def test_a_clean_class_has_no_finding():
    assert found(reported("甲", "乙")) == []


def test_r01_on_the_roster_not_on_the_sheet():
    school = School().roster("甲", "乙").on_sheet("甲")
    assert found(school) == [("R01", "乙")]


def test_r02_on_the_sheet_not_a_student_unless_joined():
    school = reported("甲").on_sheet("丙")
    assert found(school) == [("R02", "丙")]
    school.event("丙", "转入", D(2026, 10, 12))
    assert found(school) == []


def test_r03_a_rostered_class_without_a_sheet():
    school = reported("甲").roster("乙", class_no="2")
    assert [c for c, _ in found(school)] == ["R03"]


def test_r04_the_same_key_twice_on_rosters():
    school = reported("甲").roster("甲", class_no="2").on_sheet("甲", class_no="2")
    assert ("R04", "甲") in found(school)


def test_r05_marks_after_leaving():
    """转出 Tue 10-13 (with 回执), then 旷 marked on Wed 10-14: R05 (and the mark counts nowhere)."""
    school = reported("甲", "乙").event("乙", "转出", DAYS[1], receipt=DAYS[2]).marks("乙", absent(DAYS[2]))
    assert found(school) == [("R05", "乙")]


def test_r06_transfer_without_receipt_past_its_deadline():
    """转出 Fri 09-25: the 10th school day after is 10-15, so it is overdue at 10-16."""
    school = reported("甲", "乙").event("乙", "转出", D(2026, 9, 25))
    assert found(school) == [("R06", "乙")]
    school.data.events[0].receipt_date = D(2026, 10, 14)
    assert found(school) == []


def test_r07_from_the_class_balance():
    rows = {(3, "1"): dict(start=2, plus=0, minus=0, expected_end=2, end=1, foreign=[], elsewhere=[])}
    assert found(reported("甲", "乙"), rows) == [("R07", "")]


def test_r08_identity_notices():
    school = reported("甲").notice("甲", "身份证号校验位错误")
    assert found(school) == [("R08", "甲")]


def test_r09_age_far_from_the_grade():
    """三年级 is 8 at 8月31日 2026; born 2014-03-01 is 12: more than 2 years off."""
    school = School().roster("甲", birth="2014-03-01").on_sheet("甲")
    assert found(school) == [("R09", "甲")]
    assert found(school, policy=Policy(age_tolerance_years=4)) == []


def test_r10_an_impossible_event():
    """复学 of a student who is 在读 (not 休学) is rejected."""
    school = reported("甲").event("甲", "复学", DAYS[0])
    assert found(school) == [("R10", "甲")]


def test_r11_and_r12_roster_changes_without_events():
    """Roster file 1: 甲 乙; the newer file 2: 甲 丁. 乙 left (R11), 丁 is new (R12); a 转入 for 丁 or
    any event for 乙 explains them."""
    school = School().roster("甲", "乙").roster("甲", "丁", file_id=2)
    for n in ("甲", "乙", "丁"):
        school.on_sheet(n)
    assert sorted(found(school)) == [("R11", "乙"), ("R12", "丁")]
    school.event("丁", "转入", D(2026, 9, 15)).event("乙", "转出", D(2026, 10, 14), receipt=D(2026, 10, 15))
    assert found(school) == []
