"""Every reconciliation finding a single school can raise, R01–R12 (SPEC §7, §13.5, §13.12, §13.21,
§13.22), in one `kc weekly --week 2026-W42` run on real .xlsx input (as of Fri 2026-10-16).

The school, 示例小学 三年级, three classes:
  花名册A.xlsx (imported first, §13.13): 1班 甲 乙 丙 丁 戊 己 庚 辛 壬 寅 辰; 2班 丑 丁 癸; 3班 巳 午.
  花名册B.xlsx (newer): 2班 丑 丁 子 — 癸 is gone (R11), 子 is new (R12).
  周查表 W42: 1班 甲 丙 丁 戊 己 庚 辛 壬 辰; 2班 丑 癸 子 寅 卯; 3班 none (R03).
  学籍变动: 丙 转出 10-13 (回执 10-14); 辰 转出 09-25, no 回执; 壬 复学 10-12 while 在读 (R10);
            甲 退学 10-12 (an input error, not R10: §5.2).
"""
from __future__ import annotations

import datetime as dt

import pytest

from school import change_sheet, check_sheet, make_workdir, roster_sheet, write
from test_streaks import W42, day, run, student, table

D = dt.date

JIA, YI, BING, DING, WU = (student(n, i) for i, n in enumerate("甲乙丙丁戊", start=1))
WU["sex"] = "女"                                   # 顺序码 odd = 男: disagrees (R08)
JI = student("己", 6, birth=D(2014, 8, 13))        # 12 at 2026-08-31; 三年级 normal 8: 4 off → R09
GENG = student("庚", 7, birth=D(2015, 9, 1))       # 10 at 2026-08-31: 2 off → no R09
XIN = student("辛", 8, birth=D(2015, 8, 31))       # 11 at 2026-08-31: 3 off → R09
REN, YIN, CHEN = student("壬", 9), student("寅", 10), student("辰", 11)
CHOU, GUI, ZI = student("丑", 12), student("癸", 13), student("子", 14)
SI, WU2 = student("巳", 15), student("午", 16)
MAO = student("卯", 17)                            # on no roster, no event: R02

ROSTER_A = {
    "三年级1班": [JIA, YI, BING, DING, WU, JI, GENG, XIN, REN, YIN, CHEN],
    "三年级2班": [CHOU, DING, GUI],
    "三年级3班": [SI, WU2],
}
ROSTER_B = {"三年级2班": [CHOU, DING, ZI]}
SHEET_1 = [JIA, BING, DING, WU, JI, GENG, XIN, REN, CHEN]
SHEET_2 = [CHOU, GUI, ZI, YIN, MAO]
MARKS = {
    "甲": {W42[0]: "病"},
    "丙": {W42[2]: "√", W42[3]: "旷"},              # after his 转出 on 10-13: R05
    "辰": {d: "—" for d in W42},                   # left in September, listed with '—': no data
    "卯": {d: "旷" for d in W42},                  # R02: counts in no figure
}


def change_row(s, kind, date, other="", receipt="", reason=""):
    return ["G" + s["id"], s["id"], s["name"], "三年级", "1班", kind, date, other, receipt, reason, "", ""]


@pytest.fixture(scope="module")
def weekly_book(tmp_path_factory):
    wd = make_workdir(tmp_path_factory.mktemp("findings") / "school")
    inbox = wd / "inbox"
    write(inbox / "花名册A.xlsx", {name: roster_sheet(f"示例小学{name[:3]}({name[3]})班学生花名册", kids)
                                for name, kids in ROSTER_A.items()})
    write(inbox / "花名册B.xlsx", {"三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", ROSTER_B["三年级2班"])})
    write(inbox / "周查表W42.xlsx", {
        "三年级1班": check_sheet("三年级(1)班 周查表", W42, MARKS, SHEET_1),
        "三年级2班": check_sheet("三年级(2)班 周查表", W42, MARKS, SHEET_2),
    })
    write(inbox / "学籍变动.xlsx", {"变动": change_sheet([
        change_row(BING, "转出", "2026-10-13", "城关小学", "2026-10-14", "随父母"),
        change_row(CHEN, "转出", "2026-09-25", "县实验小学"),
        change_row(REN, "复学", "2026-10-12"),
        change_row(JIA, "退学", "2026-10-12"),
    ])})
    return run(wd, "2026-W42")


@pytest.fixture(scope="module")
def found(weekly_book):
    return table(weekly_book, "核对异常", "代码")


def codes_for(found, code):
    return sorted(f["姓名"] or f["班级"] for f in found if f["代码"] == code)


