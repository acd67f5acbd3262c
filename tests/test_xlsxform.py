"""Tests for the shared form writer (SPEC §9, §13.20, §13.26, §10.3)."""
import datetime
import errno
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kc_batch.errors import OutputError
from kc_batch import atomic
from kc_batch.reports import form_body, xlsxform
from kc_batch.reports.xlsxform import (ChartSpec, Column, ReportMeta, Sheet, safe_filename, write_workbook)

UNIT = "杉树完小"
PERIOD = "2026年10月21日至2026年11月20日"
LONG_TEXT = "长" * 40000
META = ReportMeta(unit_name=UNIT, principal="张校长", clerk="李老师", phone="0851-1234567",
                  report_date=datetime.date(2026, 11, 21))
FOOTER = "单位负责人：张校长    审核人：    填表人：李老师    联系电话：0851-1234567    报出日期：2026年11月21日"


def main_sheet() -> Sheet:
    columns = [
        Column("年级"),
        Column("班级"),
        Column("在册人数", "int", group="人数"),
        Column("女生", "int", group="人数"),
        Column("出勤率", "percent", group="出勤"),
        Column("首次旷课日期", "date", group="出勤"),
        Column("备注"),
    ]
    rows = [
        ["一年级", "=1+1", 30, 14, 0.9667, datetime.date(2026, 11, 3), "+86 138"],
        ["一年级", "-5", 28, 15, None, "2026-11-04", "@SUM(A1)"],
        ["一年级", 3, 25, 12, 0.5, None, "\t制表符开头"],
        ["一年级小计", None, 83, 41, 0.8123, None, "\r回车开头"],
    ]
    chart = ChartSpec(kind="line", title="每周出勤率", categories=["第1周", "第2周", "第3周"],
                      series=[("出勤率", [0.95, None, 0.97])], y_percent=True, x_title="周次")
    return Sheet(name="月报表", title=f"{UNIT}控辍保学动态管理月报表", columns=columns, rows=rows,
                 total_row=["合计", None, 83, 41, 0.8123, None, None], subtotal_rows={3},
                 highlight={(1, 3), (-1, 4)}, period=PERIOD, notes=["注：出勤率按在读学生计算。"],
                 charts=[chart])


def other_sheets() -> list[Sheet]:
    long_sheet = Sheet(name="长文本", title="长文本测试", columns=[Column("说明"), Column("人数", "int")],
                       rows=[[LONG_TEXT, 1]], unit_line=False)
    zero_sheet = Sheet(name="辍学学生名单", title="辍学学生名单",
                       columns=[Column("序号", "int"), Column("学籍号"), Column("姓名")], rows=[],
                       empty_text="本月无辍学学生（零报告）")
    bad_name = Sheet(name="a/b:c", title="名称", columns=[Column("x")], rows=[["y"]])
    return [long_sheet, zero_sheet, bad_name]


@pytest.fixture
def workbook_path(tmp_path) -> Path:
    return write_workbook(tmp_path / "out" / "报表.xlsx", [main_sheet(), *other_sheets()], META)


@pytest.fixture
def wb(workbook_path):
    return openpyxl.load_workbook(workbook_path)


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def test_sheet_names(wb):
    assert wb.sheetnames == ["月报表", "长文本", "辍学学生名单", "a_b_c"]


def test_title_row_merged_and_styled(wb):
    ws = wb["月报表"]
    assert ws["A1"].value == "杉树完小控辍保学动态管理月报表"
    assert "A1:G1" in merged(ws)
    assert ws["A1"].font.b and ws["A1"].font.sz == 16 and ws["A1"].font.name == "宋体"
    assert ws["A1"].alignment.horizontal == "center"


def test_info_line(wb):
    ws = wb["月报表"]
    # 7 columns sized to their texts: 填报单位 over A:B (9 CJK = 99 pt + padding ≤ A + B), 统计时段 over
    # C:F, 单位：人 in G
    assert ws["A2"].value == "填报单位：杉树完小"
    assert ws["C2"].value == "统计时段：" + PERIOD
    assert ws["G2"].value == "单位：人"
    assert {"A2:B2", "C2:F2"} <= merged(ws)


def test_two_level_header(wb):
    ws = wb["月报表"]
    assert [ws.cell(4, c).value for c in range(3, 7)] == ["在册人数", "女生", "出勤率", "首次旷课日期"]
    assert ws["A3"].value == "年级" and ws["B3"].value == "班级" and ws["G3"].value == "备注"
    assert ws["C3"].value == "人数" and ws["E3"].value == "出勤"
    assert {"A3:A4", "B3:B4", "C3:D3", "E3:F3", "G3:G4"} <= merged(ws)
    assert ws["C4"].font.b and ws["C4"].border.left.style == "thin"
    assert ws["C4"].fill.fgColor.rgb.endswith("D9D9D9")


