"""`kc aggregate` (SPEC §9.3, §13.16, §13.27): every expected figure below is worked out by hand from
the four schools' tables written in this file."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import textwrap
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kc_batch.app.aggregate import aggregate_summary, compute_aggregate, run_aggregate
from kc_batch.cli.aggregate import aggregate_cmd
from kc_batch.config import load_config
from kc_batch.errors import ConfigError, NoInputError, UsageError
from monthly_fixture import (counts, indicators_for, school_rows, write_monthly_workbook,
                             write_retyped_by_hand)
from school import make_id

MONTH = "2026-11"
D = dt.date


def sid(seq: int) -> str:
    return make_id(D(2019, 3, 1), seq, male=seq % 2 == 1)


S1, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11 = (sid(i) for i in range(1, 12))


def person(key: str, name: str, grade: str, **extra) -> dict:
    return {"学籍号": "G" + key, "姓名": name, "性别": "男", "年级": grade, "班级": "1班", **extra}


# ---------------------------------------------------------------- the four schools (§9.2 tables)

A_GRADES = {
    "一年级": counts(学年初在校生=40, 上月末在校生=41, 本月转入=1, 本月转出=1, 本月末在校生=41, 女生=20, 建档立卡=3,
                  残疾=1, 留守儿童=5, 随迁子女=2, 疑似辍学=1),
    "二年级": counts(学年初在校生=38, 上月末在校生=38, 本月辍学=1, 本月末在校生=37, 女生=18, 建档立卡=2, 送教上门=1,
                  留守儿童=4, 随迁子女=1, 当前辍学=1, 累计辍学=1),
}
A_RETENTION = {"一年级": (40, 40), "二年级": (37, 38)}
A_DROPOUTS = [person(S7, "周七", "二年级", 辍学日期=D(2026, 11, 3), 辍学原因="厌学", 劝返次数=1)]
A_SUSPECTS = [person(S5, "吴五", "一年级", 辍学日期=D(2026, 11, 12), 连续旷课天数=7, 疑似原因="连续旷课7天")]
A_FLOWS = [
    {"学籍号": "G" + S1, "姓名": "张一", "年级": "一年级", "班级": "1班", "变动类型": "转出", "变动日期": D(2026, 11, 5),
     "对方学校": "松林小学", "回执日期": D(2026, 11, 9), "状态": "已接收"},
    {"学籍号": "G" + S3, "姓名": "张三", "年级": "一年级", "班级": "1班", "变动类型": "转入", "变动日期": D(2026, 11, 10),
     "对方学校": "松林小学", "状态": "已转入"},
]

B_GRADES = {
    "一年级": counts(学年初在校生=50, 上月末在校生=49, 本月转入=1, 本月劝返复学=1, 本月休学=1, 本月末在校生=50, 女生=24,
                  建档立卡=4, 留守儿童=6, 随迁子女=3, 疑似辍学=2, 累计辍学=1),
}
B_RETENTION = {"一年级": (49, 50)}
B_SUSPECTS = [person(S3, "张三", "一年级", 连续旷课天数=8, 疑似原因="连续旷课8天"),
              person(S4, "李四", "一年级", 连续旷课天数=7, 疑似原因="连续旷课7天")]
# the receiving school types the same 学籍号 with spaces and a lower-case g
B_FLOWS = [{"学籍号": " g" + S1[:9] + " " + S1[9:], "姓名": "张一", "年级": "一年级", "班级": "2班", "变动类型": "转入",
            "变动日期": D(2026, 11, 6), "对方学校": "杉树完小", "状态": "已转入"}]

C_GRADES = {
    "七年级": counts(学年初在校生=100, 上月末在校生=99, 本月转出=2, 本月辍学=1, 本月末在校生=96, 女生=48, 建档立卡=10,
                  残疾=2, 送教上门=1, 留守儿童=15, 随迁子女=5, 疑似辍学=2, 当前辍学=2, 累计辍学=2),
}
C_RETENTION = {"七年级": (96, 98)}
C_DROPOUTS = [person(S8, "郑八", "七年级", 辍学日期=D(2026, 9, 20), 辍学原因="外出务工"),
              person(S9, "王九", "七年级", 辍学日期=D(2026, 11, 2), 辍学原因="厌学")]
C_SUSPECTS = [person(S6, "陈六", "七年级", 连续旷课天数=9, 疑似原因="连续旷课9天"),
              person(S2, "刘二", "七年级", 辍学日期=D(2026, 11, 10), 疑似原因="转出未接收")]
C_FLOWS = [
    {"学籍号": "G" + S2, "姓名": "刘二", "年级": "七年级", "班级": "1班", "变动类型": "转出", "变动日期": D(2026, 10, 26),
     "对方学校": "外县某中学", "状态": "逾期未回执"},
    {"学籍号": "G" + S10, "姓名": "孙十", "年级": "七年级", "班级": "1班", "变动类型": "转出", "变动日期": D(2026, 11, 2),
     "对方学校": "外县第二中学", "回执日期": D(2026, 11, 6), "状态": "已接收"},
]

D_GRADES = {
    "四年级": counts(学年初在校生=30, 上月末在校生=30, 本月末在校生=30, 女生=15, 建档立卡=1, 留守儿童=3, 疑似辍学=1),
}
D_RETENTION = {"四年级": (30, 30)}
D_SUSPECTS = [person(S11, "钱十一", "四年级", 连续旷课天数=7, 疑似原因="连续旷课7天")]

# Hand totals of A + B + C + D (see the tables above)
TOTAL = {
    "学年初在校生": 40 + 38 + 50 + 100 + 30,          # 258
    "上月末在校生": 41 + 38 + 49 + 99 + 30,           # 257
    "本月新生入学": 0, "本月转入": 2, "本月复学": 0, "本月劝返复学": 1,
    "本月转出": 3, "本月休学": 1, "本月死亡": 0, "本月辍学": 2,
    "本月末在校生": 41 + 37 + 50 + 96 + 30,           # 254 = 257 + 2 + 1 − 3 − 1 − 2
    "女生": 125, "建档立卡": 20, "残疾": 3, "送教上门": 2, "留守儿童": 33, "随迁子女": 11,
    "疑似辍学": 6, "当前辍学": 3, "累计辍学": 4,
}
TOTAL_RATES = {"年辍学率": 3 / 258, "可能辍学率": 9 / 258, "巩固率": (40 + 37 + 49 + 96 + 30) / (40 + 38 + 50 + 98 + 30)}

UNITS = {"杉树完小": ("小学",), "松林小学": ("小学",), "红星初中": ("初中",), "青山小学": ("小学",), "白云小学": ("小学",)}


def aggregator(root: Path, name: str, level: str, units: dict) -> Path:
    d = root / name
    (d / "inbox").mkdir(parents=True)
    text = textwrap.dedent(f"""\
        [unit]
        name = "{name}"
        level = "{level}"
        principal = "局长"
        clerk = "统计员"
        phone = "0775-7654321"

        [calendar]
        year_start = 2026-09-01
        cutoff_day = 20
        """)
    for unit, stages in units.items():
        text += f'\n[[units]]\nname = "{unit}"\nstages = [{", ".join(repr(s).replace(chr(39), chr(34)) for s in stages)}]\n'
    (d / "kc.toml").write_text(text, encoding="utf-8")
    return d


def school_file(inbox: Path, unit: str, month: str = MONTH) -> Path:
    return inbox / f"控辍保学月报_{unit}_{month}.xlsx"


def write_a(inbox: Path, tamper=None) -> Path:
    rows = school_rows(A_GRADES, A_RETENTION)
    if tamper:
        tamper(rows)
    return write_monthly_workbook(school_file(inbox, "杉树完小"), "杉树完小", MONTH, rows, A_DROPOUTS, A_SUSPECTS, A_FLOWS,
                                  indicators_for(school_rows(A_GRADES, A_RETENTION), A_RETENTION))


def write_b(inbox: Path) -> Path:
    rows = school_rows(B_GRADES, B_RETENTION)
    return write_monthly_workbook(inbox / "松林" / "月报.xlsx", "松林小学", MONTH, rows, (), B_SUSPECTS, B_FLOWS,
                                  indicators_for(rows, B_RETENTION))


def write_c(inbox: Path) -> Path:
    rows = school_rows(C_GRADES, C_RETENTION)
    return write_monthly_workbook(school_file(inbox, "红星初中"), "红星初中", MONTH, rows, C_DROPOUTS, C_SUSPECTS, C_FLOWS,
                                  indicators_for(rows, C_RETENTION))


def write_d(inbox: Path) -> Path:
    rows = school_rows(D_GRADES, D_RETENTION)
    return write_retyped_by_hand(inbox / "青山小学11月月报（手填）.xlsx", "青山小学", MONTH, rows, (), D_SUSPECTS, (),
                                 indicators_for(rows, D_RETENTION))


@pytest.fixture
def county(tmp_path) -> Path:
    d = aggregator(tmp_path, "示例县教育局", "county", UNITS)
    for write in (write_a, write_b, write_c, write_d):
        write(d / "inbox")
    return d


# ---------------------------------------------------------------- reading the output back


def read_sheet(path: Path, sheet: str, first_header: str) -> list[dict]:
    """Rows of an output sheet as dicts, by header text (a header cell merged downwards counts)."""
    ws = openpyxl.load_workbook(path)[sheet]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(grid) if first_header in row and i > 0)
    below = grid[header + 1] if header + 1 < len(grid) else []
    if below and below[0] is None and any(v is not None for v in below):
        header += 1  # a two-row header: leaves in the lower row, ungrouped columns merged from above
    names = [grid[header][j] if grid[header][j] is not None else grid[header - 1][j] for j in range(len(grid[header]))]
    out = []
    for row in grid[header + 1:]:
        if row[0] is None or str(row[0]).startswith(("单位负责人", "注", "已报单位", "汇总比率", "已接收：", "以下单位", "应报单位")):
            continue
        out.append(dict(zip(names, row)))
    return out


def output_path(d: Path) -> Path:
    name = load_config(d).unit.name
    return d / "out" / MONTH / f"控辍保学月报汇总_{name}_{MONTH}.xlsx"


def summary_rows(d: Path) -> dict[str, dict]:
    return {r["单位"]: r for r in read_sheet(output_path(d), "汇总表", "学年初在校生")}


# ---------------------------------------------------------------- tests


def test_four_workbooks_aggregate_to_hand_figures(county):
    outcome = run_aggregate(county, MONTH)
    assert outcome.outputs == [output_path(county)]
    rows = summary_rows(county)
    # [[units]] order, then the 学段 subtotals, 合计 last (§21.4)
    assert list(rows) == ["杉树完小", "松林小学", "红星初中", "青山小学", "小学小计", "初中小计", "合计"]
    assert [rows[u]["学段"] for u in list(rows)[:6]] == ["小学", "小学", "初中", "小学", "小学", "初中"]
    # 小学小计 = 杉树 + 松林 + 青山: 学年初 78 + 50 + 30 = 158, 当前辍学 1, 疑似 1 + 2 + 1 = 4,
    # 巩固 (77 + 49 + 30) / (78 + 50 + 30); 初中小计 = 红星初中 alone
    primary, junior = rows["小学小计"], rows["初中小计"]
    assert (primary["学年初在校生"], primary["当前辍学"], primary["疑似辍学"]) == (158, 1, 4)
    assert primary["年辍学率"] == pytest.approx(1 / 158) and primary["可能辍学率"] == pytest.approx(5 / 158)
    assert primary["巩固率"] == pytest.approx(156 / 158)
    assert (junior["学年初在校生"], junior["年辍学率"], junior["巩固率"]) == (100, pytest.approx(0.02), pytest.approx(96 / 98))
    total = rows["合计"]
    for column, value in TOTAL.items():
        assert total[column] == value, column
    for rate, value in TOTAL_RATES.items():
        assert total[rate] == pytest.approx(value, abs=1e-12), rate
    # each unit's row is its own 合计 row; rates from its 指标说明
    assert rows["杉树完小"]["学年初在校生"] == 78 and rows["杉树完小"]["本月末在校生"] == 78
    assert rows["杉树完小"]["巩固率"] == pytest.approx(77 / 78)
    assert rows["红星初中"]["年辍学率"] == pytest.approx(2 / 100)
    # the re-typed workbook is read by its header texts: “学年初 在校生”, rates typed as “3.33%”
    assert rows["青山小学"]["学年初在校生"] == 30 and rows["青山小学"]["疑似辍学"] == 1
    assert rows["青山小学"]["可能辍学率"] == pytest.approx(1 / 30)
    problems = read_sheet(output_path(county), "报表校验", "单元格")
    assert problems == [{"单位": "收到的月报全部通过校验", "文件": None, "工作表": None, "单元格": None, "问题": None,
                         "应为": None, "实际": None}]


def test_rates_are_written_as_percent_numbers(county):
    run_aggregate(county, MONTH)
    ws = openpyxl.load_workbook(output_path(county))["汇总表"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == pytest.approx(3 / 258))
    assert cell.number_format == "0.00%"


def test_merged_lists_have_school_column(county):
    run_aggregate(county, MONTH)
    path = output_path(county)
    dropouts = read_sheet(path, "辍学学生名单", "学籍号")
    assert [(r["学校"], r["姓名"]) for r in dropouts] == [("杉树完小", "周七"), ("红星初中", "郑八"), ("红星初中", "王九")]
    assert [r["序号"] for r in dropouts] == [1, 2, 3]
    suspects = read_sheet(path, "疑似辍学名单", "学籍号")
    assert sorted((r["学校"], r["姓名"]) for r in suspects) == sorted([
        ("杉树完小", "吴五"), ("松林小学", "张三"), ("松林小学", "李四"), ("红星初中", "陈六"), ("红星初中", "刘二"),
        ("青山小学", "钱十一")])
    assert len(suspects) == TOTAL["疑似辍学"]


def not_reported(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["报送情况"] == "未报"]


def test_missing_unit_listed_and_every_unit_timed(county):
    """§21.2: every expected unit with 按时/逾期/未报, due 2026-11-25 (monthly_due_day 25). 杉树完小, 松林小学 and
    红星初中 say 报出日期 2026-11-20 (on time); 青山小学 was typed by hand without 报出日期, so its file time
    counts: 2026-11-26 is after the due day (逾期); 白云小学 sent nothing (未报)."""
    hand = next(p for p in (county / "inbox").iterdir() if "手填" in p.name)
    stamp = dt.datetime(2026, 11, 26, 10, 0).timestamp()
    os.utime(hand, (stamp, stamp))
    run_aggregate(county, MONTH)
    rows = read_sheet(output_path(county), "未报单位", "单位名称")
    assert [(r["单位名称"], r["报送情况"], r["报出日期"], r["日期来源"], r["应报日期"]) for r in rows] == [
        ("杉树完小", "按时", dt.datetime(2026, 11, 20), "报表页脚", dt.datetime(2026, 11, 25)),
        ("松林小学", "按时", dt.datetime(2026, 11, 20), "报表页脚", dt.datetime(2026, 11, 25)),
        ("红星初中", "按时", dt.datetime(2026, 11, 20), "报表页脚", dt.datetime(2026, 11, 25)),
        ("青山小学", "逾期", dt.datetime(2026, 11, 26), "文件修改时间", dt.datetime(2026, 11, 25)),
        ("白云小学", "未报", None, None, dt.datetime(2026, 11, 25))]
    assert [r["单位名称"] for r in not_reported(rows)] == ["白云小学"]


def test_cross_school_check(county):
    run_aggregate(county, MONTH)
    cross = read_sheet(output_path(county), "跨校核对", "核对结果")
    by_name = {r["姓名"]: r for r in cross}
    assert set(by_name) == {"张一", "刘二", "孙十", "张三"}
    # matched transfer: 杉树完小 转出 ↔ 松林小学 转入 (学籍号 typed differently)
    assert by_name["张一"]["核对结果"] == "已接收"
    assert (by_name["张一"]["单位一"], by_name["张一"]["单位二"]) == ("杉树完小", "松林小学")
    # unmatched, overdue 转出 → 去向不明; one with a receipt from outside the county → 辖区外接收
    assert by_name["刘二"]["核对结果"] == "去向不明" and by_name["刘二"]["单位一"] == "红星初中"
    assert by_name["孙十"]["核对结果"] == "辖区外接收"
    # 张三: still 在读 (疑似辍学) at 松林小学 and 转入 at 杉树完小 → 重复学籍 naming both
    assert by_name["张三"]["核对结果"] == "重复学籍"
    assert {by_name["张三"]["单位一"], by_name["张三"]["单位二"]} == {"杉树完小", "松林小学"}
    assert cross[0]["核对结果"] == "重复学籍"  # problems first


def test_wrong_total_is_named_with_its_cell_and_still_counted(county):
    def tamper(rows):
        rows["合计"][0] = 79  # 学年初在校生 of 合计; the grades add up to 78
    write_a(county / "inbox", tamper)
    run_aggregate(county, MONTH)
    problems = read_sheet(output_path(county), "报表校验", "单元格")
    # 月报表: title row 1, info row 2, header rows 3–4, 一年级 5, 二年级 6, 小学小计 7, 合计 8; 学年初在校生 is column B
    named = {(p["文件"], p["单元格"]): p for p in problems}
    rel = "控辍保学月报_杉树完小_2026-11.xlsx"
    assert (rel, "B8") in named
    assert (named[(rel, "B8")]["应为"], named[(rel, "B8")]["实际"]) == ("78", "79")
    assert named[(rel, "B8")]["单位"] == "杉树完小" and named[(rel, "B8")]["工作表"] == "月报表"
    assert {p["文件"] for p in problems} == {rel}  # the other workbooks pass
    # the rates of 合计 no longer agree with its counts (1/78 written, 1/79 from the counts): columns V, W
    assert {(rel, "V8"), (rel, "W8")} <= set(named)
    assert summary_rows(county)["杉树完小"]["学年初在校生"] == 79  # figures still counted
    assert summary_rows(county)["合计"]["学年初在校生"] == TOTAL["学年初在校生"] + 1


def test_broken_balance_and_subtotal_are_named(county):
    def tamper(rows):
        rows["二年级"][10] = 36      # 本月末在校生: 38 − 1 = 37 expected
    write_a(county / "inbox", tamper)
    res = compute_aggregate(county, MONTH)
    cells = {(p.cell, p.expected, p.actual) for p in res.problems}
    assert ("L6", "37", "36") in cells           # balance of 二年级 (本月末在校生 is column L)
    assert ("L7", "77", "78") in cells           # 小学小计 ≠ 一年级 + 二年级
    assert ("L8", "77", "78") in cells           # 合计 ≠ sum of grades


def test_township_to_county_equals_schools_to_county(tmp_path, county):
    run_aggregate(county, MONTH)
    direct = summary_rows(county)["合计"]
    town1 = aggregator(tmp_path, "城关镇", "township", {"杉树完小": ("小学",), "松林小学": ("小学",)})
    town2 = aggregator(tmp_path, "河口乡", "township", {"红星初中": ("初中",), "青山小学": ("小学",)})
    write_a(town1 / "inbox"), write_b(town1 / "inbox"), write_c(town2 / "inbox"), write_d(town2 / "inbox")
    top = aggregator(tmp_path, "示例县教育局2", "county", {"城关镇": (), "河口乡": ()})
    for town in (town1, town2):
        run_aggregate(town, MONTH)
        shutil.copy(output_path(town), top / "inbox")
    run_aggregate(top, MONTH)
    rows = summary_rows(top)
    # §21.4: each township's schools, then its 乡镇小计; the 学段 subtotals; 合计 = Σ the school rows
    assert list(rows) == ["杉树完小", "松林小学", "城关镇小计", "红星初中", "青山小学", "河口乡小计", "小学小计", "初中小计",
                          "合计"]
    assert [rows[u]["所属乡镇"] for u in ("杉树完小", "松林小学", "红星初中", "青山小学")] == ["城关镇", "城关镇", "河口乡",
                                                                                    "河口乡"]
    assert [rows[u]["学段"] for u in ("杉树完小", "红星初中", "青山小学")] == ["小学", "初中", "小学"]
    assert rows["城关镇小计"]["学年初在校生"] == 78 + 50 and rows["河口乡小计"]["学年初在校生"] == 100 + 30
    assert rows["城关镇小计"]["巩固率"] == pytest.approx((77 + 49) / (78 + 50))   # Σ分子 ÷ Σ分母 of the township
    assert rows["小学小计"]["学年初在校生"] == 158 and rows["初中小计"]["年辍学率"] == pytest.approx(0.02)
    assert rows["红星初中"]["巩固率"] == pytest.approx(96 / 98)   # from the township's 指标说明 row of the school
    via_towns = rows["合计"]
    for column, value in TOTAL.items():
        assert via_towns[column] == value == direct[column], column
    for rate, value in TOTAL_RATES.items():
        assert via_towns[rate] == pytest.approx(value, abs=1e-12) and direct[rate] == pytest.approx(value, abs=1e-12)
    # the merged lists keep the school, and 跨校核对 sees the same students either way
    suspects = read_sheet(output_path(top), "疑似辍学名单", "学籍号")
    assert ("松林小学", "李四") in {(r["学校"], r["姓名"]) for r in suspects}
    key = lambda rows: sorted((r["核对结果"], r["姓名"], r["单位一"], r["单位二"]) for r in rows)
    assert key(read_sheet(output_path(top), "跨校核对", "核对结果")) == key(
        read_sheet(output_path(county), "跨校核对", "核对结果"))
    assert read_sheet(output_path(top), "报表校验", "单元格")[0]["单位"] == "收到的月报全部通过校验"


def test_other_month_and_unlisted_unit_and_duplicate(county):
    inbox = county / "inbox"
    rows = school_rows(D_GRADES, D_RETENTION)
    write_monthly_workbook(inbox / "旧" / "青山小学10月.xlsx", "青山小学", "2026-10", rows, (), (), (),
                           indicators_for(rows, D_RETENTION))
    write_monthly_workbook(inbox / "新华小学.xlsx", "新华小学", MONTH, rows, (), (), (), indicators_for(rows, D_RETENTION))
    older = shutil.copy(inbox / "青山小学11月月报（手填）.xlsx", inbox / "青山小学（第一次报送）.xlsx")
    os.utime(older, (1_700_000_000, 1_700_000_000))
    res = compute_aggregate(county, MONTH)
    issues = {(p.unit, p.file): p.issue for p in res.problems}
    assert "不是本月" in issues[("青山小学", "旧/青山小学10月.xlsx")]
    assert "多份月报" in issues[("青山小学", "青山小学（第一次报送）.xlsx")]
    assert "不在应报单位名单中" in issues[("新华小学", "新华小学.xlsx")]
    assert [l.unit for l in res.lines] == ["杉树完小", "松林小学", "红星初中", "青山小学", "新华小学"]
    assert res.total_counts["学年初在校生"] == TOTAL["学年初在校生"] + 30  # the October one is not counted


def test_weekly_workbook_and_check_form_are_named_as_wrong_kind_and_not_counted(county):
    """§21: a school's 周查汇总 and a raw 周查表 in the monthly inbox are named in 报表校验 and not counted;
    the four monthly workbooks still give the hand totals (TOTAL: 学年初在校生 258)."""
    from weekly_fixture import klass, write_weekly_workbook
    inbox = county / "inbox"
    write_weekly_workbook(inbox / "周查汇总_白云小学_2026-W47.xlsx", "白云小学", "2026-W47",
                          [klass("一年级", "1班", 在册人数=500, 应出勤人次=2500, 实出勤人次=2500)])
    check = openpyxl.Workbook()
    check.active.append(["学籍号", "姓名", "周一", "周二", "周三", "周四", "周五"])
    check.active.append(["G1", "张三", None, "旷", None, None, None])
    check.save(inbox / "一年级1班周查表.xlsx")
    res = compute_aggregate(county, MONTH)
    issues = {(p.unit, p.file, p.issue) for p in res.problems}
    assert ("白云小学", "周查汇总_白云小学_2026-W47.xlsx", "是周报（周查汇总），不是月报，未计入汇总") in issues
    assert ("一年级1班周查表", "一年级1班周查表.xlsx", "是学校的周查表（原始考勤表），不是月报，未计入汇总") in issues
    assert [l.unit for l in res.lines] == ["杉树完小", "松林小学", "红星初中", "青山小学"]
    assert res.total_counts["学年初在校生"] == TOTAL["学年初在校生"]
    assert "白云小学" in [s.unit for s in res.states if s.status == "未报"]
    run_aggregate(county, MONTH)
    shown = {(r["文件"], r["问题"]) for r in read_sheet(output_path(county), "报表校验", "单元格")}
    assert ("周查汇总_白云小学_2026-W47.xlsx", "是周报（周查汇总），不是月报，未计入汇总") in shown


def test_summary_for_email(county):
    cfg = load_config(county)
    summary = aggregate_summary(compute_aggregate(county, MONTH), cfg)
    assert (summary.enrolled_start, summary.enrolled_now, summary.dropouts_now, summary.suspected) == (258, 254, 3, 6)
    assert summary.dropout_rate == pytest.approx(3 / 258)
    assert summary.units_reported == 4 and summary.units_missing == ["白云小学"]
    # 小学: 1 current dropout of 158 = 0.63% > 0.60%; 初中: 2 of 100 = 2.00% > 1.80%
    assert "小学年辍学率 0.63%，超过控制线 0.60%" in summary.over_limit
    assert "初中年辍学率 2.00%，超过控制线 1.80%" in summary.over_limit


def test_usage_and_config_errors(tmp_path, county):
    with pytest.raises(UsageError):
        compute_aggregate(county, "2026-13")
    school = tmp_path / "学校"
    (school / "inbox").mkdir(parents=True)
    (school / "kc.toml").write_text('[unit]\nname = "某小学"\nlevel = "school"\n', encoding="utf-8")
    with pytest.raises(UsageError, match="kc monthly"):  # exit 2, naming the school's command
        compute_aggregate(school, MONTH)
    empty = aggregator(tmp_path, "空县", "county", UNITS)
    with pytest.raises(NoInputError):
        compute_aggregate(empty, MONTH)


def test_cli(county):
    runner = CliRunner()
    ok = runner.invoke(aggregate_cmd, ["--dir", str(county), "--month", MONTH])
    assert ok.exit_code == 0, ok.output
    assert "未报单位：白云小学" in ok.output
    bad = runner.invoke(aggregate_cmd, ["--dir", str(county), "--month", "2026/11"])
    assert bad.exit_code == 2


# ---------------------------------------------------------------- end to end: `kc monthly` in three schools


def test_three_schools_monthly_then_county_aggregate(tmp_path):
    """Three real school folders run `kc monthly --month 2026-10` (period 9月21日–10月20日); the county
    aggregates their workbooks. Figures by hand from the events below (§5.2, §8, §13.6–§13.8)."""
    from school import change_sheet, check_sheet, make_workdir, roster_sheet, write
    from kc_batch.app.jobs import run_monthly

    def kid(name, seq, sex):
        birth = D(2017, 1, 1) + dt.timedelta(days=seq)
        return dict(name=name, sex=sex, birth=birth, id=make_id(birth, seq, sex == "男"))

    a = [kid("甲一", 1, "男"), kid("甲二", 2, "女"), kid("甲三", 3, "男"), kid("甲四", 4, "女")]
    b = [kid("乙一", 5, "男"), kid("乙二", 6, "女")]
    c = [kid("丙一", 7, "男"), kid("丙二", 8, "女")]

    def change(s, kind, day, other="", receipt=""):
        return ["G" + s["id"], s["id"], s["name"], "三年级", "1班", kind, day, other, receipt, "", "", ""]

    schools = {}
    for name, roster, changes in (
        ("甲小学", a, [change(a[2], "转出", "2026-10-12", "乙小学", "2026-10-14"), change(a[3], "辍学", "2026-10-09")]),
        ("乙小学", b, [change(a[2], "转入", "2026-10-12", "甲小学")]),
        ("丙小学", c, [change(b[1], "转入", "2026-10-15", "乙小学"), change(c[1], "转出", "2026-09-25", "外县一小")]),
    ):
        wd = make_workdir(tmp_path / name, name=name)
        write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet(f"{name}三年级(1)班学生花名册", roster)})
        write(wd / "inbox" / "学籍变动.xlsx", {"变动": change_sheet(changes)})
        schools[name] = wd
    # 乙二 is absent without leave from 10月9日 on: 9 school days by the cutoff → 疑似辍学 in 乙小学 (§6.3)
    days = [D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10)] + [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)] \
        + [D(2026, 10, 19), D(2026, 10, 20)]
    marks = {"乙二": {d: "旷" for d in days[1:]}}
    write(schools["乙小学"] / "inbox" / "周查表.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", days, marks, b)})

    top = aggregator(tmp_path, "示例县", "county", {"甲小学": ("小学",), "乙小学": ("小学",), "丙小学": ("小学",),
                                                   "丁小学": ("小学",)})
    for name, wd in schools.items():
        outcome = run_monthly(wd, "2026-10")
        shutil.copy(outcome.outputs[0], top / "inbox")
    run_aggregate(top, "2026-10")
    path = top / "out" / "2026-10" / "控辍保学月报汇总_示例县_2026-10.xlsx"
    rows = {r["单位"]: r for r in read_sheet(path, "汇总表", "学年初在校生")}
    # 甲: 4 at 学年初, 甲三 转出 (已接收), 甲四 辍学 → 2; 乙: 2 + 甲三 转入 → 3; 丙: 2 + 乙二 转入 − 丙二 转出 → 2
    expect = {"甲小学": (4, 4, 0, 1, 1, 2, 0, 1), "乙小学": (2, 2, 1, 0, 0, 3, 1, 0), "丙小学": (2, 2, 1, 1, 0, 2, 1, 0),
              "小学小计": (8, 8, 2, 2, 1, 7, 2, 1), "合计": (8, 8, 2, 2, 1, 7, 2, 1)}
    fields = ["学年初在校生", "上月末在校生", "本月转入", "本月转出", "本月辍学", "本月末在校生", "疑似辍学", "当前辍学"]
    assert {u: tuple(r[f] for f in fields) for u, r in rows.items()} == expect
    # 巩固基数: 甲 4 − 甲三 (已接收) = 3, 在读 2; 乙 2 + 甲三 = 3, 在读 3; 丙 2 + 乙二 = 3 (丙二 overdue stays), 在读 2
    assert rows["合计"]["巩固率"] == pytest.approx(7 / 9)
    assert rows["合计"]["年辍学率"] == pytest.approx(1 / 8)
    assert rows["合计"]["可能辍学率"] == pytest.approx(3 / 8)
    assert [r["单位名称"] for r in not_reported(read_sheet(path, "未报单位", "单位名称"))] == ["丁小学"]
    cross = {r["姓名"]: (r["核对结果"], r["单位一"], r["单位二"]) for r in read_sheet(path, "跨校核对", "核对结果")}
    assert cross == {"甲三": ("已接收", "甲小学", "乙小学"), "丙二": ("去向不明", "丙小学", None),
                     "乙二": ("重复学籍", "丙小学", "乙小学")}
    assert read_sheet(path, "报表校验", "单元格")[0]["单位"] == "收到的月报全部通过校验"


def test_county_email_uses_the_aggregate_and_refuses_a_stale_workbook(tmp_path):
    """`kc send` of a 汇总 workbook: figures of the aggregate (with 未报单位), and a refusal once the inbox
    no longer adds up to the attached workbook."""
    import email
    from email import policy
    from kc_batch.cli import main
    test_three_schools_monthly_then_county_aggregate(tmp_path)
    top = tmp_path / "示例县"
    with open(top / "kc.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[mail]\nto = ["jyj@example.cn"]\n')
    res = CliRunner().invoke(main, ["send", "--dir", str(top), "--month", "2026-10"])
    assert res.exit_code == 0, res.output
    msg = email.message_from_bytes((top / "outbox" / "控辍保学月报汇总_示例县_2026-10.eml").read_bytes(),
                                   policy=policy.default)
    assert msg["Subject"] == "【控辍保学月报汇总】示例县 2026年10月"
    body = msg.get_body(("plain",)).get_content()
    # by hand (see the test above): 3 units reported, 丁小学 missing, 8 at 学年初, 7 now, 1 dropout, 2 suspected;
    # 小学 年辍学率 1/8 = 12.50% over 0.60%
    for text in ("已报单位：3 个", "未报单位：丁小学", "学年初在校生：8 人", "本月末在校生：7 人", "当前辍学：1 人",
                 "疑似辍学：2 人", "小学年辍学率 12.50%，超过控制线 0.60%"):
        assert text in body, text
    # a school re-sends a changed workbook after the county aggregated: the 汇总 is stale
    wb = openpyxl.load_workbook(next((top / "inbox").glob("*甲小学*")))
    ws = wb["月报表"]
    for row in ws.iter_rows():
        if row[0].value == "合计":
            row[1].value += 1   # 学年初在校生 of the 合计 row
    wb.save(top / "inbox" / "控辍保学月报_甲小学_2026-10_更正.xlsx")
    for old in (top / "inbox").glob("控辍保学月报_甲小学_2026-10.xlsx"):
        old.unlink()
    res = CliRunner().invoke(main, ["send", "--dir", str(top), "--month", "2026-10", "--resend"])
    assert res.exit_code == 1 and "kc aggregate --month 2026-10" in res.output


def test_townships_missing_school_is_missing_at_the_county(tmp_path):
    """§21.4 (issue 11 item 4): 城关镇 expects 杉树完小, 松林小学 and 第9完小 and receives only the first two,
    so its 未报单位 lists 第9完小. The county expects 城关镇 and 河口乡 and receives both 汇总 workbooks:
    its 未报单位 must still list 第9完小 (所属乡镇 城关镇), and so must the county's email summary."""
    town1 = aggregator(tmp_path, "城关镇", "township",
                       {"杉树完小": ("小学",), "松林小学": ("小学",), "第9完小": ("小学",)})
    town2 = aggregator(tmp_path, "河口乡", "township", {"红星初中": ("初中",), "青山小学": ("小学",)})
    write_a(town1 / "inbox"), write_b(town1 / "inbox"), write_c(town2 / "inbox"), write_d(town2 / "inbox")
    top = aggregator(tmp_path, "示例县", "county", {"城关镇": (), "河口乡": ()})
    for town in (town1, town2):
        run_aggregate(town, MONTH)
        shutil.copy(output_path(town), top / "inbox")
    assert [r["单位名称"] for r in not_reported(read_sheet(output_path(town1), "未报单位", "单位名称"))] == ["第9完小"]
    outcome = run_aggregate(top, MONTH)
    missing = not_reported(read_sheet(output_path(top), "未报单位", "单位名称"))
    assert [(r["单位名称"], r["学段"], r["所属乡镇"]) for r in missing] == [("第9完小", "小学", "城关镇")]
    assert "未报单位：第9完小（城关镇）" in outcome.lines
    summary = aggregate_summary(compute_aggregate(top, MONTH), load_config(top))
    assert summary.units_missing == ["第9完小（城关镇）"]
    # the townships themselves reported: the county's own 已报单位 count is 2
    assert summary.units_reported == 2


