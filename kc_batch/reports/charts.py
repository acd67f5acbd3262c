"""Native Excel charts of a report sheet (SPEC §9.2): a data block of values beside the table and the
chart drawn from it."""
from __future__ import annotations

import math

from kc_batch.reports.cells import _as_number, _as_text, _is_missing, clip_text, display_width
from kc_batch.reports.form_body import write_cell

CHART_MAX_WIDTH = 40.0
CHART_FONT = "宋体"


def write_chart_block(writer, spec, top: int, first_col: int):  # writer: a form_canvas.Canvas
    """Caption, header and one row per category at (top, first_col); returns (chart, last data row)."""
    ws, formats = writer.ws, writer.formats
    ws.write_string(top, first_col, clip_text(spec.title), formats.get(bold=True))
    header_row, first_row = top + 1, top + 2
    ws.write_string(header_row, first_col, spec.x_title or "类别", formats.header())
    ws.set_column(first_col, first_col, max(10, min(CHART_MAX_WIDTH, max(
        (display_width(c) + 2 for c in spec.categories), default=10))))
    for offset, (name, _) in enumerate(spec.series, start=1):
        ws.write_string(header_row, first_col + offset, clip_text(name), formats.header())
        ws.set_column(first_col + offset, first_col + offset, max(10, min(20, display_width(name) + 2)))
    value_kind = "percent" if spec.y_percent else "num"
    for index, category in enumerate(spec.categories):
        ws.write_string(first_row + index, first_col, clip_text(_as_text(category)), formats.cell("text"))
        for offset, (_, values) in enumerate(spec.series, start=1):
            value = values[index] if index < len(values) else None
            write_cell(writer, first_row + index, first_col + offset, value, value_kind, False, False)
    last_row = first_row + max(len(spec.categories), 1) - 1
    return make_chart(writer.workbook, ws.get_name(), spec, first_row, last_row, first_col), last_row


def _numbers(spec) -> list[float]:
    numbers = [_as_number(v) for _, values in spec.series for v in values if not _is_missing(v)]
    return [n for n in numbers if n is not None]


def percent_axis(numbers: list[float]) -> dict:
    """0.0 % ticks over a fitted range (issue 13: 98.9 % and 99.4 % must be told apart), on 0.5 % steps."""
    axis = {"num_format": "0.0%"}
    if numbers:
        low = max(0.0, math.floor((min(numbers) - 0.001) * 200) / 200)
        high = min(1.0, math.ceil((max(numbers) + 0.001) * 200) / 200)
        if high - low < 0.01:
            low = max(0.0, high - 0.01)
        axis.update(min=low, max=high)
    return axis


def make_chart(workbook, sheet_name: str, spec, first_row: int, last_row: int, first_col: int):
    chart = workbook.add_chart({"type": spec.kind})
    for offset, (name, _) in enumerate(spec.series, start=1):
        series = {
            "name": [sheet_name, first_row - 1, first_col + offset],
            "categories": [sheet_name, first_row, first_col, last_row, first_col],
            "values": [sheet_name, first_row, first_col + offset, last_row, first_col + offset],
        }
        if spec.kind == "line":
            series["marker"] = {"type": "circle", "size": 5}
        chart.add_series(series)
    font = {"name": CHART_FONT, "size": 10}
    chart.set_title({"name": spec.title, "name_font": {**font, "size": 12, "bold": True}})
    x_axis = {"num_font": font}
    if spec.x_title:
        x_axis.update(name=spec.x_title, name_font=font)
    y_name = spec.y_title or ("比率" if spec.y_percent else "人数")
    y_axis = {"name": y_name, "name_font": font, "num_font": font, "major_gridlines": {"visible": True}}
    if spec.y_percent:
        y_axis.update(percent_axis(_numbers(spec)))
    else:
        y_axis.update(min=0, num_format="0")
        if max(_numbers(spec), default=0) <= 10:
            y_axis["major_unit"] = 1  # small head counts: no 0.5-person ticks
    chart.set_x_axis(x_axis)
    chart.set_y_axis(y_axis)
    chart.set_legend({"position": "bottom", "font": font})
    chart.show_blanks_as("gap")
    return chart
