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
import errno
import math
import os
import re
import tempfile
from glob import escape as glob_escape
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import XlsxFileError

from kc_batch.calendar import SchoolCalendar, chinese_date
from kc_batch.errors import OutputError
from kc_batch.schemas import KINDS, Column  # noqa: F401  (Column: re-exported for the book modules)
from kc_batch.reports import print_layout as layout
from kc_batch.reports.print_layout import BODY_SIZE, TITLE_SIZE

EXCEL_CELL_LIMIT = 32767
TRUNCATION_MARK = "…（已截断）"
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
    footer: bool = True
    notes: list[str] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    empty_text: str | None = None


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
    """Write the sheets to path atomically; OSError becomes OutputError naming the path."""
    path = Path(path)
    _check_sheets(sheets)
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(path)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".tmp")
        os.close(fd)
        _build_workbook(tmp_name, sheets, meta)
        _fsync_file(tmp_name)
        os.chmod(tmp_name, new_file_mode())  # mkstemp's 0600 would survive the rename
        _replace(tmp_name, path)
        tmp_name = None
        _fsync_dir(path.parent)
    except OutputError:
        raise
    except (OSError, XlsxFileError) as exc:
        raise OutputError(f"无法写入 {path}：磁盘已满或目录只读（{_reason(exc)}）") from exc
    finally:
        if tmp_name is not None:
            _remove_quietly(tmp_name)
    return path


IN_USE_ERRNOS = {errno.EPERM, errno.EACCES, errno.EBUSY, errno.ETXTBSY}


def _replace(tmp_name: str, path: Path) -> None:
    """Put the finished workbook in place; a target that cannot be replaced is open elsewhere (issue 12)."""
    try:
        os.replace(tmp_name, path)
    except OSError as exc:
        if exc.errno in IN_USE_ERRNOS and path.exists():
            raise OutputError(f"无法替换 {path}：该文件可能正被其他程序（如 Excel、WPS）打开，或被设为只读；"
                              "请关闭该文件（或取消只读）后重新运行。") from exc
        raise


def new_file_mode() -> int:
    """The mode a new file gets under the current umask (0666 & ~umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _remove_stale_temps(path: Path) -> None:
    """Temp files of this same workbook left by a run that was killed (§10.2) are removed."""
    for stale in path.parent.glob("." + glob_escape(path.name) + ".*.tmp"):
        _remove_quietly(str(stale))


_UNSAFE_FILENAME_CHARS = re.compile(r'[/\\:*?"<>|]')


def safe_filename(text: str) -> str:
    """A file-name part that cannot leave its folder (§10.3): never empty, no separators, no '..'."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE_FILENAME_CHARS.sub("_", text)
    text = text.replace("..", "_")
    text = text.strip().strip(".").strip()
    return text or "_"


# ---------------------------------------------------------------- file handling


def _reason(exc: BaseException) -> str:
    inner = exc.args[0] if isinstance(exc, XlsxFileError) and exc.args else exc
    return getattr(inner, "strerror", None) or str(inner)


