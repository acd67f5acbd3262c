"""§22.2 预警回顾 on plain records (tests/plain_school.py), default ladder (step 3 = 3 days 旷,
疑似辍学 = 7 days). Calendar: 学年初 Tue 2026-09-01, holidays 10-01…10-07, 调休 school day Sat 10-10.

All four students of 三年级1班 are 旷 from Mon 09-07, so each reaches step 3 on Wed 09-09 (3rd day)
and, if still absent, 疑似辍学 on Tue 09-15 (7th day: 07 08 09 10 11 14 15).
  甲 旷 09-07…09-18, 辍学 event Mon 09-21 = the 8th school day after 09-09 (10 11 14 15 16 17 18 21);
     from 09-15 it is the 4th (16 17 18 21).
  乙 旷 09-07…09-09, √ Thu 09-10: a false alarm (返校 09-10), never 疑似辍学.
  丙 旷 every school day to 10-20. Window of step 3: the 20th school day after 09-09 = Tue 10-13
     (Sep 10 11 14–18 21–25 28–30 = 15, Oct 8 9 10 12 13); of 疑似辍学: after 09-15 = Mon 10-19
     (Sep 16–18 21–25 28–30 = 11, Oct 8 9 10 12–16 = 19, 19th = 20). As of 10-20 both are over: 仍缺勤.
  丁 旷 09-07…09-15, 转出 Wed 09-16 with 回执 Fri 09-18: 转出已接收 on 09-18 for both flags.
As of 10-20: step 3 — 4 flags; 返校 1, 转出已接收 1, 辍学 1, 仍缺勤 1; precision (1+1)/4 = 0.5; median
lead 8. 疑似辍学 — 3 flags (甲丙丁); 辍学 1, 仍缺勤 1, 转出已接收 1; precision 2/3; median lead 4.
"""
from __future__ import annotations

import dataclasses

from click.testing import CliRunner
from plain_school import CAL, D, School, absent

from kc_batch.config import Policy
from kc_batch.reconcile.warning_review import review_warnings

START = D(2026, 9, 1)


def _school() -> School:
    school = School().roster("甲", "乙", "丙", "丁")
    school.marks("甲", absent(*CAL.school_days_between(D(2026, 9, 7), D(2026, 9, 18))))
    school.event("甲", "辍学", D(2026, 9, 21), reason="厌学")
    school.marks("乙", {**absent(D(2026, 9, 7), D(2026, 9, 8), D(2026, 9, 9)), D(2026, 9, 10): "√"})
    school.marks("丙", absent(*CAL.school_days_between(D(2026, 9, 7), D(2026, 10, 20))))
    school.marks("丁", absent(*CAL.school_days_between(D(2026, 9, 7), D(2026, 9, 15))))
    school.event("丁", "转出", D(2026, 9, 16), receipt=D(2026, 9, 18), other="城关小学")
    return school


def _review(as_of, policy=None):
    policy = policy or Policy()
    state, atts = _school().attendance(as_of, policy)
    return review_warnings(state, atts, policy, START, as_of)


def test_each_first_flag_and_what_followed():
    """The flags as worked out in the module docstring (step 3 first, then by date and name)."""
    review = _review(D(2026, 10, 20))
    got = [(f.kind, f.student.name, f.date, f.outcome, f.outcome_date, f.lead_days) for f in review.flags]
    step3, suspect = D(2026, 9, 9), D(2026, 9, 15)
    assert sorted(got) == sorted([
        ("第3级", "甲", step3, "辍学", D(2026, 9, 21), 8),
        ("第3级", "乙", step3, "返校", D(2026, 9, 10), None),
        ("第3级", "丙", step3, "仍缺勤", None, None),
        ("第3级", "丁", step3, "转出已接收", D(2026, 9, 18), None),
        ("疑似辍学", "甲", suspect, "辍学", D(2026, 9, 21), 4),
        ("疑似辍学", "丙", suspect, "仍缺勤", None, None),
        ("疑似辍学", "丁", suspect, "转出已接收", D(2026, 9, 18), None)])
    assert [f.kind for f in review.flags] == ["第3级"] * 4 + ["疑似辍学"] * 3


def test_per_kind_precision_and_lead_time():
    step3, suspect = _review(D(2026, 10, 20)).kinds
    assert (step3.kind, step3.flags, step3.outcomes) == ("第3级", 4, {"辍学": 1, "返校": 1, "仍缺勤": 1, "转出已接收": 1})
    assert (step3.precision, step3.median_lead, step3.others()) == (0.5, 8, 0)
    assert (suspect.kind, suspect.flags, suspect.outcomes) == ("疑似辍学", 3, {"辍学": 1, "仍缺勤": 1, "转出已接收": 1})
    assert (suspect.precision, suspect.median_lead) == (2 / 3, 4)


