"""§22.1 in the workbooks: the 届巩固率 block of 指标说明 of `kc monthly` and its Σ in `kc aggregate`, on the
two-year school of tests/test_rollover.py (one class per grade 1–9, two students each; 学年 2026 and 2027).

2027-09 (cutoff 2027-09-20), two 学年 in the store:
小学 — the cohort of 六年级 2027, entered 五年级 2026 (six grades need six 学年): 张五甲, 张五乙 (张六乙 留级 into
  六年级 was seen in 2026's 六年级, 张四丙 in 四年级). 张五甲 辍学 (kept in 五年级) → 逐生追踪 1 ÷ 2.
  届别统计: 本届入学 2 (五年级 at 学年初 2026), no 转入/转出/休学/死亡 of 五年级 2026 or 六年级 2027; 本届毕业生 =
  六年级 在读 at the cutoff: 张五乙, 张六乙 → 2 ÷ 2 (the repeater fills the dropout's place: counts drift).
  UIS from 2026 → 2027 (学年初 enrolment E, repeaters R = in grade g on 2027's first day and at 2026's end):
  E1…E5 of 2026 = 2 each (张四丙 joined in June). 2027 学年初: 二年级 2 (张一甲乙), 三年级 2 (张二甲乙; 张三乙
  休学 is not 在读), 四年级 1 (张三甲), 五年级 3 (张四甲乙丙; 张五甲 辍学), 六年级 2 (张五乙, 张六乙 = R6).
  p1 = 2/2, p2 = 2/2, p3 = 1/2, p4 = 3/2 (the June 转入 counts as promoted: UIS assumes no migration),
  p5 = (2 − 1)/2; no repeaters of grades 1–5 → survival 1 × 1 × ½ × 3/2 × ½ = 0.375 → 分子 2 × 0.375 = 0.75, 分母 2.
初中 — the cohort of 九年级 2027, entered 八年级 2026: 张八甲 (转出 07-01, 回执 07-01: leaves), 张八乙 (在读)
  → 逐生追踪 1 ÷ 1. 届别: 入学 2, 届减少 1 (张八甲 转出, 八年级), 毕业生 1 (张八乙) → 1 ÷ 1.
  UIS: E7 = E8 = 2; 2027 八年级 2 (张七甲乙), 九年级 1 (张八乙) → p7 = 1, p8 = 1/2 → survival ½ → 1 ÷ 2.
合计 (Σ分子 ÷ Σ分母 of the 学段 rows): 逐生追踪 2 ÷ 3; 届别统计 3 ÷ 3; UIS 1.75 ÷ 4.
`kc aggregate` of a township receiving that workbook: the unit's rows and its 合计 = the same Σ.
"""
from __future__ import annotations

import shutil

import openpyxl

import pytest
from click.testing import CliRunner
from test_aggregate import aggregator, read_sheet
from test_rollover import step_by_step

from kc_batch.cli import main
from kc_batch.rules.rates_cohort import COHORT_NAMES

STUDENT, UIS, JIE = (COHORT_NAMES[k] for k in ("student", "uis", "jie"))


def cohort_rows(path):
    rows = read_sheet(path, "指标说明", "范围")
    return {(r["范围"], r["指标"]): (r["分子"], r["分母"], r["口径代码"]) for r in rows
            if r["指标"] in COHORT_NAMES.values()}


def test_monthly_block_and_aggregate(tmp_path, run_day):
    wd, *_ = step_by_step(tmp_path, run_day)
    book = wd / "out" / "2027-09" / "控辍保学月报_示例学校_2027-09.xlsx"
    got = cohort_rows(book)
    assert {k: v[:2] for k, v in got.items()} == {
        ("小学小计", STUDENT): (1, 2), ("小学小计", UIS): (pytest.approx(0.75), 2), ("小学小计", JIE): (2, 2),
        ("初中小计", STUDENT): (1, 1), ("初中小计", UIS): (1, 2), ("初中小计", JIE): (1, 1),
        ("合计", STUDENT): (2, 3), ("合计", UIS): (pytest.approx(1.75), 4), ("合计", JIE): (3, 3)}
    assert got[("初中小计", STUDENT)][2] == "cohort=student;grades=7-9;entry=2026:8;years=2"
    assert got[("小学小计", UIS)][2] == "cohort=uis;grades=1-6;entry=2026:1;years=2"


def renamed_copy(book, to, edits):
    """A second unit's workbook: the school's own, 示例学校 → `to` in every text cell, and some 指标说明 cells
    set by hand: edits = {(范围, 指标): {column header: value}}."""
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and "示例学校" in c.value:
                    c.value = c.value.replace("示例学校", to)
    ws = wb["指标说明"]
    header = next(r for r in ws.iter_rows() if any(c.value == "口径代码" for c in r))
    col = {c.value: c.column for c in header}
    for row in ws.iter_rows(min_row=header[0].row + 1):
        for header_text, value in edits.get((row[0].value, row[1].value), {}).items():
            ws.cell(row[0].row, col[header_text]).value = value
    path = book.parent / f"控辍保学月报_{to}_2027-09.xlsx"
    wb.save(path)
    return path


def test_aggregate_sums_the_units_cohort_rows(tmp_path, run_day):
    """Two units: 示例学校 (the figures above) and 示例二校, its copy with 初中小计 逐生追踪 set to 0 ÷ 1 and 合计
    逐生追踪 to 1 ÷ 3, and the 口径代码 of its 合计 届别统计 row cleared (that row is not counted: no prose is read).
    汇总 指标说明: unit rows = each unit's 合计 rows; 逐生追踪 小学小计 (1+1) ÷ (2+2) = 2/4, 初中小计 (1+0) ÷ (1+1)
    = 1/2, 合计 (2+1) ÷ (3+3) = 3/6; UIS 合计 (1.75+1.75) ÷ (4+4); 届别统计 合计 = 示例学校 only: 3 ÷ 3."""
    wd, *_ = step_by_step(tmp_path, run_day)
    book = wd / "out" / "2027-09" / "控辍保学月报_示例学校_2027-09.xlsx"
    other = renamed_copy(book, "示例二校", {("初中小计", STUDENT): {"分子": 0}, ("合计", STUDENT): {"分子": 1},
                                           ("合计", JIE): {"口径代码": None}})
    top = aggregator(tmp_path, "示例乡", "township", {"示例学校": ("小学", "初中"), "示例二校": ("小学", "初中")})
    toml = top / "kc.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("2026-09-01", "2027-09-01"), encoding="utf-8")
    shutil.copy(book, top / "inbox")
    shutil.copy(other, top / "inbox")
    res = CliRunner().invoke(main, ["aggregate", "--dir", str(top), "--month", "2027-09"])
    assert res.exit_code == 0, res.output
    got = cohort_rows(top / "out" / "2027-09" / "控辍保学月报汇总_示例乡_2027-09.xlsx")
    values = {k: v[:2] for k, v in got.items()}
    assert values[("示例学校", STUDENT)] == (2, 3) and values[("示例二校", STUDENT)] == (1, 3)
    assert values[("小学小计", STUDENT)] == (2, 4) and values[("初中小计", STUDENT)] == (1, 2)
    assert values[("合计", STUDENT)] == (3, 6)
    assert values[("合计", UIS)] == (pytest.approx(3.5), 8)
    assert values[("合计", JIE)] == (3, 3) and ("示例二校", JIE) not in values
    assert got[("初中小计", STUDENT)][2] == "cohort=student;grades=7-9;entry=2026:8;years=2"
    assert got[("合计", STUDENT)][2] == "cohort=student;mixed"
