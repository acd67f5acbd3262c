"""Print layout rules of the form writer (SPEC §9; issue 13): how wide each column is, where a long
header breaks, and how a sheet is laid out on A4 landscape pages so that every printed character is at
least 9 pt.

Two programs print the workbooks: Excel/WPS draw a column pixel as 0.75 pt; LibreOffice (with Carlito,
the metric twin of Calibri, the workbook's default font) as about 0.81 pt. A text fits a column when it
fits in the narrower drawing (Excel); a sheet fits a page when it fits in the wider one (LibreOffice).
A CJK character is one em wide; a digit or Latin letter is at most 0.72 em (LibreOffice draws the
Latin part of 宋体 with DejaVu Sans, bold in the 合计 row).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

BODY_SIZE = 11
TITLE_SIZE = 16
MIN_PRINT_PT = 9.0               # smallest effective font size on paper (print scale × font size)
TARGET_SCALE = 9.2 / BODY_SIZE   # a little above 9 pt, for rounding in the printing program
PAGE_WIDTH_PT = 841.89           # A4 landscape
SIDE_MARGIN_IN = 0.4
PRINTABLE_PT = PAGE_WIDTH_PT - 2 * 72 * SIDE_MARGIN_IN
EXCEL_PT_PER_PX = 0.75
WIDEST_PT_PER_PX = 0.811         # LibreOffice
CELL_PADDING_PT = 4.0
NARROW_EM = 0.72
MIN_PRINT_FRACTION = 0.6         # a narrow sheet is widened to at least this part of the page
KEY_HEADERS = ("序号", "学籍号", "姓名")   # repeated on every page when a sheet prints over several pages wide

# Two-character words a header must not be broken inside (本周劝返复/学 is what it must not look like).
WORDS = ("本月", "本周", "上月", "月末", "学年", "年初", "在校", "新生", "入学", "转入", "转出", "复学", "劝返",
         "休学", "死亡", "辍学", "女生", "建档", "立卡", "残疾", "送教", "上门", "留守", "儿童", "随迁", "子女",
         "疑似", "当前", "累计", "可能", "巩固", "出勤", "人次", "人数", "迟到", "病假", "事假", "旷课", "连续",
         "天数", "首次", "日期", "缺勤", "预警", "级别", "采取", "措施", "责任", "截止", "监护", "联系", "电话",
         "学籍", "身份", "证号", "回执", "变动", "类型", "对方", "学校", "状态", "户籍", "所在", "出生", "毕业",
         "升学", "年级", "班级", "原因", "情况", "次数", "开始", "销号", "开立", "返校", "记录", "单位", "名称",
         "代码", "学段", "核对", "结果", "适龄", "候选", "就读", "方式", "外地", "家庭", "住址", "类别", "序号",
         "行号", "错误", "说明", "原值", "工作", "文件", "合计", "小计", "处置", "核查", "毕业", "小学", "初中")


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def text_em(text: str, narrow_em: float = NARROW_EM) -> float:
    """Width of one line of text in em."""
    return sum(1.0 if is_wide(ch) else narrow_em for ch in text)


def px_of_width(width: float) -> int:
    """Pixels of a column of `width` characters, as xlsxwriter stores it (Calibri 11: 7 px a digit)."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


def width_of_px(px: float) -> float:
    """The column width (characters) that stores at least `px` pixels."""
    return max(1.0, math.ceil(px - 5) / 7)


def px_to_fit(text: str, size: float = BODY_SIZE) -> float:
    """Pixels a column needs so that one line of text fits in Excel and in LibreOffice."""
    excel = (size * text_em(text, 0.5) + CELL_PADDING_PT) / EXCEL_PT_PER_PX
    office = (size * text_em(text) + CELL_PADDING_PT) / WIDEST_PT_PER_PX
    return max(excel, office)


def chars_per_line(px: float, size: float = BODY_SIZE) -> int:
    """CJK characters that fit on one line of a column in the narrower drawing (Excel)."""
    return max(1, int((px * EXCEL_PT_PER_PX - CELL_PADDING_PT) / size))


_TOKEN = re.compile(r"\s+|[^\s\u2e80-\uffef]+|.", re.S)


def tokens(text: str) -> list[str]:
    """Where a line may break: between CJK characters, at spaces; a Latin or digit run stays whole."""
    return _TOKEN.findall(text)


def longest_token_px(text: str) -> float:
    return max((px_to_fit(t) for t in tokens(text) if not t.isspace()), default=0.0)


def lines_needed(text: str, px: float, size: float = BODY_SIZE) -> int:
    """Lines a wrapped cell needs: greedy wrapping by tokens, as both programs do."""
    usable = max((px * EXCEL_PT_PER_PX - CELL_PADDING_PT) / size, 1.0)   # in em
    total = 0
    for part in str(text).split("\n"):
        lines, used = 1, 0.0
        for token in tokens(part):
            width = text_em(token)
            if token.isspace():
                used += width if used else 0.0
                continue
            if used and used + width > usable:
                lines, used = lines + 1, 0.0
            if width > usable:  # a run longer than the line is cut where it must be
                lines += math.ceil(width / usable) - 1
                width = width % usable
            used += width
        total += lines
    return total


