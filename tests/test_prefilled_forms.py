"""`kc forms --week W` pre-filled from the store (issue 14): the right students per class, the week's
days, locked holidays and no-data days, drop-downs, print layout; a filled form read back by
`kc weekly` gives the same figures as a hand-typed 周查表.

School 示例小学, 三年级1班 (班主任 王老师 from [[classes]]): roster 甲 乙 丙 丁; 丁 转出 Thu 10-08 (the
week before W42); 戊 转入 Wed 10-14 into 三年级1班. 三年级2班: 己. Calendar of tests/school.py.
W42 = Mon 10-12 … Fri 10-16, all school days. So the W42 sheet of 三年级1班 lists 甲 乙 丙 (roster
order) and 戊 (转入 mid-week: 10-12 and 10-13 pre-marked “—”, locked); not 丁. 三年级2班 lists 己.
W41 = Mon 10-05 … Sun 10-11: 10-05…07 holidays (shown, greyed), Thu 10-08, Fri 10-09, and Sat 10-10
(调休, a school day, shown); Sunday not shown: 6 day columns.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
from click.testing import CliRunner

from school import change_sheet, check_sheet, make_id, make_workdir, roster_sheet, write
from test_worked_example import by_header, sheet_rows

from kc_batch.cli import main

D = dt.date
W42 = [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)]
TOML = """
[[classes]]
name = "三年级1班"
teacher = "王老师"
"""


def kid(name, n):
    return dict(name=name, sex="男", birth=D(2017, 3, n), id=make_id(D(2017, 3, n), n, True))


CLASS1 = [kid(n, i) for i, n in enumerate("甲乙丙丁", start=1)]
WU, JI = kid("戊", 5), kid("己", 6)
FILLED = {"甲": {D(2026, 10, 13): "旷", D(2026, 10, 14): "旷"}, "丙": {D(2026, 10, 15): "病"},
          "戊": {D(2026, 10, 12): "—", D(2026, 10, 13): "—", D(2026, 10, 16): "迟"}}


def build(root, with_check_sheet=False):
    wd = make_workdir(root, extra_toml=TOML)
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", CLASS1),
                                  "三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", [JI])})
    ding = CLASS1[3]
    write(inbox / "学籍变动.xlsx", {"变动": change_sheet([
        ["G" + ding["id"], ding["id"], "丁", "三年级", "1班", "转出", "2026-10-08", "城关小学", "2026-10-09", "", "", ""],
        ["G" + WU["id"], WU["id"], "戊", "三年级", "1班", "转入", "2026-10-14", "河东小学", "", "", "", ""]])})
    if with_check_sheet:  # the hand-typed 周查表 the pre-filled one must match
        write(inbox / "周查表_手工.xlsx", {
            "三年级1班": check_sheet("三年级(1)班 周查表", W42, FILLED, CLASS1[:3] + [WU]),
            "三年级2班": check_sheet("三年级(2)班 周查表", W42, {}, [JI])})
    return wd


def forms(wd, *args):
    res = CliRunner().invoke(main, ["forms", "--dir", str(wd), *args])
    assert res.exit_code == 0, res.output
    return res


def test_the_week_sheet_lists_exactly_the_students_in_the_class_that_week(tmp_path):
    wd = build(tmp_path / "s")
    res = forms(wd, "--week", "2026-W42")
    assert "已为 2 个班（5 名学生）预填 2026-W42" in res.output
    book = openpyxl.load_workbook(wd / "out" / "forms" / "周查表_示例小学_2026-W42.xlsx")
    assert book.sheetnames == ["三年级1班", "三年级2班"]
    ws = book["三年级1班"]
    assert ws["A1"].value == "示例小学三年级(1)班周查表（第7周，2026-10-12 起）"
    # the form writer's layout (issue 13): title, 填报单位 line, 班主任 line, legend, header
    assert ws["A2"].value == "填报单位：示例小学" and ws["A3"].value == "班主任：王老师"
    assert [c.value for c in ws[5]] == ["学籍号", "姓名", "10月12日\n周一", "10月13日\n周二", "10月14日\n周三",
                                        "10月15日\n周四", "10月16日\n周五", "备注"]
    listed = [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=6) if r[1].value]
    assert listed == [("G" + k["id"], k["name"]) for k in CLASS1[:3]] + [("G" + WU["id"], "戊")]
    wu_row = ws[9]
    assert [c.value for c in wu_row[2:7]] == ["—", "—", None, None, None]
    assert wu_row[2].protection.locked and not wu_row[4].protection.locked
    assert ws.protection.sheet and ws.data_validations.dataValidation  # locked cells, drop-down marks
    assert ws.page_setup.paperSize == 9 and ws.print_title_rows == "$1:$5"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("班主任签字") for t in texts) and any(t.startswith("单位负责人") for t in texts)
    assert [(r[0].value, r[1].value) for r in book["三年级2班"].iter_rows(min_row=6) if r[1].value] == \
        [("G" + JI["id"], "己")]


def test_holidays_are_greyed_and_a_weekend_school_day_shown(tmp_path):
    wd = build(tmp_path / "s")
    forms(wd, "--week", "2026-W41")
    ws = openpyxl.load_workbook(wd / "out" / "forms" / "周查表_示例小学_2026-W41.xlsx")["三年级1班"]
    heads = [c.value for c in ws[5]][2:-1]
    assert heads == ["10月5日\n周一\n（不上课）", "10月6日\n周二\n（不上课）", "10月7日\n周三\n（不上课）",
                     "10月8日\n周四", "10月9日\n周五", "10月10日\n周六"]
    jia = ws[6]
    assert jia[2].fill.fgColor.rgb.endswith("BFBFBF") and jia[2].protection.locked
    assert not jia[5].protection.locked
    # W41: 丁 leaves on Thu 10-08 (转出): 在读 on no school day of W41 → not listed; 戊 joins in W42
    assert [r[1].value for r in ws.iter_rows(min_row=6) if r[1].value] == ["甲", "乙", "丙"]


def test_filled_in_it_gives_the_same_weekly_figures_as_a_hand_typed_sheet(tmp_path):
    wd = build(tmp_path / "prefilled")
    forms(wd, "--week", "2026-W42")
    book = openpyxl.load_workbook(wd / "out" / "forms" / "周查表_示例小学_2026-W42.xlsx")
    ws = book["三年级1班"]
    cols = {c.value.split("\n")[0]: c.column for c in ws[5] if c.value and "月" in c.value}
    for row in ws.iter_rows(min_row=6):
        for day, mark in FILLED.get(row[1].value, {}).items():
            cell = ws.cell(row=row[0].row, column=cols[f"{day.month}月{day.day}日"])
            assert cell.value in (None, mark)
            cell.value = mark
    book.save(wd / "inbox" / "周查表_预填.xlsx")
    typed = build(tmp_path / "typed", with_check_sheet=True)
    results = {}
    for folder in (wd, typed):
        res = CliRunner().invoke(main, ["weekly", "--dir", str(folder), "--week", "2026-W42"])
        assert res.exit_code == 0, res.output
        path = folder / "out" / "2026-W42" / "周查汇总_示例小学_2026-W42.xlsx"
        results[folder] = {name: by_header(sheet_rows(path, name), first)[1]
                           for name, first in (("周汇总", "年级"), ("缺勤预警", "学籍号"), ("核对异常", "代码"))}
    assert results[wd] == results[typed]
    summary = {r["班级"]: r for r in results[wd]["周汇总"]}
    # by hand: 甲 乙 丙 5 days each + 戊 3 days (10-14…16) = 18 student-days; absent 甲 2 旷, 丙 1 病
    assert (summary["1班"]["在册人数"], summary["1班"]["应出勤人次"], summary["1班"]["实出勤人次"],
            summary["1班"]["旷课人次"], summary["1班"]["迟到人次"], summary["1班"]["本周转入"]) == (4, 18, 15, 2, 1, 1)
    assert [r["代码"] for r in results[wd]["核对异常"]] == ["本周无核对异常"]


def test_per_class_workbooks_and_the_visit_and_change_forms(tmp_path):
    wd = build(tmp_path / "s")
    forms(wd, "--week", "2026-W42", "--per-class")
    folder = wd / "out" / "forms" / "2026-W42"
    assert sorted(p.name for p in folder.iterdir()) == [
        "三年级1班_周查表_示例小学_2026-W42.xlsx", "三年级1班_家访登记表_示例小学.xlsx",
        "三年级2班_周查表_示例小学_2026-W42.xlsx", "三年级2班_家访登记表_示例小学.xlsx"]
    visits = openpyxl.load_workbook(folder / "三年级1班_家访登记表_示例小学.xlsx")
    ws = visits["三年级1班"]
    assert ws["A1"].value == "示例小学三年级(1)班家访登记表"
    assert [c.value for c in ws[4]] == ["家访日期", "学籍号", "姓名", "年级", "班级", "家访教师", "教师身份", "方式",
                                        "事由", "结果"]
    lists = {str(v.sqref).split(":")[0][:1]: v.formula1 for v in ws.data_validations.dataValidation}
    assert lists["C"] == '"甲,乙,丙,戊"' and lists["H"] == '"入户,电话,视频,到校约谈"' and lists["E"] == '"1班,2班"'
    change = openpyxl.load_workbook(wd / "out" / "forms" / "学籍变动登记表_示例小学.xlsx")["学籍变动"]
    assert any(v.formula1 == '"三年级"' for v in change.data_validations.dataValidation)
    # a filled 家访登记表 (姓名 from the drop-down, class from the title) is read back
    ws["A5"], ws["C5"], ws["F5"], ws["H5"] = D(2026, 10, 14), "乙", "王老师", "入户"
    visits.save(wd / "inbox" / "家访_预填.xlsx")
    res = CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", "2026-W42"])
    assert res.exit_code == 0, res.output
    path = wd / "out" / "2026-W42" / "周查汇总_示例小学_2026-W42.xlsx"
    log = by_header(sheet_rows(path, "家访记录"), "家访日期")[1]
    assert [(r["姓名"], r["家访教师"], r["方式"]) for r in log] == [("乙", "王老师", "入户")]
