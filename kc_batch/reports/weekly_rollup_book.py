"""Layout of the weekly roll-up out/<week>/控辍保学周报汇总_<单位>_<week>.xlsx (SPEC §21.1), and the 未报单位
sheet with timeliness that the weekly and the monthly aggregate share (§21.2, §21.4).

周报汇总 keeps the header texts the reader (read/weekly_books.py) looks for, with 单位 as first column, so a
township's roll-up is valid input one level up; a 乡镇小计 line is labelled “<乡镇>小计”.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch.config import Config
from kc_batch.read.values import cell_text, parse_date
from kc_batch.reconcile.weekly_rollup import WeekRollup
from kc_batch.reports.aggregate_book import PROBLEM_COLUMNS, state_sheet
from kc_batch.rules.rates import ratio
from kc_batch.reports.xlsxform import Column, ReportMeta, Sheet, safe_filename, write_workbook
from kc_batch.schemas import ALERT_COLUMNS, WEEKLY_SUSPECT_COLUMNS

GROUPS = {"缺勤预警": "缺勤预警", "台账": "劝返台账"}


def rollup_path(work_dir: Path, unit: str, week: str) -> Path:
    return Path(work_dir) / "out" / week / f"控辍保学周报汇总_{safe_filename(unit)}_{week}.xlsx"


def _columns(res: WeekRollup) -> list[Column]:
    out = [Column("单位")]
    for name in res.count_columns:
        group = ("缺勤预警" if name.startswith("第") or name == "长期缺勤预警"
                 else "劝返台账" if name.endswith("台账") else None)
        out.append(Column(name, "num" if name.endswith("人次") else "int", group=group))
        if name == "实出勤人次":
            out.append(Column("出勤率", "percent"))
    return out


def _values(label: str, counts: dict, res: WeekRollup) -> list:
    row = [label]
    for name in res.count_columns:
        row.append(counts[name])
        if name == "实出勤人次":
            row.append(ratio(counts["实出勤人次"], counts["应出勤人次"]))  # Σ实出勤 ÷ Σ应出勤 on 小计/合计
    return row


def summary_sheet(res: WeekRollup) -> Sheet:
    rows, subtotals = [], set()
    for line in res.lines:
        if line.kind == "township":
            subtotals.add(len(rows))
            rows.append(_values(f"{line.unit}小计", line.counts, res))
        else:
            rows.append(_values(line.unit, line.counts, res))
    late = sum(1 for s in res.states if s.status == "逾期")
    notes = [f"已报单位 {len(res.books)} 个，逾期 {late} 个，未报 {len(res.missing)} 个（见“未报单位”）。"
             "出勤率 = 实出勤人次 ÷ 应出勤人次；合计行由各校人次相加后重新计算（Σ实出勤 ÷ Σ应出勤），不是各校出勤率的平均。",
             "缺勤预警按预警级别计人数；本周新增台账为本周开立的劝返台账，在办台账为未销号（在办、观察中）的台账。"]
    if subtotals:
        notes.append("乡镇上报的周报汇总按学校逐行列出，其下为该乡镇小计；合计为各学校之和。")
    return Sheet("周报汇总", f"{res.unit_name}控辍保学周报汇总表（{res.week}）", _columns(res), rows,
                 total_row=_values("合计", res.total, res), subtotal_rows=subtotals, period=res.period_text,
                 notes=notes, empty_text="本周没有收到任何单位的周报")


def _record_row(number: int, record: dict, columns: list[Column], aliases: dict[str, str] = {}) -> list:
    row = [number, cell_text(record.get("学校")) or None]
    for column in columns:
        value = record.get(column.header)
        if value is None and column.header in aliases:
            value = record.get(aliases[column.header])
        if column.kind == "date":
            row.append(parse_date(value) or (cell_text(value) or None))
        elif column.kind in ("int", "num", "percent"):
            row.append(value)
        else:
            row.append(cell_text(value) or None)
    return row


def alert_sheet(res: WeekRollup) -> Sheet:
    columns = [Column("序号", "int"), Column("学校")] + ALERT_COLUMNS
    rows = [_record_row(i, r, ALERT_COLUMNS) for i, r in enumerate(res.alerts, start=1)]
    return Sheet("缺勤预警", f"{res.unit_name}缺勤预警名单（第3级及以上，{res.week}）", columns, rows,
                 period=res.period_text, empty_text="本周无第3级及以上缺勤预警学生")


def suspect_sheet(res: WeekRollup) -> Sheet:
    columns = [Column("序号", "int"), Column("学校")] + WEEKLY_SUSPECT_COLUMNS
    rows = [_record_row(i, r, WEEKLY_SUSPECT_COLUMNS, {"疑似原因": "原因"}) for i, r in enumerate(res.suspects, start=1)]
    return Sheet("疑似辍学名单", f"{res.unit_name}疑似辍学学生名单（汇总，{res.week}）", columns, rows,
                 period=res.period_text, empty_text="本周无疑似辍学学生")


def problem_sheet(res: WeekRollup) -> Sheet:
    rows = [[None if v == "" else v for v in (p.unit, p.file, p.sheet, p.cell, p.issue, p.expected, p.actual)]
            for p in res.problems]
    return Sheet("报表校验", f"{res.unit_name}收到的周报校验结果", PROBLEM_COLUMNS, rows, period=res.period_text,
                 empty_text="收到的周报全部通过校验")


def write_rollup(work_dir: Path, cfg: Config, res: WeekRollup, report_date: dt.date) -> Path:
    sheets = [summary_sheet(res), alert_sheet(res), suspect_sheet(res),
              state_sheet(res.unit_name, res.states, res.period_text, "周报"), problem_sheet(res)]
    meta = ReportMeta(cfg.unit.name, cfg.unit.principal, cfg.unit.clerk, cfg.unit.phone, report_date)
    return write_workbook(rollup_path(work_dir, cfg.unit.name, res.week), sheets, meta)
