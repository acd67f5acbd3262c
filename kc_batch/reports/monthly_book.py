"""Layout of the monthly workbook out/<YYYY-MM>/控辍保学月报_<单位>_<YYYY-MM>.xlsx (SPEC §9.2)."""
from __future__ import annotations

from pathlib import Path

from kc_batch.calendar import SchoolCalendar
from kc_batch.config import Config
from kc_batch.event_types import balance_text
from kc_batch.reconcile.monthly import COUNT_COLUMNS, LEAF_COLUMNS, RATE_COLUMNS, MonthlyResult, rate_limit_breaches
from kc_batch.reports.cohort_rows import cohort_indicator_rows, cohort_notes
from kc_batch.reports.warning_review_sheets import warning_sheets
from kc_batch.reports.weekly_book import case_log_text, error_sheet, student_cells
from kc_batch.schemas import (CASE_COLUMNS, CHART_DATA_COLUMNS, DROPOUT_LIST_COLUMNS, FLOW_COLUMNS, INDICATOR_COLUMNS,
                              MONTHLY_REPORT_COLUMNS, SUSPECT_LIST_COLUMNS)
from kc_batch.reports.xlsxform import ChartSpec, Sheet, safe_filename, report_meta, write_workbook

LIST_COLUMNS, SUSPECT_COLUMNS = DROPOUT_LIST_COLUMNS, SUSPECT_LIST_COLUMNS
ZERO_REPORT = "本月无辍学学生（零报告）"


def monthly_path(work_dir: Path, unit: str, month: str) -> Path:
    return Path(work_dir) / "out" / month / f"控辍保学月报_{safe_filename(unit)}_{month}.xlsx"


def period_text(res: MonthlyResult) -> str:
    a, b = res.start, res.cutoff
    return f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日"


def report_sheet(res: MonthlyResult, cfg: Config) -> Sheet:
    columns = MONTHLY_REPORT_COLUMNS
    rows, subtotals, highlight = [], set(), set()
    breaches = {(id(row), col) for row, col, _ in rate_limit_breaches(res, cfg)}
    body = res.rows[:-1]
    for row in body:
        if row.kind == "stage":
            subtotals.add(len(rows))
        rows.append(_values(row))
        for col in RATE_COLUMNS:
            if (id(row), col) in breaches:
                highlight.add((len(rows) - 1, 1 + LEAF_COLUMNS.index(col)))
    total = res.rows[-1]
    for col in RATE_COLUMNS:
        if (id(total), col) in breaches:
            highlight.add((-1, 1 + LEAF_COLUMNS.index(col)))
    notes = [f"本表以{res.cutoff.month}月{res.cutoff.day}日的数字为准；本月增减为 {period_text(res)} 期间发生的学籍变动。",
             f"每行满足：{balance_text('上月末在校生', '本月末在校生', COUNT_COLUMNS)}。",
             f"比率口径：{res.options_text}。红色为超过控制线或低于目标的比率；各比率的分子、分母见“指标说明”。"]
    return Sheet("月报表", f"{cfg.unit.name}控辍保学动态管理月报表", columns, rows, total_row=_values(total),
                 subtotal_rows=subtotals, highlight=highlight, period=period_text(res), notes=notes)


def _values(row) -> list:
    c = row.figures.counts
    return [row.label] + [c[k] for k in COUNT_COLUMNS] + [row.rates[k].value for k in RATE_COLUMNS]


def _student_cells(i, s, date, reason, responsible, case) -> list:
    xjh, name, grade, class_name = student_cells(s)
    return [i, xjh, name, s.sex, grade, class_name, date, reason, s.attrs.get("guardian", ""),
            s.attrs.get("phone", ""), s.attrs.get("address", ""), s.categories(), responsible,
            len(case.log) if case else 0, case_log_text(case)]


PAST_YEAR_DROPOUT = "往年辍学"


def dropout_sheet(res: MonthlyResult, cfg: Config, word: str = "本月") -> Sheet:
    """word: the period as the empty list says it (本月, 本学期末)."""
    rows = []
    for i, (s, e, case) in enumerate(res.dropouts, start=1):
        responsible = e.responsible or (case.responsible if case else "") or s.attrs.get("teacher", "")
        cells = _student_cells(i, s, e.date, e.reason, responsible, case)
        if e.date < res.state.cal.first_school_day:  # §15.2: still out from an earlier 学年
            cells[11] = "、".join(filter(None, [PAST_YEAR_DROPOUT, cells[11]]))
        rows.append(cells)
    return Sheet("辍学学生名单", f"{cfg.unit.name}辍学学生名单", LIST_COLUMNS, rows, period=period_text(res),
                 empty_text=ZERO_REPORT.replace("本月", word))


def suspect_sheet(res: MonthlyResult, cfg: Config, cases_by_key: dict) -> Sheet:
    rows = []
    for i, (s, reason, streak, since) in enumerate(res.suspects, start=1):
        case = cases_by_key.get(s.key)
        responsible = (case.responsible if case else "") or s.attrs.get("teacher", "")
        rows.append(_student_cells(i, s, since, "", responsible, case) + [streak, reason])
    return Sheet("疑似辍学名单", f"{cfg.unit.name}疑似辍学学生名单", SUSPECT_COLUMNS, rows, period=period_text(res),
                 empty_text="本月无疑似辍学学生")


