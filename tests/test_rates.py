"""The §8 rates, their 口径 and limits (kc_batch/rules/rates.py), on plain numbers; and the 口径代码
that kc aggregate reads instead of the 口径 sentence (§13.16)."""
from __future__ import annotations

import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from kc_batch.cli import main
from kc_batch.config import Policy
from kc_batch.config import RateOptions
from kc_batch.rules.rates import (Basis, Rate, basis_of, common_code, count_rates, dropout_rates, rate_breaches,
                                  retention_rate, sum_rates)


# ---------------------------------------------------------------- formulas, both [policy.rates] options

def test_default_basis_rates():
    """当前辍学 2, 休学 1, 疑似辍学 3, 学年初在校生 100, 调整基数 90; default 口径:
    年辍学率 = 2 ÷ 100, 可能辍学率 = (2 + 3) ÷ 100 (休学 and 调整基数 play no part)."""
    r = dropout_rates(2, 1, 3, 100, 90, Basis())
    assert (r["年辍学率"].numerator, r["年辍学率"].denominator) == (2, 100)
    assert (r["可能辍学率"].numerator, r["可能辍学率"].denominator) == (5, 100)
    assert r["年辍学率"].value == pytest.approx(0.02)
    assert r["年辍学率"].formula == "当前辍学人数 ÷ 学年初在校生"
    assert r["年辍学率"].code == "denominator=学年初在校生;xiuxue=0"
    assert r["年辍学率"].basis == "分母：学年初在校生；休学不计入辍学"


def test_liangji_and_adjusted_denominator():
    """Same counts, 休学 counted as dropout (两基口径) and denominator 调整基数:
    年辍学率 = (2 + 1) ÷ 90, 可能辍学率 = (2 + 1 + 3) ÷ 90."""
    basis = Basis.of(RateOptions(count_xiuxue_as_dropout=True, denominator="调整基数"))
    r = dropout_rates(2, 1, 3, 100, 90, basis)
    assert (r["年辍学率"].numerator, r["年辍学率"].denominator) == (3, 90)
    assert (r["可能辍学率"].numerator, r["可能辍学率"].denominator) == (6, 90)
    assert r["年辍学率"].formula == "当前辍学人数＋当前休学人数 ÷ 调整基数（学年初在校生＋学年内转入－转出－死亡）"
    assert r["年辍学率"].code == "denominator=调整基数;xiuxue=1"
    only_xiuxue = dropout_rates(2, 1, 3, 100, 90, Basis(count_xiuxue=True))
    assert (only_xiuxue["年辍学率"].numerator, only_xiuxue["年辍学率"].denominator) == (3, 100)


def test_zero_denominators_give_empty_cells():
    assert dropout_rates(0, 0, 0, 0, 0, Basis())["年辍学率"].value is None
    assert retention_rate(0, 0, Basis()).value is None
    assert Rate(1, 0).value is None
    assert sum_rates([Rate(0, 0), Rate(0, 0)]).value is None
    assert sum_rates([Rate(1, 4), None]) is None and sum_rates([]) is None


def test_sums_are_ratios_of_sums_not_averages():
    """1/4 and 1/100: Σ = 2/104 (0.0192…), not the mean of 25% and 1% (13%)."""
    total = sum_rates([Rate(1, 4), Rate(1, 100)])
    assert (total.numerator, total.denominator) == (2, 104)
    assert total.value == pytest.approx(2 / 104)


def test_count_rates_use_the_default_basis():
    r = count_rates({"当前辍学": 1, "疑似辍学": 2, "学年初在校生": 50})
    assert (r["年辍学率"].numerator, r["年辍学率"].denominator, r["可能辍学率"].numerator) == (1, 50, 3)
    assert "巩固率" not in r  # 巩固率 cannot come from the counts


# ---------------------------------------------------------------- 口径代码

@pytest.mark.parametrize("basis", [Basis(), Basis("调整基数"), Basis(count_xiuxue=True), Basis("调整基数", True)])
def test_code_round_trip(basis):
    assert Basis.from_code(basis.code) == basis
    assert basis_of(basis.code, "whatever the sentence says") == basis


def test_fallback_to_the_sentence_of_an_older_workbook():
    assert basis_of("", "分母：调整基数；休学计入辍学；统计截止日：每月20日") == Basis("调整基数", True)
    assert basis_of("", "分母：学年初在校生；休学不计入辍学；统计截止日：每月20日").is_default
    assert basis_of("", "两基口径").count_xiuxue
    assert basis_of("", "").is_default


def test_mixed_and_bad_codes():
    assert common_code(["denominator=学年初在校生;xiuxue=0"] * 2) == "denominator=学年初在校生;xiuxue=0"
    assert common_code(["denominator=学年初在校生;xiuxue=0", "denominator=调整基数;xiuxue=0"]) == "mixed"
    assert common_code(["", ""]) == ""
    assert basis_of("mixed", "分母：学年初在校生") is None
    assert Basis.from_code("denominator=别的;xiuxue=0") is None and Basis.from_code("乱写") is None


