"""The one form writer every report uses (SPEC §9). It knows layout, not counting rules.

Every sheet: a merged title row, the 填报单位 / 统计时段 / 单位：人 line, a one- or two-row header
(group cells merged over their leaves), data rows, an optional bold 合计 row, notes and the footer
单位负责人 / 填表人 / 联系电话 / 报出日期. A4 landscape, one page wide, header rows repeated, frozen panes.

Values are written as values, never formulas (§13.20); text columns always as string cells so user
text starting with =, +, -, @, tab or CR stays text (§9, §13.26). Workbooks are written atomically
(temp file in the same folder, fsync, rename; §10.2).
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import xlsxwriter

from kc_batch.calendar import SchoolCalendar, chinese_date
from kc_batch.schemas import KINDS, Column  # noqa: F401  (Column: re-exported for the book modules)
from kc_batch.reports import charts, print_layout as layout
from kc_batch.reports.atomic import new_file_mode, safe_filename, write_atomically  # noqa: F401  (re-exported)
from kc_batch.reports.cells import (EXCEL_CELL_LIMIT, TRUNCATION_MARK, _as_date, _as_number, _as_text,  # noqa: F401
                                    _is_missing, _shown_text, clip_text, display_width)
from kc_batch.reports.print_layout import BODY_SIZE, TITLE_SIZE

SHEET_NAME_LIMIT = 31
FONT_NAME = "宋体"
HEADER_FILL = "#D9D9D9"
HIGHLIGHT_FILL = "#FFC7CE"
HIGHLIGHT_FONT = "#C00000"
MIN_WIDTH = 4.0
MAX_WIDTH = 40.0
TEXT_WRAP_WIDTH = 24.0      # a text column wraps inside this many character widths unless told otherwise
CENTRED_HEADERS = ("序号", "行号")
WIDTH_SAMPLE_ROWS = 2000
LINE_HEIGHT = 15.0          # points per text line at 11 pt
TITLE_HEIGHT = 28.0
HANDWRITING_HEIGHT = 22.0   # a ruled blank row of a form
CHART_HEIGHT_PX = 300
CHART_ROWS = 17             # rows a default chart (288 px) needs, with a gap


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


# ---------------------------------------------------------------- public API


def write_workbook(path: Path, sheets: list[Sheet], meta: ReportMeta) -> Path:
    """Write the sheets to path atomically (reports/atomic.py); OSError becomes OutputError naming the path."""
    _check_sheets(sheets)
    return write_atomically(Path(path), lambda tmp_name: _build_workbook(tmp_name, sheets, meta))


def _check_sheets(sheets: list[Sheet]) -> None:
    if not sheets:
        raise ValueError("write_workbook needs at least one sheet")
    for sheet in sheets:
        if not sheet.columns:
            raise ValueError(f"sheet {sheet.name!r} has no columns")
        for column in sheet.columns:
            if column.kind not in KINDS:
                raise ValueError(f"unknown column kind {column.kind!r}")
        for chart in sheet.charts:
            if chart.kind not in ("line", "column"):
                raise ValueError(f"unknown chart kind {chart.kind!r}")


def said_once(sheet: Sheet) -> Sheet:
    """A say_once column whose non-empty cells all hold one text is left out and said once, as the first
    note below the table (issue 13: 指标说明 does not repeat its 口径 on every row)."""
    for header in sheet.say_once:
        index = next((i for i, c in enumerate(sheet.columns) if c.header == header), None)
        if index is None:
            continue
        values = {row[index] for row in sheet.rows if index < len(row) and not _is_missing(row[index]) and row[index] != ""}
        if len(values) > 1:
            continue
        cut = [c for i, c in enumerate(sheet.columns) if i != index]
        rows = [[v for i, v in enumerate(row) if i != index] for row in sheet.rows]
        notes = ([f"{header}：{values.pop()}"] if values else []) + list(sheet.notes)
        highlight = {(r, c - (c > index)) for r, c in sheet.highlight if c != index}
        sheet = replace(sheet, columns=cut, rows=rows, notes=notes, highlight=highlight)
    return sheet


def _build_workbook(filename: str, sheets: list[Sheet], meta: ReportMeta) -> None:
    workbook = xlsxwriter.Workbook(filename, {
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "in_memory": True,
        "remove_timezone": True,
    })
    try:
        formats = _Formats(workbook)
        used_names: set[str] = set()
        for sheet in sheets:
            sheet = said_once(sheet)
            name = unique_sheet_name(sheet.name, used_names)
            _SheetWriter(workbook, workbook.add_worksheet(name), sheet, meta, formats).write()
    finally:
        workbook.close()


# ---------------------------------------------------------------- text helpers


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def unique_sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique (case-insensitive) sheet name of at most 31 characters."""
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'") or "Sheet"
    base = base[:SHEET_NAME_LIMIT]
    candidate, number = base, 2
    while candidate.lower() in used:
        suffix = f"({number})"
        candidate = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        number += 1
    used.add(candidate.lower())
    return candidate


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