def test_numbers_percent_and_dates(wb):
    ws = wb["月报表"]
    assert ws["C5"].value == 30 and ws["C5"].data_type == "n"
    assert ws["E5"].value == pytest.approx(0.9667) and ws["E5"].data_type == "n"
    assert ws["E5"].number_format == "0.00%"
    assert ws["E6"].value is None  # None -> empty cell
    assert ws["F5"].value == datetime.datetime(2026, 11, 3)
    assert ws["F6"].value == datetime.datetime(2026, 11, 4)  # from an ISO string
    assert ws["F5"].number_format == "yyyy-mm-dd"
    assert ws["B7"].value == "3" and ws["B7"].data_type == "s"  # number in a text column


def test_user_text_stays_text(wb, workbook_path):
    ws = wb["月报表"]
    expected = {"B5": "=1+1", "G5": "+86 138", "B6": "-5", "G6": "@SUM(A1)", "G7": "\t制表符开头"}
    for ref, text in expected.items():
        assert ws[ref].data_type == "s", ref
        assert ws[ref].value == text, ref
    # CR is stored with Excel's _x000D_ escape, which openpyxl does not decode; calamine (like Excel) does
    assert ws["G8"].data_type == "s"
    with zipfile.ZipFile(workbook_path) as zf:
        assert "_x000D_回车开头" in zf.read("xl/sharedStrings.xml").decode("utf-8")
    rows = CalamineWorkbook.from_path(str(workbook_path)).get_sheet_by_name("月报表").to_python()
    assert rows[7][6] == "\r回车开头"
    assert rows[4][1] == "=1+1" and rows[5][6] == "@SUM(A1)"