def test_window_not_over_is_pending_and_not_judged():
    """As of Mon 10-12, 丙's step-3 window (to 10-13) and 疑似辍学 window (to 10-19) are not over: 观察中,
    left out of precision: step 3 = 甲 caught of 甲乙丁 = 1/3; 疑似辍学 = 甲 of 甲丁 = 1/2."""
    step3, suspect = _review(D(2026, 10, 12)).kinds
    assert step3.count("观察中") == 1 and step3.count("仍缺勤") == 0 and step3.precision == 1 / 3
    assert suspect.count("观察中") == 1 and suspect.precision == 1 / 2


def test_other_suspect_threshold_changes_the_flags():
    """suspect_after_days = 10: only 甲 (10 days, 10th = Fri 09-18) and 丙 reach it; 丁 has 7 days only.
    甲's 辍学 09-21 is 1 school day after 09-18 (lead 1). 丙's window from 09-18 ends on its 20th school
    day, Thu 10-22 (Sep 21–25 28–30 = 8, Oct 8 9 10 12–16 = 16, 19 20 21 22): 观察中 as of 10-20, so the
    precision is 甲 alone: 1/1."""
    policy = dataclasses.replace(Policy(), suspect_after_days=10)
    suspect = _review(D(2026, 10, 20), policy).kinds[1]
    assert (suspect.flags, suspect.outcomes, suspect.precision, suspect.median_lead) == \
        (2, {"辍学": 1, "观察中": 1}, 1.0, 1)


def test_monthly_book_has_the_review_sheets(tmp_path):
    """`kc monthly` 2026-11 on tests/test_monthly.py's school: the only long streak is 甲五's, 旷 11-12,
    11-13, 11-16…11-20 → step 3 on Mon 11-16 (3rd day), 疑似辍学 on Fri 11-20 (7th day). At the cutoff
    11-20 neither 20-school-day window is over: one flag each, 观察中, precision and lead time empty."""
    from test_monthly import build, run_month, table
    path = run_month(build(tmp_path), "2026-11")
    _, kinds, raw = table(path, "预警回顾", "预警")
    assert [(r["预警"], r["预警人数"], r["观察中"], r["辍学"], r["返校"], r["准确率"], r["提前教学日中位数"])
            for r in kinds] == [("第3级", 1, 1, 0, 0, None, None), ("疑似辍学", 1, 1, 0, 0, None, None)]
    assert any(isinstance(v, str) and "不使用性别" in v for row in raw for v in row)
    _, flags, _ = table(path, "预警回顾名单", "首次预警日期")
    assert [(r["姓名"], r["预警"], r["首次预警日期"].date(), r["20个教学日内结果"]) for r in flags] == [
        ("甲五", "第3级", D(2026, 11, 16), "观察中"), ("甲五", "疑似辍学", D(2026, 11, 20), "观察中")]


def test_kc_review_compares_suspect_thresholds(tmp_path):
    """`kc review --suspect-after 10,3,7 --date 2026-12-31` on tests/test_monthly.py's school. The only
    旷 streak is 甲五's: 11-12, 11-13, 11-16…11-20 (7 days; no marks after, no event). Threshold 3: flag
    Mon 11-16; 7 (kc.toml's default, 当前): flag Fri 11-20; 10: never reached. Both windows (20 school
    days) end before 12-31 with no present day and no event: 仍缺勤, precision 1/1 = 100.0%, no 辍学 so
    no lead time. Sorted by threshold."""
    from test_monthly import build
    from kc_batch.cli import main
    wd = build(tmp_path)
    res = CliRunner().invoke(main, ["review", "--dir", str(wd), "--suspect-after", "10,3,7", "--date", "2026-12-31"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    i = lines.index("\t".join(["疑似辍学阈值", "预警人数", "辍学", "仍缺勤", "观察中", "准确率", "提前教学日中位数"]))
    assert lines[i + 1:i + 4] == ["3天\t1\t0\t1\t0\t100.0%\t—", "7天（当前）\t1\t0\t1\t0\t100.0%\t—",
                                  "10天\t0\t0\t0\t0\t—\t—"]


def test_kc_review_bad_thresholds_is_usage_error(tmp_path):
    from kc_batch.cli import main
    res = CliRunner().invoke(main, ["review", "--dir", str(tmp_path), "--suspect-after", "5,x"])
    assert res.exit_code == 2
    assert "--suspect-after“5,x”格式不对" in res.output
