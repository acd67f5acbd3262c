"""Streaks, the escalation ladder, 疑似辍学 and the weekly rates (SPEC §4, §6.1–§6.3, §13.2, §13.3,
§13.10, §13.24), driven through `kc weekly` on real .xlsx input.

Calendar of tests/school.py: 学年初 2026-09-01, holidays 10-01…10-07, 调休 school day Sat 10-10.
School days used here (the week each belongs to):
  W40: Mon 09-28, Tue 09-29, Wed 09-30            (10-01, 10-02 holidays; 10-03/04 weekend)
  W41: Thu 10-08, Fri 10-09, Sat 10-10 (调休)       (10-05…10-07 holidays; 10-11 Sunday)
  W42: Mon 10-12 … Fri 10-16
So there are 3 + 3 + 5 = 11 school days up to Fri 10-16 (the as-of date of W42), 6 up to 10-10.
"""
from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from school import check_sheet, make_id, make_workdir, roster_sheet, write
from test_worked_example import by_header, sheet_rows

from kc_batch.cli import main

D = dt.date
W40 = [D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30)]
W41 = [D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10)]
W42 = [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)]
K = "旷"


def student(name, n, sex="男", birth=D(2017, 3, 1)):
    return dict(name=name, sex=sex, birth=birth, id=make_id(birth, n, sex == "男"))


CLASS1 = [student(n, i) for i, n in enumerate("甲乙丙丁戊己庚辛", start=1)]
CLASS2 = [student("壬", 20), student("癸", 21)]

MARKS1 = {
    # 甲: 旷 from 09-29 across the holiday, the weekend and two week boundaries.
    "甲": {d: K for d in W40[1:] + W41 + W42},
    # 乙: 旷 ×5 (10-08 … 10-13), a sick day 10-14 ends the streak, then 旷 10-15, 10-16.
    "乙": {**{d: K for d in W41 + W42[:2]}, W42[2]: "病", W42[3]: K, W42[4]: K},
    # 丙: 旷 10-14, no data ('—') 10-15, 旷 10-16: the unknown day neither adds nor ends.
    "丙": {W42[2]: K, W42[3]: "—", W42[4]: K},
    # 丁: 旷 10-15, half a day 旷 10-16 (½ 旷课 + ½ present, §13.3).
    "丁": {W42[3]: K, W42[4]: "旷半"},
    # 戊: exactly three days: ladder step 3.
    "戊": {d: K for d in W42[2:]},
    # 己: one day: ladder step 1.
    "己": {W42[4]: K},
    # 庚: half a day sick 10-13, otherwise present.
    "庚": {W42[1]: "病½"},
    # 辛: 事 09-28, 假 10-08, 事 10-09 (both count as 事假), late 10-12; no 旷 at all.
    "辛": {W40[0]: "事", W41[0]: "假", W41[1]: "事", W42[0]: "迟"},
}
MARKS2 = {"壬": {W41[1]: K, W41[2]: K}}  # class 2 reports only W41


def run(wd, week, *extra):
    res = CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", week, *extra])
    assert res.exit_code == 0, res.output
    return wd / "out" / week / f"周查汇总_示例小学_{week}.xlsx"


def table(path, sheet, first_header):
    """The data rows of a sheet as dicts; [] when the sheet holds only its empty-table text."""
    rows = by_header(sheet_rows(path, sheet), first_header)[1]
    if len(rows) == 1 and all(v is None for k, v in rows[0].items() if k != first_header):
        return []  # e.g. “目前没有在办或观察中的台账”
    return rows


def alerts_by_name(path):
    return {a["姓名"]: a for a in table(path, "缺勤预警", "学籍号")}


def day(cell):
    return cell.date() if isinstance(cell, dt.datetime) else cell


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    wd = make_workdir(tmp_path_factory.mktemp("streaks") / "school")
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {
        "三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", CLASS1),
        "三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", CLASS2),
    })
    for label, days in (("W40", W40), ("W41", W41), ("W42", W42)):
        sheets = {"三年级1班": check_sheet("三年级(1)班 周查表", days, MARKS1, CLASS1)}
        if label == "W41":
            sheets["三年级2班"] = check_sheet("三年级(2)班 周查表", days, MARKS2, CLASS2)
        write(inbox / f"周查表_{label}.xlsx", sheets)
    return dict(wd=wd, w41=run(wd, "2026-W41"), w42=run(wd, "2026-W42"))


