"""Layout of the aggregate workbook out/<YYYY-MM>/控辍保学月报汇总_<单位>_<YYYY-MM>.xlsx (SPEC §9.3).

The 汇总表 keeps the 24 leaf columns of 月报表 (with 单位 as first column) and the lists keep their
§9.2 columns plus 学校, so that a township's aggregate is valid input one level up (§9.3).
"""
from __future__ import annotations

from pathlib import Path

from kc_batch.reconcile.aggregate import TOWNSHIP, UNIT, AggregateResult, SummaryRow, unit_dropout_breaches
from kc_batch.rules.timeliness import ReportState
from kc_batch.rules.rates import DEFAULT_FORMULAS, Rate, common_code, dropout_over_limit, retention_under_target
from kc_batch.config import Config
from kc_batch.reconcile.monthly import COUNT_COLUMNS, RATE_COLUMNS
from kc_batch.read.values import cell_text, parse_date
from kc_batch.read.books import GROUP_SUFFIX, LEDGER_SUMMARY_SHEET, stage_scope
from kc_batch.reconcile.ledger_counts import LEDGER_COLUMNS, units_without_classes
from kc_batch.reports.cohort_rows import aggregate_cohort_notes, cohort_indicator_rows
from kc_batch.reports.xlsxform import Column, Sheet, safe_filename, report_meta, write_workbook
from kc_batch.schemas import (AGGREGATE_DROPOUT_FIELDS, AGGREGATE_FLOW_FIELDS, AGGREGATE_GROUPS, AGGREGATE_INDICATOR_COLUMNS,
                              AGGREGATE_SUMMARY_COLUMNS, AGGREGATE_SUSPECT_FIELDS, CASE_COLUMNS, CROSS_COLUMNS,
                              PROBLEM_COLUMNS, STATE_COLUMNS)

# the names this module had before the columns moved to schemas (callers import them from here)
GROUPS = AGGREGATE_GROUPS
SUMMARY_COLUMNS = AGGREGATE_SUMMARY_COLUMNS
LIST_FIELDS, SUSPECT_FIELDS, FLOW_FIELDS = AGGREGATE_DROPOUT_FIELDS, AGGREGATE_SUSPECT_FIELDS, AGGREGATE_FLOW_FIELDS
INDICATOR_COLUMNS = AGGREGATE_INDICATOR_COLUMNS
LEAD = 3   # 单位, 所属乡镇, 学段 before the counts (§21.4)
TOTAL_FORMULA = "Σ各单位分子 ÷ Σ各单位分母（{}）"


def aggregate_path(work_dir: Path, unit: str, month: str) -> Path:
    return Path(work_dir) / "out" / month / f"控辍保学月报汇总_{safe_filename(unit)}_{month}.xlsx"


def _value(part: Rate | None):
    return part.value if part is not None else None


def _unit_label(row: SummaryRow) -> str:
    return f"{row.unit}{GROUP_SUFFIX}" if row.kind == TOWNSHIP else row.unit


def _values(label: str, township: str, stage: str, counts: dict, rate) -> list:
    return [label, township or None, stage or None, *[counts[c] for c in COUNT_COLUMNS], *[rate(n) for n in RATE_COLUMNS]]


def summary_sheet(res: AggregateResult, cfg: Config) -> Sheet:
    """汇总表 (§9.3, §21.4): a row per unit and 学段 (a 九年一贯制 school gives a 小学 and an 初中 row), a
    township's units under its 乡镇小计 row, then 小学小计 / 初中小计 and 合计; every rate Σ分子 ÷ Σ分母 and
    highlighted against its own 学段's limit."""
    rows, highlight, subtotals = [], set(), set()
    over = {id(row) for row, _ in unit_dropout_breaches(res, cfg)}
    dropout_col = LEAD + len(COUNT_COLUMNS) + RATE_COLUMNS.index("年辍学率")
    retention_col = LEAD + len(COUNT_COLUMNS) + RATE_COLUMNS.index("巩固率")
    for row in res.rows:
        index = len(rows)
        township = row.township if row.kind == UNIT else ""
        rows.append(_values(_unit_label(row), township, row.stage, row.counts, row.rate))
        if row.kind == TOWNSHIP:
            subtotals.add(index)
        if id(row) in over:
            highlight.add((index, dropout_col))
        if retention_under_target(row.rate("巩固率"), cfg.policy):
            highlight.add((index, retention_col))
    for stage, counts in res.stage_counts.items():
        parts = res.stage_rates[stage]
        index = len(rows)
        subtotals.add(index)
        rows.append(_values(f"{stage}小计", "", stage, counts, lambda n: _value(parts[n])))
        if dropout_over_limit(stage, _value(parts["年辍学率"]), cfg.policy) is not None:
            highlight.add((index, dropout_col))
        if retention_under_target(_value(parts["巩固率"]), cfg.policy):
            highlight.add((index, retention_col))
    if retention_under_target(_value(res.total_rates["巩固率"]), cfg.policy):
        highlight.add((-1, retention_col))
    total = _values("合计", "", "", res.total_counts, lambda n: _value(res.total_rates[n]))
    notes = [f"已报单位 {len(res.lines)} 个，未报单位 {len(res.missing)} 个（见“未报单位”）。各单位按学段一行（九年一贯制学校分小学、"
             "初中两行，各自对照本学段的控制线），取其月报表的学段小计（只有一个学段的取合计行）；乡镇报来的汇总按学校逐行列出，"
             "其下为该乡镇小计；小学小计、初中小计为本学段各单位之和，合计为各单位之和。所有比率由分子、分母分别相加后重新计算"
             "（Σ分子 ÷ Σ分母），不是比率的平均，分子、分母见“指标说明”。"] + res.notes
    return Sheet("汇总表", f"{res.unit_name}控辍保学月报汇总表", SUMMARY_COLUMNS, rows, total_row=total,
                 subtotal_rows=subtotals, highlight=highlight, period=res.period_text, notes=notes,
                 empty_text="本月没有收到任何单位的月报")


