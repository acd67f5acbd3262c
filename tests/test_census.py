"""`kc census` (SPEC §3.4, §8 入学率, §11): every expected value below is worked out by hand from the
scripted county in `build`, not taken from the code's output.

County, as of 2026-11-20 (学年 2026—2027, ages on 2026-08-31):
  population list (outside the inbox)          rosters (inbox/<学校>/…)
  张一 2017-03-01 ID, 杉树村   → 9, 小学       杉树完小 三年级1班: 张一 (same ID)          → matched by ID
  李二 2018-05-02 no ID, 杉树村 → 8, 小学      杉树完小 三年级1班: 李二 (with an ID)        → name + birth
  王三 2016-07-03 no ID, 城关村 → 10, 小学     王三 in 杉树完小 四年级1班 and 城关小学 四年级1班 → 重名待核
  赵四 2015-04-04 ID, 城关村   → 11, 小学      nowhere                                       → 适龄未入学
  钱五 2020-09-01 ID, 城关村   → 5, too young  nowhere                                       → not listed
  孙六 15-digit ID (1995)      → 31, not of age  杉树完小 三年级1班 with the 18-digit ID      → matched by ID
  周七 2013-01-07 ID, 杉树村   → 13, 初中      城关中学 七年级1班                             → matched by ID
                                               杉树完小 三年级1班: 吴八, not on the list      → 在籍不在册
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner

from stdnum.cn import ric

from school import make_id, make_workdir, roster_sheet, write
from xlsx_styles import write_wps_style

from kc_batch.reconcile.census import school_of, school_stage
from kc_batch.cli.matching import census_cmd
from kc_batch.config import config_from_dict

D = dt.date
UNITS = """
[[units]]
name = "杉树完小"
[[units]]
name = "城关小学"
[[units]]
name = "城关中学"
"""


def valid_id(birth, seq, male):
    """school.make_id with the check digit of all 17 digits (stdnum's calc_check_digit wants a
    placeholder 18th character)."""
    body = make_id(birth, seq, male)[:17]
    return body + ric.calc_check_digit(body + "0")


def kid(name, birth, seq, male=True, **kw):
    return dict(name=name, birth=birth, sex="男" if male else "女", id=valid_id(birth, seq, male), **kw)


ZHANG = kid("张一", D(2017, 3, 1), 1)
LI = kid("李二", D(2018, 5, 2), 2, male=False)
WANG_A = kid("王三", D(2016, 7, 3), 3)
WANG_B = kid("王三", D(2016, 7, 3), 4)
ZHAO = kid("赵四", D(2015, 4, 4), 5)
QIAN = kid("钱五", D(2020, 9, 1), 6)
SUN = kid("孙六", D(1995, 6, 6), 7)
ZHOU = kid("周七", D(2013, 1, 7), 8)
WU = kid("吴八", D(2017, 8, 8), 9)
SUN_15 = SUN["id"][:6] + SUN["id"][8:17]   # the legacy number: no century, no check digit

POP_HEADER = ["姓名", "身份证号", "出生日期", "性别", "户籍所在地", "监护人", "联系电话", "现状"]


def pop_row(k, village, id_text=None, status=""):
    return [k["name"], k["id"] if id_text is None else id_text, k["birth"], k["sex"], village,
            f"{k['name'][0]}父", "13900000000", status]


def build(tmp_path):
    wd = make_workdir(tmp_path / "county", name="示例县教育局", extra_toml=UNITS)
    inbox = wd / "inbox"
    write(inbox / "杉树完小" / "花名册.xlsx", {
        "三年级1班": roster_sheet("杉树完小三年级(1)班学生花名册", [ZHANG, LI, SUN, WU]),
        "四年级1班": roster_sheet("杉树完小四年级(1)班学生花名册", [WANG_A])})
    write(inbox / "城关小学" / "花名册.xlsx", {"四年级1班": roster_sheet("城关小学四年级(1)班学生花名册", [WANG_B])})
    write(inbox / "城关中学" / "七年级花名册.xlsx", {"七年级1班": roster_sheet("城关中学七年级(1)班学生花名册", [ZHOU])})
    pop = tmp_path / "适龄儿童名册.xlsx"
    write_wps_style(pop, {"名册": [["杉树乡适龄儿童名册"], POP_HEADER,
                                 pop_row(ZHANG, "杉树村"),
                                 pop_row(LI, "杉树村", id_text=""),
                                 pop_row(WANG_A, "城关村", id_text=""),
                                 pop_row(ZHAO, "城关村", status="在家"),
                                 pop_row(QIAN, "城关村"),
                                 pop_row(SUN, "杉树村", id_text=SUN_15),
                                 pop_row(ZHOU, "杉树村")]}, merges={"名册": ["A1:H1"]})
    return wd, pop


def run(wd, pop, as_of):
    res = CliRunner().invoke(census_cmd, [str(pop), "--dir", str(wd), "--as-of", as_of])
    assert res.exit_code == 0, res.output
    path = wd / "out" / "census" / f"人籍比对_示例县教育局_{as_of}.xlsx"
    assert path.is_file()
    return path, res.output


def blank(v):
    return None if v == "" else v


def table(path, sheet, first_header):
    """Header and data rows of a list sheet (data rows: 序号 is a number, or up to the 合计 row)."""
    ws = openpyxl.load_workbook(path)[sheet]
    rows = [[blank(v) for v in r] for r in ws.iter_rows(values_only=True)]
    i = next(n for n, r in enumerate(rows) if r[0] == first_header)
    return rows[i], rows[i + 1:]


def list_rows(path, sheet):
    header, rest = table(path, sheet, "序号")
    data = []
    for r in rest:
        if not isinstance(r[0], int):
            break
        data.append(dict(zip(header, r)))
    return data


def at(day):
    return dt.datetime(day.year, day.month, day.day)


# ---------------------------------------------------------------- school age (§8)

@pytest.mark.parametrize("birth, stage", [
    (D(2020, 8, 31), "小学"),   # 6 on 2026-08-31
    (D(2020, 9, 1), None),      # 5 on 2026-08-31: too young
    (D(2014, 9, 1), "小学"),    # 11
    (D(2014, 8, 31), "初中"),   # 12
    (D(2011, 9, 1), "初中"),    # 14
    (D(2011, 8, 31), None),     # 15: past compulsory age
])
def test_school_stage_by_entry_age_rule(birth, stage):
    assert school_stage(birth, D(2026, 11, 20)) == stage
    assert school_stage(birth, D(2027, 3, 1)) == stage       # same 学年 2026—2027
    assert school_stage(birth, D(2026, 9, 1)) == stage


def test_school_stage_changes_with_the_school_year():
    assert school_stage(D(2020, 9, 1), D(2027, 9, 1)) == "小学"   # 6 on 2027-08-31
    assert school_stage(D(2020, 9, 1), D(2027, 8, 31)) is None


def test_school_of_county_folder_and_units():
    county = config_from_dict({"unit": {"name": "县", "level": "county"}})
    assert school_of("城关中学/七年级/花名册.xlsx", county) == "城关中学"
    assert school_of("花名册.xlsx", county) == "花名册"
    with_units = config_from_dict({"unit": {"name": "县", "level": "county"},
                                   "units": [{"name": "城关中学"}]})
    assert school_of("花名册/2026秋/城关中学七年级.xlsx", with_units) == "城关中学"
    school = config_from_dict({"unit": {"name": "杉树完小"}})
    assert school_of("学籍/2026秋/花名册.xlsx", school) == "杉树完小"


# ---------------------------------------------------------------- the workbook

def test_census_lists_and_rates(tmp_path):
    wd, pop = build(tmp_path)
    path, output = run(wd, pop, "2026-11-20")

    unenrolled = list_rows(path, "适龄未入学")
    assert unenrolled == [{"序号": 1, "户籍所在地": "城关村", "姓名": "赵四", "身份证号": ZHAO["id"], "性别": "男",
                           "出生日期": at(ZHAO["birth"]), "应在学段": "小学", "监护人": "赵父",
                           "联系电话": "13900000000", "现状": "在家", "处置": None, "说明": None}]

    matched = list_rows(path, "在籍学生")
    assert [(m["姓名"], m["身份证号"], m["适龄学段"], m["学校"], m["年级"], m["班级"], m["学籍号"], m["学籍状态"],
             m["比对方式"]) for m in matched] == [
        ("张一", ZHANG["id"], "小学", "杉树完小", "三年级", "1班", "G" + ZHANG["id"], "在读", "身份证号"),
        ("李二", None, "小学", "杉树完小", "三年级", "1班", "G" + LI["id"], "在读", "姓名+出生日期"),
        ("孙六", SUN["id"], "非适龄", "杉树完小", "三年级", "1班", "G" + SUN["id"], "在读", "身份证号"),
        ("周七", ZHOU["id"], "初中", "城关中学", "七年级", "1班", "G" + ZHOU["id"], "在读", "身份证号"),
    ]

    not_listed = list_rows(path, "在籍不在册")
    assert [(s["学校"], s["年级"], s["班级"], s["学籍号"], s["身份证号"], s["姓名"], s["性别"], s["出生日期"])
            for s in not_listed] == [("杉树完小", "三年级", "1班", "G" + WU["id"], WU["id"], "吴八", "男", at(WU["birth"]))]

    ambiguous = list_rows(path, "重名待核")
    assert len(ambiguous) == 1
    w = ambiguous[0]
    assert (w["户籍所在地"], w["姓名"], w["身份证号"], w["出生日期"], w["适龄学段"], w["候选人数"]) == (
        "城关村", "王三", None, at(D(2016, 7, 3)), "小学", 2)
    assert w["候选学生"] == f"城关小学 四年级1班 王三 G{WANG_B['id']}；杉树完小 四年级1班 王三 G{WANG_A['id']}"

    header, rest = table(path, "入学率", "户籍所在地")
    leaves = rest[0]
    assert leaves[1:5] == ["适龄儿童", "在校", "未入学", "入学率"]
    assert header[1] == "小学" and header[5] == "初中" and header[9] == "合计"
    rates = rest[1:4]
    assert rates[0] == ["城关村", 2, 0, 1, 0, 0, 0, 0, None, 2, 0, 1, 0]
    assert rates[1] == ["杉树村", 2, 2, 0, 1, 1, 1, 0, 1, 3, 3, 0, 1]
    assert rates[2][:9] == ["合计", 4, 2, 1, pytest.approx(0.5), 1, 1, 0, 1]
    assert rates[2][9:] == [5, 3, 1, pytest.approx(0.6)]
    ws = openpyxl.load_workbook(path)["入学率"]
    rate_cell = next(c for row in ws.iter_rows() for c in row if c.value == pytest.approx(0.6))
    assert rate_cell.number_format == "0.00%"
    assert "入学率 60.00%" in output and "适龄未入学 1 人" in output


def test_dropout_matched_child_is_not_in_school(tmp_path):
    wd, pop = build(tmp_path)
    change = [["学籍变动登记表"], ["学籍号", "身份证号", "姓名", "年级", "班级", "变动类型", "变动日期"],
              ["G" + ZHANG["id"], ZHANG["id"], "张一", "三年级", "1班", "辍学", "2026-10-12"]]
    write(wd / "inbox" / "杉树完小" / "学籍变动.xlsx", {"变动": change})
    path, _ = run(wd, pop, "2026-11-20")
    zhang = next(m for m in list_rows(path, "在籍学生") if m["姓名"] == "张一")
    assert zhang["学籍状态"] == "辍学"
    _, rest = table(path, "入学率", "户籍所在地")
    assert rest[2][:5] == ["杉树村", 2, 1, 0, pytest.approx(0.5)]     # 张一 counts as 适龄, not 在校
    assert list_rows(path, "适龄未入学")[0]["姓名"] == "赵四"            # on a roster: not 未入学


def test_answers_to_disposition_are_read_back_and_kept(tmp_path):
    wd, pop = build(tmp_path)
    first, _ = run(wd, pop, "2026-11-20")
    wb = openpyxl.load_workbook(first)
    for sheet, name, column, value in (("适龄未入学", "赵四", "处置", "省外就读无学籍：广东东莞"),
                                       ("重名待核", "王三", "处置", "不知道"),
                                       ("在籍不在册", "吴八", "核查情况", "户籍在邻县")):
        ws = wb[sheet]
        header_row = next(r for r in ws.iter_rows() if r[0].value == "序号")
        col = next(c.column for c in header_row if c.value == column)
        row = next(r for r in ws.iter_rows() if r[2].value == name or r[6].value == name)
        ws.cell(row=row[0].row, column=col, value=value)
    wb.save(first)

    second, _ = run(wd, pop, "2026-11-21")
    zhao = list_rows(second, "适龄未入学")[0]
    assert (zhao["姓名"], zhao["处置"], zhao["说明"]) == ("赵四", "省外就读无学籍：广东东莞", None)
    wang = list_rows(second, "重名待核")[0]
    assert wang["处置"] == "不知道"
    assert "不在规定的分类中" in wang["说明"]
    assert list_rows(second, "在籍不在册")[0]["核查情况"] == "户籍在邻县"

    for p in (wd / "out" / "census").iterdir():   # the workbooks are gone: the store keeps the answers
        p.unlink()
    third, _ = run(wd, pop, "2026-11-22")
    assert list_rows(third, "适龄未入学")[0]["处置"] == "省外就读无学籍：广东东莞"


def test_population_file_in_the_inbox_is_not_a_roster(tmp_path):
    wd, pop = build(tmp_path)
    inside = wd / "inbox" / "适龄儿童名册.xlsx"
    inside.write_bytes(pop.read_bytes())
    path, _ = run(wd, inside, "2026-11-20")
    assert [r["姓名"] for r in list_rows(path, "适龄未入学")] == ["赵四"]
    assert [r["姓名"] for r in list_rows(path, "在籍不在册")] == ["吴八"]


def test_population_rows_without_id_or_birth_are_input_errors(tmp_path):
    wd, pop = build(tmp_path)
    bad = tmp_path / "名册2.xlsx"
    write(bad, {"名册": [POP_HEADER, pop_row(ZHAO, "城关村"), ["无名氏", "", None, "男", "城关村", "", "", ""],
                         pop_row(ZHAO, "城关村")]})
    path, output = run(wd, bad, "2026-11-20")
    header, rest = table(path, "输入错误", "文件")
    errors = [dict(zip(header, r)) for r in rest if r[0] == "名册2.xlsx"]
    assert [(e["行号"], e["列"]) for e in errors] == [(3, "身份证号/出生日期"), (4, "身份证号")]
    assert [r["姓名"] for r in list_rows(path, "适龄未入学")] == ["赵四"]
    assert "输入错误 2 处" in output


def test_bad_as_of_is_a_usage_error(tmp_path):
    wd, pop = build(tmp_path)
    res = CliRunner().invoke(census_cmd, [str(pop), "--dir", str(wd), "--as-of", "2026-13-01"])
    assert res.exit_code == 2
    assert "--as-of" in res.output and "YYYY-MM-DD" in res.output
    assert not (wd / "kc.sqlite").exists()   # found before the inbox is read (§13.29)


def test_missing_population_file_and_missing_config(tmp_path):
    wd, pop = build(tmp_path)
    res = CliRunner().invoke(census_cmd, [str(tmp_path / "无.xlsx"), "--dir", str(wd)])
    assert res.exit_code == 2 and "找不到适龄儿童名册文件" in res.output
    res = CliRunner().invoke(census_cmd, [str(pop), "--dir", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "kc.toml" in res.output
