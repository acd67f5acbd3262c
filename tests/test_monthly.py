"""`kc monthly` on a scripted school; every expected figure is worked out by hand in the comments.

School (小学 only), 学年初 2026-09-01, holidays 10-01…07, 调休 10-10. Month 2026-11 = 10-21 … 11-20.

一年级1班 (roster): A1 男, A2 女, A3 女 建档立卡, A4 男, A5 男 残疾(肢体); N2 男 新生入学 10-22 (no roster).
  A2 休学 09-15, 复学 11-02.   A4 辍学 10-26, 劝返复学 11-09.   A5 旷 11-12, 11-13, 11-16…11-20 (7 days).
二年级1班 (roster): B1 女, B2 男, B3 女 单亲留守, B4 男, B5 男 随迁; C1 男; N1 男 转入 11-12 (no roster).
  B2 辍学 11-03 (劝返记录 11-10).  B4 死亡 10-28.  B5 转出 11-10, no 回执 (deadline = 10th school day
  after = 11-24, so 待回执 at 11-20).  C1 辍学 2026-06-10 (last 学年) and 劝返复学 11-05: 往年劝返.
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import openpyxl
import pytest
from click.testing import CliRunner

from school import CHANGE_HEADER, check_sheet, make_id, make_workdir, write

from kc_batch.cli import main

D = dt.date


def student(name, sex, birth, seq, **kw):
    return dict(name=name, sex=sex, birth=birth, id=make_id(birth, seq, sex == "男"), **kw)


G1 = [student("甲一", "男", D(2019, 10, 1), 1), student("甲二", "女", D(2019, 11, 2), 2),
      student("甲三", "女", D(2019, 12, 3), 3, poor="是"), student("甲四", "男", D(2020, 1, 4), 4),
      student("甲五", "男", D(2020, 2, 5), 5, disability="肢体")]
G2 = [student("乙一", "女", D(2018, 10, 1), 6), student("乙二", "男", D(2018, 11, 2), 7),
      student("乙三", "女", D(2018, 12, 3), 8, left="单亲留守"), student("乙四", "男", D(2019, 1, 4), 9),
      student("乙五", "男", D(2019, 2, 5), 10, migrant="是"), student("乙六", "男", D(2018, 3, 6), 11)]
N2 = student("新二", "男", D(2020, 3, 1), 12)
N1 = student("新一", "男", D(2018, 4, 1), 13)
A1, A2, A3, A4, A5 = G1
B1, B2, B3, B4, B5, C1 = G2

ROSTER_HEADER = ["学籍号", "身份证号", "姓名", "性别", "出生日期", "监护人", "联系电话", "家庭住址", "建档立卡", "残疾",
                 "留守儿童", "随迁子女"]


def roster(title, students):
    rows = [[title], ROSTER_HEADER]
    for s in students:
        rows.append(["G" + s["id"], s["id"], s["name"], s["sex"], s["birth"], "家长" + s["name"][0], "13900000000",
                     "某村", s.get("poor", "否"), s.get("disability", "否"), s.get("left", "否"), s.get("migrant", "否")])
    return rows


def change(s, typ, date, grade="", cls="", other="", receipt=None, reason="", who="", note=""):
    return ["G" + s["id"], s["id"], s["name"], grade, cls, typ, date, other, receipt, reason, who, note]


def school_days(first, last):
    out, d = [], first
    while d <= last:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def build(tmp_path, extra_toml=""):
    wd = make_workdir(tmp_path / "s", name="示例小学", extra_toml=extra_toml)
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"一年级1班": roster("一年级(1)班花名册", G1),
                                 "二年级1班": roster("二年级(1)班花名册", G2)})
    rows = [
        change(C1, "辍学", "2026-06-10", reason="厌学"),
        change(A2, "休学", "2026-09-15", reason="因病"),
        change(A2, "复学", "2026-11-02"),
        change(N2, "新生入学", "2026-10-22", "一年级", "1班"),
        change(A4, "辍学", "2026-10-26", reason="外出务工", who="赵老师"),
        change(B4, "死亡", "2026-10-28", reason="溺水"),
        change(B2, "辍学", "2026-11-03", reason="厌学", who="钱老师"),
        change(C1, "劝返复学", "2026-11-05"),
        change(A4, "劝返复学", "2026-11-09"),
        change(B2, "劝返记录", "2026-11-10", who="王老师", note="家访，家长同意返校"),
        change(B5, "转出", "2026-11-10", other="县城实验小学"),
        change(N1, "转入", "2026-11-12", "二年级", "1班", other="邻镇小学"),
    ]
    write(inbox / "学籍变动.xlsx", {"变动": [["学籍变动登记表"], CHANGE_HEADER] + rows})
    # 一年级 周查表 W46 and W47: A5 旷 from 11-12; everyone on the roster is on the sheet (blank = present)
    a5_absent = {d: "旷" for d in [D(2026, 11, 12), D(2026, 11, 13)] + school_days(D(2026, 11, 16), D(2026, 11, 20))}
    for label, days in (("W46", school_days(D(2026, 11, 9), D(2026, 11, 13))),
                        ("W47", school_days(D(2026, 11, 16), D(2026, 11, 20)))):
        write(inbox / f"一年级周查表_{label}.xlsx",
              {"一年级1班": check_sheet("一年级(1)班周查表", days, {"甲五": a5_absent}, G1 + [N2])})
    return wd


def run_month(wd, month):
    res = CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", month])
    assert res.exit_code == 0, res.output
    path = wd / "out" / month / f"控辍保学月报_示例小学_{month}.xlsx"
    assert path.is_file()
    return path


def table(path, sheet, first, stop_at_total=True):
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    i = next(i for i, r in enumerate(rows) if first in r)
    # a column without a group header is merged over both header rows: its text is in the row above
    header = [leaf if leaf is not None else rows[i - 1][j] for j, leaf in enumerate(rows[i])]
    out = []
    for r in rows[i + 1:]:
        if all(v in (None, "") for v in r):
            break
        out.append(dict(zip(header, r)))
        if stop_at_total and r[0] == "合计":
            break  # notes follow the total row
    return header, out, rows


LEAVES = ["学年初在校生", "上月末在校生", "本月新生入学", "本月转入", "本月复学", "本月劝返复学", "本月转出", "本月休学",
          "本月死亡", "本月辍学", "本月毕业", "本月末在校生", "女生", "建档立卡", "残疾", "送教上门", "留守儿童", "随迁子女", "疑似辍学",
          "当前辍学", "累计辍学", "年辍学率", "可能辍学率", "巩固率"]

# the hand-worked rows (see the module docstring); rates as fractions
NOV_G1 = [5, 4, 1, 0, 1, 1, 0, 0, 0, 1, 0, 6, 2, 1, 1, 0, 0, 0, 1, 0, 1, 0 / 5, 1 / 5, 6 / 6]
NOV_G2 = [5, 5, 0, 1, 0, 1, 1, 0, 1, 1, 0, 4, 2, 0, 0, 0, 1, 0, 0, 1, 1, 1 / 5, 1 / 5, 3 / 4]
NOV_TOTAL = [10, 9, 1, 1, 1, 2, 1, 0, 1, 2, 0, 10, 4, 1, 1, 0, 1, 0, 1, 1, 2, 1 / 10, 2 / 10, 9 / 10]


def assert_row(row, expected):
    for leaf, want in zip(LEAVES, expected):
        assert row[leaf] == pytest.approx(want), leaf


def test_november_every_column_by_hand(tmp_path):
    path = run_month(build(tmp_path), "2026-11")
    header, rows, raw = table(path, "月报表", "学年初在校生")
    # the 24 leaf headers (§9.2, and 本月毕业 of §15.3), exactly and in order, after the 年级 column
    assert header[:25] == ["年级"] + LEAVES
    assert raw[0][0] == "示例小学控辍保学动态管理月报表"
    assert any(isinstance(v, str) and "统计时段：2026年10月21日至2026年11月20日" in v for v in raw[1])
    by = {r["年级"]: r for r in rows}
    assert list(by) == ["一年级", "二年级", "小学小计", "合计"]
    assert_row(by["一年级"], NOV_G1)
    assert_row(by["二年级"], NOV_G2)
    assert_row(by["小学小计"], NOV_TOTAL)
    assert_row(by["合计"], NOV_TOTAL)
    for r in by.values():  # §5.3 on every row
        assert (r["上月末在校生"] + r["本月新生入学"] + r["本月转入"] + r["本月复学"] + r["本月劝返复学"]
                - r["本月转出"] - r["本月休学"] - r["本月死亡"] - r["本月辍学"] - r["本月毕业"]) == r["本月末在校生"]
    # rates are numbers with a percent format, never text
    ws = openpyxl.load_workbook(path)["月报表"]
    rate_cells = [c for row in ws.iter_rows() for c in row if c.column > 21 and isinstance(c.value, float)]
    assert rate_cells and all(c.number_format == "0.00%" for c in rate_cells)


def test_november_lists_ledger_flows_indicators(tmp_path):
    path = run_month(build(tmp_path), "2026-11")
    _, drop, _ = table(path, "辍学学生名单", "序号")
    assert [(r["姓名"], r["年级"], r["辍学日期"].date(), r["辍学原因"], r["劝返次数"]) for r in drop] == [
        ("乙二", "二年级", D(2026, 11, 3), "厌学", 1)]
    assert "家访，家长同意返校" in drop[0]["劝返情况"]
    _, sus, _ = table(path, "疑似辍学名单", "序号")
    assert [(r["姓名"], r["连续旷课天数"]) for r in sus] == [("甲五", 7)]
    _, cases, raw = table(path, "劝返台账", "开立日期")
    states = {r["姓名"]: (r["开立日期"].date(), r["类别"], r["状态"]) for r in cases}
    assert states == {
        "乙六": (D(2026, 6, 10), "辍学", "观察中"),    # back 11-05; 二年级 sends no 周查表: no present day yet
        "甲四": (D(2026, 10, 26), "辍学", "已销号"),   # back 11-09; present 11-09 … 11-20 = 10 days → 11-20
        "乙二": (D(2026, 11, 3), "辍学", "在办"),
        "甲五": (D(2026, 11, 20), "疑似辍学", "在办"),  # 7th 旷 day
    }
    closed = {r["姓名"]: r["销号日期"].date() for r in cases if r["销号日期"]}
    assert closed == {"甲四": D(2026, 11, 20)}
    assert any(isinstance(v, str) and "本月新增 3 件，销号 1 件，仍在办（含观察中）3 件" in v for row in raw for v in row)
    _, flows, _ = table(path, "学生流动", "变动类型")
    assert [(r["姓名"], r["变动类型"], r["状态"]) for r in flows] == [("乙五", "转出", "待回执"), ("新一", "转入", "已转入")]
    _, ind, _ = table(path, "指标说明", "范围", stop_at_total=False)
    got = {(r["范围"], r["指标"]): (r["分子"], r["分母"]) for r in ind}
    assert got[("合计", "年辍学率")] == (1, 10)
    assert got[("合计", "可能辍学率")] == (2, 10)
    assert got[("合计", "巩固率")] == (9, 10)
    assert got[("二年级", "巩固率")] == (3, 4)   # base: 乙一 乙二 乙三 新一 (乙四 死亡, 乙五 待回执 left; 乙六 往年劝返)
    assert {r["范围"] for r in ind} == {"一年级", "二年级", "小学小计", "合计"}


def test_adjusted_denominator_option(tmp_path):
    extra = """
    [policy]
    rates = { count_xiuxue_as_dropout = false, denominator = "调整基数" }
    """
    path = run_month(build(tmp_path, extra), "2026-11")
    _, rows, _ = table(path, "月报表", "学年初在校生")
    by = {r["年级"]: r for r in rows}
    # 调整基数 = 学年初 + 转入 − 转出 − 死亡: 一年级 5; 二年级 5 + 1 − 1 − 1 = 4; 合计 9
    assert by["二年级"]["年辍学率"] == pytest.approx(1 / 4)
    assert by["合计"]["年辍学率"] == pytest.approx(1 / 9)
    assert by["合计"]["可能辍学率"] == pytest.approx(2 / 9)


def test_xiuxue_counted_as_dropout_option_in_october(tmp_path):
    extra = """
    [policy]
    rates = { count_xiuxue_as_dropout = true, denominator = "学年初在校生" }
    """
    path = run_month(build(tmp_path, extra), "2026-10")
    _, rows, _ = table(path, "月报表", "学年初在校生")
    by = {r["年级"]: r for r in rows}
    # at 10-20: 甲二 休学 (counted as dropout under 两基口径), 乙六 辍学 (from June)
    assert by["一年级"]["年辍学率"] == pytest.approx(1 / 5)
    assert by["二年级"]["年辍学率"] == pytest.approx(1 / 5)
    assert by["合计"]["年辍学率"] == pytest.approx(2 / 10)


def test_september_period_starts_at_school_year(tmp_path):
    path = run_month(build(tmp_path), "2026-09")
    _, rows, raw = table(path, "月报表", "学年初在校生")
    assert any(isinstance(v, str) and "统计时段：2026年9月1日至2026年9月20日" in v for v in raw[1])
    by = {r["年级"]: r for r in rows}
    # September: 上月末 = 学年初; 甲二 休学 09-15 is this month's only change
    assert (by["一年级"]["学年初在校生"], by["一年级"]["上月末在校生"], by["一年级"]["本月休学"],
            by["一年级"]["本月末在校生"]) == (5, 5, 1, 4)
    assert by["二年级"]["当前辍学"] == 1 and by["二年级"]["累计辍学"] == 0  # 乙六 dropped out last 学年


def test_zero_report_row(tmp_path):
    """§14: the worked example's October has no dropout → the single 零报告 row."""
    from test_worked_example import build as build_example
    wd = build_example(tmp_path)
    res = CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", "2026-10"])
    assert res.exit_code == 0, res.output
    path = wd / "out" / "2026-10" / "控辍保学月报_示例小学_2026-10.xlsx"
    ws = openpyxl.load_workbook(path, data_only=True)["辍学学生名单"]
    values = [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "本月无辍学学生（零报告）" in values
    _, rows, _ = table(path, "月报表", "学年初在校生")
    total = {r["年级"]: r for r in rows}["合计"]
    # §14: 5, 5, 本月转出 1, 本月末 4, 女生 2, 建档立卡 1, 疑似 1, rates 0/5, 1/5, 4/4
    assert (total["学年初在校生"], total["上月末在校生"], total["本月转出"], total["本月末在校生"], total["女生"],
            total["建档立卡"], total["疑似辍学"], total["当前辍学"], total["累计辍学"]) == (5, 5, 1, 4, 2, 1, 1, 0, 0)
    assert (total["年辍学率"], total["可能辍学率"], total["巩固率"]) == (0, pytest.approx(0.2), 1)
    _, sus, _ = table(path, "疑似辍学名单", "序号")
    assert [(r["姓名"], r["连续旷课天数"]) for r in sus] == [("乙", 9)]
    _, flows, _ = table(path, "学生流动", "变动类型")
    assert [(r["姓名"], r["变动类型"], r["变动日期"].date(), r["回执日期"].date(), r["状态"]) for r in flows] == [
        ("戊", "转出", D(2026, 10, 14), D(2026, 10, 20), "已接收")]


def test_monthly_rerun_gives_identical_cells(tmp_path):
    wd = build(tmp_path)
    first = openpyxl.load_workbook(run_month(wd, "2026-11"), data_only=True)
    snap = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in first}
    second = openpyxl.load_workbook(run_month(wd, "2026-11"), data_only=True)
    assert snap == {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in second}


