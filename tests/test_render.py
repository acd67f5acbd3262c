"""Every workbook kind printed through LibreOffice (SPEC §9, issue 13): legible, complete, not cut, and
read back unchanged.

One soffice call converts all workbooks (weekly, monthly, aggregate, census, transition, term, blank forms,
the class forms pre-filled from the roster) to PDF and one more back to .xlsx; about 40 s on the 2-core
project machine. PNGs of every sheet's first
page are kept under pytest's temp folder of the run, …/pytest-N/kc_render_test0/png (tests/render_pages.py
makes them on demand).
What is expected is read from the workbooks themselves (openpyxl), what is printed from the PDF.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

import render_pages as rp

MISSING = rp.tools_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"LibreOffice 渲染检查跳过：{MISSING}")

KINDS = ("周查汇总_", "控辍保学月报_", "控辍保学月报汇总_", "控辍保学季评_", "人籍比对_", "小升初对接_", "空白_学生花名册",
         "空白_周查表", "空白_学籍变动登记表", "2026-2027学年_秋季学期_期末报告_", "2026-2027学年_春季学期_期末报告_",
         "2027-2028学年_秋季学期_开学报告_", "适龄未入学_", "人籍比对汇总_",
         "周查表_", "家访登记表_", "学籍变动登记表_")   # the last three: pre-filled from the roster


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """In pytest's own temp folder for this run, so two runs at once never share files."""
    return rp.render_all(tmp_path_factory.mktemp("kc_render_test"))


def sheets_of(book: Path):
    wb = openpyxl.load_workbook(book)
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


def pages_of(rendered, book: Path, sheet: str) -> list[rp.Page]:
    return [p for p in rendered.pages[book] if p.sheet == sheet]


def title_rows(ws) -> int:
    text = ws.print_title_rows or ""
    return int(text.split(":")[-1].replace("$", "")) if text else 0


def title_of(ws) -> str:
    return next(str(c.value) for c in ws[1] if c.value)


def line_texts(ws, prefix: str) -> list[str]:
    return [c.value for row in ws.iter_rows(max_row=max(title_rows(ws), 3)) for c in row
            if isinstance(c.value, str) and c.value.startswith(prefix)]


def header_texts(ws) -> list[str]:
    """The header cells: string cells of the repeated rows below the title, 填报单位 and 表号 lines."""
    skip = ("填报单位", "统计时段", "单位：", "表号", "制表机关", "批准机关", "批准文号", "有效期至")
    last = title_rows(ws)
    return [c.value for row in ws.iter_rows(min_row=2, max_row=last, max_col=printed_columns(ws)) for c in row
            if isinstance(c.value, str) and c.value.strip() and not c.value.startswith(skip)
            and c.value != title_of(ws) and "（续表）" not in c.value]


def printed_columns(ws) -> int:
    """The last column of the print area (chart data blocks right of it stay on screen)."""
    area = ws.print_area
    if not area:
        return ws.max_column
    last = area.split(":")[-1].split("!")[-1].replace("$", "")
    return openpyxl.utils.column_index_from_string("".join(ch for ch in last if ch.isalpha()))


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_every_workbook_kind_is_rendered(rendered):
    names = [b.name for b in rendered.workbooks]
    for kind in KINDS:
        assert any(n.startswith(kind) for n in names), kind
    for book in rendered.workbooks:
        printed = {p.sheet for p in rendered.pages[book]}
        assert {ws.title for ws in sheets_of(book)} <= printed, book.name


def test_every_page_prints_at_least_9pt(rendered):
    """Effective size = print scale × font size, measured on each page's CJK words (one em each)."""
    small = []
    for book, pages in rendered.pages.items():
        for page in pages:
            size = rp.smallest_size(page)
            if size is not None and size < 9.0:
                small.append(f"{book.name} 第{page.number}页（{page.sheet}）{size:.1f} pt")
    assert not small, small


def test_title_unit_period_on_first_page_and_footer_on_last(rendered):
    problems = []
    for book in rendered.workbooks:
        for ws in sheets_of(book):
            pages = pages_of(rendered, book, ws.title)
            first, last = squeeze(pages[0].text()), squeeze(pages[-1].text())
            expected_first = [title_of(ws)] + line_texts(ws, "填报单位") + line_texts(ws, "统计时段")
            for text in expected_first:  # each piece between spaces, whole (a cell may wrap at a space)
                if not all(squeeze(piece) in first for piece in text.split()):
                    problems.append(f"{book.name}/{ws.title}: 首页没有“{text}”")
            if not book.name.startswith("空白_") and not ("单位负责人" in last and "审核人" in last):
                problems.append(f"{book.name}/{ws.title}: 末页没有表尾（单位负责人、审核人）")
    assert not problems, problems


def test_no_header_text_cut_or_hidden(rendered):
    """Every header cell's text is printed whole (a wrapped cell is put back together from its lines)."""
    problems = []
    for book in rendered.workbooks:
        for ws in sheets_of(book):
            pages = pages_of(rendered, book, ws.title)
            printed = {squeeze(t) for p in pages for t in p.lines()}   # cells wrapped over lines
            joined = "".join(p.text() for p in pages)                   # lines of several words
            for header in header_texts(ws):
                h = squeeze(header)
                if h not in squeeze(joined) and not any(h in t for t in printed):
                    problems.append(f"{book.name}/{ws.title}: “{header}”")
            if "###" in joined:
                problems.append(f"{book.name}/{ws.title}: ### (数字放不下)")
    assert not problems, problems


def test_no_two_texts_drawn_over_each_other(rendered):
    problems = []
    for book, pages in rendered.pages.items():
        for page in pages:
            pairs = rp.overlapping(page)
            if pairs:
                problems.append(f"{book.name} 第{page.number}页（{page.sheet}）: {pairs[:3]}")
    assert not problems, problems


def _cell_value(value):
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, str):
        return value.replace("_x000D_", "\r") or None
    return value


def _values(ws) -> dict[str, object]:
    return {c.coordinate: _cell_value(c.value) for row in ws.iter_rows() for c in row
            if _cell_value(c.value) is not None}


def test_libreoffice_reads_every_workbook_back_unchanged(rendered):
    """A round trip through soffice --convert-to xlsx keeps sheet names and every value (no repair)."""
    for book, copy in rendered.round_trip.items():
        ours, theirs = openpyxl.load_workbook(book), openpyxl.load_workbook(copy)
        assert ours.sheetnames == theirs.sheetnames, book.name
        for name in ours.sheetnames:
            assert _values(ours[name]) == _values(theirs[name]), f"{book.name}/{name}"
