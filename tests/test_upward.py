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
        if row[0] is None or str(row[0]).startswith(("单位负责人", "注", "已报单位", "应报单位", "汇总比率")):
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
