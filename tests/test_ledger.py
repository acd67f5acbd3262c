"""The ledger (辍学学生劝返复学台账) and transfers: SPEC §6.3, §6.4, §13.6, §13.7, §13.9, §13.25, run as
`kc weekly` for W41 … W44 on real .xlsx input.

School days (tests/school.py calendar):
  W40 09-28 09-29 09-30 | W41 10-08 10-09 10-10(调休) | W42 10-12 … 10-16 | W43 10-19 … 10-23 |
  W44 10-26 … 10-30.  As-of dates: W41 10-10, W42 10-16, W43 10-23, W44 10-30.

Students (三年级1班):
  甲 乙 丙 丁 癸 旷 09-28 09-29 09-30 10-08 10-09 10-10 10-12: the 7th day is 10-12 → 疑似辍学, case 在办.
  甲: back 10-13 (day 1) → 观察中; the 10th school day back is 10-26
      (10-13 14 15 16 19 20 21 22 23 26) → 已销号 10-26.
  乙: back 10-13, then 旷 10-19 … 10-23: a streak of 3 on 10-21 → back to 在办; back 10-26 → 观察中.
  丙: back 10-13, present 10-13 … 10-22 (present days 1–8), 旷 10-23 and 10-26 (not days back),
      present 10-27 (day 9), 10-28 (day 10) → 已销号 10-28 (only present days count, §13.9).
  丁: back 10-13, 旷 10-23, 10-26, 10-27: a streak of 3 begun before day 10 → 在办 on 10-27;
      back 10-28 → 观察中 again.
  癸: also 旷 10-13; 转出 10-14 with 回执 10-15 → 已销号 at once on 10-15 (left legitimately).
  戊: 辍学 10-09 (外出务工, 王老师), 劝返记录 10-12, 劝返复学 10-14 → 观察中 from 10-14;
      10th day back 10-27 (10-14 15 16 19 20 21 22 23 26 27) → 已销号.
  Transfers (10 school days for the 回执, §13.6):
      己 转出 Fri 09-25, no 回执: deadline = 10th school day after = 10-15 → 逾期 from 10-16.
      庚 转出 09-25, 回执 10-12 (before the deadline): never 逾期.
      辛 转出 Mon 09-28, no 回执: deadline 10-16 → 待回执 as of 10-16, 逾期 as of 10-23.
      壬 转出 09-25, 回执 10-20 (late): 逾期 at W42 (case 在办); 已接收 at W43, case 已销号 10-20.
"""
from __future__ import annotations

import datetime as dt

import pytest

from school import change_sheet, check_sheet, make_workdir, roster_sheet, write
from test_streaks import W40, W41, W42, day, run, student, table

from kc_batch.reconcile import weekly
from kc_batch.app.jobs import open_workspace
from kc_batch.app.loading import load_school

D = dt.date
W43 = [D(2026, 10, 19) + dt.timedelta(days=i) for i in range(5)]
W44 = [D(2026, 10, 26) + dt.timedelta(days=i) for i in range(5)]
K = "旷"
OPEN7 = W40 + W41 + [W42[0]]

KIDS = {n: student(n, i) for i, n in enumerate("甲乙丙丁戊己庚辛壬癸", start=1)}
ON_SHEETS = [KIDS[n] for n in "甲乙丙丁戊癸"]      # 己 庚 辛 壬 left in September
MARKS = {
    "甲": {d: K for d in OPEN7},
    "乙": {d: K for d in OPEN7 + W43},
    "丙": {d: K for d in OPEN7 + [W43[4], W44[0]]},
    "丁": {d: K for d in OPEN7 + [W43[4], W44[0], W44[1]]},
    "癸": {**{d: K for d in OPEN7 + [W42[1]]}, **{d: "—" for d in W42[2:] + W43 + W44}},
}


