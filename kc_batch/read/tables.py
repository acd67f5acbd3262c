"""Where a table ends and what its title says (SPEC §3, §3.5): 合计/制表人 footers, a blank row before the
next table's title/header, or the next table's title/header itself end a table; tables side by side are
told apart by their header columns; title rows give grade/class, 班主任, the week of a 周查表 and the 学年
of a 花名册."""
from __future__ import annotations

import datetime as dt
import re

from kc_batch.calendar import week_of
from kc_batch.read.headers import ALIAS_TO_FIELD, Header, find_header, form_of, match_header
from kc_batch.read.records import Table
from kc_batch.read.values import cell_text, cn_number, grade_class_from_text, is_blank, nfkc, norm_header
from kc_batch.schemas import CHECK, ROSTER

FOOTER_RE = re.compile(r"^(合计|总计|小计|制表人|填表人|审核人|单位负责人|负责人|校长|班主任签字|说明|注[:：]|备注[:：]|制表日期|填表日期)")
TEACHING_WEEK_RE = re.compile(r"第\s*([0-9一二三四五六七八九十]+)\s*周")
TITLE_DATE_RE = re.compile(r"(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def is_footer(row) -> bool:
    for c in row:
        if not is_blank(c):
            return bool(FOOTER_RE.match(re.sub(r"\s+", "", nfkc(cell_text(c)))))
    return False


def table_end(rows, first_data: int, cal) -> int:
    """Index just past this table: a footer line, a blank row followed by a new title/header, or the next
    table's header (and the title lines just above it) with no blank row between."""
    i = first_data
    while i < len(rows):
        row = rows[i]
        if is_footer(row):
            # skip the footer lines (合计, 制表人 …) up to the next blank row
            while i < len(rows) and not all(is_blank(c) for c in rows[i]):
                i += 1
            return i
        if all(is_blank(c) for c in row):
            if find_header(rows, i + 1, cal) is not None and _next_header_close(rows, i + 1, cal):
                return i + 1
        elif i > first_data and _may_be_header(row) and match_header(rows, i, cal):
            return _title_start(rows, first_data, i)
        i += 1
    return i


def _may_be_header(row) -> bool:
    """A cheap test before the full header match: the row holds a 姓名 header cell."""
    return any(isinstance(c, str) and "名" in c and len(c) <= 16 and ALIAS_TO_FIELD.get(norm_header(c)) == "name"
               for c in row)


TITLE_WORDS = ("表", "年级", "学年", "学期", "班主任")
TITLE_LINES = 3


def _title_start(rows, first_data: int, header: int) -> int:
    """The first of the title lines (one text cell each: “三年级(2)班周查表”, “班主任：…”) just above a header."""
    r = header
    while r - 1 >= first_data and header - r < TITLE_LINES and _is_title(rows[r - 1]):
        r -= 1
    return r


def _is_title(row) -> bool:
    cells = [c for c in row if not is_blank(c)]
    if len(cells) != 1 or not isinstance(cells[0], str):
        return False
    text = nfkc(cells[0])
    return (any(w in text for w in TITLE_WORDS) or grade_class_from_text(text)[0] is not None
            or bool(TEACHING_WEEK_RE.search(text) or TITLE_DATE_RE.search(text)))


def column_bands(h: Header) -> list[tuple[int, int | None]]:
    """Tables side by side under one header row (三年级(1)班 in A…G, 三年级(2)班 in I…O): the column ranges
    [start, end) of each, split where the header's fields start again; one range when they do not."""
    roles = {j: f for f, j in h.fields.items()}
    roles.update({j: "day" for j in h.day_cols})
    roles.update({j: ALIAS_TO_FIELD[lab] for j, lab in h.extra.items() if lab in ALIAS_TO_FIELD})
    bands, start, seen, last = [], 0, set(), -1
    for j in sorted(roles):
        role = roles[j]
        if role != "day" and role in seen and "name" in seen:
            cut = j
            while cut - 1 > last and cut - 1 not in roles:
                cut -= 1   # unmapped columns before the repeated field (序号 …) open the next table
            bands.append((start, cut))
            start, seen = cut, set()
        if role != "day":
            seen.add(role)
        last = j
    bands.append((start, None))
    if len(bands) > 1 and all(_band_form(roles, h, a, b) for a, b in bands):
        return bands
    return [(0, None)]


def _band_form(roles: dict, h: Header, a: int, b: int | None) -> str | None:
    inside = [j for j in roles if j >= a and (b is None or j < b)]
    fields = {}
    for j in sorted(inside):
        if roles[j] != "day":
            fields.setdefault(roles[j], j)
    return form_of(fields, {j: h.day_cols[j] for j in inside if j in h.day_cols})


def _next_header_close(rows, start, cal) -> bool:
    for r in range(start, min(start + 4, len(rows))):
        if match_header(rows, r, cal):
            return True
    return False


def fill_context(table: Table, context: list[str], sheet_name: str, cal, h: Header, default_week, outer=()):
    """outer: the title lines across the whole sheet, for a table beside another one: they may give the
    week or 学年 (never the class, which is the table's own)."""
    title = " ".join(context)
    g, c = grade_class_from_text(title)
    if g is None:
        g, c = grade_class_from_text(sheet_name)
    table.grade, table.class_no = g, c
    for text in context:
        m = re.match(r"^班主任[:：]?\s*(\S+)", text)
        if m:
            table.head_teacher = m.group(1)
    if table.form == ROSTER:
        table.school_year = school_year_in_title(title) or school_year_in_title(" ".join(outer))
    if table.form != CHECK:
        return
    # §13.23: date headers win over 第N周 in the title
    dates = [v for kind, v in h.day_cols.values() if kind == "date"]
    if dates:
        weeks = sorted({week_of(d) for d in dates})
        table.week = weeks[-1]
        return
    table.week = _week_from_title(title, cal) or _week_from_title(" ".join(outer), cal) or default_week


SCHOOL_YEAR_RE = re.compile(r"(20\d{2})\s*(?:(?:[-—–~～至]|年\s*[-—–~～至]|年秋季)\s*(?:20\d{2}|\d{2})?\s*年?\s*)?(学年|年秋季|秋季)")


def school_year_in_title(title: str) -> int | None:
    """The 学年 a 花名册 title names: 2027学年, 2027-2028学年, 2027—2028学年度, 2027年秋季 → 2027."""
    m = SCHOOL_YEAR_RE.search(title)
    return int(m.group(1)) if m else None


def _week_from_title(title: str, cal) -> str | None:
    m = TITLE_DATE_RE.search(title)
    if m and cal is not None:
        try:
            if m.group(1):
                d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            else:
                d = cal.date_for_month_day(int(m.group(2)), int(m.group(3)))
            return week_of(d)
        except ValueError:
            pass
    m = TEACHING_WEEK_RE.search(title)
    if m and cal is not None:
        n = cn_number(m.group(1))
        if n:
            return cal.teaching_week_to_iso(n)
    return None