def test_no_formula_anywhere(wb, workbook_path):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}"
    with zipfile.ZipFile(workbook_path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name


def test_subtotal_total_and_highlight(wb):
    ws = wb["月报表"]
    assert not ws["A5"].font.b
    assert ws["A8"].value == "一年级小计" and ws["A8"].font.b and ws["C8"].font.b
    assert ws["A9"].value == "合计" and ws["A9"].font.b and ws["D9"].value == 41
    assert ws["E9"].value == pytest.approx(0.8123)
    # highlight (1, 3) -> D6; (-1, 4) -> E9 in the total row
    for ref in ("D6", "E9"):
        assert ws[ref].fill.fgColor.rgb.endswith("FFC7CE"), ref
        assert ws[ref].font.b and ws[ref].font.color.rgb.endswith("C00000"), ref
    assert not ws["D5"].fill.fgColor.rgb.endswith("FFC7CE")


def test_notes_and_footer(wb):
    ws = wb["月报表"]
    assert ws["A10"].value is None  # a blank row sets the notes apart from the table
    assert ws["A11"].value == "注：出勤率按在读学生计算。"
    assert ws["A12"].value is None  # the empty row before the footer
    assert ws["A13"].value == FOOTER
    assert "A13:G13" in merged(ws)
    assert wb["长文本"]["A4"].value is None  # the row before the footer (every sheet has one, issue 13)
    assert wb["长文本"]["A5"].value == FOOTER


def test_print_setup_and_freeze(wb):
    ws = wb["月报表"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    # fitToWidth is omitted when 1 (the OOXML default); fitToHeight 0 = any number of pages
    assert ws.page_setup.fitToWidth in (None, 1, "1") and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows.replace("$", "") == "1:4"
    assert ws.freeze_panes == "A5"
    # a one-row header without unit line: title, header, data from row 3
    long_ws = wb["长文本"]
    assert long_ws["A2"].value == "说明" and long_ws["B2"].value == "人数"
    assert long_ws.freeze_panes == "A3"
    assert long_ws.print_title_rows.replace("$", "") == "1:2"


def test_long_string_cut_to_excel_limit(wb):
    value = wb["长文本"]["A3"].value
    assert len(value) == 32767
    assert value.endswith("…（已截断）")
    assert value == "长" * (32767 - 6) + "…（已截断）"


def test_empty_text_row(wb):
    ws = wb["辍学学生名单"]
    assert ws["A4"].value == "本月无辍学学生（零报告）"
    assert "A4:C4" in merged(ws)


def test_chart_and_its_data_block(wb, workbook_path):
    ws = wb["月报表"]
    assert len(ws._charts) == 1
    # block starts one column right of the table (G is last -> I), at the header's first row
    assert ws["I3"].value == "每周出勤率"
    assert ws["I4"].value == "周次" and ws["J4"].value == "出勤率"
    assert [ws.cell(r, 9).value for r in (5, 6, 7)] == ["第1周", "第2周", "第3周"]
    assert ws["J5"].value == pytest.approx(0.95) and ws["J6"].value is None
    assert ws["J5"].number_format == "0.00%"
    with zipfile.ZipFile(workbook_path) as zf:
        chart_xml = zf.read("xl/charts/chart1.xml").decode("utf-8")
    assert "<c:lineChart>" in chart_xml
    assert "月报表!$J$5:$J$7" in chart_xml and "月报表!$I$5:$I$7" in chart_xml
    assert "每周出勤率" in chart_xml


def test_atomic_write_no_tmp_left(workbook_path):
    assert workbook_path.exists()
    assert [p.name for p in workbook_path.parent.iterdir()] == ["报表.xlsx"]


def test_failed_write_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old contents")

    def boom(canvas):
        raise RuntimeError("mid-way failure")

    monkeypatch.setattr(form_body, "write_body", boom)
    with pytest.raises(RuntimeError):
        write_workbook(target, [main_sheet()], META)
    assert target.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_disk_full_is_output_error(tmp_path, monkeypatch):
    target = tmp_path / "r.xlsx"

    def full(name):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_fsync_file", full)
    with pytest.raises(OutputError) as info:
        write_workbook(target, [main_sheet()], META)
    assert "无法写入" in str(info.value) and str(target) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_output_error(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    target = blocker / "sub" / "r.xlsx"
    with pytest.raises(OutputError) as info:
        write_workbook(target, [main_sheet()], META)
    message = str(info.value)
    assert "无法写入" in message and "磁盘已满或目录只读" in message and str(target) in message


def test_creates_missing_parent(tmp_path):
    target = tmp_path / "a" / "b" / "r.xlsx"
    assert write_workbook(target, [main_sheet()], META) == target
    assert openpyxl.load_workbook(target).sheetnames == ["月报表"]


@pytest.mark.parametrize("text, expected", [
    ("../x", "__x"),
    ("a/b\\c:d", "a_b_c_d"),
    ("..", "_"),
    ("", "_"),
    ('x*y?"z"<>|', "x_y__z____"),
    ("杉树\x00完小\n", "杉树完小"),
])
def test_safe_filename(text, expected):
    assert safe_filename(text) == expected


def test_safe_filename_never_escapes(tmp_path):
    for text in ("../../etc/passwd", "..\\..\\x", "/abs", "....", ". .", "a..b"):
        name = safe_filename(text)
        assert name and "/" not in name and "\\" not in name and ".." not in name
        assert (tmp_path / name).resolve().parent == tmp_path.resolve()


def test_renders_through_libreoffice(tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("soffice or pdftotext not installed: PDF rendering not checked")
    source = write_workbook(tmp_path / "render.xlsx", [main_sheet()], META)
    profile = (tmp_path / "lo_profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, timeout=120,
                   capture_output=True)
    pdf = tmp_path / "render.pdf"
    assert pdf.exists()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, timeout=60,
                          capture_output=True).stdout.decode("utf-8")
    assert "杉树完小控辍保学动态管理月报表" in text
    assert "在册" in text and "人数" in text and "单位负责人" in text  # 在册/人数 wraps at the word
    assert "###" not in text
    keep = os.environ.get("KC_KEEP_PDF")
    if keep:
        shutil.copy(pdf, keep)


def wide_sheet(columns: int) -> Sheet:
    headers = ["序号", "学籍号", "姓名"] + ["本月劝返复学"] * (columns - 3)
    cols = [Column("序号", "int"), Column("学籍号"), Column("姓名")] + [Column(h, "int") for h in headers[3:]]
    row = [1, "G450923201206259850", "杨宇鹏"] + [0] * (columns - 3)
    return Sheet(name="宽表", title="宽表", columns=cols, rows=[row], period=PERIOD)


def test_column_widths_from_content_and_headers(tmp_path):
    """Widths in pixels (xlsxwriter stores (px)/7 characters; Excel draws 0.75 pt a pixel, CJK 11 pt wide):
    年级 holds 一年级小计: (5 × 11 + 4 pt) / 0.75 = 78.7 → 79 px → 79/7 = 11.29.
    本月劝返复学 over one-digit counts breaks at words, two characters a line (本月/劝返/复学):
    (2 × 11 + 4) / 0.75 = 34.7 → 35 px = 5.0; LibreOffice (0.811 pt a pixel) fits no third character.
    学年初在校生 cannot break after 2 (学年|初 would split 年初), so three a line: (33 + 4) / 0.75 = 49.3
    → 50 px = 7.14."""
    columns = [Column("年级"), Column("本月劝返复学", "int"), Column("学年初在校生", "int")] + [
        Column(f"列{i}", "int") for i in range(20)]
    sheet = Sheet(name="表", title="表", columns=columns, rows=[["一年级小计", 0, 66] + [0] * 20], unit_line=False)
    ws = openpyxl.load_workbook(write_workbook(tmp_path / "w.xlsx", [sheet], META))["表"]
    assert ws.column_dimensions["A"].width == pytest.approx(79 / 7, abs=0.01)
    assert ws.column_dimensions["B"].width == pytest.approx(35 / 7, abs=0.01)
    assert ws.column_dimensions["C"].width == pytest.approx(50 / 7, abs=0.01)
    assert xlsxform.display_width("一年级ab") == 8


def test_narrow_sheet_is_widened_to_its_title(wb):
    """A 7-column table (about 470 px) is widened so that 填报单位 / 统计时段 / 单位：人 print on one line,
    each with 40 px to spare. Pixels a text needs: max over Excel (CJK 1 em, digit 0.5 em, 0.75 pt a px)
    and LibreOffice (digit 0.72 em, 0.811 pt a px), 11 pt, 4 pt padding:
    填报单位：杉树完小 9 em → (99 + 4) / 0.75 = 137.3; 统计时段：2026年10月21日至2026年11月20日 7 CJK + 21
    digits → (11 × 22.12 + 4) / 0.811 = 323.9; 单位：人 → (44 + 4) / 0.75 = 64; sum + 3 × 40 = 645.2 px
    (more than 60 % of the page, 580 px); widths round up to whole pixels."""
    ws = wb["月报表"]
    px = sum(d.width * 7 * (min(d.max, 7) - d.min + 1) for d in ws.column_dimensions.values() if d.min <= 7)
    assert 645 <= px <= 652
    assert ws["A2"].value == "填报单位：杉树完小" and ws["G2"].value == "单位：人"


def test_sheet_too_wide_for_9pt_prints_two_pages_wide(tmp_path):
    """40 columns: 序号 35 px + 学籍号 (19 × 0.72 × 11 + 4) / 0.811 = 191 px + 姓名 46 px + 37 counts of 35 px
    (本月/劝返/复学/N…) ≈ 1567 px = 1271 pt; one page wide would print at 784.3 / 1271 = 62 % (6.8 pt).
    Two strips with 序号, 学籍号, 姓名 repeated on the second: ≤ 784.3 / 0.836 = 938 pt each."""
    ws = openpyxl.load_workbook(write_workbook(tmp_path / "w.xlsx", [wide_sheet(40)], META))["宽表"]
    assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
    assert 82 <= int(ws.page_setup.scale or 100) <= 100  # two strips of ≈ 700 pt print at 100 %
    assert ws.print_title_cols.replace("$", "") == "A:C"
    assert ws.page_setup.pageOrder == "overThenDown"
    breaks = [b.id for b in ws.col_breaks.brk]
    assert len(breaks) == 1 and 15 <= breaks[0] <= 25
    assert ws["A1"].value is None or ws["A1"].value == "宽表"
    titles = [c.value for c in ws[1] if c.value]
    assert titles == ["宽表", "宽表（续表）"]


def test_column_chart_for_counts(tmp_path):
    chart = ChartSpec(kind="column", title="各年级辍学人数", categories=["一年级", "二年级"],
                      series=[("当前辍学", [1, 0]), ("疑似辍学", [2, None])])
    sheet = Sheet(name="图表", title="图表", columns=[Column("年级"), Column("人数", "int")],
                  rows=[["一年级", 1]], charts=[chart])
    path = write_workbook(tmp_path / "c.xlsx", [sheet], META)
    ws = openpyxl.load_workbook(path)["图表"]
    # table has 2 columns (A:B) -> block starts at D, caption on the header row (3)
    assert ws["D3"].value == "各年级辍学人数"
    assert [ws["D4"].value, ws["E4"].value, ws["F4"].value] == ["类别", "当前辍学", "疑似辍学"]
    assert ws["F6"].value is None and ws["E5"].value == 1
    with zipfile.ZipFile(path) as zf:
        chart_xml = zf.read("xl/charts/chart1.xml").decode("utf-8")
    assert "<c:barChart>" in chart_xml and '<c:barDir val="col"/>' in chart_xml
    assert '<c:majorUnit val="1"/>' in chart_xml and "人数" in chart_xml


def test_stale_temp_of_a_killed_run_is_removed(tmp_path):
    target = tmp_path / "周查汇总_示例[1]_2026-W47.xlsx"
    stale = tmp_path / ("." + target.name + ".k9x2.tmp")     # what a kill -9 mid-write leaves
    other = tmp_path / ".另一个工作簿.xlsx.k9x2.tmp"            # another workbook's temp is not ours
    stale.write_bytes(b"half a workbook")
    other.write_bytes(b"x")
    write_workbook(target, [Sheet("表", "标题", [Column("甲")], [["1"]])], ReportMeta("示例"))
    assert not stale.exists() and other.exists() and target.is_file()
