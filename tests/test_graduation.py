"""毕业 in the month's reports (SPEC §5.2, §5.3, §15.3): the 月报表 row of a grade with graduates
balances through the column 本月毕业, and the aggregate reads it.

School 示例小学 (小学), 学年初 2026-09-01. Month 2027-07 = 2027-06-21 … cutoff 2027-07-20.
  六年级1班 (roster): 甲 男, 乙 女, 丙 男. 甲 and 乙 毕业 2027-07-02; 丙 stays (留级, no event).
  五年级1班 (roster): 丁 女, no event.
By hand:
  六年级: 学年初 3, 上月末 (06-20) 3, 本月毕业 2, every other 本月 column 0, 本月末 1 (丙), 女生 0;
          §5.3: 3 + 0 − 2 = 1.  巩固基数 = 3 − 2 graduates (毕业 leaves the base as 死亡 does, §15.3) = 1,
          丙 在读 → 巩固率 1/1.
  五年级: 学年初 1, 上月末 1, 本月末 1, 女生 1, 巩固率 1/1.
  合计:   学年初 4, 上月末 4, 本月毕业 2, 本月末 2, 女生 1, 巩固率 2/2.
Before the fix the 月报表 had no 本月毕业 column, so 六年级 read 3 + 0 − 0 ≠ 1 and the aggregate's
报表校验 named the school's 本月末在校生 cells as 账实不符.
"""
from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
from click.testing import CliRunner

from school import change_sheet, make_id, make_workdir, roster_sheet, write
from test_aggregate import aggregator, read_sheet

from kc_batch.cli import main

D = dt.date
MONTH = "2027-07"


def kid(name, seq, sex):
    birth = D(2014, 3, 1) + dt.timedelta(days=seq)
    return dict(name=name, sex=sex, birth=birth, id=make_id(birth, seq, sex == "男"))


G6 = [kid("甲", 1, "男"), kid("乙", 2, "女"), kid("丙", 3, "男")]
G5 = [kid("丁", 4, "女")]


def school(tmp_path):
    wd = make_workdir(tmp_path / "示例小学", name="示例小学")
    write(wd / "inbox" / "花名册.xlsx", {"六年级1班": roster_sheet("六年级(1)班学生花名册", G6),
                                       "五年级1班": roster_sheet("五年级(1)班学生花名册", G5)})
    rows = [["G" + s["id"], s["id"], s["name"], "六年级", "1班", "毕业", "2027-07-02", "", "", "", "", ""]
            for s in G6[:2]]
    write(wd / "inbox" / "学籍变动.xlsx", {"变动": change_sheet(rows)})
    return wd


def monthly_table(path):
    ws = openpyxl.load_workbook(path, data_only=True)["月报表"]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    i = next(i for i, r in enumerate(grid) if "学年初在校生" in r)
    header = [leaf if leaf is not None else grid[i - 1][j] for j, leaf in enumerate(grid[i])]
    rows = {}
    for r in grid[i + 1:]:
        if r[0] is None:
            break
        rows[r[0]] = dict(zip(header, r))
        if r[0] == "合计":
            break
    return header, rows


def run_monthly(wd):
    res = CliRunner().invoke(main, ["monthly", "--dir", str(wd), "--month", MONTH])
    assert res.exit_code == 0, res.output
    return wd / "out" / MONTH / f"控辍保学月报_示例小学_{MONTH}.xlsx"


def test_graduates_balance_the_monthly_row(tmp_path):
    header, rows = monthly_table(run_monthly(school(tmp_path)))
    # §15.3: 本月毕业 right after 本月辍学, under 本月减少
    assert header[header.index("本月辍学") + 1] == "本月毕业"
    assert header[header.index("本月毕业") + 1] == "本月末在校生"
    assert list(rows) == ["五年级", "六年级", "小学小计", "合计"]
    g6, g5, total = rows["六年级"], rows["五年级"], rows["合计"]
    assert (g6["学年初在校生"], g6["上月末在校生"], g6["本月毕业"], g6["本月末在校生"], g6["女生"]) == (3, 3, 2, 1, 0)
    assert (g5["学年初在校生"], g5["上月末在校生"], g5["本月毕业"], g5["本月末在校生"], g5["女生"]) == (1, 1, 0, 1, 1)
    assert (total["学年初在校生"], total["上月末在校生"], total["本月毕业"], total["本月末在校生"]) == (4, 4, 2, 2)
    plus = ["本月新生入学", "本月转入", "本月复学", "本月劝返复学"]
    minus = ["本月转出", "本月休学", "本月死亡", "本月辍学", "本月毕业"]
    for label, r in rows.items():  # §5.3 on every row
        assert r["上月末在校生"] + sum(r[c] for c in plus) - sum(r[c] for c in minus) == r["本月末在校生"], label
    assert g6["巩固率"] == 1 and total["巩固率"] == 1  # graduates leave the 巩固基数 (§15.3)


def test_weekly_of_the_graduation_week_has_no_balance_finding(tmp_path):
    """The weekly balance already counts 毕业 as a decrease (§5.3): no R07 in 2027-W26 (06-28 … 07-02)."""
    wd = school(tmp_path)
    res = CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", "2027-W26"])
    assert res.exit_code in (0, 3), res.output
    path = wd / "out" / "2027-W26" / "周查汇总_示例小学_2027-W26.xlsx"
    codes = [r[0] for r in openpyxl.load_workbook(path, data_only=True)["核对异常"].iter_rows(values_only=True)]
    assert "R07" not in codes


def test_aggregate_reads_the_graduates_and_finds_the_balance(tmp_path):
    path = run_monthly(school(tmp_path))
    top = aggregator(tmp_path, "示例乡", "township", {"示例小学": ("小学",)})
    shutil.copy(path, top / "inbox")
    res = CliRunner().invoke(main, ["aggregate", "--dir", str(top), "--month", MONTH])
    assert res.exit_code == 0, res.output
    out = top / "out" / MONTH / f"控辍保学月报汇总_示例乡_{MONTH}.xlsx"
    rows = {r["单位"]: r for r in read_sheet(out, "汇总表", "学年初在校生")}
    assert (rows["示例小学"]["本月毕业"], rows["示例小学"]["本月末在校生"]) == (2, 2)
    assert (rows["合计"]["本月毕业"], rows["合计"]["本月末在校生"]) == (2, 2)
    assert read_sheet(out, "报表校验", "单元格")[0]["单位"] == "收到的月报全部通过校验"