def test_aggregate_judges_the_basis_by_the_code():
    """kc aggregate checks a rate cell against 当前辍学 ÷ 学年初在校生 only under the default 口径;
    a 汇总 row of units with different 口径 (mixed) is checked against its own 分子 ÷ 分母."""
    from kc_batch.read.books import Indicator
    from kc_batch.reconcile.aggregate import default_basis
    assert default_basis(Indicator("合计", "年辍学率", 1, 9, code="denominator=学年初在校生;xiuxue=0"))
    assert not default_basis(Indicator("合计", "年辍学率", 1, 9, basis="分母：学年初在校生", code="denominator=调整基数;xiuxue=0"))
    assert not default_basis(Indicator("合计", "年辍学率", 1, 9, basis="各单位口径不一致，见各单位行", code="mixed"))
    assert default_basis(Indicator("合计", "年辍学率", 1, 9, basis="分母：学年初在校生；休学不计入辍学"))


# ---------------------------------------------------------------- limits

def test_limits_are_strict_and_per_stage():
    """Defaults: 小学 0.6%, 初中 1.8%, 巩固率 98%. At the limit is not over it."""
    policy = Policy()
    assert rate_breaches("一年级", "小学", 0.006, 0.98, policy) == []
    assert rate_breaches("一年级", "小学", 0.0061, 0.9799, policy) == [
        ("年辍学率", "一年级年辍学率 0.61%，超过控制线 0.60%"), ("巩固率", "一年级巩固率 97.99%，低于目标 98.00%")]
    assert rate_breaches("七年级", "初中", 0.0061, None, policy) == []
    assert rate_breaches("合计", None, 0.5, None, policy) == []   # no 学段, no dropout limit
    assert rate_breaches("合计", None, None, None, policy) == []  # empty cells breach nothing


# ---------------------------------------------------------------- the aggregate reads the code, not the prose

def _adjusted_school_workbook(tmp_path):
    from test_monthly import build, run_month
    extra = '\n[policy]\nrates = { count_xiuxue_as_dropout = false, denominator = "调整基数" }\n'
    return run_month(build(tmp_path, extra), "2026-11")


def _rewrite_indicators(path, sentence=None, drop_code=False):
    """The 口径 sentence is said once, in a note “口径：…” below the table (issue 13); the clerk rewrites
    that note; 口径代码 stays a column of the table."""
    wb = openpyxl.load_workbook(path)
    ws = wb["指标说明"]
    header = next(r for r in ws.iter_rows(min_row=1, max_row=8) if any(c.value == "口径代码" for c in r))
    col = {c.value: c.column for c in header}
    notes = [c for row in ws.iter_rows(min_row=header[0].row + 1) for c in row[:1]
             if isinstance(c.value, str) and c.value.startswith("口径：")]
    assert len(notes) == 1
    if sentence is not None:
        notes[0].value = "口径：" + sentence if sentence else None
    if drop_code:
        ws.delete_cols(col["口径代码"])
    wb.save(path)


def _aggregate(tmp_path, path):
    from test_aggregate import aggregator, read_sheet
    top = aggregator(tmp_path, "示例乡", "township", {"示例小学": ("小学",)})
    shutil.copy(path, top / "inbox")
    res = CliRunner().invoke(main, ["aggregate", "--dir", str(top), "--month", "2026-11"])
    assert res.exit_code == 0, res.output
    out = top / "out" / "2026-11" / "控辍保学月报汇总_示例乡_2026-11.xlsx"
    return {r["单位"]: r for r in read_sheet(out, "汇总表", "学年初在校生")}, read_sheet(out, "报表校验", "单元格")


def test_aggregate_reads_the_code_when_the_sentence_is_rewritten(tmp_path):
    """The school of test_monthly under 调整基数: 合计 年辍学率 = 1 ÷ 9 (调整基数 9, 学年初在校生 10).
    A clerk rewrites every 口径 cell in their own words: the 口径代码 still says 调整基数, so the
    rate cells are checked against 指标说明's 分子 ÷ 分母 and pass (with the sentence alone they would
    be checked against 当前辍学 ÷ 学年初在校生 = 1/10 and named)."""
    path = _adjusted_school_workbook(tmp_path)
    ws = openpyxl.load_workbook(path)["指标说明"]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    header = next(r for r in grid if "口径代码" in r)
    assert header[-2:] == ["数值", "口径代码"]  # the 口径 sentence is said once below the table (issue 13)
    codes = {r[header.index("口径代码")] for r in grid[grid.index(header) + 1:] if r[1] in ("年辍学率", "可能辍学率", "巩固率")}
    assert codes == {"denominator=调整基数;xiuxue=0"}
    _rewrite_indicators(path, sentence="按县局要求的口径")
    rows, problems = _aggregate(tmp_path, path)
    assert rows["合计"]["年辍学率"] == pytest.approx(1 / 9)
    assert problems[0]["单位"] == "收到的月报全部通过校验"


def test_older_workbook_without_the_code_falls_back_to_the_sentence(tmp_path):
    path = _adjusted_school_workbook(tmp_path)
    _rewrite_indicators(path, drop_code=True)
    rows, problems = _aggregate(tmp_path, path)
    assert rows["合计"]["年辍学率"] == pytest.approx(1 / 9)
    assert problems[0]["单位"] == "收到的月报全部通过校验"


def test_without_code_or_sentence_the_default_basis_is_assumed(tmp_path):
    """Neither says 调整基数: the default 口径 is assumed and the 年辍学率 cells (1/9 under 调整基数)
    are named against 当前辍学 ÷ 学年初在校生."""
    path = _adjusted_school_workbook(tmp_path)
    _rewrite_indicators(path, sentence="", drop_code=True)
    _, problems = _aggregate(tmp_path, path)
    assert any(p["问题"] == "合计“年辍学率”与当前辍学÷学年初在校生不符" for p in problems)
