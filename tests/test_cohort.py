"""§22.1 cohort 巩固率 on a three-year 初中 built in code (plain records, one SchoolData per 学年, as
app.cohort loads them from a store after two kc rollover runs), and §22.2 for its first 学年.

学年 2026 (学年初 Tue 2026-09-01, terms 09-01…01-22, 02-22…07-02; no holidays; as of Fri 2027-07-02):
  七年级: 甲 乙 丙 丁 戊 己 (the cohort of 九年级 in 2028); 八年级: 辛 (留级 2027-06-25), 壬.
  甲 旷 every school day from Mon 2027-05-10 to 07-02: step 3 on Wed 05-12 (3rd day), 疑似辍学 on Tue 05-18
     (7th: 10 11 12 13 14 17 18); no present day in 20 school days → 仍缺勤 for both flags.
  乙 旷 Mon 2026-10-12…Wed 10-14 (step 3 on 10-14), √ Thu 10-15: a false alarm (返校 10-15).
  丁 留级 2027-06-25 (stays 七年级).
学年 2027 (学年初 Wed 2027-09-01; as of Fri 2028-06-30): 七年级 丁, 子; 八年级 甲 乙 丙 戊 己 辛 (辛 repeats);
  九年级 壬. 甲 辍学 Tue 2027-09-14 (八年级); 庚 转入 八年级 Fri 2027-10-08; 丙 转出 Wed 2027-12-01, 回执 12-05.
学年 2028 (学年初 Fri 2028-09-01; cutoff Tue 2029-03-20): 七年级 寅; 八年级 丁 子, 甲 (辍学, kept in 八年级,
  his 2027 辍学 event carried); 九年级 乙 戊 己 庚 辛. 己 休学 Thu 2028-11-02 (九年级).

True cohort (逐生追踪), 初中, three 学年 = the three grades: entry 七年级 in 2026.
  members: 2026 七年级 甲 乙 丙 丁 戊 己; 2027 first seen in 八年级: 庚 (辛 was seen in 2026's 八年级, 子 in
  七年级); 2028 first seen in 九年级: none → 7. Left: 丙 (转出, 回执 12-05 ≤ cutoff) → base 6.
  Retained (在读 or 毕业 at 2029-03-20): 乙 戊 庚 (九年级), 丁 (八年级, 留级 stays in his cohort) → 4.
  甲 辍学 and 己 休学 stay in the base, not retained. 届巩固率（逐生追踪）= 4 ÷ 6 = 66.67%.
届 method: 本届入学人数 = 2026 七年级 at 学年初 = 6; 届增加 = 转入 of the cohort's grade: 庚 (2027 八年级) = 1;
  届减少 = 转出/休学/死亡 of the cohort's grade: 丙 转出 (2027 八年级), 己 休学 (2028 九年级) = 2;
  本届毕业生数 = 九年级 在读 at the cutoff: 乙 戊 庚 辛 = 4 (辛 from the cohort above; 丁 is in 八年级).
  届巩固率（届别统计）= 4 ÷ (6 + 1 − 2) = 80%.
No UIS row: the store holds as many 学年 as the 学段 has grades.
As of 2028-06-30 (two 学年, fewer than the three grades): entry 八年级 2026: 辛 壬 → 辛 在读 (八年级, repeats),
  壬 在读 九年级 → 2 ÷ 2; UIS from 2026 → 2027: E7 = 6, E8 = 2 (辛 壬); 2027 八年级 at 学年初: 甲 乙 丙 戊 己 辛 = 6,
  of which repeaters 辛 = 1 → promoted 5, p7 = 5/6; 七年级 2027 repeaters (in 七年级 at the end of 2026): 丁
  → r7 = 1/6; 九年级 2027: 壬 → p8 = 1/2, r8 = 1/2 (辛). Survival to 九年级 = (5/6)/(1 − 1/6) × (1/2)/(1 − 1/2) = 1.
§22.2 of 学年 2026 as of 2027-07-02: step 3 — 2 flags (甲 仍缺勤, 乙 返校), precision 1/2; 疑似辍学 — 1 flag
  (甲 仍缺勤), precision 1. The 20-day review calls 甲's flag caught; the cohort shows it was: he dropped out in
  八年级.
"""
from __future__ import annotations

import datetime as dt

import pytest

from kc_batch.calendar import SchoolCalendar, week_of
from kc_batch.config import CalendarConfig, Policy, Term
from kc_batch.model import DayMark, Event, RosterRow, SchoolData, Source
from kc_batch.reconcile.cohort import compute_cohorts, jie_cohort, true_cohort, uis_flows, year_record
from kc_batch.reconcile.warning_review import review_warnings
from kc_batch.rules import attendance
from kc_batch.rules.rates_cohort import COHORT_NAMES, GradeFlow, survival
from kc_batch.rules.status import build_state

D = dt.date


