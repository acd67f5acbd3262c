"""What the form writer (reports/xlsxform.py) is given: a Sheet (title, columns, rows, notes, charts)
and the ReportMeta of the reporting unit (the 填报单位 line, the 表号 block and the footer), with the
texts made from that meta. Data only; the writing is in the form_* modules."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from kc_batch.calendar import SchoolCalendar, chinese_date
from kc_batch.schemas import Column


@dataclass
class ChartSpec:
    kind: str
    title: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    y_percent: bool = False
    x_title: str = ""            # category axis name; "" -> 类别 in the data block, no axis name
    y_title: str = ""            # value axis name; "" -> 比率 or 人数


@dataclass
class Sheet:
    name: str
    title: str
    columns: list[Column]
    rows: list[list]
    total_row: list | None = None
    subtotal_rows: set[int] = field(default_factory=set)
    highlight: set[tuple[int, int]] = field(default_factory=set)
    period: str | None = None
    unit_line: bool = True
    notes: list[str] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    empty_text: str | None = None
    count_unit: str | None = "单位：人"      # right of the 填报单位 line
    intro: list[str] = field(default_factory=list)   # merged lines between that line and the header
    blank_rows: int = 0                      # ruled empty rows to fill in by hand (blank forms)
    choices: dict[str, list[str]] = field(default_factory=dict)   # header → drop-down list on the blank rows
    print_charts: bool = False               # charts under the table, inside the printed form
    say_once: tuple[str, ...] = ()           # columns said once below the table when all their rows agree
    # forms filled in by hand around pre-filled rows (kc forms with a roster; issue 14):
    fill_in: tuple[str, ...] = ()            # columns written in by hand on the data rows too (ruled rows)
    closed: set[tuple[int, int]] = field(default_factory=set)   # (row, column) greyed and locked: not to fill in
    closed_columns: tuple[str, ...] = ()     # columns greyed and locked on every row (a day without school)
    protect: bool = False                    # protected without a password: only the cells to fill in take typing


@dataclass
class ReportMeta:
    unit_name: str
    principal: str = ""
    clerk: str = ""
    phone: str = ""
    report_date: datetime.date | None = None
    unit_code: str = ""
    reviewer: str = ""
    form_no: str = ""          # 表号 and the rest of the official form block (kc.toml [report]; issue 13)
    issuer: str = ""           # 制表机关
    approver: str = ""         # 批准机关
    approval_no: str = ""      # 批准文号
    valid_until: str = ""      # 有效期至


def report_meta(cfg, period, unit_name: str | None = None) -> ReportMeta:
    """The header and footer facts of a report of `period` (a week, a month, a 小升初 year or an as-of
    date) from kc.toml's [unit] and [report] (issue 13); its 报出日期 follows the one rule
    SchoolCalendar.report_date (§13.18); no period (a blank form): no date."""
    unit, report = cfg.unit, cfg.report
    day = SchoolCalendar(cfg.calendar).report_date(period) if period is not None else None
    return ReportMeta(unit_name or unit.name, unit.principal, unit.clerk, unit.phone, day, unit_code=unit.code,
                      reviewer=report.reviewer, form_no=report.form_no, issuer=report.issuer,
                      approver=report.approver, approval_no=report.approval_no, valid_until=report.valid_until)


def footer_text(meta: ReportMeta) -> str:
    return (f"单位负责人：{meta.principal}    审核人：{meta.reviewer}    填表人：{meta.clerk}    "
            f"联系电话：{meta.phone}    报出日期：{chinese_date(meta.report_date)}")


FORM_BLOCK = (("表号", "form_no"), ("制表机关", "issuer"), ("批准机关", "approver"), ("批准文号", "approval_no"),
              ("有效期至", "valid_until"))


def form_block_lines(meta: ReportMeta) -> list[str]:
    """The official form block, one line per key that is set (none when all are empty)."""
    return [f"{label}：{getattr(meta, attr)}" for label, attr in FORM_BLOCK if getattr(meta, attr)]
