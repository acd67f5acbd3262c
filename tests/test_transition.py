"""`kc transition` (SPEC §12): expected values worked out by hand from the scripted county below.

--year 2027: graduates of 学年 2026—2027 (毕业 events dated 2027-07-01) → 七年级 of 2027—2028.
  杉树完小 六年级1班: 甲 → on 城关中学's 七年级 roster (another township)      → 已升学, 城关中学
                      乙 → on 杉树中学's 七年级 roster with only an L 学籍号     → 已升学 by 姓名+出生日期
                      丙 → nowhere                                               → 未升学
                      丁 → nowhere; the user answers 去向 “外地就读”             → 外地就读 (second run)
  城关小学 六年级1班: 戊 → 城关中学                                              → 已升学
  己 (杉树完小 六年级) has a 毕业 event of 2026 (an earlier year): not a graduate of 2027.
升学率 = 已升学 ÷ 毕业生: 杉树完小 2/4 = 50%, 城关小学 1/1 = 100%, 合计 3/5 = 60%.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner
from stdnum.cn import ric

from school import make_id, make_workdir, write

from kc_batch.cli.matching import transition_cmd

D = dt.date
UNITS = "".join(f'\n[[units]]\nname = "{n}"\n' for n in ("杉树完小", "城关小学", "杉树中学", "城关中学"))
HEADER = ["学籍号", "身份证号", "姓名", "性别", "出生日期", "监护人", "联系电话", "家庭住址"]


def valid_id(birth, seq, male):
    body = make_id(birth, seq, male)[:17]
    return body + ric.calc_check_digit(body + "0")   # stdnum wants a placeholder check character


def kid(name, birth, seq, male=True):
    return dict(name=name, birth=birth, sex="男" if male else "女", id=valid_id(birth, seq, male),
                guardian=name + "父", phone=f"1390000000{seq}", address=f"杉树村{seq}组")


JIA, YI, BING, DING = (kid("甲", D(2014, 3, 1), 1), kid("乙", D(2014, 4, 2), 2, False),
                       kid("丙", D(2014, 5, 3), 3), kid("丁", D(2014, 6, 4), 4, False))
WU, JI = kid("戊", D(2014, 7, 5), 5), kid("己", D(2013, 8, 6), 6)


def roster(title, kids, xjh=None):
    rows = [[title], HEADER]
    for k in kids:
        rows.append([xjh or "G" + k["id"], "" if xjh else k["id"], k["name"], k["sex"], k["birth"], k["guardian"],
                     k["phone"], k["address"]])
    return rows


def graduation(kids, date):
    rows = [["学籍变动登记表"], ["学籍号", "身份证号", "姓名", "年级", "班级", "变动类型", "变动日期"]]
    return rows + [["G" + k["id"], k["id"], k["name"], "六年级", "1班", "毕业", date] for k in kids]


def build(tmp_path):
    wd = make_workdir(tmp_path / "county", name="示例县教育局", extra_toml=UNITS)
    inbox = wd / "inbox"
    write(inbox / "杉树完小" / "六年级花名册.xlsx", {"六年级1班": roster("杉树完小六年级(1)班花名册", [JIA, YI, BING, DING, JI])})
    write(inbox / "杉树完小" / "毕业登记.xlsx", {"变动": graduation([JIA, YI, BING, DING], "2027-07-01")
                                             + [["G" + JI["id"], JI["id"], "己", "六年级", "1班", "毕业", "2026-07-01"]]})
    write(inbox / "城关小学" / "六年级花名册.xlsx", {"六年级1班": roster("城关小学六年级(1)班花名册", [WU])})
    write(inbox / "城关小学" / "毕业登记.xlsx", {"变动": graduation([WU], "2027-07-02")})
    write(inbox / "城关中学" / "七年级花名册.xlsx", {"七年级2班": roster("城关中学七年级(2)班花名册", [JIA, WU])})
    write(inbox / "杉树中学" / "七年级花名册.xlsx",
          {"七年级1班": roster("杉树中学七年级(1)班花名册", [YI], xjh="L450923201400000001")})
    return wd


def run(wd, *extra):
    res = CliRunner().invoke(transition_cmd, ["--year", "2027", "--dir", str(wd), *extra])
    assert res.exit_code == 0, res.output
    path = wd / "out" / "transition" / "小升初对接_示例县教育局_2027.xlsx"
    assert path.is_file()
    return path, res.output


def blank(v):
    return None if v == "" else v


def sheet(path, name, first_header):
    rows = [[blank(v) for v in r] for r in openpyxl.load_workbook(path)[name].iter_rows(values_only=True)]
    i = next(n for n, r in enumerate(rows) if r[0] == first_header)
    return rows[i], rows[i + 1:]


def listed(path, name):
    header, rest = sheet(path, name, "序号")
    return [dict(zip(header, r)) for r in rest if isinstance(r[0], int)]


def rates(path):
    header, rest = sheet(path, "升学率", "毕业小学")
    out = []
    for r in rest:
        out.append(r[:6])
        if r[0] == "合计":
            return out
    raise AssertionError("no 合计 row")


def test_transition_lists_rates_and_answers(tmp_path):
    wd = build(tmp_path)
    first, output = run(wd)
    assert rates(first) == [["城关小学", 1, 1, 0, 0, 1], ["杉树完小", 4, 2, 0, 2, 0.5], ["合计", 5, 3, 0, 2, 0.6]]
    enrolled = {r["姓名"]: r for r in listed(first, "已升学")}
    assert set(enrolled) == {"甲", "乙", "戊"}
    assert (enrolled["甲"]["毕业小学"], enrolled["甲"]["就读初中"], enrolled["甲"]["七年级班级"],
            enrolled["甲"]["比对方式"]) == ("杉树完小", "城关中学", "2班", "身份证号/学籍号")
    assert (enrolled["乙"]["就读初中"], enrolled["乙"]["比对方式"]) == ("杉树中学", "姓名+出生日期")
    assert enrolled["戊"]["毕业小学"] == "城关小学"
    missing = listed(first, "未升学")
    assert [(m["毕业小学"], m["原班级"], m["学籍号"], m["身份证号"], m["姓名"], m["出生日期"], m["监护人"], m["联系电话"],
             m["家庭住址"], m["去向"]) for m in missing] == [
        ("杉树完小", "六年级1班", "G" + BING["id"], BING["id"], "丙", dt.datetime(2014, 5, 3), "丙父", "13900000003",
         "杉树村3组", None),
        ("杉树完小", "六年级1班", "G" + DING["id"], DING["id"], "丁", dt.datetime(2014, 6, 4), "丁父", "13900000004",
         "杉树村4组", None)]
    assert listed(first, "外地就读") == []
    assert "升学率 60.00%" in output

    wb = openpyxl.load_workbook(first)
    ws = wb["未升学"]
    header = next(r for r in ws.iter_rows() if r[0].value == "序号")
    col = next(c.column for c in header if c.value == "去向")
    row = next(r for r in ws.iter_rows() if r[5].value == "丁")
    ws.cell(row=row[0].row, column=col, value="外地就读：广东东莞某中学")
    wb.save(first)

    second, _ = run(wd)
    assert rates(second) == [["城关小学", 1, 1, 0, 0, 1], ["杉树完小", 4, 2, 1, 1, 0.5], ["合计", 5, 3, 1, 1, 0.6]]
    assert [m["姓名"] for m in listed(second, "未升学")] == ["丙"]
    away = listed(second, "外地就读")
    assert [(a["姓名"], a["去向"], a["说明"]) for a in away] == [("丁", "外地就读：广东东莞某中学", None)]
    rate_cell = next(c for r in openpyxl.load_workbook(second)["升学率"].iter_rows() for c in r if c.value == 0.6)
    assert rate_cell.number_format == "0.00%"

    (wd / "out" / "transition" / "小升初对接_示例县教育局_2027.xlsx").unlink()
    third, _ = run(wd)   # the answer is kept in the store
    assert [a["姓名"] for a in listed(third, "外地就读")] == ["丁"]


def test_graduates_file_with_school_column(tmp_path):
    wd = build(tmp_path)
    grads = tmp_path / "毕业生名册.xlsx"
    rows = [["2027届小学毕业生名册"], ["毕业学校"] + HEADER]
    for school, k in (("杉树完小", JIA), ("杉树完小", BING), ("城关小学", WU)):
        rows.append([school, "G" + k["id"], k["id"], k["name"], k["sex"], k["birth"], k["guardian"], k["phone"],
                     k["address"]])
    write(grads, {"Sheet1": rows})
    path, _ = run(wd, "--graduates", str(grads))
    assert rates(path) == [["城关小学", 1, 1, 0, 0, 1], ["杉树完小", 2, 1, 0, 1, 0.5], ["合计", 3, 2, 0, 1, pytest.approx(2 / 3)]]
    assert [m["姓名"] for m in listed(path, "未升学")] == ["丙"]


def test_no_graduates_and_bad_year(tmp_path):
    wd = build(tmp_path)
    res = CliRunner().invoke(transition_cmd, ["--year", "2030", "--dir", str(wd)])
    assert res.exit_code == 3 and "没有找到 2029—2030 学年的六年级毕业生" in res.output
    res = CliRunner().invoke(transition_cmd, ["--year", "二〇二七", "--dir", str(wd)])
    assert res.exit_code == 2 and "--year" in res.output


def test_two_seventh_graders_with_the_same_name_and_birth_are_not_a_match():
    import pandas as pd
    from kc_batch.reconcile.transition import match_graduates
    grads = pd.DataFrame({"gid": [0, 1], "gkey": ["XJH:L1", "XJH:L2"], "xjh": ["L1", "L2"], "name": ["王五", "李四"],
                          "birth": ["2014-01-01", "2014-02-02"]})
    g7 = pd.DataFrame({"key": ["A", "B", "C"], "xjh": [None, None, None], "name": ["王五", "王五", "李四"],
                       "birth": ["2014-01-01", "2014-01-01", "2014-02-02"], "school": ["城关中学", "杉树中学", "杉树中学"],
                       "class_no": ["1", "2", "3"]})
    matched, ambiguous = match_graduates(grads, g7)
    assert matched[["gid", "key", "method"]].values.tolist() == [[1, "C", "姓名+出生日期"]]
    assert sorted(ambiguous["key"]) == ["A", "B"] and set(ambiguous["gid"]) == {0}


def footer_dates(path):
    """Every 报出日期 written in the workbook's footers."""
    import re
    wb = openpyxl.load_workbook(path)
    return {m for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r
            if isinstance(v, str) for m in re.findall(r"报出日期：(\S+)", v)}


