"""One worksheet as the form writer fills it: the Sheet and its meta, the column widths and page plan
(reports/form_page.py), the row the next part starts on, and the merged one-cell lines every part uses
(title, 填报单位 line, notes, footer)."""
from __future__ import annotations

from kc_batch.reports import print_layout as layout
from kc_batch.reports.cells import clip_text
from kc_batch.reports.form_formats import Formats
from kc_batch.reports.form_spec import ReportMeta, Sheet
from kc_batch.reports.print_layout import BODY_SIZE

LINE_HEIGHT = 15.0          # points per text line at 11 pt


class Canvas:
    def __init__(self, workbook, worksheet, sheet: Sheet, meta: ReportMeta, formats: Formats,
                 widths: list[float], lists=None) -> None:
        self.workbook = workbook
        self.ws = worksheet
        self.sheet = sheet
        self.meta = meta
        self.formats = formats
        self.ncols = len(sheet.columns)
        self.widths = widths
        self.plan = layout.plan_pages(widths, [c.header for c in sheet.columns])
        self.line_last = self.plan.strips[0][1]   # notes and one-cell lines stay on the first strip
        self.two_level = any(column.group is not None for column in sheet.columns)
        self.row = 0
        self.header_top = 0
        self.body_top = 0
        self.lists = lists          # form_body.ChoiceLists of the workbook (drop-down lists)

    def span_px(self, first: int, last: int) -> float:
        return sum(layout.px_of_width(w) for w in self.widths[first:last + 1])

    def lines_needed(self, text: str, first: int, last: int, size: float = BODY_SIZE) -> int:
        return layout.lines_needed(text, self.span_px(first, last), size)

    def right_block_first(self, last: int, em: float) -> int:
        """The first column of a block ending at `last` wide enough for `em` of body text."""
        needed = (BODY_SIZE * em + 8) / layout.EXCEL_PT_PER_PX
        first = last
        while first > 0 and self.span_px(first, last) < needed:
            first -= 1
        return first

    def tail_span(self) -> tuple[int, int]:
        """Notes and footer: under the whole table, or on the last page of a sheet printed several
        pages wide (then the key columns repeated there stay empty, and nothing is cut at a page edge)."""
        return self.plan.strips[-1] if self.plan.wide else (0, self.ncols - 1)

    # -- merged lines

    def merged(self, row: int, first: int, last: int, text: str, fmt) -> None:
        text = clip_text(text)
        if last > first:
            self.ws.merge_range(row, first, row, last, "", fmt)
        self.ws.write_string(row, first, text, fmt)

    def set_lines_height(self, lines: int, base_height: float = LINE_HEIGHT, cap: int = 20) -> None:
        if lines > 1 or base_height != LINE_HEIGHT:
            self.ws.set_row(self.row, base_height * min(lines, cap) + (4 if lines > 1 else 0))

    def write_full_line(self, text: str, fmt, span: tuple[int, int] | None = None) -> None:
        """One merged line over the table (over the first strip of a sheet printed several pages wide)."""
        first, last = span or (0, self.line_last)
        self.merged(self.row, first, last, text, fmt)
        self.set_lines_height(self.lines_needed(text[:2000], first, last))
        self.row += 1
