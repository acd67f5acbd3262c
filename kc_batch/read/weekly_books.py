"""Received weekly workbooks (§9.1 周查汇总 of a school, §21.1 周报汇总 of a township) → WeekBook records
(SPEC §21.1, §21.2, §21.4). Reading only: the figures are made by kc_batch/reconcile/weekly_rollup.py.

A file is a weekly workbook when a visible sheet holds a header (found by its text within the first 15
rows) with 在册人数, 应出勤人次, 实出勤人次, 旷课人次 and 疑似辍学人数, and either 年级 + 班级 (a school's
周汇总, also re-typed by hand in the same layout) or 单位 (a township's 周报汇总: valid input one level
up, its unit rows are read one by one). The other sheets are found by name: 缺勤预警, 疑似辍学 (名单),
台账, 未报单位 — each read by its header text.

Unit: the 填报单位 line, else the title (“X控辍保学周查汇总表”, “X控辍保学周报汇总表”), else the file
name; an expected unit's spelling wins (§13.27). Week: a 2026-W47 in the title, else the ISO week of the
last date of 统计时段, else a 2026-W47 in the file name. 报出日期: the date in the footer line.

`classify` tells what kind of report a workbook that is not the one asked for is (a monthly workbook,
a weekly one, a school's raw 周查表), so that 报表校验 can name it (§21 wrong kind).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from kc_batch.calendar import week_of
from kc_batch.read.books import (FOOTER_WORDS, unit_from_context, Problem, TableRow, _labels_at, find_header, parse_number, read_main_table,
                                 read_records, report_date_in, valid_date)
from kc_batch.read.files import RawFile, RawSheet
from kc_batch.read.values import cell_text, norm_header, parse_grade
from kc_batch.schemas import NOT_REPORTED, WEEKDAY_NAMES

WEEK_COUNT_COLUMNS = ["在册人数", "应出勤人次", "实出勤人次", "旷课人次", "疑似辍学人数"]
LEDGER_COUNT_COLUMNS = ["本周新增台账", "在办台账"]
CHRONIC_COLUMN = "长期缺勤预警"
STEP_HEADER_RE = re.compile(r"^第(\d+)级")
_WEEK_RE = re.compile(r"(\d{4})-?W(\d{1,2})", re.I)
_TITLE_RE = re.compile(r"^(.+?)控辍保学周(?:查|报)汇总表")
_DATE_RE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
_FILE_UNIT_RE = re.compile(r"(?:周查汇总|控辍保学周报汇总)_(.+)_\d{4}-W\d{2}", re.I)

WEEKLY, MONTHLY, CHECK_FORM = "weekly", "monthly", "check"
KIND_TEXT = {WEEKLY: "周报（周查汇总）", MONTHLY: "月报", CHECK_FORM: "学校的周查表（原始考勤表）"}


@dataclass
class WeekTable:
    sheet: str
    kind: str                         # 'school' (class rows) | 'rollup' (unit rows)
    columns: dict[str, int]           # header text → 0-based column
    rows: list[TableRow]              # class rows, or unit rows
    subtotals: list[TableRow]         # a roll-up's 乡镇小计 rows (kept, not counted as units)
    total: TableRow | None
    context: list[str]


@dataclass
class WeekBook:
    """One received weekly workbook."""
    rel: str
    mtime: float
    unit: str
    table: WeekTable
    week: str | None
    report_date: dt.date | None
    alerts: list[dict] = field(default_factory=list)      # 缺勤预警 rows (+ 学校)
    suspects: list[dict] = field(default_factory=list)    # 疑似辍学名单 rows (+ 学校)
    ledger: list[dict] = field(default_factory=list)      # 台账 rows (+ 学校)
    has_suspect_sheet: bool = False
    reported_units: list[dict] = field(default_factory=list)   # a roll-up's 未报单位 rows
    problems: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------- the main table


def read_week_table(sheet: RawSheet) -> tuple[WeekTable | None, list[tuple[str, str, str]]]:
    found = find_header(sheet.rows, WEEK_COUNT_COLUMNS, ("班级", "单位", "单位名称"))
    if found is None:
        return None, []
    header, labels = found
    if header + 1 < len(sheet.rows):
        lower = _labels_at(sheet.rows, header + 1)   # a two-row header: leaves (第k级 …) under a group cell
        added = set(lower) - set(labels)
        if all(name in lower for name in WEEK_COUNT_COLUMNS) and added and all(parse_number(t)[0] is None for t in added):
            header, labels = header + 1, lower
    kind = "school" if "班级" in labels and "年级" in labels else "rollup"
    numeric = [name for name in labels if name in WEEK_COUNT_COLUMNS + LEDGER_COUNT_COLUMNS + ["出勤率", CHRONIC_COLUMN]
               or STEP_HEADER_RE.match(name)]
    columns = {name: labels[name] for name in numeric}
    context = [_row_text(row) for row in sheet.rows[:header] if _row_text(row)]
    table = WeekTable(sheet.name, kind, columns, [], [], None, context)
    label_cols = ([labels["年级"], labels["班级"]] if kind == "school"
                  else [labels.get("单位", labels.get("单位名称"))])
    bad: list[tuple[str, str, str]] = []
    for r in range(header + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if any(word in _row_text(row) for word in FOOTER_WORDS):
            break
        parts = [norm_header(row[c]) if c < len(row) else "" for c in label_cols]
        if not any(parts) or all(not cell_text(row[c]) for c in columns.values() if c < len(row)):
            continue
        values = _values(row, columns, r + 1, bad)
        if parts[0] in ("合计", "总计"):
            table.total = TableRow("合计", r + 1, values)
            break
        if kind == "school":
            if parse_grade(parts[0]) is None or parts[1] in ("小计", "合计"):
                continue  # a grade's 小计 row, a note
            table.rows.append(TableRow(parts[0] + parts[1], r + 1, values))
        elif parts[0].endswith("小计"):
            table.subtotals.append(TableRow(parts[0], r + 1, values))
        else:
            table.rows.append(TableRow(parts[0], r + 1, values))
    return table, bad


def _values(row: list, columns: dict[str, int], excel_row: int, bad: list) -> dict[str, float | None]:
    from kc_batch.read.books import cell_name
    values: dict[str, float | None] = {}
    for name, col in columns.items():
        raw = row[col] if col < len(row) else None
        is_rate = name == "出勤率"
        if cell_text(raw) == NOT_REPORTED:  # a class without a 周查表 (issue 13): no figures, not an error
            values[name] = None if is_rate else 0.0
            continue
        number, ok = parse_number(raw, rate=is_rate)
        if not ok:
            bad.append((cell_name(col, excel_row), f"“{name}”不是数字，按 0 计", cell_text(raw)))
        values[name] = number if is_rate else (number or 0.0)
    return values


def _row_text(row: list) -> str:
    return " ".join(cell_text(v) for v in row if cell_text(v))


# ---------------------------------------------------------------- one workbook


def _sheet_role(name: str) -> str | None:
    n = norm_header(name)
    if "预警" in n:
        return "alerts"
    if "疑似" in n:
        return "suspects"
    if "未报" in n or "报送" in n:
        return "reported"
    if "台账" in n:
        return "ledger"
    return None


def read_week_book(raw: RawFile, mtime: float, expected: list[str]) -> WeekBook | None:
    """A received weekly workbook, or None when no sheet holds a 周汇总 / 周报汇总 table."""
    table, bad = None, []
    visible = [s for s in raw.sheets if not s.hidden]
    preferred = [s for s in visible if "汇总" in s.name]
    for sheet in preferred + [s for s in visible if s not in preferred]:
        table, bad = read_week_table(sheet)
        if table is not None:
            break
    if table is None:
        return None
    unit, found = _unit_of(table.context, raw.rel, expected)
    book = WeekBook(raw.rel, mtime, unit, table, _week_of(table.context, raw.rel),
                    report_date_in(next(s for s in raw.sheets if s.name == table.sheet).rows))
    if not found:
        book.problems.append(Problem(unit, raw.rel, table.sheet, "", "未找到填报单位或标题中的单位名称，按文件名确定单位"))
    for cell, issue, actual in bad:
        book.problems.append(Problem(unit, raw.rel, table.sheet, cell, issue, "数字", actual))
    for sheet in visible:
        role = _sheet_role(sheet.name)
        if role == "alerts":
            book.alerts = _with_school(read_records(sheet, ["姓名", "预警级别"]), unit)
        elif role == "suspects":
            book.suspects = _with_school(read_records(sheet, ["学籍号", "姓名"]), unit)
            book.has_suspect_sheet = True
        elif role == "ledger":
            book.ledger = _with_school(read_records(sheet, ["姓名", "状态"]), unit)
        elif role == "reported":
            book.reported_units = _reported_rows(sheet)
    return book


def _reported_rows(sheet: RawSheet) -> list[dict]:
    found = find_header(sheet.rows, ["单位名称"])
    if found is None:
        return []
    header, labels = found
    out = []
    for r in range(header + 1, len(sheet.rows)):
        row = sheet.rows[r]
        record = {name: row[col] if col < len(row) else None for name, col in labels.items()}
        if cell_text(record.get("单位名称")) and cell_text(record.get("序号")):
            out.append(record)
    return out


def _with_school(records: list[dict], unit: str) -> list[dict]:
    """Student rows (a 姓名; not the “本周无…” line written across an empty list) with their 学校."""
    records = [r for r in records if cell_text(r.get("姓名"))]
    for record in records:
        if not cell_text(record.get("学校")):
            record["学校"] = unit
    return records


def _unit_of(context: list[str], rel: str, expected: list[str]) -> tuple[str, bool]:
    return unit_from_context(context, rel, expected, _TITLE_RE, _FILE_UNIT_RE)


def _week_of(context: list[str], rel: str) -> str | None:
    for line in context:
        m = _WEEK_RE.search(line)
        if m:
            return f"{int(m.group(1))}-W{int(m.group(2)):02d}"
    for line in context:
        if "统计时段" in line:
            dates = [valid_date(*m.groups()) for m in _DATE_RE.finditer(line.split("统计时段", 1)[1])]
            dates = [d for d in dates if d]
            if dates:
                return week_of(dates[-1])
    m = _WEEK_RE.search(Path(rel).name)
    return f"{int(m.group(1))}-W{int(m.group(2)):02d}" if m else None


# ---------------------------------------------------------------- what kind of workbook


def classify(raw: RawFile) -> str | None:
    """monthly | weekly | check (a school's raw 周查表) | None, by the header texts of its sheets."""
    for sheet in raw.sheets:
        if sheet.hidden:
            continue
        if read_main_table(sheet)[0] is not None:
            return MONTHLY
        if read_week_table(sheet)[0] is not None:
            return WEEKLY
        if _is_check_form(sheet):
            return CHECK_FORM
    return None


def _is_check_form(sheet: RawSheet) -> bool:
    for row in sheet.rows[:15]:
        texts = {norm_header(v) for v in row}
        days = sum(1 for names in WEEKDAY_NAMES[:5] if texts & set(names))
        if "姓名" in texts and days >= 3:
            return True
    return False


def unit_named_in(raw: RawFile, expected: list[str]) -> str:
    """Best-effort unit of a workbook of the wrong kind (its 填报单位 or title), for 报表校验."""
    for sheet in raw.sheets[:3]:
        context = [_row_text(row) for row in sheet.rows[:4] if _row_text(row)]
        unit, found = _unit_of(context, raw.rel, expected)
        if found:
            return unit
    return Path(raw.rel).stem
