"""Layout of the 季评 workbook out/<YYYY-Qn>/控辍保学季评_<单位>_<YYYY-Qn>.xlsx (SPEC §21.3), through the
form writer: 季评表 (one row per unit: the figures, 达标 and a rank on each), 季评汇总 (先进 and 约谈 with
their reasons), 报表校验 (of every month's received workbooks) and 指标说明 (formulas and the rules).
"""
from __future__ import annotations

from pathlib import Path

from kc_batch.config import Config
from kc_batch.reconcile.quarter import (EXCELLENT, FAIL, INTERVIEW, PASS, QuarterResult, QuarterUnit, month_cn,
                                        return_parts, timely_parts)
from kc_batch.reports.aggregate_book import PROBLEM_COLUMNS, _blank_none
from kc_batch.reports.xlsxform import Column, Sheet, report_meta, safe_filename, write_workbook

NOT_RATED = "—"
EVAL_COLUMNS = [
    Column("单位"), Column("学段"),
    Column("年辍学率", "percent", group="年辍学率"), Column("辍学率达标", group="年辍学率"),
    Column("辍学率排名", "int", group="年辍学率"),
    Column("巩固率", "percent", group="巩固率"), Column("巩固率达标", group="巩固率"), Column("巩固率排名", "int", group="巩固率"),
    Column("疑似辍学", "int", group="疑似辍学"), Column("疑似排名", "int", group="疑似辍学"),
    Column("新开台账", "int", group="劝返复学"), Column("返校销号", "int", group="劝返复学"),
    Column("劝返成功率", "percent", group="劝返复学"), Column("成功率排名", "int", group="劝返复学"),
    Column("应报", "int", group="报送"), Column("按时", "int", group="报送"), Column("逾期", "int", group="报送"),
    Column("未报", "int", group="报送"), Column("报送及时率", "percent", group="报送"), Column("及时率排名", "int", group="报送"),
    Column("去向不明", "int"), Column("评定"), Column("说明", width=40),
]
VERDICT_COLUMNS = [Column("类别"), Column("序号", "int"), Column("单位"), Column("学段"), Column("理由", width=60)]


def quarter_path(work_dir: Path, unit: str, quarter: str) -> Path:
    return Path(work_dir) / "out" / quarter / f"控辍保学季评_{safe_filename(unit)}_{quarter}.xlsx"


def _ok(flag: bool | None) -> str:
    return NOT_RATED if flag is None else (PASS if flag else FAIL)


def _row(u: QuarterUnit) -> list:
    r = u.ranks
    return [u.unit, u.stages or None, u.dropout, _ok(u.dropout_ok), r["年辍学率"], u.retention,
            _ok(u.retention_ok), r["巩固率"], u.suspects, r["疑似辍学"], u.opened, u.returned, u.return_rate,
            r["劝返成功率"], u.due, u.on_time, u.late, u.missing, u.timely_rate, r["报送及时率"], u.unresolved,
            u.verdict or None, "；".join(u.reasons) or None]


def eval_sheet(res: QuarterResult, cfg: Config) -> Sheet:
    rows = [_row(u) for u in res.units]
    highlight = set()
    for index, u in enumerate(res.units):
        if u.dropout_ok is False:
            highlight.add((index, 2))
        if u.retention_ok is False:
            highlight.add((index, 5))
    back, timely = return_parts(res.units), timely_parts(res.units)
    total = ["合计", None, None, None, None, None, None, None, sum(u.suspects or 0 for u in res.units), None,
             back.denominator, back.numerator, back.value, None, timely.denominator, timely.numerator,
             sum(u.late for u in res.units), sum(u.missing for u in res.units), timely.value, None,
             sum(u.unresolved for u in res.units), None, None]
    notes = [f"评定月：{month_cn(res.month)}（巩固率、年辍学率、疑似辍学取该月月报汇总；年辍学率按各学段分别对照控制线"
             f"{_limits(cfg)}，巩固率目标 {cfg.policy.retention_rate_target:.2%}）。排名 1 为最好，数值相同名次相同，"
             "无数值不排名。合计行的劝返成功率、报送及时率为 Σ分子 ÷ Σ分母。"] + res.notes
    return Sheet("季评表", f"{res.unit_name}控辍保学月报季评表（{_quarter_text(res.quarter)}）", EVAL_COLUMNS, rows,
                 total_row=total, highlight=highlight, period=res.period_text, notes=notes,
                 empty_text="没有应评定的单位", count_unit=None)


