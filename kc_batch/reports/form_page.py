"""Page setup of a form: column widths from content (text wrapped inside a bound, headers broken at
a word; a narrow table widened so its title and 填报单位 line print on one line; issue 13), and the
print setup: A4 landscape, one page wide or side by side pages with the key columns repeated at ≥ 9 pt
(reports/print_layout.py), header rows repeated, frozen panes, print area without the chart blocks."""
from __future__ import annotations

from kc_batch.reports import print_layout as layout
from kc_batch.reports.cells import _shown_text
from kc_batch.reports.form_canvas import Canvas
from kc_batch.reports.form_head import info_parts
from kc_batch.reports.form_spec import ReportMeta, Sheet
from kc_batch.reports.print_layout import TITLE_SIZE
from kc_batch.schemas import Column

MIN_WIDTH = 4.0
MAX_WIDTH = 40.0
TEXT_WRAP_WIDTH = 24.0      # a text column wraps inside this many character widths unless told otherwise
WIDTH_SAMPLE_ROWS = 2000


def column_widths(sheet: Sheet, meta: ReportMeta) -> list[float]:
    """The width of every column (characters), widened for the title and 填报单位 line."""
    return widened(sheet, meta, [auto_width(sheet, index, column) for index, column in enumerate(sheet.columns)])


def auto_width(sheet: Sheet, index: int, column: Column) -> float:
    sample = list(sheet.rows[:WIDTH_SAMPLE_ROWS])
    if sheet.total_row is not None:
        sample.append(sheet.total_row)
    texts = {_shown_text(row[index], column.kind)[:200] for row in sample if index < len(row)}
    content = max((layout.px_to_fit(line) for text in texts for line in text.split("\n")), default=0.0)
    if column.kind == "text":  # wraps inside its bound, but a 学籍号 or a number is never cut
        longest = max((layout.longest_token_px(text) for text in texts), default=0.0)
        content = max(min(content, layout.px_of_width(column.width or TEXT_WRAP_WIDTH)), longest)
    px = layout.header_px(column.header, content)
    return min(MAX_WIDTH, max(MIN_WIDTH, column.min_width or 0, layout.width_of_px(px)))


def widened(sheet: Sheet, meta: ReportMeta, widths: list[float]) -> list[float]:
    """A narrow table is widened so that its title and 统计时段 line print on one line (issue 13)."""
    page_px = layout.PRINTABLE_PT / layout.WIDEST_PT_PER_PX
    fraction = 1.0 if sheet.print_charts else layout.MIN_PRINT_FRACTION   # charts side by side
    needed = min(page_px, max(fraction * page_px, layout.px_to_fit(sheet.title, TITLE_SIZE) + 30,
                              sum(layout.px_to_fit(t) + 40 for t, _ in info_parts(sheet, meta))))
    px = [layout.px_of_width(w) for w in widths]
    extra = needed - sum(px)
    if extra <= 0:
        return widths
    # widen the columns whose header is on one line: a wrapped header keeps its break at a word
    free = [i for i, c in enumerate(sheet.columns) if layout.lines_needed(c.header, px[i]) == 1]
    free = free or list(range(len(px)))
    factor = 1 + extra / sum(px[i] for i in free)
    return [layout.width_of_px(p * factor) if i in free else widths[i] for i, p in enumerate(px)]


def set_widths(c: Canvas) -> None:
    for index, width in enumerate(c.widths):
        c.ws.set_column(index, index, width)


def set_print_setup(c: Canvas, first_data_row: int, last_row: int) -> None:
    ws, plan = c.ws, c.plan
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
    ws.print_area(0, 0, last_row, c.ncols - 1)  # the form only; chart blocks stay on screen
    ws.freeze_panes(first_data_row, frozen_columns(c))


def frozen_columns(c: Canvas) -> int:
    if c.ncols <= 8:
        return 0
    return c.plan.repeat or layout.key_columns([col.header for col in c.sheet.columns]) or 1
