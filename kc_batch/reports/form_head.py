"""The head of a form: the merged title (续表 on the later pages of a wide sheet), the 表号 block at
the top right, the 填报单位 / 统计时段 / 单位：人 line, intro lines, and the one- or two-row column
header (group cells merged over their leaves; issue 13: headers broken at a word)."""
from __future__ import annotations

from kc_batch.reports import print_layout as layout
from kc_batch.reports.cells import clip_text
from kc_batch.reports.form_canvas import LINE_HEIGHT, Canvas
from kc_batch.reports.form_spec import ReportMeta, Sheet, form_block_lines
from kc_batch.reports.print_layout import TITLE_SIZE

TITLE_HEIGHT = 28.0


def write_head(c: Canvas) -> None:
    """Title, 表号 block, 填报单位 line, intro lines and the column header, from c.row down."""
    write_title(c)
    write_form_block(c)
    write_info_line(c)
    for line in c.sheet.intro:
        c.write_full_line(line, c.formats.line())
    write_header(c)


# -- title

def write_title(c: Canvas) -> None:
    fmt, title = c.formats.title(), c.sheet.title
    lines = 1
    for number, (first, last) in enumerate(title_spans(c)):
        text = title if number == 0 else f"{title}（续表）"
        if c.lines_needed(text, first, last, TITLE_SIZE) > 1 and "（" in text[1:]:
            at = text.index("（", 1)  # a long title breaks before its bracket, not at the last character
            text = text[:at] + "\n" + text[at:]
        c.merged(c.row, first, last, text, fmt)
        lines = max(lines, c.lines_needed(text, first, last, TITLE_SIZE))
    c.set_lines_height(lines, TITLE_HEIGHT)
    c.row += 1


def title_spans(c: Canvas) -> list[tuple[int, int]]:
    plan = c.plan
    if not plan.wide:
        return [(0, c.ncols - 1)]
    first_last = plan.strips[0][1]
    # not over the key columns: they print again on the next pages, with whatever part of the title
    # they held (LibreOffice even draws the cut-off text there)
    return [(plan.repeat, first_last)] + [(a, b) for a, b in plan.strips[1:]]


def write_form_block(c: Canvas) -> None:
    """表号 / 制表机关 / 批准机关 / 批准文号 / 有效期至 at the top right, when kc.toml sets them (issue 13)."""
    lines = form_block_lines(c.meta)
    if not lines:
        return
    last = c.plan.strips[-1][1] if not c.plan.wide else c.line_last
    first = c.right_block_first(last, max(layout.text_em(t) for t in lines))
    fmt = c.formats.line("left")
    for text in lines:
        c.merged(c.row, first, last, text, fmt)
        c.row += 1


# -- the 填报单位 / 统计时段 / 单位：人 line

def info_parts(sheet: Sheet, meta: ReportMeta) -> list[tuple[str, str]]:
    """(text, alignment) of the parts of the 填报单位 line."""
    parts = []
    if sheet.unit_line:
        unit = f"填报单位：{meta.unit_name}"
        if meta.unit_code:
            unit += f"    单位代码：{meta.unit_code}"  # apart by spaces: readers stop the name there
        parts.append((unit, "left"))
    if sheet.period:
        parts.append((f"统计时段：{sheet.period}", "center"))
    if sheet.unit_line and sheet.count_unit:
        parts.append((sheet.count_unit, "right"))
    return parts


def info_spans(c: Canvas, parts: list[tuple[str, str]], first: int, last: int) -> list[tuple[int, int]] | None:
    """Column spans for the parts, sized to their text: left part from the left, right part from
    the right, the middle takes the rest. None when there are too few columns."""
    n = last - first + 1
    if len(parts) == 1:
        return [(first, last)]
    if n < len(parts):
        return None
    left_end = first
    while left_end < last - len(parts) + 1 and c.span_px(first, left_end) < layout.px_to_fit(parts[0][0]):
        left_end += 1
    right_start = c.right_block_first(last, layout.text_em(parts[-1][0]))
    right_start = max(right_start, left_end + len(parts) - 1)
    if len(parts) == 2:
        return [(first, right_start - 1), (right_start, last)]
    return [(first, left_end), (left_end + 1, right_start - 1), (right_start, last)]


