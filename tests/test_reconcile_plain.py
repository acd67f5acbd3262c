"""reconcile.compute_week and reconcile.compute_month on plain records (tests/plain_school.py): the
figures of one class, worked out by hand, without workbooks or a store. These checks were end-to-end
only before (a roster, a 周查表 and a register written as .xlsx, imported, then the book read back).
"""
from __future__ import annotations

import datetime as dt

from plain_school import CAL, D, School

from kc_batch.config import Config
from kc_batch.reconcile.monthly import compute_month
from kc_batch.reconcile import weekly
from kc_batch.reconcile.weekly import compute_week

W42 = [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)]   # Mon 10-12 … Fri 10-16


def _w42_class() -> School:
    """三年级1班, four students, 2026-W42:
      甲 √√√√√          乙 旷旷√√√          丙 病迟√√√
      丁 √√ then 转出 on Wed 10-14 (no marks after)."""
    school = School().roster("甲", "乙", "丙", "丁")
    school.marks("甲", dict.fromkeys(W42, "√"))
    school.marks("乙", {W42[0]: "旷", W42[1]: "旷", W42[2]: "√", W42[3]: "√", W42[4]: "√"})
    school.marks("丙", {W42[0]: "病", W42[1]: "迟", W42[2]: "√", W42[3]: "√", W42[4]: "√"})
    school.marks("丁", {W42[0]: "√", W42[1]: "√"})
    school.event("丁", "转出", W42[2], receipt=W42[4], other="城关小学")
    for name in ("甲", "乙", "丙", "丁"):
        school.on_sheet(name)
    return school


def test_week_figures_of_one_class():
    """在册 at Fri 10-16 = 甲乙丙 = 3 (丁 转出); 应出勤 = marks while 在读 = 5+5+5+2 = 17;
    实出勤 = 5 + 3 + 4 (迟 is present) + 2 = 14, 出勤率 14/17; 迟到 1, 病假 1, 旷课 2; 本周转出 1."""
    res = compute_week(_w42_class().data, Config(), CAL, "2026-W42")
    assert [(c.grade, c.class_no) for c in res.classes] == [(3, "1")]
    cw = res.classes[0]
    assert (cw.enrolled, cw.expected, cw.present) == (3, 17, 14)
    assert cw.rate == 14 / 17
    assert (cw.late, cw.sick, cw.personal, cw.unexcused) == (1, 1, 0, 2)
    assert cw.events["转出"] == 1 and sum(cw.events.values()) == 1
    assert cw.has_sheet and cw.suspects == 0


def test_week_balance_of_one_class():
    """§5.3 over the week: 期初 (Sun 10-11) 4 + 增加 0 − 减少 1 (丁 转出) = 3 = 期末 (Fri 10-16), so no
    R07; everyone 在读 is on the sheet and the 转出 has its 回执, so no finding at all."""
    school = _w42_class()
    res = compute_week(school.data, Config(), CAL, "2026-W42")
    balance = weekly._class_balance(school.data, res.state, W42, W42[-1], res.classes)[(3, "1")]
    assert {k: balance[k] for k in ("start", "plus", "minus", "expected_end", "end")} == \
        dict(start=4, plus=0, minus=1, expected_end=3, end=3)
    assert balance["foreign"] == balance["elsewhere"] == []
    assert [f.code for f in res.findings] == []


def test_week_alerts_of_one_class():
    """No streak reaches a ladder step that lasts (乙's 2 days 旷 end with Wednesday's √), but §9.1
    长期缺勤: 缺勤率 = (病+事+旷) ÷ days with data ≥ 0.10 — 乙 2/5 = 0.4, 丙 (病) 1/5 = 0.2, 甲 0, 丁 0/2.
    Same level and streak 0: listed by name (丙 U+4E19 before 乙 U+4E59)."""
    res = compute_week(_w42_class().data, Config(), CAL, "2026-W42")
    assert [(a.student.name, a.level, a.absence_rate) for a in res.alerts] == [
        ("丙", "长期缺勤预警", 0.2), ("乙", "长期缺勤预警", 0.4)]


def test_week_is_computed_from_the_data_alone_and_twice_the_same():
    """compute_week does not change its data: a second run on the same records gives the same figures
    (the status timeline's rejections are not left on the loaded events)."""
    school = _w42_class()
    school.event("甲", "复学", W42[1])  # impossible from 在读: rejected (R10)
    first = compute_week(school.data, Config(), CAL, "2026-W42")
    second = compute_week(school.data, Config(), CAL, "2026-W42")
    assert [f.code for f in first.findings] == [f.code for f in second.findings] == ["R10"]
    assert all(e.applied for e in school.data.events)
    assert vars(first.classes[0]) == vars(second.classes[0])


def test_month_balance_of_one_grade():
    """2026-10 (09-21 … cutoff 10-20; 上月末 taken at 09-20). 三年级1班 roster 甲乙丙; 丙 休学 09-10
    (before the month); 乙 转出 10-09 with 回执 10-12; 丁 转入 10-13.
      学年初 (09-01) 甲乙丙 = 3; 上月末 (09-20) 甲乙 = 2; 本月转入 1, 本月转出 1, 本月休学 0;
      本月末 (10-20) 甲丁 = 2 = 2 + 1 − 1.
      巩固基数: 甲 (在读), 丙 (休学: stays in the base), 丁 (joined this year); 乙 left legitimately
      (已接收) → base 3, 在读 2: 巩固率 2/3."""
    school = School().roster("甲", "乙", "丙")
    school.event("丙", "休学", D(2026, 9, 10))
    school.event("乙", "转出", D(2026, 10, 9), receipt=D(2026, 10, 12))
    school.event("丁", "转入", D(2026, 10, 13))
    res = compute_month(school.data, Config(), CAL, "2026-10")
    grade = next(r for r in res.rows if r.label == "三年级")
    c = grade.figures.counts
    assert (c["学年初在校生"], c["上月末在校生"], c["本月转入"], c["本月转出"], c["本月休学"], c["本月末在校生"]) == \
        (3, 2, 1, 1, 0, 2)
    plus = sum(c[k] for k in ("本月新生入学", "本月转入", "本月复学", "本月劝返复学"))
    minus = sum(c[k] for k in ("本月转出", "本月休学", "本月死亡", "本月辍学"))
    assert c["上月末在校生"] + plus - minus == c["本月末在校生"]
    assert (grade.figures.base, grade.figures.retained) == (3, 2)
    assert grade.rates["巩固率"].value == 2 / 3
    assert res.rows[-1].label == "合计" and res.rows[-1].figures.counts == c