def ledger_sheet(res: MonthlyResult, cfg: Config, word: str = "本月") -> Sheet:
    rows = []
    for s, c in res.cases:
        state = c.state_at(res.cutoff)
        closed = c.closed if c.closed and c.closed <= res.cutoff else None
        rows.append([*student_cells(s), c.opened, c.category, c.reason, c.responsible or s.attrs.get("teacher", ""), state,
                     c.back_since, closed, c.close_reason if closed else "", len(c.log), case_log_text(c),
                     s.attrs.get("guardian", ""), s.attrs.get("phone", "")])
    n = res.case_counts
    notes = [f"{word}新增 {n['新增']} 件，销号 {n['销号']} 件，仍在办（含观察中）{n['仍在办']} 件。"]
    return Sheet("劝返台账", f"{cfg.unit.name}辍学学生劝返复学台账", CASE_COLUMNS, rows, period=period_text(res),
                 notes=notes, empty_text=f"{word}没有劝返台账")


def flow_sheet(res: MonthlyResult, cfg: Config) -> Sheet:
    rows = [[*student_cells(s), e.type, e.date, e.other_school, e.receipt_date, status] for s, e, status in res.flows]
    return Sheet("学生流动", f"{cfg.unit.name}学生流动情况", FLOW_COLUMNS, rows, period=period_text(res),
                 empty_text="本月没有转入、转出学生")


def indicator_sheet(res: MonthlyResult, cfg: Config) -> Sheet:
    rows = []
    for row in res.rows:
        for name in RATE_COLUMNS:
            r = row.rates[name]
            rows.append([row.label, name, r.formula, r.numerator, r.denominator, r.value, r.basis, r.code])
    cohort = res.cohort.rows if res.cohort is not None else []
    rows += cohort_indicator_rows(cohort)
    total = res.rows[-1].figures
    notes = [f"往年劝返（学年初不在读、本学年复学或劝返复学返校的学生）{total.returned_old} 人，不计入巩固基数。",
             "所有比率由人数计算，不取各年级比率的平均；数值为空表示分母为 0。", *cohort_notes(cohort)]
    return Sheet("指标说明", f"{cfg.unit.name}指标说明", INDICATOR_COLUMNS, rows, period=period_text(res),
                 notes=notes, say_once=("口径",))


def chart_sheet(res: MonthlyResult, cfg: Config) -> Sheet:
    cal = SchoolCalendar(cfg.calendar)
    weeks = [_school_week(cal, w) for w, _, _ in res.weekly_rates]
    rates = [p / e if e else None for _, e, p in res.weekly_rates]
    grade_rows = [r for r in res.rows if r.kind == "grade"]
    charts = [
        ChartSpec("line", "本学年各周出勤率", weeks, [("出勤率", rates)], y_percent=True, x_title="周次", y_title="出勤率"),
        ChartSpec("column", "各年级当前辍学与疑似辍学人数", [r.label for r in grade_rows],
                  [("当前辍学", [r.figures.counts["当前辍学"] for r in grade_rows]),
                   ("疑似辍学", [r.figures.counts["疑似辍学"] for r in grade_rows])], x_title="年级", y_title="人数"),
    ]
    rows = [[_school_week(cal, w), e, p, p / e if e else None] for w, e, p in res.weekly_rates]
    return Sheet("图表", f"{cfg.unit.name}出勤率与辍学情况图", CHART_DATA_COLUMNS, rows, period=period_text(res),
                 charts=charts, empty_text="本学年尚无周查表数据", print_charts=True)


def _school_week(cal: SchoolCalendar, week: str) -> str:
    """第9周 as a school says it; the ISO week before 学年初."""
    number = cal.teaching_week_of(week)
    return f"第{number}周" if number else week


def write_monthly(work_dir: Path, cfg: Config, res: MonthlyResult, extra_sheets: list[Sheet] = (),
                  errors: list = ()) -> Path:
    """extra_sheets (责任落实, §19) follow 学生流动; the 输入错误 sheet is the weekly book's (§9.1 columns),
    so that the console's “详见工作簿“输入错误”表” holds for the 月报 too."""
    cases_by_key = {}
    for s, c in res.cases:
        cases_by_key[s.key] = c
    sheets = [report_sheet(res, cfg), dropout_sheet(res, cfg), suspect_sheet(res, cfg, cases_by_key),
              ledger_sheet(res, cfg), flow_sheet(res, cfg), *extra_sheets, *warning_sheets(res.warnings, cfg),
              indicator_sheet(res, cfg), error_sheet(list(errors), cfg.unit.name, res.month, period_text(res)), chart_sheet(res, cfg)]
    meta = report_meta(cfg, res.month)
    return write_workbook(monthly_path(work_dir, cfg.unit.name, res.month), sheets, meta)