def calendar(year: int) -> SchoolCalendar:
    return SchoolCalendar(CalendarConfig(year_start=D(year, 9, 1), terms=[
        Term("秋季学期", D(year, 9, 1), D(year + 1, 1, 22)), Term("春季学期", D(year + 1, 2, 22), D(year + 1, 7, 2))]))


class Year:
    """One 学年's SchoolData in code: roster(grade, names…), event(name, type, day, grade, receipt), marks."""

    def __init__(self, year: int):
        self.year, self.cal, self.data = year, calendar(year), SchoolData()

    def roster(self, grade: int, *names: str) -> "Year":
        for name in names:
            n = len(self.data.roster) + 1
            self.data.roster.append(RosterRow(self.year, n, grade, Source(f"花名册{self.year}.xlsx", f"{grade}", n + 2),
                                              "K" + name, grade, "1", name))
        return self

    def event(self, name, kind, day, grade, receipt=None) -> "Year":
        n = len(self.data.events) + 1
        self.data.events.append(Event(n, "K" + name, kind, day, name, grade, "1", "", receipt, "", "", "",
                                      Source("变动.xlsx", "变动", n + 2)))
        self.data.events.sort(key=lambda e: e.date)
        return self

    def marks(self, name, grade, by_day: dict) -> "Year":
        out = self.data.marks.setdefault("K" + name, [])
        for day, text in by_day.items():
            absent = text == "旷"
            out.append(DayMark(day, 0 if absent else 1, 0, 0, 0, 1 if absent else 0, text, grade, "1", week_of(day),
                               Source("周查表.xlsx", f"{grade}", 3)))
        out.sort(key=lambda m: m.day)
        return self

    def state(self):
        return build_state(self.data, self.cal)


def absent(cal, a, b) -> dict:
    return {d: "旷" for d in cal.school_days_between(a, b)}


def three_years() -> list[tuple[Year, dt.date]]:
    y26 = Year(2026).roster(7, "甲", "乙", "丙", "丁", "戊", "己").roster(8, "辛", "壬")
    y26.marks("甲", 7, absent(y26.cal, D(2027, 5, 10), D(2027, 7, 2)))
    y26.marks("乙", 7, {**absent(y26.cal, D(2026, 10, 12), D(2026, 10, 14)), D(2026, 10, 15): "√"})
    y26.event("丁", "留级", D(2027, 6, 25), 7).event("辛", "留级", D(2027, 6, 25), 8)
    y27 = Year(2027).roster(7, "丁", "子").roster(8, "甲", "乙", "丙", "戊", "己", "辛").roster(9, "壬")
    y27.event("甲", "辍学", D(2027, 9, 14), 8).event("庚", "转入", D(2027, 10, 8), 8)
    y27.event("丙", "转出", D(2027, 12, 1), 8, receipt=D(2027, 12, 5))
    y28 = Year(2028).roster(7, "寅").roster(8, "丁", "子", "甲").roster(9, "乙", "戊", "己", "庚", "辛")
    y28.event("甲", "辍学", D(2027, 9, 14), 8).event("己", "休学", D(2028, 11, 2), 9)
    return [(y26, D(2027, 7, 2)), (y27, D(2028, 6, 30)), (y28, D(2029, 3, 20))]


def records(years):
    out, since = [], None
    for y, as_of in years:
        out.append(year_record(y.year, y.state(), as_of, since))
        since = as_of
    return out


def names(keys):
    return sorted(k[1:] for k in keys)


def test_true_cohort_by_hand():
    cohort = true_cohort(records(three_years()), 7, 9)
    assert (cohort.basis.entry_year, cohort.basis.entry_grade, cohort.basis.years) == (2026, 7, 3)
    assert names(cohort.members) == sorted("甲乙丙丁戊己庚")
    assert names(cohort.left) == ["丙"]
    assert names(cohort.retained) == sorted("乙丁戊庚")
    assert (cohort.rate.numerator, cohort.rate.denominator) == (4, 6)
    assert cohort.basis.code == "cohort=student;grades=7-9;entry=2026:7;years=3"


def test_jie_method_by_hand():
    rate = jie_cohort(records(three_years()), 7, 9)
    assert (rate.numerator, rate.denominator, rate.value) == (4, 5, 0.8)


def test_block_of_three_years_has_no_uis_row():
    res = compute_cohorts(records(three_years()), ["初中"])
    got = {(r.scope, r.name): (r.rate.numerator, r.rate.denominator) for r in res.rows}
    assert got == {("初中小计", COHORT_NAMES["student"]): (4, 6), ("初中小计", COHORT_NAMES["jie"]): (4, 5),
                   ("合计", COHORT_NAMES["student"]): (4, 6), ("合计", COHORT_NAMES["jie"]): (4, 5)}