def _list_rows(records: list[dict], fields: list[tuple[str, str]]) -> list[list]:
    rows = []
    for number, record in enumerate(records, start=1):
        row = [number, cell_text(record.get("学校")) or None]
        for name, kind in fields:
            value = record.get(name)
            if kind == "date":
                row.append(parse_date(value) or (cell_text(value) or None))
            elif kind in ("int", "num"):
                row.append(value)
            else:
                row.append(cell_text(value) or None)
        rows.append(row)
    return rows


def _blank_none(values: list) -> list:
    """Empty texts as empty cells, not as zero-length strings."""
    return [None if v == "" else v for v in values]


def _list_columns(fields: list[tuple[str, str]]) -> list[Column]:
    return [Column("序号", "int"), Column("学校")] + [Column(name, kind) for name, kind in fields]


def dropout_sheet(res: AggregateResult) -> Sheet:
    return Sheet("辍学学生名单", f"{res.unit_name}辍学学生名单（汇总）", _list_columns(LIST_FIELDS),
                 _list_rows(res.dropouts, LIST_FIELDS), period=res.period_text, empty_text="本月无辍学学生（零报告）")


def suspect_sheet(res: AggregateResult) -> Sheet:
    return Sheet("疑似辍学名单", f"{res.unit_name}疑似辍学学生名单（汇总）", _list_columns(SUSPECT_FIELDS),
                 _list_rows(res.suspects, SUSPECT_FIELDS), period=res.period_text, empty_text="本月无疑似辍学学生")


def flow_sheet(res: AggregateResult) -> Sheet:
    columns = [Column("学校")] + [Column(name, kind) for name, kind in FLOW_FIELDS]
    rows = [row[1:] for row in _list_rows(res.flows, FLOW_FIELDS)]
    return Sheet("学生流动", f"{res.unit_name}学生流动情况（汇总）", columns, rows, period=res.period_text,
                 empty_text="本月无转入、转出学生")


def state_sheet(unit_name: str, states: list[ReportState], period: str, what: str) -> Sheet:
    rows = [[i, s.unit, s.code or None, s.stages or None, s.township or None, s.status, s.day, s.source or None, s.due]
            for i, s in enumerate(states, start=1)]
    missing = sum(1 for s in states if s.status == "未报")
    late = sum(1 for s in states if s.status == "逾期")
    notes = [f"应报单位 {len(states)} 个：按时 {len(states) - missing - late} 个，逾期 {late} 个，未报 {missing} 个。"
             f"报出日期取{what}页脚的“报出日期”，没有时取文件的修改时间；晚于应报日期为逾期。"
             "所属乡镇一栏为乡镇汇总报来的单位。"]
    return Sheet("未报单位", f"{unit_name}{what}报送情况（未报单位）", STATE_COLUMNS, rows, period=period, notes=notes,
                 empty_text="没有设置应报单位名单")


def missing_sheet(res: AggregateResult) -> Sheet:
    """未报单位 with 按时/逾期/未报 for every expected unit, a township's rows carried up (§21.2, §21.4)."""
    return state_sheet(res.unit_name, res.states, res.period_text, "月报")


CASE_FIELDS = [(c.header, c.kind) for c in CASE_COLUMNS]


def case_sheet(res: AggregateResult) -> Sheet:
    """劝返台账 merged with a 学校 column, so that one level up can make its 季评 (§21.3)."""
    return Sheet("劝返台账", f"{res.unit_name}辍学学生劝返复学台账（汇总）", _list_columns(CASE_FIELDS),
                 _list_rows(res.cases, CASE_FIELDS), period=res.period_text, empty_text="本月没有劝返台账")


def cross_sheet(res: AggregateResult) -> Sheet:
    rows = [[i, *_blank_none([r.result, r.xjh, r.name, r.grade, r.unit1, r.record1, r.unit2, r.record2, r.remark])]
            for i, r in enumerate(res.cross, start=1)]
    return Sheet("跨校核对", f"{res.unit_name}跨校学籍核对", CROSS_COLUMNS, rows, period=res.period_text,
                 empty_text="本月没有跨校转学或重复学籍",
                 notes=["已接收：一校转出、另一校转入，记录一致；待接收：转出尚在回执期限内，还没有对应转入；"
                        "去向不明：转出已逾期未回执，收到的月报中没有对应转入；"
                        "辖区外接收：对方学校不在本次汇总范围内且已有接收回执；重复学籍：同一学生在两个单位同时在读。"])


