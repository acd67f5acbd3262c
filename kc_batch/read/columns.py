"""Columns no reader understood (SPEC §10.1, issue 12 items 2 and 5): a 周查表 column under a header that
is not understood, holding anything, is one 输入错误 row; a 花名册 column that holds attendance marks (the
sheet may be a 周查表 whose day headers were not recognised) is one too. Rows stay as they were read: these
rows name a column (row blank, the header row in the text)."""
from __future__ import annotations

import re

from kc_batch.model import InputError
from kc_batch.read.headers import Header
from kc_batch.read.records import Table
from kc_batch.read.tables import is_footer
from kc_batch.read.values import Mark, cell_text, is_blank, nfkc, parse_mark
from kc_batch.schemas import CHECK, ROSTER

CHECK_COLUMNS_HELP = "周查表的列应为学籍号、姓名、每天一列（周一…周五，或 11月16日、11-16 这样的日期），以及备注、班主任"
ATTENDANCE_WORD = re.compile(r"[旷病事假迟缺]")


def unread_columns(rel: str, sheet_name: str, rows: list[list], h: Header, table: Table, end: int) -> list[InputError]:
    if table.form not in (CHECK, ROSTER):
        return []
    cells = _cells_by_column(rows, h, end)
    header_row = h.row - h.height + 2
    errors = []
    for j, label in _unread_headers(h, table.form, cells).items():
        values = cells.get(j, [])
        col = f"{h.letter(j)}列（{label or '表头为空'}）"
        head = f"第{header_row}行表头“{label}”无法识别" if label else f"第{header_row}行此列表头为空"
        if table.form == CHECK and values:
            errors.append(InputError(rel, sheet_name, None, col, label,
                                     f"{head}，此列 {len(values)} 个有内容的单元格未导入。{_check_hint(h, j, label)}"))
        elif table.form == ROSTER and _looks_like_marks(values):
            example = next(cell_text(v) for v in values if ATTENDANCE_WORD.search(nfkc(cell_text(v))))
            errors.append(InputError(rel, sheet_name, None, col, label,
                                     f"{head}，但此列有 {len(values)} 个单元格像考勤符号（如“{example}”）：本表按花名册读取，"
                                     "此列未导入。如果这是周查表，请把每天的表头写成 周一…周五 或 11月16日、11-16 这样的日期"))
    return errors


def _unread_headers(h: Header, form: str, cells: dict[int, list]) -> dict[int, str]:
    """Columns that are neither a field nor a day: {column: header text}; for a 周查表 also the columns
    with an empty header that hold something."""
    unread = dict(h.extra)
    if form == CHECK:
        known = set(h.fields.values()) | set(h.day_cols) | set(h.extra)
        unread.update({j: "" for j in cells if j not in known})
    return dict(sorted(unread.items()))


def _check_hint(h: Header, j: int, label: str) -> str:
    """What the column should look like; a column with no header just right of a day is likely that day's
    afternoon under a date merged over two columns."""
    if not label and j - 1 in h.day_cols and j - 1 not in h.halves:
        return ("此列紧挨在一天的考勤列右边，如果是同一天的下午（日期合并在两列之上），请在日期下面加一行，"
                "分别写“上午”“下午”")
    return CHECK_COLUMNS_HELP


def _cells_by_column(rows: list[list], h: Header, end: int) -> dict[int, list]:
    cells: dict[int, list] = {}
    for i in range(h.row + 1, end):
        row = rows[i]
        if all(is_blank(c) for c in row) or is_footer(row):
            continue
        for j, c in enumerate(row):
            if not is_blank(c):
                cells.setdefault(j, []).append(c)
    return cells


def _looks_like_marks(values: list) -> bool:
    """Most cells parse as attendance marks and at least one is a word mark (旷, 病, 事, 假, 迟, 缺): a
    column of √/× alone may be a yes/no column."""
    if not values:
        return False
    marks = [v for v in values if isinstance(parse_mark(v), Mark)]
    return 2 * len(marks) >= len(values) and any(ATTENDANCE_WORD.search(nfkc(cell_text(v))) for v in marks)