def verdict_sheet(res: QuarterResult, cfg: Config) -> Sheet:
    rows, rules = [], cfg.policy.quarter
    for verdict in (EXCELLENT, INTERVIEW):
        units = res.of(verdict)
        for i, u in enumerate(units, start=1):
            why = "巩固率、年辍学率均达标，无逾期、未报，无去向不明学生" if verdict == EXCELLENT else "；".join(u.reasons)
            rows.append([verdict, i, u.unit, u.stages or None, why])
        if not units:
            rows.append([verdict, None, "（无）", None, None])
    notes = [f"先进：巩固率、年辍学率（各学段）均达标，逾期不超过 {rules.excellent_max_late} 次且无未报，无去向不明学生"
             + (f"，劝返成功率不低于 {rules.excellent_min_return_rate:.2%}" if rules.excellent_min_return_rate else "")
             + "。约谈：任一指标未达标，或有去向不明学生未落实"
             + ("，或评定月月报未报" if rules.interview_missing_last_month else "") + "。"]
    return Sheet("季评汇总", f"{res.unit_name}控辍保学季评汇总（{_quarter_text(res.quarter)}）", VERDICT_COLUMNS, rows,
                 period=res.period_text, notes=notes, count_unit=None)


def problem_sheet(res: QuarterResult) -> Sheet:
    rows = [_blank_none([p.unit, p.file, p.sheet, p.cell, p.issue, p.expected, p.actual]) for p in res.problems]
    return Sheet("报表校验", f"{res.unit_name}收到的月报校验结果（{_quarter_text(res.quarter)}）", PROBLEM_COLUMNS, rows,
                 period=res.period_text, empty_text="收到的月报全部通过校验")


INDICATORS = [
    ("年辍学率", "评定月月报汇总的 Σ当前辍学 ÷ Σ学年初在校生（按各单位指标说明的分子、分母）；各学段分别对照控制线"),
    ("巩固率", "评定月月报汇总的 Σ巩固基数中在读人数 ÷ Σ巩固基数；不低于目标为达标"),
    ("疑似辍学", "评定月月报汇总的疑似辍学人数"),
    ("劝返成功率", "本季度开立的劝返台账中，截至评定月截止日因学生返校而销号（已销号，销号原因为返校）的件数 ÷ 本季度开立的件数；"
              "转出回执、死亡销号不算劝返成功"),
    ("报送及时率", "按时报送的月报份数 ÷ 应报份数（本季度至评定月每月一份；未报计入应报）"),
    ("去向不明", "评定月跨校核对中本单位转出、逾期未回执且汇总范围内无对应转入的学生"),
]


def indicator_sheet(res: QuarterResult) -> Sheet:
    return Sheet("指标说明", f"{res.unit_name}控辍保学季评指标说明", [Column("指标"), Column("公式", width=70)],
                 [list(r) for r in INDICATORS], period=res.period_text, count_unit=None)


def _quarter_text(quarter: str) -> str:
    year, q = quarter.split("-Q")
    return f"{year}年第{q}季度"


def _limits(cfg: Config) -> str:
    return "（" + "，".join(f"{s} {v:.2%}" for s, v in cfg.policy.dropout_rate_limit.items()) + "）"


def write_quarter(work_dir: Path, cfg: Config, res: QuarterResult) -> Path:
    sheets = [eval_sheet(res, cfg), verdict_sheet(res, cfg), problem_sheet(res), indicator_sheet(res)]
    return write_workbook(quarter_path(work_dir, cfg.unit.name, res.quarter), sheets, report_meta(cfg, res.month))