def problem_sheet(res: AggregateResult) -> Sheet:
    rows = [_blank_none([p.unit, p.file, p.sheet, p.cell, p.issue, p.expected, p.actual]) for p in res.problems]
    return Sheet("报表校验", f"{res.unit_name}收到的月报校验结果", PROBLEM_COLUMNS, rows, period=res.period_text,
                 empty_text="收到的月报全部通过校验")


def _indicator_rows(scope: str, parts: dict[str, Rate | None], total: bool) -> list[list]:
    rows = []
    for name in RATE_COLUMNS:
        part = parts.get(name)
        if part is None:
            rows.append([scope, name, "缺少分子、分母，无法计算", None, None, None, "", ""])
            continue
        formula = part.formula or DEFAULT_FORMULAS[name]
        if total:
            formula = TOTAL_FORMULA.format(DEFAULT_FORMULAS[name])
        rows.append([scope, name, formula, part.numerator, part.denominator, part.value, part.basis, part.code])
    return rows


def _common_basis(res: AggregateResult, name: str) -> str:
    bases = {l.rates[name].basis for l in res.lines if l.rates[name] is not None and l.rates[name].basis}
    return bases.pop() if len(bases) == 1 else ("各单位口径不一致，见各单位行" if bases else "")


def indicator_sheet(res: AggregateResult) -> Sheet:
    rows = []
    split = {(r.unit, r.township) for r in res.rows if r.kind == UNIT and r.stage
             and sum(1 for o in res.rows if o.kind == UNIT and (o.unit, o.township) == (r.unit, r.township)) > 1}
    for row in res.rows:
        scope = stage_scope(row.unit, row.stage) if (row.unit, row.township) in split else _unit_label(row)
        rows += _indicator_rows(scope, row.rates, total=False)
    for stage, parts in res.stage_rates.items():
        rows += _indicator_rows(f"{stage}小计", _with_basis(res, parts), total=True)
    rows += _indicator_rows("合计", _with_basis(res, res.total_rates), total=True)
    rows += cohort_indicator_rows(res.cohort)
    return Sheet("指标说明", f"{res.unit_name}控辍保学月报汇总指标说明", INDICATOR_COLUMNS, rows, period=res.period_text,
                 notes=["汇总比率 = 各单位分子之和 ÷ 各单位分母之和；各单位的分子、分母取自其月报“指标说明”的合计行，"
                        "没有指标说明的单位按人数计算年辍学率和可能辍学率（学年初在校生为分母）。",
                        *aggregate_cohort_notes(res.cohort)],
                 say_once=("口径",))


def _with_basis(res: AggregateResult, parts: dict[str, Rate | None]) -> dict[str, Rate | None]:
    return {name: (Rate(p.numerator, p.denominator, p.formula, _common_basis(res, name), _common_code(res, name))
                   if p is not None else None) for name, p in parts.items()}


def _common_code(res: AggregateResult, name: str) -> str:
    return common_code(l.rates[name].code for l in res.lines if l.rates[name] is not None)


NOT_GIVEN = "未报"


def ledger_sheet(res: AggregateResult) -> Sheet:
    """台账汇总 (§20): one row per unit, 合计 last; read back one level up by read/books.py."""
    columns = [Column("单位")] + [Column(c, "int") for c in LEDGER_COLUMNS]
    rows = [[l.unit] + [NOT_GIVEN if l.values[c] is None else l.values[c] for c in LEDGER_COLUMNS]
            for l in res.ledger[:-1]]
    total = res.ledger[-1] if res.ledger else None
    notes = ["建档立卡在校、残疾在校、送教上门：各单位月报表合计（截止日在读）；班级数、无辍学班：各单位月报“责任落实”表的班主任行"
             "（本期内没有学生辍学或疑似辍学的班级为无辍学班）。"]
    missing = units_without_classes(res.ledger)
    if missing:
        notes.append(f"以下单位的月报没有“责任落实”表，班级数、无辍学班未报，未计入合计：{'、'.join(missing)}。")
    return Sheet(LEDGER_SUMMARY_SHEET, f"{res.unit_name}控辍保学台账汇总", columns, rows,
                 total_row=[total.unit] + [total.values[c] for c in LEDGER_COLUMNS] if total and rows else None,
                 period=res.period_text, notes=notes, empty_text="没有收到月报")


def write_aggregate(work_dir: Path, cfg: Config, res: AggregateResult) -> Path:
    sheets = [summary_sheet(res, cfg), dropout_sheet(res), suspect_sheet(res), missing_sheet(res), cross_sheet(res),
              problem_sheet(res), flow_sheet(res), case_sheet(res), indicator_sheet(res), ledger_sheet(res)]
    meta = report_meta(cfg, res.month)
    return write_workbook(aggregate_path(work_dir, cfg.unit.name, res.month), sheets, meta)
