"""Which student a 周查表 row belongs to (SPEC §3.2, §3.6, §7 R02/R08; issue 11 items 1 and 2), run as
`kc weekly --week 2026-W47` (Mon 11-16 … Fri 11-20) on real .xlsx input.

二年级1班 on the roster: 甲, 乙 (valid IDs); 王芳 with 学籍号 2018000123 and a 身份证号 whose check digit
is wrong. 丙 arrived by a 转入 on 2026-11-02 (valid ID, 二年级 1班) and is on no roster.
"""
from __future__ import annotations

import datetime as dt

import openpyxl

from school import change_sheet, make_workdir, write
from test_streaks import day, run, student, table

D = dt.date
W47 = [D(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
JIA, YI, BING = student("甲", 1, birth=D(2018, 3, 1)), student("乙", 2, birth=D(2018, 4, 1)), \
    student("丙", 3, birth=D(2018, 5, 1))
WANG = student("王芳", 4, sex="女", birth=D(2018, 6, 1))
BAD_ID = WANG["id"][:17] + ("1" if WANG["id"][17] != "1" else "2")   # a wrong check digit
WANG_XJH = "2018000123"                                                # a local (opaque) 学籍号


def date_headers():
    return [f"{d.month}月{d.day}日" for d in W47]


def roster_rows():
    return [["二年级(1)班花名册"], ["学籍号", "身份证号", "姓名", "性别", "出生日期"],
            ["G" + JIA["id"], JIA["id"], "甲", "男", JIA["birth"]],
            ["G" + YI["id"], YI["id"], "乙", "男", YI["birth"]],
            [WANG_XJH, BAD_ID, "王芳", "女", WANG["birth"]]]


def transfer_in():
    return change_sheet([["G" + BING["id"], BING["id"], "丙", "二年级", "1班", "转入", "2026-11-02", "邻镇小学",
                          None, None, None, None]])


def all_cells(path):
    wb = openpyxl.load_workbook(path)
    return [v for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if isinstance(v, str)]


def test_name_only_sheet_finds_a_student_who_joined_by_transfer(tmp_path):
    """Issue 11 item 1: a 周查表 with only 姓名 matches 丙 (转入, on no roster) within the class.
    Marks: 丙 旷 on Fri 11-20, everyone else present. By hand: 3 students × 5 days = 15 student-days
    with data (应出勤人次), 14 present, 1 旷课; 丙 at 第1级 (streak 1) with his 学籍号; no R02."""
    wd = make_workdir(tmp_path / "school")
    write(wd / "inbox" / "花名册.xlsx", {"二年级1班": roster_rows()[:4]})
    write(wd / "inbox" / "学籍变动.xlsx", {"变动": transfer_in()})
    write(wd / "inbox" / "周查表.xlsx", {"二年级1班": [
        ["二年级(1)班周查表"], ["姓名", *date_headers()],
        ["甲", None, None, None, None, None], ["乙", None, None, None, None, None],
        ["丙", None, None, None, None, "旷"]]})
    path = run(wd, "2026-W47")
    [row] = [r for r in table(path, "周汇总", "年级") if r["年级"] == "二年级"]
    assert (row["在册人数"], row["应出勤人次"], row["实出勤人次"], row["旷课人次"]) == (3, 15, 14, 1)
    alerts = {a["姓名"]: a for a in table(path, "缺勤预警", "学籍号")}
    assert (alerts["丙"]["学籍号"], alerts["丙"]["预警级别"]) == ("G" + BING["id"], "第1级（连续1天）")
    assert [f["代码"] for f in table(path, "核对异常", "代码")] == []
    # rows read (3) = rows stored (3, all counted above) + rows in 输入错误 (0)
    assert table(path, "输入错误", "文件") == []


def test_invalid_id_reaches_the_roster_student_and_no_internal_key_shows(tmp_path):
    """Issue 11 item 2: the 周查表 gives only a 身份证号 column; 王芳's number has a wrong check digit,
    and W46's sheet spells her 王方. The invalid number is not a key (§3.6), but both rows reach the
    roster's 王芳 (W47 by name within the class, W46 by the same number text within the unit): her
    旷 on Fri 11-13 and Mon 11-16 … Fri 11-20 make a streak of 6 (第3级) under her 学籍号. R08 is
    listed once for her and that problem, naming all three source rows; no cell shows an internal key."""
    wd = make_workdir(tmp_path / "school")
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"二年级1班": roster_rows()})
    w46 = [D(2026, 11, 9) + dt.timedelta(days=i) for i in range(5)]
    write(inbox / "周查表W46.xlsx", {"二年级1班": [
        ["二年级(1)班周查表"], ["身份证号", "姓名", *[f"{d.month}月{d.day}日" for d in w46]],
        [JIA["id"], "甲", None, None, None, None, None], [YI["id"], "乙", None, None, None, None, None],
        [BAD_ID, "王方", None, None, None, None, "旷"]]})
    write(inbox / "周查表W47.xlsx", {"二年级1班": [
        ["二年级(1)班周查表"], ["身份证号", "姓名", *date_headers()],
        [JIA["id"], "甲", None, None, None, None, None], [YI["id"], "乙", None, None, None, None, None],
        [BAD_ID, "王芳", "旷", "旷", "旷", "旷", "旷"]]})
    path = run(wd, "2026-W47")
    alerts = {a["姓名"]: a for a in table(path, "缺勤预警", "学籍号")}
    wang = alerts["王芳"]
    assert (wang["学籍号"], wang["连续旷课天数"], day(wang["首次旷课日期"])) == (WANG_XJH, 6, D(2026, 11, 13))
    findings = table(path, "核对异常", "代码")
    assert [(f["代码"], f["学籍号"], f["姓名"], f["年级"], f["班级"]) for f in findings] == [
        ("R08", WANG_XJH, "王芳", "二年级", "1班")]
    sources = findings[0]["来源"]
    for where in ("花名册.xlsx / 二年级1班 / 第5行", "周查表W46.xlsx / 二年级1班 / 第5行",
                  "周查表W47.xlsx / 二年级1班 / 第5行"):
        assert where in sources
    assert not [v for v in all_cells(path) if "NAME:" in v or "XJH:" in v or "IDTEXT:" in v]
    [row] = [r for r in table(path, "周汇总", "年级") if r["年级"] == "二年级"]
    assert (row["在册人数"], row["应出勤人次"], row["旷课人次"]) == (3, 15, 5)
    assert table(path, "输入错误", "文件") == []  # rows read (6) = rows stored (6) + 输入错误 (0)
