"""Layout of the term reports (SPEC §16): out/term/<学年>_<学期>_<开学|期末>报告_<单位>.xlsx.

期末 (学期末全面报告): 学期末报告 (per grade), 辍学学生名单, 劝返台账, 家访统计 (+ 未家访学生, 家访记录),
责任落实, 预警回顾 (+ 名单), 指标说明, 输入错误. 开学 (春秋两季辍学报告): 开学辍学报告 (per grade),
未返校名单, 辍学学生名单, 输入错误. A part without data is one sheet that says so in one line.
"""
from __future__ import annotations

from pathlib import Path

from kc_batch.calendar import chinese_date, chinese_span
from kc_batch.config import Config
from kc_batch.model import InputError
from kc_batch.reconcile.term import END, KIND_WORDS, TERM_COUNTS, TermEnd, TermPeriod, TermStart
from kc_batch.reconcile.home_visits import VisitStats
from kc_batch.reports.daily_book import MISSING_COLUMNS
from kc_batch.reports.monthly_book import PAST_YEAR_DROPOUT, dropout_sheet, ledger_sheet
from kc_batch.reports.visit_sheets import visit_sheets
from kc_batch.reports.warning_review_sheets import warning_sheets
from kc_batch.reports.weekly_book import case_log_text, error_sheet, student_cells
from kc_batch.reports.xlsxform import Sheet, report_meta, safe_filename, write_workbook
from kc_batch.schemas import (INDICATOR_COLUMNS, Column, TERM_DECREASES, TERM_DROPOUT_COLUMNS, TERM_END_COLUMNS,
                              TERM_INCREASES, TERM_RATES, TERM_START_COLUMNS)

NO_VISITS = "本学年尚未收到家访登记表（也没有劝返记录），家访完成情况暂不统计。"
NO_MARKS = "本学年尚未收到周查表，无法回顾预警。"
NO_DUTIES = "本学期没有在册学生，责任落实无从统计。"


def term_path(work_dir: Path, unit: str, period: TermPeriod) -> Path:
    name = f"{period.year}-{period.year + 1}学年_{period.name}_{KIND_WORDS[period.kind]}报告_{safe_filename(unit)}.xlsx"
    return Path(work_dir) / "out" / "term" / name


def period_text(period: TermPeriod) -> str:
    a = period.start if period.kind == END else period.first_day
    return f"{period.title}，{chinese_span(a, period.as_of)}"


def _said(name: str, title: str, text: str, period: str) -> Sheet:
    """A part whose data is absent: its sheet, saying so in one line."""
    return Sheet(name, title, [Column("说明", width=60)], [], period=period, empty_text=text)


# ---------------------------------------------------------------- 学期末全面报告

def term_end_sheet(t: TermEnd, cfg: Config) -> Sheet:
    rows, subtotals = [], set()
    body = t.rows[:-1]
    for r in body:
        if r.kind == "stage":
            subtotals.add(len(rows))
        rows.append(_end_values(r))
    balance = ("学期初在校生" + "".join("＋" + c for c in TERM_INCREASES) + "".join("－" + c for c in TERM_DECREASES)
               + "＝学期末在校生")
    notes = [f"学期初在校生：{_opening_text(t)}；本学期增减为 {chinese_date(t.period.start)} 至 "
             f"{chinese_date(t.period.last_day)} 期间发生的学籍变动。每行满足：{balance}。",
             f"学期辍学率 = 本学期辍学 ÷ 学期初在校生；巩固率按§8自学年初计算（截至学期最后一个教学日）；"
             f"劝返成功率 = 本学期立案并因学生返校而销号的件数 ÷ 本学期立案件数（本学期立案 {t.opened} 件，"
             f"其中返校销号 {t.returned} 件）。各比率的分子、分母见“指标说明”。"]
    if t.planned_graduations:
        notes.append(f"本学年尚未运行 kc rollover：毕业 {t.planned_graduations} 人按学年升级的计划计入"
                     "（六年级、九年级在读且未登记留级的学生）。")
    if t.period.whole_year:
        notes.append("kc.toml 没有设置学期（terms），整个学年按一个学期（本学年）统计。")
    return Sheet("学期末报告", f"{cfg.unit.name}{t.period.name}控辍保学学期末报告", TERM_END_COLUMNS, rows,
                 total_row=_end_values(t.rows[-1]), subtotal_rows=subtotals, period=period_text(t.period),
                 notes=notes)


def _opening_text(t: TermEnd) -> str:
    if t.res.prev_cutoff == t.res.state.cal.first_school_day:
        return "学年初（第一个教学日）的在读学生"
    return f"{chinese_date(t.res.prev_cutoff)}（学期开始前一日）的在读学生"


def _end_values(r) -> list:
    return ([r.label, r.opening] + [r.changes[c] for c in TERM_COUNTS] + [r.closing]
            + [r.dropout_rate.value, r.retention.value, r.success.value])