def test_two_years_give_a_partial_cohort_and_the_uis_estimate():
    recs = records(three_years()[:2])
    cohort = true_cohort(recs, 7, 9)
    assert (cohort.basis.entry_grade, names(cohort.members), names(cohort.retained)) == (8, ["壬", "辛"], ["壬", "辛"])
    flows = uis_flows(recs, 7, 9)
    assert flows == [GradeFlow(7, 6, 5, 1), GradeFlow(8, 2, 1, 1)]
    assert survival(flows) == pytest.approx(1.0)
    res = compute_cohorts(recs, ["初中"])
    uis = res.get("初中小计", COHORT_NAMES["uis"])
    assert (uis.numerator, uis.denominator) == (pytest.approx(6), 6)
    assert uis.code == "cohort=uis;grades=7-9;entry=2026:7;years=2"
    assert res.get("七年级", "留级率（UIS）").value == pytest.approx(1 / 6)
    assert res.get("八年级", "流失率（UIS）").value == 0


def test_warning_review_of_the_first_year():
    y26, as_of = three_years()[0]
    state = y26.state()
    policy = Policy()
    atts = attendance.analyse(state, y26.data.marks, policy, as_of)
    review = review_warnings(state, atts, policy, y26.cal.first_school_day, as_of)
    got = sorted((f.kind, f.student.name, f.date, f.outcome) for f in review.flags)
    assert got == [("疑似辍学", "甲", D(2027, 5, 18), "仍缺勤"), ("第3级", "乙", D(2026, 10, 14), "返校"),
                   ("第3级", "甲", D(2027, 5, 12), "仍缺勤")]
    step3, suspect = review.kinds
    assert (step3.flags, step3.precision, suspect.flags, suspect.precision) == (2, 0.5, 1, 1.0)


# ---------------------------------------------------------------- UIS = true cohort without repetition and transfers

def steady_school() -> list[tuple[Year, dt.date]]:
    """Ten new 七年级 students every 学年; one drops out of 七年级 and one of 八年级 every 学年, none of 九年级;
    no 留级, no transfer. 学年初 enrolment: 2026 10/10/10, 2027 10/9/9, 2028 10/9/8.
    Independent computation: true cohort (七年级 2026): 10 → 9 (one out in 七年级) → 8 (one out in 八年级)
    → 8/10. UIS from 2027 → 2028: p7 = 9/10 (E8,2028 ÷ E7,2027), p8 = 8/9 → survival 9/10 × 8/9 = 8/10."""
    years, stock = [], {7: [], 8: [], 9: []}
    serial = 0
    for year in (2026, 2027, 2028):
        y = Year(year)
        if year == 2026:
            stock = {g: [f"生{g}{i}" for i in range(10)] for g in (7, 8, 9)}
        else:
            stock = {7: [f"新{year}{i}" for i in range(10)], 8: stock[7], 9: stock[8]}
        for g, kids in stock.items():
            y.roster(g, *kids)
        for g in (7, 8):
            serial += 1
            y.event(stock[g][0], "辍学", D(year, 11, 2 + serial % 5), g)
        stock = {g: [k for k in kids if not (g in (7, 8) and k == kids[0])] for g, kids in stock.items()}
        years.append((y, D(year + 1, 3, 20) if year == 2028 else D(year + 1, 7, 2)))
    return years


def test_uis_estimate_equals_the_true_cohort_without_repetition_or_transfers():
    recs = records(steady_school())
    cohort = true_cohort(recs, 7, 9)
    assert (cohort.rate.numerator, cohort.rate.denominator) == (8, 10)
    flows = uis_flows(recs, 7, 9)
    assert flows == [GradeFlow(7, 10, 9, 0), GradeFlow(8, 9, 8, 0)]
    assert survival(flows) == pytest.approx(cohort.rate.value)


def test_one_year_only_gives_the_uis_estimate_from_the_years_own_flows():
    """Only 学年 2026 (as of 2027-07-02): no 逐生追踪 row (one 学年 cannot follow anyone). UIS with the year's own
    flows: 七年级 E = 6, 留级 丁 → R = 1, 辍学 at the as-of date none (甲 is still 在读, 仍缺勤) → promoted 5;
    八年级 E = 2, 留级 辛 → R = 1, promoted 1 (壬). Survival = (5/6)/(1 − 1/6) × (1/2)/(1 − 1/2) = 1 → 6 ÷ 6.
    届别统计 from 九年级: none in 2026 → no row."""
    recs = records(three_years()[:1])
    assert uis_flows(recs, 7, 9) == [GradeFlow(7, 6, 5, 1), GradeFlow(8, 2, 1, 1)]
    res = compute_cohorts(recs, ["初中"])
    assert {(r.scope, r.name) for r in res.rows if r.name in COHORT_NAMES.values()} == {
        ("初中小计", COHORT_NAMES["uis"]), ("合计", COHORT_NAMES["uis"])}
    uis = res.get("初中小计", COHORT_NAMES["uis"])
    assert (uis.numerator, uis.denominator, uis.code) == (pytest.approx(6), 6, "cohort=uis;grades=7-9;entry=2026:7;years=1")
