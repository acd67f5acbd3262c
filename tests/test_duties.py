"""责任落实 (SPEC §19) of `kc monthly`, on a scripted school with figures worked out by hand.

School 示例小学 (小学), month 2026-11 = 10-21 … 11-20, 周查表 for W45 (11-02…06), W46 (11-09…13),
W47 (11-16…20) for all four classes (blank = present). suspect_after_days = 7 (default).

  一年级1班 (班主任 刘老师, from the 周查表 title):  A1 (包保 李老师), A2 (包保 王老师), A3
  一年级2班 (班主任 孙老师):                        B1 (包保 王老师), B2
  二年级1班 (班主任 吴老师):                        C1 (包保 王老师), C2
  二年级2班 (no 班主任 anywhere):                   D1, D2

A1 旷 11-02, 03, 04, 05, 06, 09, 10 (school days 1…7): the streak reaches 7 on 11-10 → 疑似辍学 from 11-10;
  still 旷 11-11, 11-12; present 11-13 → 疑似辍学 on 11-10, 11-11, 11-12 (3 days), back at the cutoff.
  So at the cutoff: not 疑似辍学 (月报表 疑似辍学 = 0), no ladder step; but in the period: 疑似辍学 → 一年级1班
  is not 无辍学班.
B1 旷 11-19, 11-20: streak 2 at the cutoff → ladder step 2 (预警), not 疑似.
Everyone else present every day.

By hand:
  班主任 rows: 一年级1班 刘老师 在册 3, 预警 0, 辍学 0, 疑似辍学 1, 无辍学班 否, 巩固率 3/3;
               一年级2班 孙老师 在册 2, 预警 1, 疑似 0, 无辍学班 是; 二年级1班 吴老师 2, 0, 0, 是;
               二年级2班 （未指定） 2, 0, 0, 是.
  校长 张校长 (from [responsibility]) 全校: 在册 9, 预警 1, 辍学 0, 疑似 1, 无辍学班 3/4, 巩固率 9/9.
  分管领导 一年级 陈主任: 在册 5, 预警 1, 疑似 1, 无辍学班 1/2; 二年级 周主任: 4, 0, 0, 2/2.
  包保教师 王老师: 3名学生 (A2, B1, C1), 预警 1 (B1), 疑似 0, 辍学 0; 李老师: 1名学生 (A1), 预警 0, 疑似 1.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner

from school import make_id, make_workdir, write

from kc_batch.cli import main

D = dt.date
TOML = """
[responsibility]
principal = "张校长"
leaders = { "一年级" = "陈主任", "二年级" = "周主任" }
"""
ROSTER_HEADER = ["学籍号", "身份证号", "姓名", "性别", "出生日期", "监护人", "联系电话", "包保教师"]
CLASSES = {  # sheet → (title, 班主任, [(name, 包保教师)])
    "一年级1班": ("一年级(1)班", "刘老师", [("甲一", "李老师"), ("甲二", "王老师"), ("甲三", "")]),
    "一年级2班": ("一年级(2)班", "孙老师", [("乙一", "王老师"), ("乙二", "")]),
    "二年级1班": ("二年级(1)班", "吴老师", [("丙一", "王老师"), ("丙二", "")]),
    "二年级2班": ("二年级(2)班", "", [("丁一", ""), ("丁二", "")]),
}
WEEKS = {"W45": D(2026, 11, 2), "W46": D(2026, 11, 9), "W47": D(2026, 11, 16)}
ABSENT = {"甲一": [D(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12)],
          "乙一": [D(2026, 11, 19), D(2026, 11, 20)]}


def ids():
    out, seq = {}, 1
    for _, _, members in CLASSES.values():
        for name, _ in members:
            birth = D(2019, 3, seq) if name[0] in "甲乙" else D(2018, 3, seq)
            out[name] = (make_id(birth, seq, True), birth)
            seq += 1
    return out


def build(tmp_path, name="示例小学"):
    wd = make_workdir(tmp_path / "s", name=name, extra_toml=TOML)
    ident = ids()
    roster = {}
    for sheet, (title, _, members) in CLASSES.items():
        rows = [[title + "花名册"], ROSTER_HEADER]
        for name, teacher in members:
            sfz, birth = ident[name]
            rows.append(["G" + sfz, sfz, name, "男", birth, "家长", "13900000000", teacher])
        roster[sheet] = rows
    write(wd / "inbox" / "花名册.xlsx", roster)
    for week, monday in WEEKS.items():
        days = [monday + dt.timedelta(days=i) for i in range(5)]
        sheets = {}
        for sheet, (title, head, members) in CLASSES.items():
            rows = [[f"{title}周查表"]] + ([[f"班主任：{head}"]] if head else [])
            rows.append(["学籍号", "姓名"] + [f"{d.month}月{d.day}日" for d in days])
            for name, _ in members:
                rows.append(["G" + ident[name][0], name] + ["旷" if d in ABSENT.get(name, []) else None for d in days])
            sheets[sheet] = rows
        write(wd / "inbox" / f"周查表_{week}.xlsx", sheets)
    return wd


def sheet_rows(path, sheet, first_header):
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    i = next(i for i, r in enumerate(rows) if first_header in r)
    # a column without a group header is merged over both header rows: its text is in the row above
    header = [h if h is not None else rows[i - 1][j] for j, h in enumerate(rows[i])]
    out = []
    for r in rows[i + 1:]:
        if all(v in (None, "") for v in r):
            break
        out.append(dict(zip(header, r)))
    return out, rows


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    wd = build(tmp_path_factory.mktemp("duties"))
    res = CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", "2026-11"])
    assert res.exit_code == 0, res.output
    return wd / "out" / "2026-11"


def test_class_rows_and_no_dropout_classes(month):
    rows, raw = sheet_rows(month / "控辍保学月报_示例小学_2026-11.xlsx", "责任落实", "层级")
    by = {(r["层级"], r["责任范围"]): r for r in rows}
    want = {  # (责任人, 在册, 预警, 辍学, 疑似, 无辍学班)
        ("班主任", "一年级1班"): ("刘老师", 3, 0, 0, 1, "否"),
        ("班主任", "一年级2班"): ("孙老师", 2, 1, 0, 0, "是"),
        ("班主任", "二年级1班"): ("吴老师", 2, 0, 0, 0, "是"),
        ("班主任", "二年级2班"): ("（未指定）", 2, 0, 0, 0, "是"),
        ("校长", "全校"): ("张校长", 9, 1, 0, 1, "3/4"),
        ("分管领导", "一年级"): ("陈主任", 5, 1, 0, 1, "1/2"),
        ("分管领导", "二年级"): ("周主任", 4, 0, 0, 0, "2/2"),
    }
    for scope, (person, enrolled, warned, dropout, suspect, clean) in want.items():
        r = by[scope]
        assert (r["责任人"], r["在册/包保人数"], r["预警人数"], r["辍学"], r["疑似辍学"], r["无辍学班"]) == \
            (person, enrolled, warned, dropout, suspect, clean), scope
        assert r["巩固率"] == 1.0 and r["其中去向不明转出"] == 0
    # the chain from the top down: 校长, 分管领导, 班主任 by class, 包保教师
    assert [r["层级"] for r in rows] == ["校长", "分管领导", "分管领导"] + ["班主任"] * 4 + ["包保教师"] * 2
    notes = " ".join(str(v) for r in raw for v in r if v)
    assert "无辍学班 3 个（共 4 个班）" in notes


def test_bao_bao_teacher_with_three_students(month):
    rows, _ = sheet_rows(month / "控辍保学月报_示例小学_2026-11.xlsx", "责任落实", "层级")
    teachers = {r["责任人"]: r for r in rows if r["层级"] == "包保教师"}
    wang, li = teachers["王老师"], teachers["李老师"]
    assert (wang["责任范围"], wang["在册/包保人数"], wang["预警人数"], wang["疑似辍学"], wang["辍学"]) == ("3名学生", 3, 1, 0, 0)
    assert (li["责任范围"], li["在册/包保人数"], li["预警人数"], li["疑似辍学"], li["辍学"]) == ("1名学生", 1, 0, 1, 0)
    assert wang["无辍学班"] in (None, "")


def test_home_visit_rate_of_each_head_teacher(month):
    """No 家访登记表 in this school: each 班主任 has visited 0 of the class's 在读 students (§17.2
    学年普访), so 家访完成率 is 0 ÷ 在册 = 0.00% on every 班主任 row, blank on the others."""
    rows, raw = sheet_rows(month / "控辍保学月报_示例小学_2026-11.xlsx", "责任落实", "层级")
    assert [r["家访完成率"] for r in rows if r["层级"] == "班主任"] == [0.0, 0.0, 0.0, 0.0]
    assert {r["家访完成率"] for r in rows if r["层级"] != "班主任"} <= {None, ""}
    assert not any(isinstance(v, str) and v.startswith("家访完成率：尚未收到家访登记表") for r in raw for v in r)


def test_month_report_does_not_list_a1_as_suspect_at_the_cutoff(month):
    """The 3-day 疑似辍学 ended before the cutoff: 月报表 疑似辍学 = 0, yet 一年级1班 is not 无辍学班."""
    rows, _ = sheet_rows(month / "控辍保学月报_示例小学_2026-11.xlsx", "月报表", "学年初在校生")
    total = next(r for r in rows if r["年级"] == "合计")
    assert total["疑似辍学"] == 0 and total["学年初在校生"] == 9


def test_leader_scope_that_is_no_stage_or_grade_is_refused(tmp_path):
    """[responsibility] leaders keyed by something that is neither 学段 nor 年级: exit 2 naming key and line."""
    wd = make_workdir(tmp_path / "bad", extra_toml='\n[responsibility]\nleaders = { "高一" = "王老师" }\n')
    res = CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", "2026-11"])
    assert res.exit_code == 2
    line = next(i for i, t in enumerate((wd / "kc.toml").read_text(encoding="utf-8").splitlines(), 1)
                if t.startswith("leaders"))
    assert f"第 {line} 行" in res.output and "[responsibility] leaders" in res.output