def indicator_sheet(t: TermEnd, cfg: Config) -> Sheet:
    rows = []
    for r in t.rows:
        for name, rate in zip(TERM_RATES, (r.dropout_rate, r.retention, r.success)):
            rows.append([r.label, name, rate.formula, rate.numerator, rate.denominator, rate.value, rate.basis,
                         rate.code])
    notes = ["所有比率由人数（件数）计算，不取各年级比率的平均；数值为空表示分母为 0。"]
    return Sheet("指标说明", f"{cfg.unit.name}{t.period.name}指标说明", INDICATOR_COLUMNS, rows,
                 period=period_text(t.period), notes=notes, say_once=("口径",))


def write_term_end(work_dir: Path, cfg: Config, t: TermEnd, visits: VisitStats | None, duty: Sheet | None,
                   errors: list[InputError]) -> Path:
    period = period_text(t.period)
    sheets = [term_end_sheet(t, cfg), dropout_sheet(t.res, cfg, "本学期末"), ledger_sheet(t.res, cfg, "本学期")]
    if visits is not None and visits.visits:
        sheets += visit_sheets(visits, cfg.unit.name, period)
    else:
        sheets.append(_said("家访统计", f"{cfg.unit.name}家访统计", NO_VISITS, period))
    sheets.append(duty if duty is not None else _said("责任落实", f"{cfg.unit.name}控辍保学责任落实情况", NO_DUTIES,
                                                      period))
    if t.res.weekly_rates:
        sheets += warning_sheets(t.res.warnings, cfg)
    else:
        sheets.append(_said("预警回顾", f"{cfg.unit.name}预警回顾", NO_MARKS, period))
    sheets += [indicator_sheet(t, cfg), error_sheet(list(errors), cfg.unit.name, t.period.name, period)]
    return write_workbook(term_path(work_dir, cfg.unit.name, t.period), sheets, report_meta(cfg, t.period.as_of))


# ---------------------------------------------------------------- 春秋两季辍学报告（开学）

def term_start_sheet(t: TermStart, cfg: Config) -> Sheet:
    rows, subtotals = [], set()
    for r in t.rows[:-1]:
        if r.kind == "stage":
            subtotals.add(len(rows))
        rows.append(_start_values(r))
    p = t.period
    notes = [f"截至开学第{p.day_number}个教学日（{chinese_date(p.as_of)}）。应返校 = 该日在读的学生；本学期返校 = "
             f"开学以来至少有一天到校（含迟到）；未返校 = 开学以来一天也没有到校（含未报周查表的班级）。",
             "每行满足：上学期末在校生 + 学期间新增 − 学期间减少 = 应返校 = 本学期返校 + 未返校。",
             f"报送时限：{chinese_date(p.due)}前。"]
    if not t.before_known:
        notes.insert(1, "本数据库没有上学期末的数据（上一学年未在本工具中运行 kc rollover），上学期末在校生及学期间增减不统计。")
    if p.whole_year:
        notes.append("kc.toml 没有设置学期（terms），整个学年按一个学期（本学年）统计。")
    return Sheet("开学辍学报告", f"{cfg.unit.name}{p.name}开学辍学情况报告", TERM_START_COLUMNS, rows,
                 total_row=_start_values(t.rows[-1]), subtotal_rows=subtotals, period=period_text(p), notes=notes)


def _start_values(r) -> list:
    return [r.label, r.before, r.joined, r.left, r.expected, r.back, r.missing, r.suspect]


def term_dropout_sheet(t: TermStart, cfg: Config) -> Sheet:
    rows = []
    for i, d in enumerate(t.dropouts, start=1):
        s, case = d.student, d.case
        xjh, name, grade, class_name = student_cells(s)
        kinds = "、".join(filter(None, [PAST_YEAR_DROPOUT if d.past_year else "", s.categories()]))
        responsible = (case.responsible if case else "") or s.attrs.get("teacher", "")
        rows.append([i, xjh, name, s.sex, grade, class_name, d.date, d.reason, d.status, kinds,
                     s.attrs.get("guardian", ""), s.attrs.get("phone", ""), s.attrs.get("address", ""), responsible,
                     len(case.log) if case else 0, case_log_text(case)])
    return Sheet("辍学学生名单", f"{cfg.unit.name}辍学学生名单（含往年辍学）", TERM_DROPOUT_COLUMNS, rows,
                 period=period_text(t.period), empty_text="本学年及往年均无辍学学生（零报告）",
                 notes=["列出截至统计日处于辍学状态、或曾登记辍学的全部学生（含往年辍学）；学籍状态为统计日的状态。"])


def write_term_start(work_dir: Path, cfg: Config, t: TermStart, errors: list[InputError]) -> Path:
    period = period_text(t.period)
    missing = Sheet("未返校名单", f"{cfg.unit.name}{t.period.name}未返校学生名单", MISSING_COLUMNS,
                    [[i, *student_cells(s), s.attrs.get("guardian", ""), s.attrs.get("phone", ""), visits, why]
                     for i, (s, visits, why) in enumerate(t.missing, start=1)],
                    period=period, empty_text="全部学生已返校")
    sheets = [term_start_sheet(t, cfg), missing, term_dropout_sheet(t, cfg),
              error_sheet(list(errors), cfg.unit.name, t.period.name, period)]
    return write_workbook(term_path(work_dir, cfg.unit.name, t.period), sheets, report_meta(cfg, t.period.as_of))