def write_info_line(c: Canvas) -> None:
    parts = info_parts(c.sheet, c.meta)
    if not parts:
        return
    first, last, keys_cell = 0, c.line_last, None
    if c.plan.wide and c.plan.repeat and c.sheet.unit_line:
        # 填报单位 in the key columns, so it prints on every page; the rest over the first strip
        keys_cell, parts, first = (parts[0], (0, c.plan.repeat - 1)), parts[1:], c.plan.repeat
    rows = info_rows(c, parts, first, last) if parts else [[]]
    if keys_cell:
        rows[0].insert(0, keys_cell)
    for number, row in enumerate(rows):
        lines = 1
        for (text, align), (a, b) in row:
            c.merged(c.row, a, b, text, c.formats.line(align))
            lines = max(lines, c.lines_needed(text, a, b))
        if number == 0 and c.sheet.period:
            for a, b in c.plan.strips[1:]:
                c.merged(c.row, a, b, f"统计时段：{c.sheet.period}", c.formats.line("center"))
        c.set_lines_height(lines, cap=10)
        c.row += 1


def info_rows(c: Canvas, parts: list[tuple[str, str]], first: int, last: int) -> list[list]:
    """填报单位 / 统计时段 / 单位：人 on one line when each fits its cell; else 填报单位 and 统计时段
    share the left cell; else one line each (a narrow sheet never squeezes them into 5 lines)."""
    tries = [parts]
    if len(parts) == 3:
        tries.append([(parts[0][0] + "    " + parts[1][0], "left"), parts[2]])
    for attempt in tries:
        spans = info_spans(c, attempt, first, last)
        if spans and all(layout.px_to_fit(text) <= c.span_px(a, b) for (text, _), (a, b) in zip(attempt, spans)):
            return [list(zip(attempt, spans))]
    return [[(part, (first, last))] for part in parts]


# -- column header

def write_header(c: Canvas) -> None:
    c.header_top = c.row
    fmt = c.formats.header()
    columns = c.sheet.columns
    if not c.two_level:
        for index, column in enumerate(columns):
            c.ws.write_string(c.row, index, clip_text(column.header), fmt)
        set_header_height(c, c.row, [leaf_lines(c, i) for i in range(c.ncols)])
        c.row += 1
        return
    top, leaf = c.row, c.row + 1
    group_lines, leaf_line_counts = [1], [1]
    for first, last, group in group_runs(c.sheet):
        if group is None:
            c.ws.merge_range(top, first, leaf, first, "", fmt)
            c.ws.write_string(top, first, clip_text(columns[first].header), fmt)
            leaf_line_counts.append(leaf_lines(c, first) - 1)
            continue
        c.merged(top, first, last, group, fmt)
        group_lines.append(c.lines_needed(group, first, last))
        for index in range(first, last + 1):
            c.ws.write_string(leaf, index, clip_text(columns[index].header), fmt)
            leaf_line_counts.append(leaf_lines(c, index))
    set_header_height(c, top, group_lines)
    set_header_height(c, leaf, leaf_line_counts)
    c.row += 2


def group_runs(sheet: Sheet) -> list[tuple[int, int, str | None]]:
    """(first, last, group) for runs of equal consecutive groups; a None group is a run of one."""
    runs: list[tuple[int, int, str | None]] = []
    for index, column in enumerate(sheet.columns):
        if runs and column.group is not None and runs[-1][2] == column.group:
            runs[-1] = (runs[-1][0], index, column.group)
        else:
            runs.append((index, index, column.group))
    return runs


def leaf_lines(c: Canvas, index: int) -> int:
    return c.lines_needed(c.sheet.columns[index].header, index, index)


def set_header_height(c: Canvas, row: int, lines: list[int]) -> None:
    c.ws.set_row(row, LINE_HEIGHT * min(max(lines, default=1), 10) + 6)