# ---------------------------------------------------------------- formats


class _Formats:
    """Cached xlsxwriter formats keyed by (role, kind, bold, highlight)."""

    NUMBER_FORMATS = {"int": "0", "num": "General", "percent": "0.00%", "date": "yyyy-mm-dd"}

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.cache: dict[tuple, object] = {}
        self.cell_cache: dict[tuple, object] = {}

    def get(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format({"font_name": FONT_NAME, "font_size": BODY_SIZE,
                                                        "valign": "vcenter", **props})
        return self.cache[key]

    def title(self):
        return self.get(bold=True, font_size=TITLE_SIZE, align="center", text_wrap=True)

    def line(self, align: str = "left"):
        return self.get(align=align, text_wrap=True)

    def header(self):
        return self.get(bold=True, border=1, text_wrap=True, align="center", bg_color=HEADER_FILL)

    def cell(self, kind: str, bold: bool = False, highlight: bool = False, number_format: str | None = None,
             align: str | None = None):
        key = ("cell", kind, bold, highlight, number_format, align)
        if key not in self.cell_cache:
            self.cell_cache[key] = self._cell_format(kind, bold, highlight, number_format, align)
        return self.cell_cache[key]

    def _cell_format(self, kind: str, bold: bool, highlight: bool, number_format: str | None, align: str | None):
        props = {"border": 1}
        if kind == "text":
            props.update(text_wrap=True, align=align or "left")
        else:
            props.update(align=align or ("center" if kind == "date" else "right"))
            props["num_format"] = number_format or self.NUMBER_FORMATS[kind]
        if bold or highlight:
            props["bold"] = True
        if highlight:
            props.update(bg_color=HIGHLIGHT_FILL, font_color=HIGHLIGHT_FONT)
        return self.get(**props)


# ---------------------------------------------------------------- one sheet


class _SheetWriter:
    def __init__(self, workbook, worksheet, sheet: Sheet, meta: ReportMeta, formats: _Formats) -> None:
        self.workbook = workbook
        self.ws = worksheet
        self.sheet = sheet
        self.meta = meta
        self.formats = formats
        self.ncols = len(sheet.columns)
        self.widths = self._widened(self._column_widths())
        self.plan = layout.plan_pages(self.widths, [c.header for c in sheet.columns])
        self.line_last = self.plan.strips[0][1]   # notes and one-cell lines stay on the first strip
        self.two_level = any(column.group is not None for column in sheet.columns)
        self.row = 0
        self.header_top = 0

    def write(self) -> None:
        self._set_widths()
        self._write_title()
        self._write_form_block()
        self._write_info_line()
        for line in self.sheet.intro:
            self._write_full_line(line, self.formats.line())
        self._write_header()
        first_data_row = self.row
        self._write_body()
        self._write_notes()
        if self.sheet.print_charts:
            self.row += 1
            self._write_charts()
        self._write_footer()
        last_row = max(self.row - 1, first_data_row)
        if not self.sheet.print_charts:
            self._write_charts()
        self._set_print_setup(first_data_row, last_row)

    # -- widths (issue 13: from content, text wrapped inside a bound, headers broken at a word)

    def _column_widths(self) -> list[float]:
        return [self._auto_width(index, column) for index, column in enumerate(self.sheet.columns)]

    def _auto_width(self, index: int, column: Column) -> float:
        sample = list(self.sheet.rows[:WIDTH_SAMPLE_ROWS])
        if self.sheet.total_row is not None:
            sample.append(self.sheet.total_row)
        texts = {_shown_text(row[index], column.kind)[:200] for row in sample if index < len(row)}
        content = max((layout.px_to_fit(line) for text in texts for line in text.split("\n")), default=0.0)
        if column.kind == "text":  # wraps inside its bound, but a 学籍号 or a number is never cut
            longest = max((layout.longest_token_px(text) for text in texts), default=0.0)
            content = max(min(content, layout.px_of_width(column.width or TEXT_WRAP_WIDTH)), longest)
        px = layout.header_px(column.header, content)
        return min(MAX_WIDTH, max(MIN_WIDTH, column.min_width or 0, layout.width_of_px(px)))

    def _widened(self, widths: list[float]) -> list[float]:
        """A narrow table is widened so that its title and 统计时段 line print on one line (issue 13)."""
        page_px = layout.PRINTABLE_PT / layout.WIDEST_PT_PER_PX
        fraction = 1.0 if self.sheet.print_charts else layout.MIN_PRINT_FRACTION   # charts side by side
        needed = min(page_px, max(fraction * page_px, layout.px_to_fit(self.sheet.title, TITLE_SIZE) + 30,
                                  sum(layout.px_to_fit(t) + 40 for t, _ in self._info_parts())))
        px = [layout.px_of_width(w) for w in widths]
        extra = needed - sum(px)
        if extra <= 0:
            return widths
        # widen the columns whose header is on one line: a wrapped header keeps its break at a word
        free = [i for i, c in enumerate(self.sheet.columns) if layout.lines_needed(c.header, px[i]) == 1]
        free = free or list(range(len(px)))
        factor = 1 + extra / sum(px[i] for i in free)
        return [layout.width_of_px(p * factor) if i in free else widths[i] for i, p in enumerate(px)]

    def _set_widths(self) -> None:
        for index, width in enumerate(self.widths):
            self.ws.set_column(index, index, width)

    def _span_px(self, first: int, last: int) -> float:
        return sum(layout.px_of_width(w) for w in self.widths[first:last + 1])

    def _lines_needed(self, text: str, first: int, last: int, size: float = BODY_SIZE) -> int:
        return layout.lines_needed(text, self._span_px(first, last), size)

    # -- merged lines

    def _merged(self, row: int, first: int, last: int, text: str, fmt) -> None:
        text = clip_text(text)
        if last > first:
            self.ws.merge_range(row, first, row, last, "", fmt)
        self.ws.write_string(row, first, text, fmt)

    def _set_lines_height(self, lines: int, base_height: float = LINE_HEIGHT, cap: int = 20) -> None:
        if lines > 1 or base_height != LINE_HEIGHT:
            self.ws.set_row(self.row, base_height * min(lines, cap) + (4 if lines > 1 else 0))

    def _write_full_line(self, text: str, fmt, span: tuple[int, int] | None = None) -> None:
        """One merged line over the table (over the first strip of a sheet printed several pages wide)."""
        first, last = span or (0, self.line_last)
        self._merged(self.row, first, last, text, fmt)
        self._set_lines_height(self._lines_needed(text[:2000], first, last))
        self.row += 1

    def _tail_span(self) -> tuple[int, int]:
        """Notes and footer: under the whole table, or on the last page of a sheet printed several
        pages wide (then the key columns repeated there stay empty, and nothing is cut at a page edge)."""
        return self.plan.strips[-1] if self.plan.wide else (0, self.ncols - 1)

    def _write_title(self) -> None:
        fmt, title = self.formats.title(), self.sheet.title
        lines = 1
        for number, (first, last) in enumerate(self._title_spans()):
            text = title if number == 0 else f"{title}（续表）"
            if self._lines_needed(text, first, last, TITLE_SIZE) > 1 and "（" in text[1:]:
                at = text.index("（", 1)  # a long title breaks before its bracket, not at the last character
                text = text[:at] + "\n" + text[at:]
            self._merged(self.row, first, last, text, fmt)
            lines = max(lines, self._lines_needed(text, first, last, TITLE_SIZE))
        self._set_lines_height(lines, TITLE_HEIGHT)
        self.row += 1

    def _title_spans(self) -> list[tuple[int, int]]:
        plan = self.plan
        if not plan.wide:
            return [(0, self.ncols - 1)]
        first_last = plan.strips[0][1]
        # not over the key columns: they print again on the next pages, with whatever part of the title
        # they held (LibreOffice even draws the cut-off text there)
        return [(plan.repeat, first_last)] + [(a, b) for a, b in plan.strips[1:]]

    def _write_form_block(self) -> None:
        """表号 / 制表机关 / 批准机关 / 批准文号 / 有效期至 at the top right, when kc.toml sets them (issue 13)."""
        lines = form_block_lines(self.meta)
        if not lines:
            return
        last = self.plan.strips[-1][1] if not self.plan.wide else self.line_last
        first = self._right_block_first(last, max(layout.text_em(t) for t in lines))
        fmt = self.formats.line("left")
        for text in lines:
            self._merged(self.row, first, last, text, fmt)
            self.row += 1

    def _right_block_first(self, last: int, em: float) -> int:
        needed = (BODY_SIZE * em + 8) / layout.EXCEL_PT_PER_PX
        first = last
        while first > 0 and self._span_px(first, last) < needed:
            first -= 1
        return first

    def _info_parts(self) -> list[tuple[str, str]]:
        parts = []
        if self.sheet.unit_line:
            unit = f"填报单位：{self.meta.unit_name}"
            if self.meta.unit_code:
                unit += f"    单位代码：{self.meta.unit_code}"  # apart by spaces: readers stop the name there
            parts.append((unit, "left"))
        if self.sheet.period:
            parts.append((f"统计时段：{self.sheet.period}", "center"))
        if self.sheet.unit_line and self.sheet.count_unit:
            parts.append((self.sheet.count_unit, "right"))
        return parts

    def _info_spans(self, parts: list[tuple[str, str]], first: int, last: int) -> list[tuple[int, int]] | None:
        """Column spans for the parts, sized to their text: left part from the left, right part from
        the right, the middle takes the rest. None when there are too few columns."""
        n = last - first + 1
        if len(parts) == 1:
            return [(first, last)]
        if n < len(parts):
            return None
        left_end = first
        while left_end < last - len(parts) + 1 and self._span_px(first, left_end) < layout.px_to_fit(parts[0][0]):
            left_end += 1
        right_start = self._right_block_first(last, layout.text_em(parts[-1][0]))
        right_start = max(right_start, left_end + len(parts) - 1)
        if len(parts) == 2:
            return [(first, right_start - 1), (right_start, last)]
        return [(first, left_end), (left_end + 1, right_start - 1), (right_start, last)]

    def _write_info_line(self) -> None:
        parts = self._info_parts()
        if not parts:
            return
        first, last, keys_cell = 0, self.line_last, None
        if self.plan.wide and self.plan.repeat and self.sheet.unit_line:
            # 填报单位 in the key columns, so it prints on every page; the rest over the first strip
            keys_cell, parts, first = (parts[0], (0, self.plan.repeat - 1)), parts[1:], self.plan.repeat
        rows = self._info_rows(parts, first, last) if parts else [[]]
        if keys_cell:
            rows[0].insert(0, keys_cell)
        for number, row in enumerate(rows):
            lines = 1
            for (text, align), (a, b) in row:
                self._merged(self.row, a, b, text, self.formats.line(align))
                lines = max(lines, self._lines_needed(text, a, b))
            if number == 0 and self.sheet.period:
                for a, b in self.plan.strips[1:]:
                    self._merged(self.row, a, b, f"统计时段：{self.sheet.period}", self.formats.line("center"))
            self._set_lines_height(lines, cap=10)
            self.row += 1

    def _info_rows(self, parts: list[tuple[str, str]], first: int, last: int) -> list[list]:
        """填报单位 / 统计时段 / 单位：人 on one line when each fits its cell; else 填报单位 and 统计时段
        share the left cell; else one line each (a narrow sheet never squeezes them into 5 lines)."""
        tries = [parts]
        if len(parts) == 3:
            tries.append([(parts[0][0] + "    " + parts[1][0], "left"), parts[2]])
        for attempt in tries:
            spans = self._info_spans(attempt, first, last)
            if spans and all(layout.px_to_fit(text) <= self._span_px(a, b) for (text, _), (a, b) in zip(attempt, spans)):
                return [list(zip(attempt, spans))]
        return [[(part, (first, last))] for part in parts]

    # -- header

    def _write_header(self) -> None:
        self.header_top = self.row
        fmt = self.formats.header()
        if not self.two_level:
            for index, column in enumerate(self.sheet.columns):
                self.ws.write_string(self.row, index, clip_text(column.header), fmt)
            self._set_header_height(self.row, [self._leaf_lines(i) for i in range(self.ncols)])
            self.row += 1
            return
        top, leaf = self.row, self.row + 1
        group_lines, leaf_lines = [1], [1]
        for first, last, group in self._group_runs():
            if group is None:
                self.ws.merge_range(top, first, leaf, first, "", fmt)
                self.ws.write_string(top, first, clip_text(self.sheet.columns[first].header), fmt)
                leaf_lines.append(self._leaf_lines(first) - 1)
                continue
            self._merged(top, first, last, group, fmt)
            group_lines.append(self._lines_needed(group, first, last))
            for index in range(first, last + 1):
                self.ws.write_string(leaf, index, clip_text(self.sheet.columns[index].header), fmt)
                leaf_lines.append(self._leaf_lines(index))
        self._set_header_height(top, group_lines)
        self._set_header_height(leaf, leaf_lines)
        self.row += 2

    def _group_runs(self) -> list[tuple[int, int, str | None]]:
        """(first, last, group) for runs of equal consecutive groups; a None group is a run of one."""
        runs: list[tuple[int, int, str | None]] = []
        for index, column in enumerate(self.sheet.columns):
            if runs and column.group is not None and runs[-1][2] == column.group:
                runs[-1] = (runs[-1][0], index, column.group)
            else:
                runs.append((index, index, column.group))
        return runs

    def _leaf_lines(self, index: int) -> int:
        return self._lines_needed(self.sheet.columns[index].header, index, index)

    def _set_header_height(self, row: int, lines: list[int]) -> None:
        self.ws.set_row(row, LINE_HEIGHT * min(max(lines, default=1), 10) + 6)

    # -- body

    def _write_body(self) -> None:
        sheet = self.sheet
        if not sheet.rows and sheet.empty_text is not None:
            self._write_empty_text(sheet.empty_text)
        for index, values in enumerate(sheet.rows):
            self._write_data_row(values, index, bold=index in sheet.subtotal_rows)
        if sheet.total_row is not None:
            self._write_data_row(sheet.total_row, -1, bold=True)
        self._write_blank_rows()

    def _write_blank_rows(self) -> None:
        """Ruled rows to write in by hand: text cells as text (a 学籍号 stays text), dates as dates."""
        count = self.sheet.blank_rows
        if not count:
            return
        first = self.row
        for col, column in enumerate(self.sheet.columns):
            fmt = self.formats.get(border=1, num_format="yyyy-mm-dd" if column.kind == "date" else "@",
                                   align=_align(column) or "left")
            for row in range(first, first + count):
                self.ws.write_blank(row, col, None, fmt)
            if column.header in self.sheet.choices:
                self.ws.data_validation(first, col, first + count - 1, col, {
                    "validate": "list", "source": self.sheet.choices[column.header], "ignore_blank": True,
                    "error_type": "warning", "error_message": "请从下拉列表中选择"})
        for row in range(first, first + count):
            self.ws.set_row(row, HANDWRITING_HEIGHT)
        self.row += count

    def _write_empty_text(self, text: str) -> None:
        fmt = self.formats.get(border=1, align="center", text_wrap=True)
        first, last = (self.plan.repeat, self.line_last) if self.plan.wide else (0, self.ncols - 1)
        self._merged(self.row, first, last, text, fmt)
        self.row += 1

    def _write_data_row(self, values: list, row_index: int, bold: bool) -> None:
        lines = 1
        for col, column in enumerate(self.sheet.columns):
            value = values[col] if col < len(values) else None
            highlight = (row_index, col) in self.sheet.highlight
            self._write_cell(self.row, col, value, column.kind, bold, highlight, _align(column))
            if column.kind == "text" and isinstance(value, str) and 2 * len(value) > self.widths[col] - 1:
                lines = max(lines, self._lines_needed(value[:2000], col, col))
        if lines > 1:  # wrapped text: no spreadsheet program grows a row whose height the file leaves out
            self.ws.set_row(self.row, LINE_HEIGHT * min(lines, 15) + 4)
        self.row += 1

    def _write_cell(self, row: int, col: int, value, kind: str, bold: bool, highlight: bool,
                    align: str | None = None) -> None:
        ws, formats = self.ws, self.formats
        if _is_missing(value):
            ws.write_blank(row, col, None, formats.cell(kind, bold, highlight, align=align))
            return
        if kind in ("int", "num", "percent"):
            number = _as_number(value)
            if number is not None:
                number_format = "General" if kind == "int" and number != int(number) else None
                ws.write_number(row, col, number, formats.cell(kind, bold, highlight, number_format, align))
                return
            if isinstance(value, (int, float)):  # inf: no finite value to show
                ws.write_blank(row, col, None, formats.cell(kind, bold, highlight, align=align))
                return
        elif kind == "date":
            day = _as_date(value)
            if day is not None:
                ws.write_datetime(row, col, datetime.datetime(day.year, day.month, day.day),
                                  formats.cell(kind, bold, highlight, align=align))
                return
        ws.write_string(row, col, clip_text(_as_text(value)), formats.cell("text", bold, highlight, align=align))

    # -- notes and footer

    def _write_notes(self) -> None:
        if self.sheet.notes:
            self.row += 1  # a blank row keeps the notes apart from the table (readers stop there)
        for note in self.sheet.notes:
            self._write_full_line(note, self.formats.line(), self._tail_span())

    def _write_footer(self) -> None:
        """单位负责人 / 审核人 / 填表人 / 联系电话 / 报出日期 under the table: on the last page (issue 13)."""
        self.row += 1
        first, last = self._tail_span()
        text = footer_text(self.meta)
        self._merged(self.row, first, last, text, self.formats.line())
        self._set_lines_height(self._lines_needed(text, first, last))
        self.row += 1

    # -- charts (reports/charts.py)

    def _write_charts(self) -> None:
        """Data blocks right of the table (off the printed form); each chart under its block, or, with
        print_charts, side by side on a page of their own after the table (issue 13: 图表 prints)."""
        first_col, top = self.ncols + 1, self.header_top
        made = []
        for spec in self.sheet.charts:
            chart, last_row = charts.write_chart_block(self, spec, top, first_col)
            made.append((chart, last_row))
            top = last_row + 2 + CHART_ROWS
        if not self.sheet.print_charts:
            for chart, last_row in made:
                self.ws.insert_chart(last_row + 2, first_col, chart)
            return
        if not made:
            return
        gap = 12
        each = (self._span_px(0, self.ncols - 1) - gap * (len(made) - 1)) / len(made)
        self.ws.set_h_pagebreaks([self.row])
        for number, (chart, _) in enumerate(made):
            chart.set_size({"width": int(each), "height": CHART_HEIGHT_PX})
            self.ws.insert_chart(self.row, 0, chart, {"x_offset": int(number * (each + gap)), "object_position": 3})
        self.row += CHART_ROWS

    # -- print setup

    def _set_print_setup(self, first_data_row: int, last_row: int) -> None:
        ws, plan = self.ws, self.plan
        ws.set_landscape()
        ws.set_paper(9)  # A4
        if plan.wide:  # issue 13: side by side pages, key columns repeated, ≥ 9 pt
            ws.set_print_scale(plan.scale)
            ws.set_v_pagebreaks([first for first, _ in plan.strips[1:]])
            if plan.repeat:
                ws.repeat_columns(0, plan.repeat - 1)
            ws.print_across()
        else:
            ws.fit_to_pages(1, 0)
        side = layout.SIDE_MARGIN_IN
        ws.set_margins(left=side, right=side, top=0.5, bottom=0.6)
        ws.center_horizontally()
        ws.set_footer("&L&A&C第 &P 页，共 &N 页")  # the sheet's name on every page: which form a page is
        ws.repeat_rows(0, first_data_row - 1)
        ws.print_area(0, 0, last_row, self.ncols - 1)  # the form only; chart blocks stay on screen
        ws.freeze_panes(first_data_row, self._frozen_columns())

    def _frozen_columns(self) -> int:
        if self.ncols <= 8:
            return 0
        return self.plan.repeat or layout.key_columns([c.header for c in self.sheet.columns]) or 1


def _align(column: Column) -> str | None:
    return "center" if column.header in CENTRED_HEADERS else None