def test_streak_across_holiday_weekend_and_weeks_reaches_7_on_the_right_day(school):
    # 甲 旷 09-29(1) 09-30(2) | holidays, weekend | 10-08(3) 10-09(4) 10-10(5) | Sunday | 10-12(6) 10-13(7)
    # As of 10-10 (W41): streak 5, highest step 3 (reached on the 3rd day, 10-08), not yet 疑似辍学.
    jia = alerts_by_name(school["w41"])["甲"]
    assert jia["连续旷课天数"] == 5
    assert day(jia["首次旷课日期"]) == D(2026, 9, 29)
    assert jia["预警级别"] == "第3级（连续3天）"
    assert day(jia["截止日期"]) == D(2026, 10, 8)           # step 3: deadline_days 0
    assert jia["缺勤率"] == pytest.approx(5 / 6)             # 5 旷 of 6 days with data
    assert table(school["w41"], "台账", "学籍号") == []       # no case before day 7
    # As of 10-16 (W42): streak 10; day 7 is Tue 10-13 → 疑似辍学 and a case opened that day.
    jia = alerts_by_name(school["w42"])["甲"]
    assert jia["连续旷课天数"] == 10
    assert jia["累计旷课天数"] == 10
    assert day(jia["首次旷课日期"]) == D(2026, 9, 29)
    assert jia["预警级别"] == "第4级（连续7天）"
    assert day(jia["截止日期"]) == D(2026, 10, 14)          # 10-13 + 1 school day
    assert jia["缺勤率"] == pytest.approx(10 / 11)
    cases = table(school["w42"], "台账", "学籍号")
    assert [(c["姓名"], day(c["开立日期"]), c["类别"], c["状态"]) for c in cases] == [
        ("甲", D(2026, 10, 13), "疑似辍学", "在办")]


def test_sick_day_ends_a_streak(school):
    # 乙: 旷 10-08 10-09 10-10 10-12 10-13 (would be 8 with 10-15, 10-16) but 病 on 10-14 ends it:
    # the current streak is 10-15, 10-16 = 2 days; never 7 → no case, not 疑似辍学.
    yi = alerts_by_name(school["w42"])["乙"]
    assert yi["连续旷课天数"] == 2
    assert day(yi["首次旷课日期"]) == D(2026, 10, 15)
    assert yi["累计旷课天数"] == 7
    assert yi["缺勤率"] == pytest.approx(8 / 11)             # 7 旷 + 1 病 of 11 days
    assert yi["预警级别"] == "第2级（连续2天）"
    assert day(yi["截止日期"]) == D(2026, 10, 16)
    # As of 10-10 she was at step 3 (10-08, 10-09, 10-10).
    assert alerts_by_name(school["w41"])["乙"]["预警级别"] == "第3级（连续3天）"


def test_unknown_day_and_half_day(school):
    alerts = alerts_by_name(school["w42"])
    # 丙: 旷 10-14, '—' 10-15 (no data), 旷 10-16 → streak 2 from 10-14; 10 days with data.
    bing = alerts["丙"]
    assert (bing["连续旷课天数"], day(bing["首次旷课日期"]), bing["累计旷课天数"]) == (2, D(2026, 10, 14), 2)
    assert bing["缺勤率"] == pytest.approx(2 / 10)
    assert bing["预警级别"] == "第2级（连续2天）"
    # 丁: 旷 10-15, 旷半 10-16 → streak 1.5: step 1 (reached 10-15), not step 2.
    ding = alerts["丁"]
    assert ding["连续旷课天数"] == 1.5
    assert ding["累计旷课天数"] == 1.5
    assert day(ding["首次旷课日期"]) == D(2026, 10, 15)
    assert ding["预警级别"] == "第1级（连续1天）"
    assert day(ding["截止日期"]) == D(2026, 10, 15)
    assert ding["缺勤率"] == pytest.approx(1.5 / 11)


def test_ladder_steps_1_2_3_7_and_one_row_per_student(school):
    alerts = alerts_by_name(school["w42"])
    levels = {name: a["预警级别"] for name, a in alerts.items()}
    assert levels == {
        "甲": "第4级（连续7天）",
        "乙": "第2级（连续2天）",
        "丙": "第2级（连续2天）",
        "丁": "第1级（连续1天）",
        "戊": "第3级（连续3天）",        # 旷 10-14, 10-15, 10-16
        "己": "第1级（连续1天）",        # 旷 10-16
        "辛": "长期缺勤预警",            # 事 + 假 + 事 = 3 of 11 = 27.27% ≥ 10%, no streak
        "壬": "第2级（连续2天）",        # class 2: see the R03 test
    }
    # §13.24: one row per student (乙 is both on the ladder and ≥ 10%: listed once, at her step).
    assert len(table(school["w42"], "缺勤预警", "学籍号")) == 8
    wu = alerts["戊"]
    assert (day(wu["首次旷课日期"]), day(wu["截止日期"])) == (D(2026, 10, 14), D(2026, 10, 16))
    assert wu["应采取措施"] == "教务处报告校长；校长上报乡镇人民政府及县教体局，组织劝返"
    assert wu["责任人"] == "教务处、校长"
    ji = alerts["己"]
    assert ji["应采取措施"] == "记录并告知家长，问清未到校原因"
    assert ji["缺勤率"] == pytest.approx(1 / 11)
    assert alerts["甲"]["责任人"] == "学籍管理员、校长"
    xin = alerts["辛"]
    assert xin["缺勤率"] == pytest.approx(3 / 11)
    assert xin["连续旷课天数"] == 0 and xin["累计旷课天数"] == 0
    assert xin["首次旷课日期"] is None and xin["截止日期"] is None
    # 庚 (½ day sick of 11 = 4.5%) is present enough; not listed.
    assert "庚" not in alerts