# ---------------------------------------------------------------- headers that break at a word


def _breaks_a_word(text: str, position: int) -> bool:
    return any(text[position - 1:position + 1] == word for word in WORDS)


def _good_split(text: str, per_line: int) -> bool:
    """Lines of per_line characters: none of one character, no break inside a word."""
    cuts = range(per_line, len(text), per_line)
    if len(text) - (len(text) - 1) // per_line * per_line < 2:
        return False  # a last line of one character
    return not any(_breaks_a_word(text, cut) for cut in cuts)


def header_px_range(per_line: int) -> tuple[float, float]:
    """Pixels at which both programs put exactly per_line CJK characters on a header line."""
    low = (BODY_SIZE * per_line + CELL_PADDING_PT) / EXCEL_PT_PER_PX
    high = (BODY_SIZE * (per_line + 1) + CELL_PADDING_PT) / WIDEST_PT_PER_PX
    return low, high


def header_px(header: str, content_px: float, max_lines: int = 4) -> float:
    """Column pixels for a header over content needing content_px: the narrowest width at which
    the header, wrapped, breaks only between words (or stays on one line)."""
    if not header or not all(is_wide(ch) for ch in header) or len(header) <= 2:
        return max([content_px] + [px_to_fit(line) for line in header.split("\n")])
    for per_line in range(2, len(header)):
        if math.ceil(len(header) / per_line) > max_lines or not _good_split(header, per_line):
            continue
        low, high = header_px_range(per_line)
        px = max(low, content_px)
        if px < high - 1:
            return px
    return max(content_px, px_to_fit(header))


# ---------------------------------------------------------------- pages


@dataclass
class PagePlan:
    """How a sheet prints: strips of columns side by side (one strip = one page wide)."""
    strips: list[tuple[int, int]]       # (first, last) column of each strip, key columns not counted
    repeat: int = 0                     # key columns repeated at the left of every strip but the first
    scale: int | None = None            # explicit print scale in percent; None = fit to one page wide

    @property
    def wide(self) -> bool:
        return len(self.strips) > 1


def sheet_pt(widths: list[float]) -> float:
    """Printed width of columns at 100 % in the wider drawing."""
    return sum(px_of_width(w) for w in widths) * WIDEST_PT_PER_PX


def key_columns(headers: list[str]) -> int:
    """The leading run of 序号 / 学籍号 / 姓名 (and a 学校 or 单位 among them) repeated on each page."""
    count = 0
    for header in headers:
        if header in KEY_HEADERS or header in ("学校", "单位", "年级") and count < 2:
            count += 1
            if header == "姓名":
                break
        else:
            break
    return count if count < len(headers) else 0


def plan_pages(widths: list[float], headers: list[str]) -> PagePlan:
    """One page wide when the sheet then prints at ≥ 9 pt; else the fewest strips of columns, each
    with the key columns repeated, at one common scale of ≥ 9 pt."""
    full = sheet_pt(widths)
    if full * TARGET_SCALE <= PRINTABLE_PT:
        return PagePlan([(0, len(widths) - 1)])
    keys = key_columns(headers)
    key_pt = sheet_pt(widths[:keys])
    capacity = PRINTABLE_PT / TARGET_SCALE
    strips = _strips(widths, keys, key_pt, capacity)
    if strips is None:  # one column wider than a page: print it as small as it must be
        return PagePlan([(0, len(widths) - 1)])
    strips = _balanced(widths, keys, key_pt, capacity, len(strips))
    widest = max(sheet_pt(widths[a:b + 1]) + (key_pt if i else 0) for i, (a, b) in enumerate(strips))
    scale = min(100, math.floor(100 * PRINTABLE_PT / widest))
    return PagePlan(strips, keys, scale)


def _strips(widths: list[float], keys: int, key_pt: float, capacity: float) -> list[tuple[int, int]] | None:
    strips, first, used = [], 0, 0.0
    for index, width in enumerate(widths):
        pt = px_of_width(width) * WIDEST_PT_PER_PX
        if used + pt > capacity and index > first:
            strips.append((first, index - 1))
            first, used = index, key_pt
        if used + pt > capacity:
            return None
        used += pt
    strips.append((first, len(widths) - 1))
    return strips


def _balanced(widths, keys, key_pt, capacity, count) -> list[tuple[int, int]]:
    """The same number of strips with the smallest widest strip (bisection on the capacity)."""
    low, high = capacity / count / 2, capacity
    best = _strips(widths, keys, key_pt, capacity)
    for _ in range(30):
        middle = (low + high) / 2
        strips = _strips(widths, keys, key_pt, middle)
        if strips is not None and len(strips) <= count:
            best, high = strips, middle
        else:
            low = middle
    return best