def _fsync_file(name: str) -> None:
    with open(name, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(name: str) -> None:
    try:
        os.remove(name)
    except OSError:
        pass


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
            name = unique_sheet_name(sheet.name, used_names)
            _SheetWriter(workbook, workbook.add_worksheet(name), sheet, meta, formats).write()
    finally:
        workbook.close()


# ---------------------------------------------------------------- text helpers


def clip_text(text: str) -> str:
    """Cut a string to Excel's cell limit, marking the cut."""
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    return text[: EXCEL_CELL_LIMIT - len(TRUNCATION_MARK)] + TRUNCATION_MARK


def display_width(text: str) -> int:
    """Width in character cells: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


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
    """The footer of a report of `period` (a week, a month, a 小升初 year or an as-of date); its
    报出日期 follows the one rule SchoolCalendar.report_date (§13.18)."""
    return ReportMeta(unit_name or cfg.unit.name, cfg.unit.principal, cfg.unit.clerk, cfg.unit.phone,
                      SchoolCalendar(cfg.calendar).report_date(period))


def footer_text(meta: ReportMeta) -> str:
    return (f"单位负责人：{meta.principal}    审核人：{meta.reviewer}    填表人：{meta.clerk}    "
            f"联系电话：{meta.phone}    报出日期：{chinese_date(meta.report_date)}")


FORM_BLOCK = (("表号", "form_no"), ("制表机关", "issuer"), ("批准机关", "approver"), ("批准文号", "approval_no"),
              ("有效期至", "valid_until"))


def form_block_lines(meta: ReportMeta) -> list[str]:
    """The official form block, one line per key that is set (none when all are empty)."""
    return [f"{label}：{getattr(meta, attr)}" for label, attr in FORM_BLOCK if getattr(meta, attr)]


# ---------------------------------------------------------------- value conversion


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return value != value  # NaN, NaT
    except (TypeError, ValueError):
        return False


def _as_number(value):
    """A finite float/int for numeric columns, or None when the value is not a number."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        scale = 1.0
        if text.endswith("%"):
            text, scale = text[:-1], 0.01
        try:
            number = float(text) * scale
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    try:
        number = float(value)  # Decimal, numpy scalars
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _shown_text(value, kind: str) -> str:
    """Roughly what Excel shows, for column widths."""
    if _is_missing(value):
        return ""
    if kind == "percent":
        return "100.00%"
    if kind == "date":
        return "2026-01-01"
    if kind in ("int", "num"):
        number = _as_number(value)
        if number is not None:
            return f"{number:.6g}"
    return _as_text(value)


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


def _largest_value(spec: ChartSpec) -> float:
    numbers = [_as_number(v) for _, values in spec.series for v in values if not _is_missing(v)]
    return max((n for n in numbers if n is not None), default=0)


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
        self._write_header()
        first_data_row = self.row
        self._write_body()
        self._write_notes()
        self._write_footer()
        last_row = max(self.row - 1, first_data_row)
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
        if column.kind == "text":
            content = min(content, layout.px_of_width(column.width or TEXT_WRAP_WIDTH))
        px = layout.header_px(column.header, content)
        return min(MAX_WIDTH, max(MIN_WIDTH, layout.width_of_px(px)))

    def _widened(self, widths: list[float]) -> list[float]:
        """A narrow table is widened so that its title and 统计时段 line print on one line (issue 13)."""
        needed = min(layout.PRINTABLE_PT, max(layout.MIN_PRINT_FRACTION * layout.PRINTABLE_PT,
                                              TITLE_SIZE * layout.text_em(self.sheet.title) + 24,
                                              sum(BODY_SIZE * layout.text_em(t) + 24 for t, _ in self._info_parts())))
        have = layout.sheet_pt(widths)
        if have >= needed:
            return widths
        factor = needed / have
        return [layout.width_of_px(layout.px_of_width(w) * factor) for w in widths]

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

    def _write_full_line(self, text: str, fmt, base_height: float = LINE_HEIGHT, size: float = BODY_SIZE) -> None:
        """One merged line over the first strip (the whole table when it prints one page wide)."""
        self._merged(self.row, 0, self.line_last, text, fmt)
        self._set_lines_height(self._lines_needed(text[:2000], 0, self.line_last, size), base_height)
        self.row += 1

    def _write_title(self) -> None:
        fmt, title = self.formats.title(), self.sheet.title
        lines = 1
        for number, (first, last) in enumerate(self._title_spans()):
            text = title if number == 0 else f"{title}（续表）"
            self._merged(self.row, first, last, text, fmt)
            lines = max(lines, self._lines_needed(text, first, last, TITLE_SIZE))
        self._set_lines_height(lines, TITLE_HEIGHT)
        self.row += 1

    def _title_spans(self) -> list[tuple[int, int]]:
        plan = self.plan
        if not plan.wide:
            return [(0, self.ncols - 1)]
        first_last = plan.strips[0][1]
        title_px = (TITLE_SIZE * layout.text_em(self.sheet.title) + 8) / layout.EXCEL_PT_PER_PX
        keys_px = self._span_px(0, plan.repeat - 1)
        # centred over the whole first strip unless the title would reach into the repeated key columns
        first = 0 if self._span_px(0, first_last) - title_px >= 2 * keys_px else plan.repeat
        return [(first, first_last)] + [(a, b) for a, b in plan.strips[1:]]

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
                unit += f"（单位代码：{self.meta.unit_code}）"
            parts.append((unit, "left"))
        if self.sheet.period:
            parts.append((f"统计时段：{self.sheet.period}", "center"))
        if self.sheet.unit_line:
            parts.append(("单位：人", "right"))
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
        first, last = 0, self.line_last
        if self.plan.wide and self.plan.repeat and self.sheet.unit_line:
            # 填报单位 in the key columns, so it prints on every page; the rest over the first strip
            self._merged(self.row, 0, self.plan.repeat - 1, parts[0][0], self.formats.line("left"))
            lines = self._lines_needed(parts[0][0], 0, self.plan.repeat - 1)
            parts, first = parts[1:], self.plan.repeat
        else:
            lines = 1
        spans = self._info_spans(parts, first, last)
        if spans is None:  # too few columns: one cell holds everything
            parts, spans = [("    ".join(text for text, _ in parts), "left")], [(first, last)]
        for (text, align), (a, b) in zip(parts, spans):
            self._merged(self.row, a, b, text, self.formats.line(align))
            lines = max(lines, self._lines_needed(text, a, b))
        for a, b in self.plan.strips[1:]:
            if self.sheet.period:
                self._merged(self.row, a, b, f"统计时段：{self.sheet.period}", self.formats.line("center"))
        self._set_lines_height(lines, cap=10)
        self.row += 1

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

    def _write_empty_text(self, text: str) -> None:
        fmt = self.formats.get(border=1, align="center", text_wrap=True)
        self._merged(self.row, 0, self.ncols - 1 if not self.plan.wide else self.line_last, text, fmt)
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
            self._write_full_line(note, self.formats.line())

    def _write_footer(self) -> None:
        """单位负责人 / 审核人 / 填表人 / 联系电话 / 报出日期 under the table: on the last page (issue 13)."""
        if not self.sheet.footer:
            return
        self.row += 1
        first, last = self.plan.strips[-1] if self.plan.wide else (0, self.ncols - 1)
        text = footer_text(self.meta)
        self._merged(self.row, first, last, text, self.formats.line())
        self._set_lines_height(self._lines_needed(text, first, last))
        self.row += 1

    # -- charts

    def _write_charts(self) -> None:
        first_col = self.ncols + 1
        row = self.header_top
        for spec in self.sheet.charts:
            row = self._write_chart(spec, row, first_col)

    def _write_chart(self, spec: ChartSpec, top: int, first_col: int) -> int:
        """Data block (caption, header, one row per category) then the chart under it; returns next free row."""
        ws, formats = self.ws, self.formats
        ws.write_string(top, first_col, clip_text(spec.title), formats.get(bold=True))
        header_row, first_row = top + 1, top + 2
        ws.write_string(header_row, first_col, spec.x_title or "类别", formats.header())
        ws.set_column(first_col, first_col, max(10, min(MAX_WIDTH, max(
            (display_width(c) + 2 for c in spec.categories), default=10))))
        for offset, (name, _) in enumerate(spec.series, start=1):
            ws.write_string(header_row, first_col + offset, clip_text(name), formats.header())
            ws.set_column(first_col + offset, first_col + offset, max(10, min(20, display_width(name) + 2)))
        value_kind = "percent" if spec.y_percent else "num"
        for index, category in enumerate(spec.categories):
            ws.write_string(first_row + index, first_col, clip_text(_as_text(category)), formats.cell("text"))
            for offset, (_, values) in enumerate(spec.series, start=1):
                value = values[index] if index < len(values) else None
                self._write_cell(first_row + index, first_col + offset, value, value_kind, False, False)
        last_row = first_row + max(len(spec.categories), 1) - 1
        chart = self._make_chart(spec, first_row, last_row, first_col)
        chart_row = last_row + 2
        ws.insert_chart(chart_row, first_col, chart)
        return chart_row + CHART_ROWS

    def _make_chart(self, spec: ChartSpec, first_row: int, last_row: int, first_col: int):
        sheet_name = self.ws.get_name()
        chart = self.workbook.add_chart({"type": spec.kind})
        for offset, (name, _) in enumerate(spec.series, start=1):
            series = {
                "name": [sheet_name, first_row - 1, first_col + offset],
                "categories": [sheet_name, first_row, first_col, last_row, first_col],
                "values": [sheet_name, first_row, first_col + offset, last_row, first_col + offset],
            }
            if spec.kind == "line":
                series["marker"] = {"type": "circle", "size": 5}
            chart.add_series(series)
        font = {"name": FONT_NAME}
        chart.set_title({"name": spec.title, "name_font": {**font, "size": 12, "bold": True}})
        x_axis = {"num_font": font}
        if spec.x_title:
            x_axis.update(name=spec.x_title, name_font=font)
        y_name = spec.y_title or ("比率" if spec.y_percent else "人数")
        y_axis = {"name": y_name, "name_font": font, "num_font": font,
                  "major_gridlines": {"visible": True}}
        if spec.y_percent:
            y_axis["num_format"] = "0%"
        else:
            y_axis.update(min=0, num_format="0")
            if _largest_value(spec) <= 10:
                y_axis["major_unit"] = 1  # small head counts: no 0.5-person ticks
        chart.set_x_axis(x_axis)
        chart.set_y_axis(y_axis)
        chart.set_legend({"position": "bottom", "font": font})
        chart.show_blanks_as("gap")
        return chart

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
