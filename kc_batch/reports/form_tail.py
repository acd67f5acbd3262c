"""The tail of a form: notes below the table (a blank row apart: readers stop there), the footer
单位负责人 / 审核人 / 填表人 / 联系电话 / 报出日期 on the last page (issue 13), and where the charts go
(their data blocks and drawing: reports/charts.py)."""
from __future__ import annotations

from kc_batch.reports import charts
from kc_batch.reports.form_canvas import Canvas
from kc_batch.reports.form_spec import footer_text

CHART_HEIGHT_PX = 300
CHART_ROWS = 17             # rows a default chart (288 px) needs, with a gap


def write_notes(c: Canvas) -> None:
    if c.sheet.notes:
        c.row += 1  # a blank row keeps the notes apart from the table (readers stop there)
    for note in c.sheet.notes:
        c.write_full_line(note, c.formats.line(), c.tail_span())


def write_footer(c: Canvas) -> None:
    """单位负责人 / 审核人 / 填表人 / 联系电话 / 报出日期 under the table: on the last page (issue 13)."""
    c.row += 1
    first, last = c.tail_span()
    text = footer_text(c.meta)
    c.merged(c.row, first, last, text, c.formats.line())
    c.set_lines_height(c.lines_needed(text, first, last))
    c.row += 1


def write_charts(c: Canvas) -> None:
    """Data blocks right of the table (off the printed form); each chart under its block, or, with
    print_charts, side by side on a page of their own after the table (issue 13: 图表 prints)."""
    first_col, top = c.ncols + 1, c.header_top
    made = []
    for spec in c.sheet.charts:
        chart, last_row = charts.write_chart_block(c, spec, top, first_col)
        made.append((chart, last_row))
        top = last_row + 2 + CHART_ROWS
    if not c.sheet.print_charts:
        for chart, last_row in made:
            c.ws.insert_chart(last_row + 2, first_col, chart)
        return
    if not made:
        return
    gap = 12
    each = (c.span_px(0, c.ncols - 1) - gap * (len(made) - 1)) / len(made)
    c.ws.set_h_pagebreaks([c.row])
    for number, (chart, _) in enumerate(made):
        chart.set_size({"width": int(each), "height": CHART_HEIGHT_PX})
        c.ws.insert_chart(c.row, 0, chart, {"x_offset": int(number * (each + gap)), "object_position": 3})
    c.row += CHART_ROWS
