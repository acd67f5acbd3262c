"""控辍保学台账 (SPEC §20) of `kc monthly`, on a scripted school with every figure worked out by hand.

School 示例小学, one class 三年级1班, month 2026-11 = 10-21 … 11-20; 周查表 W45 (11-02…06), W46 (11-09…13),
W47 (11-16…20) with every student on them (blank = present; a blank on a day the student is not 在读 is
no data). The roster uses messy forms of §3.1/§3.5: 户籍地 for 户籍所在地, 是否建档立卡 with ✓ / 1 / 是 /
脱贫户, 残疾类型 with 视力 and 不详, 就读方式, 责任教师 for 包保教师, 备注.

Five 建档立卡 students:
  贫一 ✓   户籍 广西北流市新圩镇河村村3队; 旷 11-10 … 11-20 (9 school days): streak 7 on 11-18 → 疑似辍学
           (ladder step 4, “第4级（连续7天）”); 缺勤率 = 9 absent ÷ 15 days with data = 60%.
  贫二 1   休学 11-05 “因病住院治疗”: 在读 11-02…04 only → 3 days with data, 0 absent → 0%; status 休学.
  贫三 是  残疾 视力, 随班就读, 备注 残疾证号: 在读, 0%.
  贫四 脱贫户 转出 11-06 with 回执 11-09: status 转出; 4 days with data (11-02…05), 0%.
  贫五 是  在读, 0%.
  → 贫困家庭适龄子女台账: 5 rows; 截止日在读 3 (贫一, 贫三, 贫五); of them one 疑似辍学 (贫一).
Others:
  普一  残疾 “不详” (neither 是/否 nor a known type: kept as text), 送教上门, 备注 县医院证明.
  普二  辍学 11-03 (外出务工), no 户籍, 家庭住址 “新圩镇河村”.
  普三  辍学 11-04, 户籍 “河村村委会”.
  普四  转出 10-22, no 回执: deadline = 10th school day after = 11-05, overdue from 11-06 → 疑似辍学
        (转出未接收（去向不明）); no 户籍, 家庭住址 “县城幸福小区” (no village).
  普五  辍学 11-05, 户籍 “北流市民安镇大坡村”.
不具备学习条件儿童少年台账: 贫二 (休学（因病）), 贫三 (视力残疾, 随班就读), 普一 (不详, 送教上门) → 3 rows;
  残疾在校 2 (贫三, 普一), 送教上门 1.
分村名单: 大坡村 普五 (辍学); 河村 普二, 普三 (辍学) and 贫一 (疑似辍学) — three spellings of one village;
  未注明村 普四 (疑似辍学) with the address shown. 合计 辍学 3, 疑似辍学 2.
劝返复学台账: cases of 贫一 (11-18), 普二 (11-03), 普三 (11-04), 普五 (11-05), 普四 (11-06) → 5.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner

from school import CHANGE_HEADER, make_id, make_workdir, write

from kc_batch.cli import main

D = dt.date
HEADER = ["学籍号", "身份证号", "姓名", "性别", "出生日期", "监护人", "联系电话", "家庭住址", "户籍地", "是否建档立卡",
          "残疾类型", "就读方式", "责任教师", "备注"]
# name → (户籍地, 家庭住址, 建档立卡, 残疾类型, 就读方式, 备注)
STUDENTS = {
    "贫一": ("广西北流市新圩镇河村村3队", "河村3队", "✓", "", "", ""),
    "贫二": ("", "新圩镇街上", "1", "", "", ""),
    "贫三": ("", "新圩镇街上", "是", "视力", "随班就读", "残疾证号45092320170301"),
    "贫四": ("", "新圩镇街上", "脱贫户", "", "", ""),
    "贫五": ("", "新圩镇街上", "是", "否", "普通", ""),
    "普一": ("", "新圩镇街上", "否", "不详", "送教上门", "县医院证明"),
    "普二": ("", "新圩镇河村", "", "", "", ""),
    "普三": ("河村村委会", "", "否", "", "", ""),
    "普四": ("", "县城幸福小区", "否", "", "", ""),
    "普五": ("北流市民安镇大坡村", "大坡村8组", "否", "", "", ""),
}
WEEKS = [D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16)]
P1_ABSENT = [D(2026, 11, d) for d in (10, 11, 12, 13, 16, 17, 18, 19, 20)]


def ident():
    return {name: make_id(D(2017, 3, i + 1), i + 1, i % 2 == 0) for i, name in enumerate(STUDENTS)}


def build(tmp_path, name="示例小学"):
    wd = make_workdir(tmp_path / "s", name=name)
    ids = ident()
    rows = [["三年级(1)班花名册"], HEADER]
    for i, (name, (hukou, address, poor, dis, mode, note)) in enumerate(STUDENTS.items()):
        rows.append(["G" + ids[name], ids[name], name, "男" if i % 2 == 0 else "女", D(2017, 3, i + 1), "家长" + name,
                     "13900000000", address, hukou, poor, dis, mode, "王老师" if name == "贫一" else "", note])
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": rows})

    def change(name, typ, date, other="", receipt=None, reason="", who=""):
        return ["G" + ids[name], ids[name], name, "", "", typ, date, other, receipt, reason, who, ""]
    changes = [change("普四", "转出", "2026-10-22", other="外省学校"),
               change("普二", "辍学", "2026-11-03", reason="外出务工", who="赵老师"),
               change("普三", "辍学", "2026-11-04", reason="厌学"),
               change("普五", "辍学", "2026-11-05", reason="外出务工"),
               change("贫二", "休学", "2026-11-05", reason="因病住院治疗"),
               change("贫四", "转出", "2026-11-06", other="县城实验小学", receipt="2026-11-09")]
    write(wd / "inbox" / "学籍变动.xlsx", {"变动": [["学籍变动登记表"], CHANGE_HEADER] + changes})
    for monday in WEEKS:
        days = [monday + dt.timedelta(days=i) for i in range(5)]
        sheet = [["三年级(1)班周查表"], ["学籍号", "姓名"] + [f"{d.month}月{d.day}日" for d in days]]
        for name in STUDENTS:
            sheet.append(["G" + ids[name], name] + ["旷" if name == "贫一" and d in P1_ABSENT else None for d in days])
        write(wd / "inbox" / f"周查表_{monday.isoformat()}.xlsx", {"三年级1班": sheet})
    return wd


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    wd = build(tmp_path_factory.mktemp("ledgers"))
    res = CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", "2026-11"])
    assert res.exit_code == 0, res.output
    path = wd / "out" / "2026-11" / "控辍保学台账_示例小学_2026-11.xlsx"
    assert path.is_file() and str(path) in res.output
    assert "输入错误" not in res.output  # 残疾 “不详”, 建档立卡 “✓”/“脱贫户” are kept, not errors (§3.1)
    return openpyxl.load_workbook(path, data_only=True)


def table(ws, first_header):
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    i = next(i for i, r in enumerate(rows) if first_header in r)
    out = []
    for r in rows[i + 1:]:
        if all(v in (None, "") for v in r):
            break
        out.append(dict(zip(rows[i], r)))
    return out, rows


def test_sheets_of_the_workbook(book):
    assert book.sheetnames == ["贫困家庭适龄子女台账", "不具备学习条件儿童少年台账", "劝返复学台账", "分村名单",
                               "分村_大坡村", "分村_河村", "分村_未注明村"]


def test_poor_families_ledger(book):
    rows, raw = table(book["贫困家庭适龄子女台账"], "序号")
    by = {r["姓名"]: r for r in rows}
    assert [r["序号"] for r in rows] == [1, 2, 3, 4, 5] and set(by) == {"贫一", "贫二", "贫三", "贫四", "贫五"}
    want = {"贫一": ("在读", 0.6, "第4级（连续7天）"), "贫二": ("休学", 0.0, None), "贫三": ("在读", 0.0, None),
            "贫四": ("转出", 0.0, None), "贫五": ("在读", 0.0, None)}
    for name, (status, rate, warning) in want.items():
        r = by[name]
        assert (r["学籍状态"], r["预警"] or None) == (status, warning), name
        assert r["缺勤率"] == pytest.approx(rate), name
    assert by["贫一"]["家庭住址"] == "河村3队" and by["贫一"]["监护人"] == "家长贫一"
    assert any(v == "建档立卡（脱贫户）学生 5 人，其中截止日在读 3 人；缺勤率为学年初以来。" for r in raw for v in r)


def test_no_learning_conditions_ledger(book):
    rows, _ = table(book["不具备学习条件儿童少年台账"], "序号")
    got = {r["姓名"]: (r["学籍状态"], r["残疾类型"] or "", r["安置方式"], r["证明材料（备注）"] or "") for r in rows}
    assert got == {"贫二": ("休学", "", "休学（因病）", "因病住院治疗"),
                   "贫三": ("在读", "视力残疾", "随班就读", "残疾证号45092320170301"),
                   "普一": ("在读", "不详", "送教上门", "县医院证明")}


def test_ledger_of_cases(book):
    rows, _ = table(book["劝返复学台账"], "学籍号")
    assert {(r["姓名"], r["类别"], r["开立日期"].date()) for r in rows} == {
        ("贫一", "疑似辍学", D(2026, 11, 18)), ("普二", "辍学", D(2026, 11, 3)), ("普三", "辍学", D(2026, 11, 4)),
        ("普五", "辍学", D(2026, 11, 5)), ("普四", "疑似辍学", D(2026, 11, 6))}


def test_village_lists(book):
    summary, _ = table(book["分村名单"], "村（社区）")
    assert [(r["村（社区）"], r["辍学"], r["疑似辍学"], r["适龄未入学"], r["合计"]) for r in summary] == [
        ("大坡村", 1, 0, 0, 1), ("河村", 2, 1, 0, 3), ("未注明村", 0, 1, 0, 1), ("合计", 3, 2, 0, 5)]
    river, raw = table(book["分村_河村"], "序号")
    assert "示例小学分村名单（河村）" in raw[0]
    assert [r["类别"] for r in river] == ["辍学", "辍学", "疑似辍学"]
    assert {r["姓名"]: (r["户籍所在地"] or "", r["家庭住址"] or "") for r in river} == {
        "普二": ("", "新圩镇河村"), "普三": ("河村村委会", ""), "贫一": ("广西北流市新圩镇河村村3队", "河村3队")}
    assert next(r for r in river if r["姓名"] == "贫一")["包保/劝返责任人"] == "王老师"
    assert next(r for r in river if r["姓名"] == "普二")["包保/劝返责任人"] == "赵老师"
    unnamed, _ = table(book["分村_未注明村"], "序号")
    assert [(r["姓名"], r["类别"], r["家庭住址"]) for r in unnamed] == [("普四", "疑似辍学", "县城幸福小区")]
    assert unnamed[0]["情况"] == "转出未接收（去向不明）（自 2026-11-06）"
    slope, _ = table(book["分村_大坡村"], "序号")
    assert [(r["姓名"], r["情况"]) for r in slope] == [("普五", "2026-11-05 辍学（外出务工）")]


def test_monthly_counts_agree_with_the_ledgers(tmp_path):
    """月报表 合计: 建档立卡 3 (在读), 残疾 2 (贫三 视力, 普一 不详 kept as a disability), 送教上门 1, 疑似辍学 2,
    当前辍学 3 — the same students as the 台账."""
    wd = build(tmp_path)
    assert CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", "2026-11"]).exit_code == 0
    ws = openpyxl.load_workbook(wd / "out" / "2026-11" / "控辍保学月报_示例小学_2026-11.xlsx", data_only=True)["月报表"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    i = next(i for i, r in enumerate(rows) if "建档立卡" in r)
    total = dict(zip(rows[i], next(r for r in rows if r[0] == "合计")))
    assert (total["建档立卡"], total["残疾"], total["送教上门"], total["疑似辍学"], total["当前辍学"]) == (3, 2, 1, 2, 3)


# ---------------------------------------------------------------- with a census (§20, §3.4)

POP_HEADER = ["姓名", "身份证号", "出生日期", "性别", "户籍所在地", "监护人", "联系电话", "建档立卡", "残疾", "现状"]


def test_census_children_on_no_roster_join_the_ledgers(tmp_path):
    """`kc census` (as of 2026-11-20, 学年 2026: 小学适龄 = age 6…11 on 2026-08-31, 初中 12…14) on a list of:
    贫一 (on the roster: matched, not added); 新童一 born 2019-05-01 (7, 小学) 建档立卡, 户籍 新圩镇河村;
    新童二 born 2016-02-02 (10, 小学) 残疾 智力, 现状 暂缓入学, 户籍 北流市民安镇大坡村; 新童三 born 2013-07-07
    (13, 初中), no 户籍; 成年 born 2005-01-01 (21: not school age, left out).
    Then `kc monthly`: 贫困家庭台账 gains 新童一 (学籍状态 适龄未入学) → 6 rows, still 3 在读;
    不具备学习条件台账 gains 新童二 (智力残疾, 暂缓入学) → 4 rows; 分村名单: 大坡村 1 辍学 + 1 适龄未入学 = 2,
    河村 2 + 1 + 1 = 4, 未注明村 0 + 1 + 1 = 2; 合计 辍学 3, 疑似辍学 2, 适龄未入学 3, 8."""
    wd = build(tmp_path)
    ids = ident()
    kids = {"新童一": (D(2019, 5, 1), 21, "新圩镇河村", "是", "", "在家"),
            "新童二": (D(2016, 2, 2), 22, "北流市民安镇大坡村", "否", "智力", "暂缓入学"),
            "新童三": (D(2013, 7, 7), 23, "", "", "", ""),
            "成年": (D(2005, 1, 1), 24, "新圩镇河村", "是", "", "")}
    rows = [["适龄儿童名册"], POP_HEADER, ["贫一", ids["贫一"], D(2017, 3, 1), "男", "广西北流市新圩镇河村村3队", "家长贫一",
                                           "13900000000", "是", "", ""]]
    for name, (birth, seq, hukou, poor, dis, status) in kids.items():
        rows.append([name, make_id(birth, seq, True), birth, "男", hukou, "家长" + name, "13800000000", poor, dis, status])
    pop = write(tmp_path / "适龄儿童名册.xlsx", {"名册": rows})
    res = CliRunner().invoke(main, ["census", str(pop), "--dir", str(wd), "--as-of", "2026-11-20"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", "2026-11"])
    assert res.exit_code == 0, res.output
    book = openpyxl.load_workbook(wd / "out" / "2026-11" / "控辍保学台账_示例小学_2026-11.xlsx", data_only=True)
    poor, raw = table(book["贫困家庭适龄子女台账"], "序号")
    assert [r["姓名"] for r in poor][-1] == "新童一" and len(poor) == 6
    assert poor[-1]["学籍状态"] == "适龄未入学" and poor[-1]["学籍号"] == make_id(D(2019, 5, 1), 21, True)
    assert any(v == "建档立卡（脱贫户）学生 5 人，其中截止日在读 3 人；缺勤率为学年初以来。" for r in raw for v in r)
    unable, _ = table(book["不具备学习条件儿童少年台账"], "序号")
    assert len(unable) == 4
    assert (unable[-1]["姓名"], unable[-1]["学籍状态"], unable[-1]["残疾类型"], unable[-1]["安置方式"]) == \
        ("新童二", "适龄未入学", "智力残疾", "暂缓入学")
    summary, _ = table(book["分村名单"], "村（社区）")
    assert [(r["村（社区）"], r["辍学"], r["疑似辍学"], r["适龄未入学"], r["合计"]) for r in summary] == [
        ("大坡村", 1, 0, 1, 2), ("河村", 2, 1, 1, 4), ("未注明村", 0, 1, 1, 2), ("合计", 3, 2, 3, 8)]
    river, _ = table(book["分村_河村"], "序号")
    assert [(r["姓名"], r["类别"]) for r in river][-1] == ("新童一", "适龄未入学")
    assert river[-1]["情况"] == "小学适龄，不在任何学校花名册上"