def test_report_date_is_the_new_years_start_not_the_run_day(tmp_path):
    """§13.18 (issue 11 item 10): --year 2027 reports on the 七年级 rosters of 学年 2027—2028, whose
    学年初 is Wednesday 2027-09-01 (weekday rule; no holiday then) — the same on every run day."""
    path, _ = run(build(tmp_path))
    assert footer_dates(path) == {"2027年9月1日"}


def test_graduates_without_an_id_are_matched_by_name_and_birth(tmp_path):
    """§12 (issue 11 item 5): a 毕业生名册 row with neither 学籍号 nor 身份证号 (and no class) is a
    graduate, matched by 姓名 + 出生日期, not an input error.
      庚 (杉树完小, born 2014-09-09) → on 杉树中学's 七年级3班 roster with an L 学籍号  → 已升学 by 姓名+出生日期
      辛 (城关小学, born 2014-10-10) → on no 七年级 roster                            → 未升学
    With 甲, 丙 (杉树完小) and 戊 (城关小学) as in test_graduates_file_with_school_column:
    杉树完小 3 graduates, 已升学 甲 庚 = 2/3; 城关小学 2, 已升学 戊 = 1/2; 合计 3/5 = 60%."""
    wd = build(tmp_path)
    geng, xin = kid("庚", D(2014, 9, 9), 7), kid("辛", D(2014, 10, 10), 8, False)
    write(wd / "inbox" / "杉树中学" / "七年级3班花名册.xlsx", {"七年级3班": [
        ["杉树中学七年级(3)班花名册"], HEADER,
        ["L450923201400000009", "", "庚", "男", geng["birth"], "庚父", "13900000007", "杉树村7组"]]})
    grads = tmp_path / "毕业生名册.xlsx"
    rows = [["2027届小学毕业生名册"], ["毕业学校"] + HEADER]
    for school, k in (("杉树完小", JIA), ("杉树完小", BING), ("城关小学", WU)):
        rows.append([school, "G" + k["id"], k["id"], k["name"], k["sex"], k["birth"], k["guardian"], k["phone"],
                     k["address"]])
    for school, k in (("杉树完小", geng), ("城关小学", xin)):
        rows.append([school, "", "", k["name"], k["sex"], k["birth"], k["guardian"], k["phone"], k["address"]])
    write(grads, {"Sheet1": rows})
    path, output = run(wd, "--graduates", str(grads))
    assert rates(path) == [["城关小学", 2, 1, 0, 1, 0.5], ["杉树完小", 3, 2, 0, 1, pytest.approx(2 / 3)],
                           ["合计", 5, 3, 0, 2, 0.6]]
    enrolled = {r["姓名"]: r for r in listed(path, "已升学")}
    assert (enrolled["庚"]["就读初中"], enrolled["庚"]["比对方式"]) == ("杉树中学", "姓名+出生日期")
    missing = {m["姓名"]: m for m in listed(path, "未升学")}
    assert set(missing) == {"丙", "辛"}
    assert (missing["辛"]["毕业小学"], missing["辛"]["学籍号"], missing["辛"]["身份证号"], missing["辛"]["监护人"]) == (
        "城关小学", None, None, "辛父")
    assert "输入错误" not in output
    # rows read (5) = graduates listed (3 已升学 + 2 未升学) + rows in 输入错误 (0)
    assert sheet(path, "输入错误", "文件")[1][0][0] == "没有输入错误"