def change_row(name, kind, date, other="", receipt="", reason="", who="", note=""):
    s = KIDS[name]
    return ["G" + s["id"], s["id"], name, "三年级", "1班", kind, date, other, receipt, reason, who, note]


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    wd = make_workdir(tmp_path_factory.mktemp("ledger") / "school")
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", list(KIDS.values()))})
    for label, days in (("W40", W40), ("W41", W41), ("W42", W42), ("W43", W43), ("W44", W44)):
        write(inbox / f"周查表_{label}.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", days, MARKS, ON_SHEETS)})
    write(inbox / "学籍变动.xlsx", {"变动": change_sheet([
        change_row("戊", "辍学", "2026-10-09", reason="外出务工", who="王老师"),
        change_row("戊", "劝返记录", "2026-10-12", who="王老师", note="家访：家长同意返校"),
        change_row("戊", "劝返复学", "2026-10-14"),
        change_row("己", "转出", "2026-09-25", "县实验小学"),
        change_row("庚", "转出", "2026-09-25", "县实验小学", "2026-10-12"),
        change_row("辛", "转出", "2026-09-28", "城关小学"),
        change_row("壬", "转出", "2026-09-25", "城关小学", "2026-10-20"),
        change_row("癸", "转出", "2026-10-14", "城关小学", "2026-10-15"),
    ])})
    books = {w: run(wd, w) for w in ("2026-W41", "2026-W42", "2026-W43", "2026-W44")}
    return dict(wd=wd, **books)


def ledger(path):
    return {c["姓名"]: c for c in table(path, "台账", "学籍号")}


def states(path):
    return {name: (c["状态"], day(c["返校日期"])) for name, c in ledger(path).items()}


def test_w41_only_the_dropout_case(school):
    # As of 10-10 the streaks are 6 days long; 戊's 辍学 (10-09) opened a case (§6.4).
    cases = ledger(school["2026-W41"])
    assert list(cases) == ["戊"]
    wu = cases["戊"]
    assert (day(wu["开立日期"]), wu["类别"], wu["原因"], wu["责任人"], wu["状态"]) == (
        D(2026, 10, 9), "辍学", "外出务工", "王老师", "在办")


def test_w42_back_students_are_observed_and_overdue_transfers_open_cases(school):
    path = school["2026-W42"]
    assert states(path) == {
        "甲": ("观察中", D(2026, 10, 13)), "乙": ("观察中", D(2026, 10, 13)),
        "丙": ("观察中", D(2026, 10, 13)), "丁": ("观察中", D(2026, 10, 13)),
        "戊": ("观察中", D(2026, 10, 14)),
        "己": ("在办", None), "壬": ("在办", None),      # 逾期未回执 from 10-16
    }                                                   # 癸 closed on 10-15; 辛 still 待回执; 庚 已接收
    cases = ledger(path)
    assert day(cases["甲"]["开立日期"]) == D(2026, 10, 12)
    assert cases["甲"]["类别"] == "疑似辍学"
    assert (day(cases["己"]["开立日期"]), cases["己"]["类别"], cases["己"]["原因"]) == (
        D(2026, 10, 16), "疑似辍学", "转出未接收（去向不明）")
    wu = cases["戊"]
    assert wu["劝返次数"] == 1
    assert wu["劝返记录"] == "2026-10-12 王老师 家访：家长同意返校"
    r06 = sorted(f["姓名"] for f in table(path, "核对异常", "代码") if f["代码"] == "R06")
    assert r06 == sorted(["己", "壬"])
    row = table(path, "周汇总", "年级")[0]
    # 在读 at 10-16: 甲 乙 丙 丁 戊 = 5; 疑似辍学: 己 and 壬 (逾期未回执 转出, §13.7); 辛 is 待回执.
    assert (row["在册人数"], row["疑似辍学人数"]) == (5, 2)
    # §5.3 over W42: 5 at the end of W41 (甲 乙 丙 丁 癸) + 劝返复学 1 (戊) − 转出 1 (癸) = 5.
    assert (row["本周劝返复学"], row["本周转出"], row["本周辍学"]) == (1, 1, 0)
    w41 = table(school["2026-W41"], "周汇总", "年级")[0]
    assert (w41["在册人数"], w41["本周辍学"]) == (5, 1)
    # 戊 has data only while 在读: 10-14, 10-15, 10-16 (blank cells while 辍学 are no data).
    # 应出勤 W42: 甲 乙 丙 丁 5 each + 癸 10-12, 10-13 (转出 10-14) + 戊 3 = 25.
    assert row["应出勤人次"] == 25
    # 旷: 甲 乙 丙 丁 on 10-12 and 癸 on 10-12, 10-13 = 6; present 25 − 6 = 19.
    assert (row["旷课人次"], row["实出勤人次"]) == (6, 19)
    # §13.10: 癸 had an 8-day streak when she left on 10-14; 缺勤预警 lists 在读 students only.
    alerts = {a["姓名"] for a in table(path, "缺勤预警", "学籍号")}
    assert "癸" not in alerts
    assert "癸" in {a["姓名"] for a in table(school["2026-W41"], "缺勤预警", "学籍号")}