def test_every_code_is_found_for_the_right_students(found):
    assert codes_for(found, "R01") == ["乙"]            # 1班 reported, 乙 is not on its sheet
    assert codes_for(found, "R02") == ["卯"]
    assert codes_for(found, "R03") == ["3班"]           # 3班 has no 周查表 (and 巳/午 are not R01)
    assert codes_for(found, "R04") == ["丁"]            # on 1班 and 2班
    assert codes_for(found, "R05") == ["丙"]
    assert codes_for(found, "R06") == ["辰"]
    assert codes_for(found, "R07") == ["1班", "2班"]    # 寅 (1班) is on the 2班 周查表
    assert codes_for(found, "R08") == ["戊"]
    assert codes_for(found, "R09") == ["己", "辛"]      # 4 and 3 years off; 庚 is 2 off
    assert codes_for(found, "R10") == ["壬"]
    assert codes_for(found, "R11") == ["癸"]
    assert codes_for(found, "R12") == ["子"]
    assert len(found) == 14                            # R07 and R09 twice each
    # in code order (§9.1 核对异常 is read top-down by code)
    assert [f["代码"] for f in found] == sorted(f["代码"] for f in found)


def test_finding_details(found):
    by_code = {f["代码"]: f for f in found if f["代码"] not in ("R07", "R09")}
    assert by_code["R01"]["问题"] == "有籍无人"
    assert (by_code["R04"]["班级"], by_code["R04"]["问题"]) == ("1班", "重复学籍")   # first row's class (§13.21)
    r05 = by_code["R05"]
    assert "10月14日“√”" in r05["说明"] and "10月15日“旷”" in r05["说明"]
    assert "周查表W42.xlsx" in r05["来源"]
    # 辰: 转出 Fri 09-25; the 10th school day after it is Thu 10-15 (09-28 09-29 09-30, holidays,
    # 10-08 10-09 10-10, 10-12 10-13 10-14 10-15); 10-16 is after it → 逾期未回执.
    assert "2026-10-15" in by_code["R06"]["说明"]
    assert by_code["R02"]["学籍号"].endswith(MAO["id"])
    assert by_code["R10"]["问题"] == "变动无法应用"
    assert "复学" in by_code["R10"]["说明"]
    assert "学籍变动.xlsx" in by_code["R10"]["来源"]
    r07 = {f["班级"]: f["说明"] for f in found if f["代码"] == "R07"}
    assert "寅" in r07["1班"] and "寅" in r07["2班"]


def test_input_errors_and_no_r10_for_tuixue(weekly_book, found):
    errors = table(weekly_book, "输入错误", "文件")
    assert [(e["文件"], e["原值"]) for e in errors] == [("学籍变动.xlsx", "退学")]
    assert not any(f["代码"] == "R10" and f["姓名"] == "甲" for f in found)


def test_r02_and_r05_rows_are_left_out_of_every_figure(weekly_book):
    rows = {r["班级"]: r for r in table(weekly_book, "周汇总", "年级")}
    c1, c2, c3 = rows["1班"], rows["2班"], rows["3班"]
    # 1班 在读 at 10-16: 甲 乙 丁 戊 己 庚 辛 壬 寅 = 9 (丙 and 辰 are 转出; 丁 stays in 1班, §13.21).
    assert c1["在册人数"] == 9
    # Days with data while 在读: 甲 丁 戊 己 庚 辛 壬 5 each = 35, 寅 5 (his own class, from the 2班
    # sheet), 丙 only Mon 10-12 (转出 from 10-13; 10-14 √ and 10-15 旷 are R05, left out) = 41.
    assert c1["应出勤人次"] == 41
    assert c1["实出勤人次"] == 40                       # 甲 病 on 10-12
    assert (c1["病假人次"], c1["旷课人次"]) == (1, 0)
    assert c1["本周转出"] == 1                          # 丙 10-13; 辰's 09-25 is not this week (§13.4)
    assert c1["疑似辍学人数"] == 1                      # 辰, 转出 逾期未回执 (§13.7)
    # 2班: 丑, 癸 (R11 stays in the older roster's class), 子 (R12, 在读 from 学年初) = 3; 卯 is R02.
    assert (c2["在册人数"], c2["应出勤人次"], c2["实出勤人次"], c2["旷课人次"]) == (3, 15, 15, 0)
    # 3班 sent no 周查表: its attendance reads 未报, not a week of zeros (issue 13)
    assert (c3["在册人数"], c3["应出勤人次"], c3["实出勤人次"], c3["出勤率"]) == (2, "未报", "未报", "未报")
    alerts = {a["姓名"] for a in table(weekly_book, "缺勤预警", "学籍号")}
    assert alerts == {"甲"}                             # 1 病 of 5 days = 20% ≥ 10%; not 卯, not 丙
    cases = table(weekly_book, "台账", "学籍号")
    assert [(c["姓名"], day(c["开立日期"]), c["原因"]) for c in cases] == [
        ("辰", D(2026, 10, 16), "转出未接收（去向不明）")]