def test_a_school_missing_at_its_township_but_sent_to_the_county_is_not_missing(tmp_path):
    """第9完小 is missing at 城关镇 but its own 月报 reached the county's inbox: it reported."""
    town1 = aggregator(tmp_path, "城关镇", "township", {"杉树完小": ("小学",), "第9完小": ("小学",)})
    write_a(town1 / "inbox")
    run_aggregate(town1, MONTH)
    top = aggregator(tmp_path, "示例县", "county", {"城关镇": (), "第9完小": ("小学",)})
    shutil.copy(output_path(town1), top / "inbox")
    rows = school_rows(D_GRADES, D_RETENTION)
    write_monthly_workbook(school_file(top / "inbox", "第9完小"), "第9完小", MONTH, rows, (), D_SUSPECTS, (),
                           indicators_for(rows, D_RETENTION))
    assert compute_aggregate(top, MONTH).missing == []


def test_transfer_inside_its_receipt_deadline_is_waiting_not_unknown(tmp_path):
    """§13.6 (issue 11 item 8), cutoff 2026-11-20, transfer_receipt_days 10, weekdays only:
    王甲 转出 2026-11-16, 状态 待回执 (deadline = 10th school day after = 2026-11-30)  → 待接收;
    李乙 转出 2026-11-18, 状态 left blank by hand (deadline 2026-12-02 > cutoff)       → 待接收;
    赵丙 转出 2026-10-26, 状态 blank (deadline 2026-11-09 < cutoff: overdue)            → 去向不明;
    刘二 (红星初中) 逾期未回执                                                           → 去向不明."""
    d = aggregator(tmp_path, "示例县", "county", {"杉树完小": ("小学",), "红星初中": ("初中",)})
    flows = [
        {"学籍号": "G" + S4, "姓名": "王甲", "年级": "一年级", "班级": "1班", "变动类型": "转出", "变动日期": D(2026, 11, 16),
         "对方学校": "外县某小学", "状态": "待回执"},
        {"学籍号": "G" + S5, "姓名": "李乙", "年级": "一年级", "班级": "1班", "变动类型": "转出", "变动日期": D(2026, 11, 18),
         "对方学校": "外县某小学"},
        {"学籍号": "G" + S6, "姓名": "赵丙", "年级": "一年级", "班级": "1班", "变动类型": "转出", "变动日期": D(2026, 10, 26),
         "对方学校": "外县某小学"},
    ]
    rows = school_rows(A_GRADES, A_RETENTION)
    write_monthly_workbook(school_file(d / "inbox", "杉树完小"), "杉树完小", MONTH, rows, (), (), flows,
                           indicators_for(rows, A_RETENTION))
    write_c(d / "inbox")
    outcome = run_aggregate(d, MONTH)
    cross = {r["姓名"]: r for r in read_sheet(output_path(d), "跨校核对", "核对结果")}
    assert {n: r["核对结果"] for n, r in cross.items()} == {
        "王甲": "待接收", "李乙": "待接收", "赵丙": "去向不明", "刘二": "去向不明", "孙十": "辖区外接收"}
    assert "2026年11月30日" in cross["王甲"]["说明"]
    assert any("待接收 2 人" in line and "去向不明 2 人" in line for line in outcome.lines)


def test_without_month_the_latest_received_month_is_aggregated(county):
    """§11: `kc aggregate` without --month takes the latest month of the received workbooks: with an
    October workbook of 青山小学 added, 2026-11 (the four November ones) is still the one chosen."""
    rows = school_rows(D_GRADES, D_RETENTION)
    write_monthly_workbook(school_file(county / "inbox", "青山小学", "2026-10"), "青山小学", "2026-10", rows, (),
                           D_SUSPECTS, (), indicators_for(rows, D_RETENTION))
    res = CliRunner().invoke(aggregate_cmd, ["--dir", str(county)])
    assert res.exit_code == 0, res.output
    assert summary_rows(county)["合计"]["学年初在校生"] == TOTAL["学年初在校生"]