def test_w43_back_to_zaiban_and_receipts(school):
    path = school["2026-W43"]
    got = states(path)
    # 乙: 旷 10-19 10-20 10-21 → a streak of 3 during 观察中 → 在办 (still absent on 10-23).
    assert got["乙"] == ("在办", None)
    assert got["甲"] == got["丙"] == got["丁"] == ("观察中", D(2026, 10, 13))
    assert got["戊"] == ("观察中", D(2026, 10, 14))
    # 辛: the deadline 10-16 has passed (as of 10-23) → 逾期, a case; 壬's 回执 10-20 closed hers.
    assert got["辛"] == ("在办", None)
    assert got["己"] == ("在办", None)
    assert "壬" not in got
    assert day(ledger(path)["乙"]["开立日期"]) == D(2026, 10, 12)   # the same case, reopened
    r06 = {f["姓名"] for f in table(path, "核对异常", "代码") if f["代码"] == "R06"}
    assert r06 == {"己", "辛"}
    assert table(path, "周汇总", "年级")[0]["疑似辍学人数"] == 2      # 己, 辛 (乙's streak is 5 < 7)


def test_w44_closed_cases_leave_the_weekly_ledger(school):
    # §13.25: the weekly 台账 lists only cases 在办 or 观察中 at the as-of date (10-30).
    assert states(school["2026-W44"]) == {
        "乙": ("观察中", D(2026, 10, 26)),     # back on 10-26
        "丁": ("观察中", D(2026, 10, 28)),     # 在办 again on 10-27, back on 10-28
        "己": ("在办", None), "辛": ("在办", None),
    }


def test_close_dates(school):
    """The dates each case was closed (已销号), read from the computed ledger of W44."""
    ws = open_workspace(school["wd"])
    with ws.open_store() as store:
        res = weekly.compute_week(load_school(store, ws.cal.week_end("2026-W44"), "2026-W44"), ws.cfg, ws.cal,
                                  "2026-W44")
    closed = {}
    for key, att in res.atts.items():
        name = res.state.students[key].name
        for case in att.cases:
            closed[name] = (case.state, case.closed)
    assert closed["甲"] == ("已销号", D(2026, 10, 26))
    assert closed["丙"] == ("已销号", D(2026, 10, 28))
    assert closed["戊"] == ("已销号", D(2026, 10, 27))
    assert closed["癸"] == ("已销号", D(2026, 10, 15))
    assert closed["壬"] == ("已销号", D(2026, 10, 20))
    assert closed["乙"] == ("观察中", None)
    assert "庚" not in closed                 # 回执 within the 10 days: never a case


def test_a_week_without_data_is_not_days_back(tmp_path):
    """§13.9 (issue 11 item 7): only school days with a present mark count towards 销号.
    甲 旷 09-28 … 10-12 (7 days, 疑似辍学), back 10-13 … 10-16 (present days 1–4); the class sends no
    周查表 for W43 (10-19 … 10-23); present 10-26 … 10-30 (days 5–9) → still 观察中 at the end of W44
    (the calendar's 10th school day back, 10-26, is not a 10th present day); present 11-02 → day 10,
    已销号 on 11-02 in W45."""
    jia = student("甲", 1)
    wd = make_workdir(tmp_path / "school")
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", [jia])})
    w45 = [D(2026, 11, 2)]
    for label, days in (("W40", W40), ("W41", W41), ("W42", W42), ("W44", W44), ("W45", w45)):
        write(inbox / f"周查表_{label}.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", days,
                                                                      {"甲": {d: K for d in OPEN7}}, [jia])})
    run(wd, "2026-W43")
    w44 = ledger(run(wd, "2026-W44"))
    assert (w44["甲"]["状态"], day(w44["甲"]["返校日期"])) == ("观察中", D(2026, 10, 13))
    assert ledger(run(wd, "2026-W45")) == {}  # closed: the weekly 台账 lists 在办/观察中 cases only
    ws = open_workspace(wd)
    with ws.open_store() as store:
        res = weekly.compute_week(load_school(store, ws.cal.week_end("2026-W45"), "2026-W45"), ws.cfg, ws.cal,
                                  "2026-W45")
    [case] = [c for att in res.atts.values() for c in att.cases]
    assert (case.state, case.closed) == ("已销号", D(2026, 11, 2))
