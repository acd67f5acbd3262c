"""Received monthly workbooks (§9.2 layouts, a township's §9.3 汇总表) → Book records (SPEC §9.3,
§13.16, §13.27). Reading only: the checks and figures are in kc_batch/reconcile/aggregate.py.

Input. Every file under inbox/ (any sub-folder, read with readers.read_file) is looked at. A file is a
monthly workbook when one of its visible sheets holds the §9.2 table: a header (one or two rows, found
by its text within the first 15 rows, never by cell address) with 年级 and the leaf columns of
月报表 (本月毕业 may be missing: it is 0 then, §15.3) — a school's `kc monthly` output or the same layout re-typed by hand — or with 单位 and the same
leaves, which is the 汇总表 of a township's own `kc aggregate` output (valid input one level up: it
counts as ONE unit, the township, through its 合计 row; its merged lists keep their 学校 column).
The sheet named 月报表 / 汇总表 is preferred; otherwise any sheet with that header is taken. The other
sheets are found by name (辍学学生名单, 疑似辍学名单, 学生流动, 指标说明; a name containing these words
is enough) and read by their header text. Files that are not monthly workbooks are skipped and counted
in one console line; unreadable files get one console line each (§10.1).

Unit and month. The unit is the name in the 填报单位 line or in the title (“X控辍保学动态管理月报表”,
“X控辍保学月报汇总表”); when one of them names a unit of [[units]] that name is used (§13.27), else the
填报单位 text, else the file name. The month of a workbook is the month of the last date of its
统计时段 (a period ends on the cutoff of its month, §1); with no 统计时段 the YYYY-MM in the file name is
used. A workbook of another month, or of unknown month, is named in 报表校验 and NOT counted. A
workbook whose period ends on another day than this unit's cutoff_day is counted and named. Two
workbooks of the same unit and month: the most recently modified file counts, the other is named in
报表校验 as not counted. A workbook from a unit not in [[units]] is counted and named
(“不在应报单位名单中”); the unit's own aggregate output (same name, 汇总表) is ignored.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kc_batch.calendar import month_label
from kc_batch.read.files import RawFile, RawSheet
from kc_batch.read.identity import normalise_name
from kc_batch.read.values import cell_text, column_letter, norm_header, parse_grade
from kc_batch.schemas import MONTHLY_LEAF_COLUMNS as LEAF_COLUMNS, MONTHLY_RATE_COLUMNS as RATE_COLUMNS
from kc_batch.schemas import COHORT_INDICATORS, SUSPECT_DATE
from kc_batch.schemas import MISSING_CODE, MISSING_STAGES, MISSING_UNIT, MISSING_VIA  # noqa: F401  (re-exported)

TOTAL = "合计"
STAGE_ROWS = {"小学小计": "小学", "初中小计": "初中"}
STAGE_COLUMN, GROUP_COLUMN, GROUP_SUFFIX = "学段", "所属乡镇", "小计"   # 汇总表 columns and 乡镇小计 rows (§21.4)
STAGE_OF_GRADE = {g: ("小学" if g <= 6 else "初中") for g in range(1, 10)}
# §15.3 added 本月毕业; a workbook written before it (or re-typed from an older form) has no such
# column: it is read as 0 there
OPTIONAL_LEAVES = ("本月毕业",)
REQUIRED_LEAVES = [leaf for leaf in LEAF_COLUMNS if leaf not in OPTIONAL_LEAVES]
HEADER_SEARCH_ROWS = 15
BASIS_NOTE, CODE_NOTE = "口径：", "口径代码："
FOOTER_WORDS = ("单位负责人", "填表人", "报出日期")

MONTHLY_SHEET, AGGREGATE_SHEET = "月报表", "汇总表"
DROPOUT_SHEET, SUSPECT_SHEET, FLOW_SHEET, INDICATOR_SHEET = "辍学学生名单", "疑似辍学名单", "学生流动", "指标说明"
MISSING_SHEET = "未报单位"
DUTY_SHEET = "责任落实"               # §19, in a school's monthly workbook
CASE_SHEET = "劝返台账"               # §9.2 (a 汇总's merged one keeps 学校), read for the 季评 (§21.3)
LEDGER_SUMMARY_SHEET = "台账汇总"      # §20 counts, in a township's 汇总 workbook

_TITLE_RE = re.compile(r"^(.+?)控辍保学(?:动态管理)?月报(?:汇总)?表")
_FILLER_RE = re.compile(r"填报单位\s*[:：]\s*(\S+?)(?=\s|统计时段|单位\s*[:：]|$)")
_DATE_RE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
_FILE_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
_FILE_UNIT_RE = re.compile(r"控辍保学月报(?:汇总)?_(.+)_\d{4}-\d{2}")


# ---------------------------------------------------------------- data


@dataclass
class Problem:
    """One row of 报表校验."""
    unit: str
    file: str
    sheet: str
    cell: str
    issue: str
    expected: str = ""
    actual: str = ""


@dataclass
class TableRow:
    label: str
    excel_row: int                      # as Excel shows it (1-based)
    values: dict[str, float | None]     # leaf → number; counts are 0 when blank
    stage: str = ""                     # a 汇总表 row's 学段 (小学 / 初中, §21.4); '' when not given
    group: str = ""                     # a 汇总表 row's 所属乡镇 (§21.4); '' for a unit reporting directly


@dataclass
class MainTable:
    sheet: str
    kind: str                           # 'monthly' (年级 rows) | 'aggregate' (单位 rows)
    columns: dict[str, int]             # leaf → 0-based column
    rows: list[TableRow]                # grade / unit rows
    subtotals: dict[str, TableRow]      # 小学小计 / 初中小计
    total: TableRow | None
    context: list[str]                  # the text lines above the header
    groups: list[TableRow] = field(default_factory=list)   # a county 汇总表's “<乡镇>小计” rows (§21.4)


@dataclass
class Indicator:
    scope: str
    name: str
    numerator: float | None
    denominator: float | None
    formula: str = ""
    basis: str = ""     # the 口径 sentence
    code: str = ""      # the 口径代码 (rules.rates.Basis.code); '' in a workbook written before it existed


@dataclass
class Book:
    """One received monthly (or township 汇总) workbook."""
    rel: str
    mtime: float
    unit: str
    table: MainTable
    period_end: dt.date | None
    indicators: dict[tuple[str, str], Indicator] = field(default_factory=dict)
    dropouts: list[dict] = field(default_factory=list)   # normalised header → value, plus 学校
    suspects: list[dict] = field(default_factory=list)
    flows: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)    # a 汇总's 未报单位 rows (§21.4)
    duties: list[dict] = field(default_factory=list)     # a school's 责任落实 rows (§19)
    ledger_rows: list[dict] = field(default_factory=list)  # a 汇总's 台账汇总 rows (§20)
    cases: list[dict] = field(default_factory=list)      # 劝返台账 rows, plus 学校 (§9.2, §21.3)
    problems: list[Problem] = field(default_factory=list)
    report_date: dt.date | None = None                   # 报出日期 of the footer (§21.2)

    @property
    def month(self) -> str | None:
        return month_label(self.period_end.year, self.period_end.month) if self.period_end else None


# ---------------------------------------------------------------- small helpers


def cell_name(col: int, excel_row: int) -> str:
    return f"{column_letter(col)}{excel_row}"


def unit_key(name: str) -> str:
    return normalise_name(name or "")


_DASHES = {"-", "—", "－", "/", "／", "——", "--", "无"}


def parse_number(value, rate: bool = False) -> tuple[float | None, bool]:
    """A cell as a number → (number or None for blank, ok). Text such as “0.60%”, “1,234” is read;
    a rate typed as text without % and above 1 is taken as a percentage (“98.5” → 0.985)."""
    if value is None or isinstance(value, bool):
        return (None, True) if value is None else (float(value), True)
    if isinstance(value, (int, float)):
        return float(value), value == value
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    if not text or text in _DASHES:
        return None, True
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 0.01
    try:
        number = float(text) * scale
    except ValueError:
        return None, False
    if rate and scale == 1.0 and number > 1:
        number /= 100
    return number, True


# ---------------------------------------------------------------- reading sheets


def _labels_at(rows: list[list], r: int) -> dict[str, int]:
    """Header labels of row r; an empty cell takes the text above it (a vertically merged header)."""
    labels: dict[str, int] = {}
    for col, value in enumerate(rows[r]):
        text = norm_header(value)
        if not text and r > 0 and col < len(rows[r - 1]):
            text = norm_header(rows[r - 1][col])
        if text and text not in labels:
            labels[text] = col
    return labels


def find_header(rows: list[list], required: list[str], one_of: tuple[str, ...] = ()) -> tuple[int, dict[str, int]] | None:
    """The first row (within the first 15) whose labels hold every required text (and one of one_of)."""
    for r in range(min(HEADER_SEARCH_ROWS, len(rows))):
        labels = _labels_at(rows, r)
        if all(name in labels for name in required) and (not one_of or any(n in labels for n in one_of)):
            return r, labels
    return None


def _row_text(row: list) -> str:
    return " ".join(cell_text(v) for v in row if cell_text(v))


def _is_footer(row: list) -> bool:
    text = _row_text(row)
    return any(word in text for word in FOOTER_WORDS)


def read_main_table(sheet: RawSheet) -> tuple[MainTable | None, list[tuple[str, str, str]]]:
    """The 月报表 / 汇总表 table of a sheet → (table or None, [(cell, issue, actual)] for bad cells)."""
    found = find_header(sheet.rows, REQUIRED_LEAVES, ("年级", "单位", "单位名称"))
    if found is None:
        return None, []
    header, labels = found
    kind = "monthly" if "年级" in labels else "aggregate"
    label_col = labels["年级"] if kind == "monthly" else labels.get("单位", labels.get("单位名称"))
    columns = {leaf: labels[leaf] for leaf in LEAF_COLUMNS if leaf in labels}
    context = [_row_text(row) for row in sheet.rows[:header] if _row_text(row)]
    table = MainTable(sheet.name, kind, columns, [], {}, None, context)
    bad: list[tuple[str, str, str]] = []
    for r in range(header + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if _is_footer(row):
            break
        label = norm_header(row[label_col] if label_col < len(row) else None)
        values = [row[c] if c < len(row) else None for c in columns.values()]
        if not label or all(not cell_text(v) for v in values):
            continue  # blank rows, a 零报告/empty-text line, notes
        table_row = TableRow(label, r + 1, _row_values(row, columns, r + 1, bad),
                             _text_at(row, labels.get(STAGE_COLUMN)), _text_at(row, labels.get(GROUP_COLUMN)))
        if label in (TOTAL, "总计"):
            table.total = table_row
            break
        if label in STAGE_ROWS:
            table.subtotals[label] = table_row
        elif kind == "aggregate" and label.endswith(GROUP_SUFFIX):
            table.groups.append(table_row)
        elif kind == "aggregate" or parse_grade(label) is not None:
            table.rows.append(table_row)
    return table, bad


def _text_at(row: list, col: int | None) -> str:
    return norm_header(row[col]) if col is not None and col < len(row) else ""


def row_indicator(indicators: dict, row: TableRow, name: str) -> "Indicator | None":
    """The 指标说明 row of a 汇总表 row: its 学段 scope “<单位>（<学段>）” (a unit split by 学段, §21.4),
    else the unit's own scope."""
    if row.stage:
        found = indicators.get((unit_key(stage_scope(row.label, row.stage)), name))
        if found is not None:
            return found
    return indicators.get((unit_key(row.label), name))