def test_weekly_rates_with_half_days(school):
    rows = table(school["w42"], "周汇总", "年级")
    c1 = next(r for r in rows if r["班级"] == "1班")
    # W42, class 1, 8 students × 5 days − 丙's '—' day = 39 student-days with data.
    # present: 甲 0, 乙 0, 丙 2, 丁 3.5 (3 + ½ of 旷半), 戊 2, 己 4, 庚 4.5 (4 + ½ of 病½), 辛 5 (迟 is present) = 21
    # 旷: 5 + 4 + 2 + 1.5 + 3 + 1 = 16.5; 病: 乙 1 + 庚 ½ = 1.5; 事 0; 迟 1 → 21 + 16.5 + 1.5 = 39.
    assert c1["在册人数"] == 8
    assert c1["应出勤人次"] == 39
    assert c1["实出勤人次"] == 21
    assert c1["出勤率"] == pytest.approx(21 / 39)
    assert (c1["迟到人次"], c1["病假人次"], c1["事假人次"], c1["旷课人次"]) == (1, 1.5, 0, 16.5)
    assert c1["疑似辍学人数"] == 1                            # 甲
    # W41: 事假人次 counts 辛's 假 and 事 (§13.3: 假 counts in 事假人次).
    w41 = next(r for r in table(school["w41"], "周汇总", "年级") if r["班级"] == "1班")
    # W41 class 1: 24 student-days; 旷 甲 3 + 乙 3 = 6; 事假 2; present 24 − 8 = 16.
    assert (w41["应出勤人次"], w41["实出勤人次"], w41["事假人次"], w41["旷课人次"]) == (24, 16, 2, 6)


def test_class_without_sheet_is_not_escalated(school):
    # 三年级2班 reported only W41 (壬 旷 10-09, 10-10). In W42 it has no 周查表 (R03): its days are
    # unknown — they neither extend nor end 壬's streak, and nobody is escalated for missing data.
    path = school["w42"]
    rows = table(path, "周汇总", "年级")
    c2 = next(r for r in rows if r["班级"] == "2班")
    # no 周查表: the attendance cells read 未报, not a perfect week of zeros (issue 13)
    assert (c2["在册人数"], c2["应出勤人次"], c2["实出勤人次"], c2["出勤率"]) == (2, "未报", "未报", "未报")
    ren = alerts_by_name(path)["壬"]
    assert (ren["连续旷课天数"], day(ren["首次旷课日期"])) == (2, D(2026, 10, 9))
    assert day(ren["截止日期"]) == D(2026, 10, 10)
    assert "癸" not in alerts_by_name(path)
    findings = table(path, "核对异常", "代码")
    assert [(f["代码"], f["班级"]) for f in findings if f["年级"] == "三年级" and f["班级"] == "2班"] == [
        ("R03", "2班")]
    assert not [f for f in findings if f["代码"] == "R01"]   # R01 only for classes that reported


LADDER_48H = """\
[policy]
suspect_after_days = 3

[[policy.escalation]]
days = 1
action = "1小时内电话报告学校，当天家访"
responsible = "班主任"
deadline_days = 0

[[policy.escalation]]
days = 2
action = "48小时内书面报告乡镇人民政府和县教育局（双报告）"
responsible = "校长"
deadline_days = 2
"""


def test_custom_ladder_from_kc_toml(tmp_path):
    wd = make_workdir(tmp_path / "school", extra_toml=LADDER_48H)
    kids = [student("子", 1), student("丑", 2), student("寅", 3)]
    marks = {"子": {d: K for d in W41}, "丑": {W41[2]: K}}
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("三年级(1)班花名册", kids)})
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", W41, marks, kids)})
    path = run(wd, "2026-W41")
    alerts = alerts_by_name(path)
    assert set(alerts) == {"子", "丑"}
    zi = alerts["子"]
    # 子: 旷 10-08, 10-09, 10-10 → streak 3; highest step is the 2nd (2 days), reached 10-09;
    # deadline 2 school days later: 10-10 (调休 Saturday) is the 1st, Mon 10-12 the 2nd.
    assert zi["预警级别"] == "第2级（连续2天）"
    assert zi["应采取措施"] == "48小时内书面报告乡镇人民政府和县教育局（双报告）"
    assert zi["责任人"] == "校长"
    assert day(zi["截止日期"]) == D(2026, 10, 12)
    assert (zi["连续旷课天数"], day(zi["首次旷课日期"]), zi["缺勤率"]) == (3, D(2026, 10, 8), 1)
    chou = alerts["丑"]
    assert chou["预警级别"] == "第1级（连续1天）"
    assert chou["应采取措施"] == "1小时内电话报告学校，当天家访"
    assert day(chou["截止日期"]) == D(2026, 10, 10)
    # suspect_after_days = 3: 子 is 疑似辍学 from her 3rd day, 10-10.
    cases = table(path, "台账", "学籍号")
    assert [(c["姓名"], day(c["开立日期"]), c["原因"], c["状态"]) for c in cases] == [
        ("子", D(2026, 10, 10), "连续旷课3天", "在办")]
    assert table(path, "周汇总", "年级")[0]["疑似辍学人数"] == 1
