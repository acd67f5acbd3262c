"""Township → county for the monthly 汇总 (SPEC §21.4, §9.3, §21.2): 乡镇小计 rows, 学段 rows, 未报单位 carried
up with the township named, Σ分子 ÷ Σ分母 at every level, 报表校验 at each level.

The township 城关镇 expects three schools; the county 示例县 expects 城关镇 and two schools of its own.
November 2026 (统计时段 10月21日–11月20日, due 11月25日), the schools' 月报表 rows (built by monthly_fixture):

- 城关九年制学校 (九年一贯制, reports 11月20日): 一年级 学年初 40, 上月末 40, 本月末 40, 巩固 40/40;
  七年级 学年初 50, 上月末 50, 本月辍学 1, 本月末 49, 当前辍学 1, 累计辍学 1, 巩固 49/50.
- 杉树小学: sends nothing (未报).
- 松林小学 (reports 11月27日: 逾期): 三年级 学年初 30, 上月末 30, 本月末 30, 疑似辍学 1, 巩固 30/30.
- 红星初中 (direct, 11月20日): 八年级 学年初 100, 上月末 100, 本月转出 1, 本月末 99, 疑似 2, 当前 1, 累计 1, 巩固 98/99.
- 白云小学 (direct, 11月20日): 五年级 学年初 60, 上月末 59, 本月末 59, 当前 1, 累计 1, 巩固 59/60.

County 汇总表 by hand (学年初, 本月末, 当前辍学, 疑似; 年辍学率 = 当前 ÷ 学年初, 可能 = (当前 + 疑似) ÷ 学年初):
  城关九年制学校 小学   40, 40, 0, 0;   0,        0,        巩固 40/40
  城关九年制学校 初中   50, 49, 1, 0;   1/50 = 2.00% (over the 初中 limit 1.8%), 1/50, 巩固 49/50
  松林小学       小学   30, 30, 0, 1;   0,        1/30,     巩固 30/30
  城关镇小计           120, 119, 1, 1;  1/120,    2/120,    巩固 119/120
  红星初中       初中  100, 99, 1, 2;   1/100,    3/100,    巩固 98/99
  白云小学       小学   60, 59, 1, 0;   1/60 = 1.67% (over the 小学 limit 0.6%), 1/60, 巩固 59/60
  小学小计             130, 129, 1, 1;  1/130 = 0.77% (over 0.6%), 2/130, 巩固 (40 + 30 + 59)/(40 + 30 + 60) = 129/130
  初中小计             150, 148, 2, 2;  2/150,    4/150,    巩固 (49 + 98)/(50 + 99) = 147/149
  合计                 280, 277, 3, 3;  3/280,    6/280,    巩固 (119 + 98 + 59)/(120 + 99 + 60) = 276/279
  (上月末 120 + 100 + 59 = 279; 本月转出 1, 本月辍学 1: 279 − 1 − 1 = 277.)
Mixed, the 九年制 school's 年辍学率 would be 1/90 = 1.11%, under the 初中 limit: its 初中 row shows the breach.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from kc_batch.app.aggregate import compute_aggregate, run_aggregate
from kc_batch.config import load_config
from kc_batch.reconcile.aggregate import limit_breaches
from monthly_fixture import counts, indicators_for, school_rows, write_monthly_workbook
from test_aggregate import aggregator

D = dt.date
MONTH = "2026-11"
NINE = "城关九年制学校"
SCHOOLS = {
    NINE: ({"一年级": counts(学年初在校生=40, 上月末在校生=40, 本月末在校生=40),
            "七年级": counts(学年初在校生=50, 上月末在校生=50, 本月辍学=1, 本月末在校生=49, 当前辍学=1, 累计辍学=1)},
           {"一年级": (40, 40), "七年级": (49, 50)}),
    "松林小学": ({"三年级": counts(学年初在校生=30, 上月末在校生=30, 本月末在校生=30, 疑似辍学=1)}, {"三年级": (30, 30)}),
    "红星初中": ({"八年级": counts(学年初在校生=100, 上月末在校生=100, 本月转出=1, 本月末在校生=99, 疑似辍学=2, 当前辍学=1,
                              累计辍学=1)}, {"八年级": (98, 99)}),
    "白云小学": ({"五年级": counts(学年初在校生=60, 上月末在校生=59, 本月末在校生=59, 当前辍学=1, 累计辍学=1)},
             {"五年级": (59, 60)}),
}
LATE = {"松林小学": D(2026, 11, 27)}


def send_school(inbox: Path, unit: str, month: str = MONTH, schools: dict = SCHOOLS, late: dict = LATE) -> Path:
    grades, retention = schools[unit]
    rows = school_rows(grades, retention)
    year, mon = map(int, month.split("-"))
    return write_monthly_workbook(inbox / f"控辍保学月报_{unit}_{month}.xlsx", unit, month, rows,
                                  indicators=indicators_for(rows, retention),
                                  report_date=late.get(unit, D(year, mon, 20)))


def township_and_county(root: Path, month: str = MONTH, **kw) -> tuple[Path, Path]:
    town = aggregator(root, "城关镇", "township", {NINE: ("小学", "初中"), "杉树小学": ("小学",), "松林小学": ("小学",)})
    county = aggregator(root, "示例县", "county", {"城关镇": (), "红星初中": ("初中",), "白云小学": ("小学",)})
    for unit in (NINE, "松林小学"):
        send_school(town / "inbox", unit, month, **kw)
    for unit in ("红星初中", "白云小学"):
        send_school(county / "inbox", unit, month, **kw)
    return town, county


def out_path(d: Path, month: str = MONTH) -> Path:
    return d / "out" / month / f"控辍保学月报汇总_{load_config(d).unit.name}_{month}.xlsx"


def sheet_rows(path: Path, sheet: str, first: str) -> list[dict]:
    ws = openpyxl.load_workbook(path)[sheet]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(grid) if first in row and i > 0)
    if header + 1 < len(grid) and grid[header + 1][0] is None and any(v is not None for v in grid[header + 1]):
        header += 1
    names = [grid[header][j] if grid[header][j] is not None else grid[header - 1][j] for j in range(len(grid[header]))]
    out = []
    for row in grid[header + 1:]:
        if row[0] is None or str(row[0]).startswith(("单位负责人", "注", "已报单位", "应报单位", "汇总比率", "先进：", "评定月：")):
            continue
        out.append(dict(zip(names, row)))
    return out


FIELDS = ("学年初在校生", "本月末在校生", "当前辍学", "疑似辍学")
COUNTY_ROWS = [  # (单位, 所属乡镇, 学段, 学年初, 本月末, 当前, 疑似, 年辍学率, 可能辍学率, 巩固率) — the docstring's table
    (NINE, "城关镇", "小学", 40, 40, 0, 0, 0, 0, 1),
    (NINE, "城关镇", "初中", 50, 49, 1, 0, 1 / 50, 1 / 50, 49 / 50),
    ("松林小学", "城关镇", "小学", 30, 30, 0, 1, 0, 1 / 30, 1),
    ("城关镇小计", None, None, 120, 119, 1, 1, 1 / 120, 2 / 120, 119 / 120),
    ("红星初中", None, "初中", 100, 99, 1, 2, 1 / 100, 3 / 100, 98 / 99),
    ("白云小学", None, "小学", 60, 59, 1, 0, 1 / 60, 1 / 60, 59 / 60),
    ("小学小计", None, "小学", 130, 129, 1, 1, 1 / 130, 2 / 130, 129 / 130),
    ("初中小计", None, "初中", 150, 148, 2, 2, 2 / 150, 4 / 150, 147 / 149),
    ("合计", None, None, 280, 277, 3, 3, 3 / 280, 6 / 280, 276 / 279),
]


def run_both(town: Path, county: Path, month: str = MONTH) -> None:
    run_aggregate(town, month)
    shutil.copy(out_path(town, month), county / "inbox")
    run_aggregate(county, month)


def test_county_summary_has_township_subtotal_and_stage_rows_worked_by_hand(tmp_path):
    town, county = township_and_county(tmp_path)
    run_both(town, county)
    rows = sheet_rows(out_path(county), "汇总表", "学年初在校生")
    got = [(r["单位"], r["所属乡镇"], r["学段"], *(r[f] for f in FIELDS)) for r in rows]
    assert got == [row[:7] for row in COUNTY_ROWS]
    for r, expected in zip(rows, COUNTY_ROWS):
        for name, value in zip(("年辍学率", "可能辍学率", "巩固率"), expected[7:]):
            assert r[name] == pytest.approx(value, abs=1e-12), (r["单位"], r["学段"], name)
    total = rows[-1]
    assert (total["上月末在校生"], total["本月转出"], total["本月辍学"], total["累计辍学"]) == (279, 1, 1, 3)
    # each 学段 against its own limit: the 九年制 school's 初中 row, 白云小学 and 小学小计 are highlighted
    ws = openpyxl.load_workbook(out_path(county))["汇总表"]
    column = next(c.column for row in ws.iter_rows() for c in row if c.value == "年辍学率")
    marked = {(ws.cell(r, 1).value, ws.cell(r, 3).value) for r in range(1, ws.max_row + 1)
              if ws.cell(r, column).fill.fgColor.rgb not in (None, "00000000")
              and isinstance(ws.cell(r, column).value, float)}
    assert marked == {(NINE, "初中"), ("白云小学", "小学"), ("小学小计", "小学")}
    res = compute_aggregate(county, MONTH)
    assert any("白云小学（小学 1.67%）" in t and f"{NINE}（初中 2.00%）" in t for t in limit_breaches(res, load_config(county)))


def test_township_summary_and_timeliness_carried_to_the_county(tmp_path):
    town, county = township_and_county(tmp_path)
    run_both(town, county)
    town_rows = sheet_rows(out_path(town), "汇总表", "学年初在校生")
    assert [(r["单位"], r["学段"], r["学年初在校生"]) for r in town_rows] == [
        (NINE, "小学", 40), (NINE, "初中", 50), ("松林小学", "小学", 30), ("小学小计", "小学", 70), ("初中小计", "初中", 50),
        ("合计", None, 120)]
    assert town_rows[-1]["巩固率"] == pytest.approx(119 / 120)
    states = [(r["单位名称"], r["所属乡镇"], r["报送情况"]) for r in sheet_rows(out_path(county), "未报单位", "单位名称")]
    assert states == [("城关镇", None, "按时"), (NINE, "城关镇", "按时"), ("杉树小学", "城关镇", "未报"),
                      ("松林小学", "城关镇", "逾期"), ("红星初中", None, "按时"), ("白云小学", None, "按时")]
    res = compute_aggregate(county, MONTH)
    assert [m.label for m in res.missing] == ["杉树小学（城关镇）"]
    # 报表校验 at both levels: every received workbook adds up
    for d in (town, county):
        assert sheet_rows(out_path(d), "报表校验", "单元格")[0]["单位"] == "收到的月报全部通过校验"


def test_county_checks_the_townships_stage_subtotal_and_names_the_cell(tmp_path):
    """A township 汇总 whose 初中小计 学年初在校生 was typed 51 (the units' 初中 rows give 50) is named at the county
    with its cell, and still counted from the township's 合计 row."""
    town, county = township_and_county(tmp_path)
    run_aggregate(town, MONTH)
    path = shutil.copy(out_path(town), county / "inbox")
    wb = openpyxl.load_workbook(path)
    ws = wb["汇总表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "初中小计")
    col = next(c.column for line in ws.iter_rows() for c in line if c.value == "学年初在校生")
    ws.cell(row, col).value = 51
    wb.save(path)
    res = compute_aggregate(county, MONTH)
    cell = f"{openpyxl.utils.get_column_letter(col)}{row}"
    found = {(p.unit, p.cell, p.issue, p.expected, p.actual) for p in res.problems}
    assert ("城关镇", cell, "初中小计“学年初在校生”不等于本学段各单位之和", "50", "51") in found
    assert res.total_counts["学年初在校生"] == 280


# ---------------------------------------------------------------- 月报季评 (§21.3)

Q = "2026-Q4"   # 10月 (9月21日–10月20日), 11月, 12月; due the 25th of each month; quarter 2026-09-21 … 12-20
QUARTER_SCHOOLS = {
    **SCHOOLS,
    "杉树小学": ({"二年级": counts(学年初在校生=46, 上月末在校生=46, 本月转出=1, 本月末在校生=45)}, {"二年级": (45, 46)}),
}
CASE_A = {"学籍号": "G1001", "姓名": "王一", "年级": "七年级", "开立日期": D(2026, 10, 12), "类别": "疑似辍学", "状态": "在办"}
CASE_B = {"学籍号": "G1002", "姓名": "李二", "年级": "一年级", "开立日期": D(2026, 11, 2), "类别": "疑似辍学", "状态": "观察中",
          "返校日期": D(2026, 11, 10)}
CASE_B_CLOSED = {**CASE_B, "状态": "已销号", "销号日期": D(2026, 11, 24), "销号原因": "返校后到校10个教学日未再连续旷课"}
CASE_C = {"学籍号": "G1003", "姓名": "赵三", "年级": "一年级", "开立日期": D(2026, 9, 15), "类别": "疑似辍学", "状态": "已销号",
          "返校日期": D(2026, 9, 25), "销号日期": D(2026, 10, 9), "销号原因": "返校后到校10个教学日未再连续旷课"}
CASE_D = {"学籍号": "G1004", "姓名": "钱四", "年级": "三年级", "开立日期": D(2026, 12, 1), "类别": "疑似辍学", "状态": "已销号",
          "销号日期": D(2026, 12, 10), "销号原因": "转出已回执（外县小学）"}
CASES = {("2026-10", NINE): [CASE_A, CASE_C], ("2026-11", NINE): [CASE_A, CASE_B],
         ("2026-12", NINE): [CASE_A, CASE_B_CLOSED], ("2026-12", "松林小学"): [CASE_D]}
LOST = {"学籍号": "G1005", "姓名": "孙五", "年级": "二年级", "班级": "1班", "变动类型": "转出", "变动日期": D(2026, 11, 25),
        "对方学校": "外省某小学", "状态": "逾期未回执"}


def quarter_school(inbox: Path, unit: str, month: str) -> Path:
    grades, retention = QUARTER_SCHOOLS[unit]
    rows = school_rows(grades, retention)
    year, mon = map(int, month.split("-"))
    day = D(2026, 11, 27) if (unit, month) == ("松林小学", "2026-11") else D(year, mon, 20)
    flows = [LOST] if (unit, month) == ("杉树小学", "2026-12") else ()
    return write_monthly_workbook(inbox / f"控辍保学月报_{unit}_{month}.xlsx", unit, month, rows, flows=flows,
                                  indicators=indicators_for(rows, retention), report_date=day,
                                  cases=CASES.get((month, unit), ()))


def quarter_folders(root: Path) -> tuple[Path, Path]:
    town = aggregator(root, "城关镇", "township", {NINE: ("小学", "初中"), "杉树小学": ("小学",), "松林小学": ("小学",)})
    county = aggregator(root, "示例县", "county", {"城关镇": (), "红星初中": ("初中",), "白云小学": ("小学",)})
    for month in ("2026-10", "2026-11", "2026-12"):
        for unit in (NINE, "杉树小学", "松林小学"):
            if (unit, month) != ("杉树小学", "2026-11"):     # 杉树小学 does not report November
                quarter_school(town / "inbox", unit, month)
        for unit in ("红星初中", "白云小学"):
            quarter_school(county / "inbox", unit, month)
    return town, county


def quarter_path(d: Path) -> Path:
    return d / "out" / Q / f"控辍保学季评_{load_config(d).unit.name}_{Q}.xlsx"


def test_township_quarter_evaluation_worked_by_hand(tmp_path):
    """城关镇's 2026-Q4 季评, 评定月 12月 (every figure from the tables above):

    单位            年辍学率            巩固率               疑似  台账 开/返  及时        去向不明  评定
    城关九年制学校   1/90 = 1.11% (初中 1/50 = 2.00% > 1.80%: 未达标)  89/90 = 98.89% 达标  0  2/1 = 50%  3/3  0  约谈
    杉树小学         0/46 达标           45/46 = 97.83% 未达标  0   0 → —     2/3 (11月未报)  1  约谈
    松林小学         0/30 达标           30/30 达标             1   1/0 = 0%  2/3 (11月 27日 逾期)  0  —
    Cases: A (开立 10-12, 在办) and B (11-02, 销号 11-24 返校) count for the 九年制 school; C (开立 9-15) was opened before
    the quarter (9-21); D (12-01) of 松林 was closed by a 转出 回执, not by a return: 0 of 1.
    Ranks (1 best, ties share): 年辍学率 3, 1, 1; 巩固率 2, 3, 1; 疑似 1, 1, 3; 劝返成功率 1, —, 2; 及时率 1, 2, 2.
    No unit is 先进: the two that meet both limits have a 逾期 or a 去向不明/未报."""
    from kc_batch.app.quarter import compute_quarter, run_quarter
    town, _ = quarter_folders(tmp_path)
    outcome = run_quarter(town, Q)
    assert outcome.outputs == [quarter_path(town)]
    rows = {r["单位"]: r for r in sheet_rows(quarter_path(town), "季评表", "单位")}
    assert list(rows) == [NINE, "杉树小学", "松林小学", "合计"]
    nine, shanshu, songlin = rows[NINE], rows["杉树小学"], rows["松林小学"]
    assert nine["年辍学率"] == pytest.approx(1 / 90) and nine["辍学率达标"] == "未达标"
    assert nine["巩固率"] == pytest.approx(89 / 90) and nine["巩固率达标"] == "达标"
    assert shanshu["巩固率"] == pytest.approx(45 / 46) and shanshu["巩固率达标"] == "未达标"
    assert (shanshu["辍学率达标"], songlin["辍学率达标"], songlin["巩固率达标"]) == ("达标", "达标", "达标")
    assert [rows[u]["疑似辍学"] for u in (NINE, "杉树小学", "松林小学")] == [0, 0, 1]
    assert [(rows[u]["新开台账"], rows[u]["返校销号"]) for u in (NINE, "杉树小学", "松林小学")] == [(2, 1), (0, 0), (1, 0)]
    assert (nine["劝返成功率"], shanshu["劝返成功率"], songlin["劝返成功率"]) == (0.5, None, 0)
    assert [(rows[u]["应报"], rows[u]["按时"], rows[u]["逾期"], rows[u]["未报"]) for u in (NINE, "杉树小学", "松林小学")] == [
        (3, 3, 0, 0), (3, 2, 0, 1), (3, 2, 1, 0)]
    assert (nine["报送及时率"], shanshu["报送及时率"], songlin["报送及时率"]) == (1, pytest.approx(2 / 3), pytest.approx(2 / 3))
    ranks = {u: tuple(rows[u][c] for c in ("辍学率排名", "巩固率排名", "疑似排名", "成功率排名", "及时率排名"))
             for u in (NINE, "杉树小学", "松林小学")}
    assert ranks == {NINE: (3, 2, 1, 1, 1), "杉树小学": (1, 3, 1, None, 2), "松林小学": (1, 1, 3, 2, 2)}
    assert [rows[u]["去向不明"] for u in (NINE, "杉树小学", "松林小学")] == [0, 1, 0]
    assert [rows[u]["评定"] for u in (NINE, "杉树小学", "松林小学")] == ["约谈", "约谈", None]
    assert "初中年辍学率 2.00%，超过控制线 1.80%" in nine["说明"]
    for reason in ("巩固率 97.83%，低于目标 98.00%", "未报 1 次", "去向不明学生 1 人未落实"):
        assert reason in shanshu["说明"], reason
    assert songlin["说明"] == "逾期报送 1 次"
    total = rows["合计"]   # Σ分子 ÷ Σ分母: 劝返 1 / 3, 及时 7 / 9
    assert (total["新开台账"], total["返校销号"], total["劝返成功率"]) == (3, 1, pytest.approx(1 / 3))
    assert (total["应报"], total["按时"], total["报送及时率"]) == (9, 7, pytest.approx(7 / 9))
    verdicts = sheet_rows(quarter_path(town), "季评汇总", "类别")
    assert [(r["类别"], r["单位"]) for r in verdicts] == [("先进", "（无）"), ("约谈", NINE), ("约谈", "杉树小学")]
    assert compute_quarter(town, Q).months == ["2026-10", "2026-11", "2026-12"]
    assert any("先进 0 个，约谈 2 个" in line for line in outcome.lines)


def test_county_quarter_from_township_workbooks_worked_by_hand(tmp_path):
    """示例县's 2026-Q4 季评 from 城关镇's three 汇总 workbooks and the two direct schools' 月报:

    城关镇: 12月 合计 学年初 90 + 46 + 30 = 166, 当前辍学 1 → 1/166 = 0.60%; its 初中 rows (the 九年制 school's) give
      1/50 = 2.00%: 未达标; 巩固 (89 + 45 + 30)/(90 + 46 + 30) = 164/166; 疑似 1; cases A, B, D through its merged
      劝返台账: 1 of 3 back; its own 汇总 reports are dated the cutoff: 3/3 按时; 杉树小学's 孙五 去向不明 → 约谈.
    红星初中: 1/100 = 1.00% (≤ 1.80%), 巩固 98/99 = 98.99%, 疑似 2, no case, 3/3 → 先进.
    白云小学: 1/60 = 1.67% > 0.60% → 约谈; 巩固 59/60 = 98.33%, 疑似 0, 3/3.
    Ranks: 年辍学率 1, 2, 3; 巩固率 (0.98795, 0.98990, 0.98333) 2, 1, 3; 疑似 2, 3, 1; 劝返 1, —, —; 及时 1, 1, 1."""
    from click.testing import CliRunner
    from kc_batch.cli import main
    town, county = quarter_folders(tmp_path)
    for month in ("2026-10", "2026-11", "2026-12"):
        run_aggregate(town, month)
        shutil.copy(out_path(town, month), county / "inbox")
    result = CliRunner().invoke(main, ["aggregate", "--dir", str(county), "--quarter", Q])
    assert result.exit_code == 0, result.output
    rows = {r["单位"]: r for r in sheet_rows(quarter_path(county), "季评表", "单位")}
    assert list(rows) == ["城关镇", "红星初中", "白云小学", "合计"]
    town_row, red, white = rows["城关镇"], rows["红星初中"], rows["白云小学"]
    assert town_row["年辍学率"] == pytest.approx(1 / 166) and town_row["辍学率达标"] == "未达标"
    assert town_row["巩固率"] == pytest.approx(164 / 166) and red["巩固率"] == pytest.approx(98 / 99)
    assert white["年辍学率"] == pytest.approx(1 / 60) and white["辍学率达标"] == "未达标"
    assert (town_row["新开台账"], town_row["返校销号"], town_row["劝返成功率"]) == (3, 1, pytest.approx(1 / 3))
    assert [rows[u]["报送及时率"] for u in ("城关镇", "红星初中", "白云小学")] == [1, 1, 1]
    assert town_row["去向不明"] == 1
    ranks = {u: tuple(rows[u][c] for c in ("辍学率排名", "巩固率排名", "疑似排名", "成功率排名", "及时率排名"))
             for u in ("城关镇", "红星初中", "白云小学")}
    assert ranks == {"城关镇": (1, 2, 2, 1, 1), "红星初中": (2, 1, 3, None, 1), "白云小学": (3, 3, 1, None, 1)}
    assert [rows[u]["评定"] for u in ("城关镇", "红星初中", "白云小学")] == ["约谈", "先进", "约谈"]
    assert "小学年辍学率 1.67%，超过控制线 0.60%" in white["说明"]
    verdicts = [(r["类别"], r["单位"]) for r in sheet_rows(quarter_path(county), "季评汇总", "类别")]
    assert verdicts == [("先进", "红星初中"), ("约谈", "城关镇"), ("约谈", "白云小学")]
    assert "约谈：城关镇" in result.output and "先进：红星初中" in result.output


def test_quarter_email_parsed_back_and_delivered_over_smtp(tmp_path, monkeypatch):
    """城关镇's 季评 email: subject “【控辍保学季评】城关镇 2026年第4季度”; the body names no 先进 and the two 约谈 units
    with their reasons, 劝返成功率 1/3 = 33.33% and 报送及时率 7/9 = 77.78% (the hand figures of the township test);
    the attachment's Chinese name in RFC 2231 and RFC 2047 form; sent to a local aiosmtpd over STARTTLS, parsed back
    by the email package; a second send is refused without --resend; a 月报 received after the run refuses the mail."""
    import email
    from email import policy
    from kc_batch.app.quarter import run_quarter
    from kc_batch.app.send_quarter import run_send_quarter
    from kc_batch.errors import KcError
    from smtp_server import GOOD_PASSWORD, assert_name_in_both_encodings, controller, make_ca, running
    from test_weekly_rollup import mail_config
    _, server_ctx, client_ctx = make_ca()
    smtpd, inbox, port = controller(server_ctx, starttls=True)
    town, _ = quarter_folders(tmp_path)
    run_quarter(town, Q)
    mail_config(town, port)
    [line] = run_send_quarter(town, Q)
    assert "outbox/" in line
    eml = town / "outbox" / f"控辍保学季评_城关镇_{Q}.eml"
    monkeypatch.setenv("KC_SMTP_PASSWORD", GOOD_PASSWORD)
    with running(smtpd):
        [sent] = run_send_quarter(town, Q, smtp=True, ssl_context=client_ctx)
        [again] = run_send_quarter(town, Q, smtp=True, ssl_context=client_ctx)
    assert "已发送" in sent and "已于" in again and "--resend" in again
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["jyj@example.cn"]
    name = f"控辍保学季评_城关镇_{Q}.xlsx"
    for raw in (eml.read_bytes(), envelope.original_content):
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert str(msg["Subject"]) == "【控辍保学季评】城关镇 2026年第4季度"
        body = msg.get_body(preferencelist=("plain",)).get_content()
        for text in ("评定月：2026年12月", "评定单位：3 个", "劝返成功率：33.33%", "报送及时率：77.78%", "先进单位：无",
                     "约谈单位（共 2 个）", f"1. {NINE}（初中年辍学率 2.00%，超过控制线 1.80%）",
                     "2. 杉树小学（巩固率 97.83%，低于目标 98.00%"):
            assert text in body, text
        [attachment] = list(msg.iter_attachments())
        assert attachment.get_filename() == name
        assert attachment.get_content() == quarter_path(town).read_bytes()
        assert_name_in_both_encodings(raw)
    # 杉树小学's November 月报 arrives late: the 季评 on file is stale (杉树 is no longer 未报 in November)
    quarter_school(town / "inbox", "杉树小学", "2026-11")
    (town / "inbox" / "控辍保学月报_杉树小学_2026-12.xlsx").unlink()
    with pytest.raises(KcError, match="请先重新运行 kc aggregate --quarter 2026-Q4"):
        run_send_quarter(town, Q)