def stage_scope(unit: str, stage: str) -> str:
    return f"{unit}（{stage}）"


def _row_values(row: list, columns: dict[str, int], excel_row: int, bad: list) -> dict[str, float | None]:
    values: dict[str, float | None] = {leaf: 0.0 for leaf in OPTIONAL_LEAVES}
    for leaf, col in columns.items():
        raw = row[col] if col < len(row) else None
        is_rate = leaf in RATE_COLUMNS
        number, ok = parse_number(raw, rate=is_rate)
        if not ok:
            bad.append((cell_name(col, excel_row), f"“{leaf}”不是数字，按 0 计", cell_text(raw)))
        values[leaf] = number if is_rate else (number or 0.0)
    return values


def read_records(sheet: RawSheet, required: list[str], key: str | None = None) -> list[dict]:
    """A list sheet (名单, 学生流动, 未报单位) → one dict per row, keyed by normalised header; a row
    counts when it has a 学籍号 or 姓名 (or, given `key`, that column)."""
    found = find_header(sheet.rows, required)
    if found is None:
        return []
    header, labels = found
    records = []
    for r in range(header + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if _is_footer(row):
            break
        record = {name: row[col] if col < len(row) else None for name, col in labels.items()}
        if not any(cell_text(record.get(k)) for k in ([key] if key else ["学籍号", "姓名"])):
            continue  # blank row, the 零报告 line, a note
        record["_row"] = r + 1
        records.append(record)
    return records


def read_indicators(sheet: RawSheet) -> dict[tuple[str, str], Indicator]:
    found = find_header(sheet.rows, ["范围", "指标", "分子", "分母"])
    if found is None:
        return {}
    header, labels = found
    out: dict[tuple[str, str], Indicator] = {}
    scope = ""
    for r in range(header + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if _is_footer(row):
            break

        def get(name):
            col = labels.get(name)
            return row[col] if col is not None and col < len(row) else None

        scope = unit_key(cell_text(get("范围"))) or scope  # a merged 范围 cell covers the rows below
        name = _cohort_name(get("指标")) or norm_header(get("指标"))
        if not scope or (name not in RATE_COLUMNS and name not in COHORT_INDICATORS):
            continue
        numerator, _ = parse_number(get("分子"))
        denominator, _ = parse_number(get("分母"))
        out[(scope, name)] = Indicator(scope, name, numerator, denominator,
                                       cell_text(get("公式")), cell_text(get("口径")), cell_text(get("口径代码")))
    return _with_sheet_basis(out, sheet.rows[header + 1:])


_COHORT_KEYS = {unicodedata.normalize("NFKC", n): n for n in COHORT_INDICATORS}


def _cohort_name(value) -> str | None:
    """A §22.1 届巩固率 指标 (its 口径 in brackets, full- or half-width), as kc monthly names it."""
    return _COHORT_KEYS.get(unicodedata.normalize("NFKC", cell_text(value)).replace(" ", ""))


def _with_sheet_basis(found: dict, rows: list) -> dict:
    """A 口径 (or 口径代码) said once below the table (“口径：…”, issue 13) holds for every row without its own."""
    notes = {}
    for row in rows:
        text = cell_text(row[0]) if row else ""
        for label in (CODE_NOTE, BASIS_NOTE):
            if text.startswith(label):
                notes.setdefault(label, text[len(label):].strip())
    for indicator in found.values():
        indicator.basis = indicator.basis or notes.get(BASIS_NOTE, "")
        indicator.code = indicator.code or notes.get(CODE_NOTE, "")
    return found


# ---------------------------------------------------------------- one workbook


def _sheet_role(name: str) -> str | None:
    n = norm_header(name)
    if CASE_SHEET in n:
        return "cases"
    if "疑似" in n:
        return "suspects"
    if "辍学" in n and "名单" in n:
        return "dropouts"
    if "流动" in n:
        return "flows"
    if "未报" in n:
        return "missing"
    if "指标" in n:
        return "indicators"
    if n == DUTY_SHEET:
        return "duties"
    if n == LEDGER_SUMMARY_SHEET:
        return "ledger_rows"
    if n in (MONTHLY_SHEET, AGGREGATE_SHEET) or "月报表" in n or "汇总表" in n:
        return "main"
    return None


def _main_table(raw: RawFile) -> tuple[MainTable | None, list]:
    visible = [s for s in raw.sheets if not s.hidden]
    preferred = [s for s in visible if _sheet_role(s.name) == "main"]
    for sheet in preferred + [s for s in visible if s not in preferred]:
        table, bad = read_main_table(sheet)
        if table is not None:
            return table, bad
    return None, []


def read_book(raw: RawFile, mtime: float, expected: list[str]) -> Book | None:
    """A received workbook, or None when it holds no 月报表/汇总表 (not a monthly workbook)."""
    table, bad = _main_table(raw)
    if table is None:
        return None
    unit, unit_found = _unit_of(table, raw.rel, expected)
    book = Book(raw.rel, mtime, unit, table, _period_end(table.context, raw.rel))
    book.report_date = report_date_in(next(s for s in raw.sheets if s.name == table.sheet).rows)
    if not unit_found:
        book.problems.append(Problem(unit, raw.rel, table.sheet, "", "未找到填报单位或标题中的单位名称，按文件名确定单位"))
    for cell, issue, actual in bad:
        book.problems.append(Problem(unit, raw.rel, table.sheet, cell, issue, "数字", actual))
    for sheet in raw.sheets:
        if sheet.hidden:
            continue
        role = _sheet_role(sheet.name)
        if role == "indicators":
            book.indicators = read_indicators(sheet)
        elif role == "dropouts":
            book.dropouts = _with_school(read_records(sheet, ["学籍号", "姓名"]), unit)
        elif role == "suspects":
            book.suspects = [_suspect_date(r) for r in _with_school(read_records(sheet, ["学籍号", "姓名"]), unit)]
        elif role == "flows":
            book.flows = _with_school(read_records(sheet, ["学籍号", "姓名", "变动类型"]), unit)
        elif role == "cases":
            book.cases = _with_school(read_records(sheet, ["学籍号", "姓名", "开立日期"]), unit)
        elif role == "duties":
            book.duties = read_records(sheet, ["层级", "责任范围"], key="层级")
        elif role == "ledger_rows" and table.kind == "aggregate":
            book.ledger_rows = read_records(sheet, ["单位", "班级数"], key="单位")
        elif role == "missing" and table.kind == "aggregate":
            book.missing = read_records(sheet, [MISSING_UNIT], key=MISSING_UNIT)
    return book


def _with_school(records: list[dict], unit: str) -> list[dict]:
    for record in records:
        if not cell_text(record.get("学校")):
            record["学校"] = unit
    return records


def _suspect_date(record: dict) -> dict:
    """Books written before issue 13 head the 疑似辍学名单 date column 辍学日期."""
    if SUSPECT_DATE not in record and "辍学日期" in record:
        record[SUSPECT_DATE] = record.pop("辍学日期")
    return record


def _unit_of(table: MainTable, rel: str, expected: list[str]) -> tuple[str, bool]:
    return unit_from_context(table.context, rel, expected, _TITLE_RE, _FILE_UNIT_RE)


def unit_from_context(context: list[str], rel: str, expected: list[str], title_re: re.Pattern,
                      file_unit_re: re.Pattern) -> tuple[str, bool]:
    """The unit name of a received workbook (§13.27): from its 填报单位 line, else its title (title_re),
    an expected unit's spelling winning; else from the file name (file_unit_re). → (name, found in the sheet)."""
    candidates = [m.group(1) for line in context for m in [_FILLER_RE.search(line)] if m]
    candidates += [m.group(1) for line in context for part in line.split(" ") for m in [title_re.match(part.strip())]
                   if m]
    by_key = {unit_key(name): name for name in expected}
    for name in candidates:
        if unit_key(name) in by_key:
            return by_key[unit_key(name)], True
    if candidates:
        return unit_key(candidates[0]), True
    m = file_unit_re.search(Path(rel).stem)
    return (m.group(1) if m else Path(rel).stem), False


def _period_end(context: list[str], rel: str) -> dt.date | None:
    for line in sorted(context, key=lambda text: "统计时段" not in text):  # not 有效期至 above it (issue 13)
        if "统计时段" in line or "至" in line:
            text = line.split("统计时段", 1)[-1]
            dates = [valid_date(*m.groups()) for m in _DATE_RE.finditer(text)]
            dates = [d for d in dates if d]
            if dates:
                return dates[-1]
    m = _FILE_MONTH_RE.search(Path(rel).name)
    if m and 1 <= int(m.group(2)) <= 12:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)  # the month only; its day is not checked
    return None


def report_date_in(rows: list[list]) -> dt.date | None:
    """The date after 报出日期 in a sheet's footer (§9), or None (§21.2 then uses the file's time)."""
    for row in reversed(rows):
        text = _row_text(row)
        if "报出日期" in text:
            m = _DATE_RE.search(text.split("报出日期", 1)[1])
            return valid_date(*m.groups()) if m else None
    return None


def valid_date(y, m, d) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None