def test_bad_month_is_usage_error(tmp_path):
    wd = build(tmp_path)
    res = CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", "2026-13"])
    assert res.exit_code == 2
    assert "月份" in res.output


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) 未安装：跳过 PDF 渲染检查")
def test_renders_through_libreoffice(tmp_path):
    path = run_month(build(tmp_path), "2026-11")
    outdir = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(path)], check=True, timeout=180, capture_output=True)
    pdf = outdir / (path.stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "示例小学控辍保学动态管理月报表" in text
    for word in ("一年级", "二年级", "合计", "学年初在校生", "辍学学生名单"):
        assert word in text, word
    assert "###" not in text


def test_email_names_the_rates_over_their_limits(tmp_path):
    """The email summary is read back from the workbook; the breaches are those of §8 (worked by hand:
    二年级 年辍学率 1/5, 巩固率 3/4; 小学小计 = 合计 1/10 and 9/10; limits 0.60% and 98%)."""
    from kc_batch.app.jobs import open_workspace
    from kc_batch.app.send import summary_from_workbook
    wd = build(tmp_path)
    path = run_month(wd, "2026-11")
    summary = summary_from_workbook(path, open_workspace(wd).cfg, "2026-11")
    assert summary.over_limit == [
        "二年级年辍学率 20.00%，超过控制线 0.60%", "二年级巩固率 75.00%，低于目标 98.00%",
        "小学小计年辍学率 10.00%，超过控制线 0.60%", "小学小计巩固率 90.00%，低于目标 98.00%",
        "合计年辍学率 10.00%，超过控制线 0.60%", "合计巩固率 90.00%，低于目标 98.00%"]
    assert (summary.enrolled_start, summary.enrolled_now, summary.dropouts_now, summary.suspected) == (10, 10, 1, 1)
