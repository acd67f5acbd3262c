"""`kc aggregate` carries the 台账 counts up (SPEC §20, issue 16): sheet 台账汇总, one row per unit.

Township 城关镇 receives three monthly workbooks for 2026-11:
  甲校 — `kc monthly` on the school of test_duties: 月报表 合计 建档立卡 0, 残疾 0, 送教上门 0; 责任落实 has
         4 班主任 rows of which 3 无辍学班 (一年级1班 had a 3-day 疑似辍学).
  乙校 — `kc monthly` on the school of test_ledgers: 建档立卡 3 (在读), 残疾 2, 送教上门 1; one class, not
         无辍学班 (辍学 and 疑似辍学 in the period).
  丙校 — a workbook in the older layout, without 责任落实 (monthly_fixture): 建档立卡 2, 残疾 1, 送教上门 0;
         班级数 and 无辍学班 未报.
By hand: 合计 建档立卡在校 0+3+2 = 5, 残疾在校 0+2+1 = 3, 送教上门 0+1+0 = 1, 班级数 4+1 = 5, 无辍学班 3+0 = 3
(丙校 left out and named). The county above receives the township's 汇总 and reads its 台账汇总 合计:
城关镇 5, 3, 1, 5, 3.
"""
from __future__ import annotations

import shutil
import textwrap

import openpyxl
from click.testing import CliRunner

import test_duties
import test_ledgers
from monthly_fixture import counts, school_rows, write_monthly_workbook

from kc_batch.cli import main

MONTH = "2026-11"
COLUMNS = ["建档立卡在校", "残疾在校", "送教上门", "班级数", "无辍学班"]


def aggregator(root, name, level, units):
    d = root / name
    (d / "inbox").mkdir(parents=True)
    text = textwrap.dedent(f"""\
        [unit]
        name = "{name}"
        level = "{level}"

        [calendar]
        year_start = 2026-09-01
        cutoff_day = 20
        """)
    for unit in units:
        text += f'\n[[units]]\nname = "{unit}"\nstages = ["小学"]\n'
    (d / "kc.toml").write_text(text, encoding="utf-8")
    return d


def monthly_book(build, root, name):
    wd = build(root / name, name=name)
    res = CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", MONTH])
    assert res.exit_code == 0, res.output
    return wd / "out" / MONTH / f"控辍保学月报_{name}_{MONTH}.xlsx"


def ledger_rows(path):
    ws = openpyxl.load_workbook(path, data_only=True)["台账汇总"]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    i = next(i for i, r in enumerate(grid) if "班级数" in r)
    out, notes = {}, []
    for r in grid[i + 1:]:
        if r[0] is None:
            continue
        if isinstance(r[0], str) and r[1] is None:
            notes.append(r[0])
            continue
        out[r[0]] = dict(zip(grid[i][1:], r[1:]))
    return out, notes


def run_aggregate(d):
    res = CliRunner().invoke(main, ["aggregate", "--dir", str(d), "--month", MONTH])
    assert res.exit_code == 0, res.output
    return d / "out" / MONTH / f"控辍保学月报汇总_{d.name}_{MONTH}.xlsx"


def test_township_and_county_carry_the_ledger_counts(tmp_path):
    town = aggregator(tmp_path, "城关镇", "township", ["甲校", "乙校", "丙校"])
    shutil.copy(monthly_book(test_duties.build, tmp_path, "甲校"), town / "inbox")
    shutil.copy(monthly_book(test_ledgers.build, tmp_path, "乙校"), town / "inbox")
    grades = {"一年级": counts(学年初在校生=30, 上月末在校生=30, 本月末在校生=30, 建档立卡=2, 残疾=1)}
    write_monthly_workbook(town / "inbox" / f"控辍保学月报_丙校_{MONTH}.xlsx", "丙校", MONTH,
                           school_rows(grades, {"一年级": (30, 30)}))
    rows, notes = ledger_rows(run_aggregate(town))
    assert list(rows) == ["甲校", "乙校", "丙校", "合计"]
    assert [rows["甲校"][c] for c in COLUMNS] == [0, 0, 0, 4, 3]
    assert [rows["乙校"][c] for c in COLUMNS] == [3, 2, 1, 1, 0]
    assert [rows["丙校"][c] for c in COLUMNS] == [2, 1, 0, "未报", "未报"]
    assert [rows["合计"][c] for c in COLUMNS] == [5, 3, 1, 5, 3]
    assert any("班级数、无辍学班未报，未计入合计：丙校" in n for n in notes)

    county = aggregator(tmp_path, "示例县", "county", ["城关镇"])
    shutil.copy(town / "out" / MONTH / f"控辍保学月报汇总_城关镇_{MONTH}.xlsx", county / "inbox")
    rows, _ = ledger_rows(run_aggregate(county))
    assert [rows["城关镇"][c] for c in COLUMNS] == [5, 3, 1, 5, 3]
    assert [rows["合计"][c] for c in COLUMNS] == [5, 3, 1, 5, 3]
