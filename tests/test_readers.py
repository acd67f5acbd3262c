"""readers.py: file bytes → raw grids (SPEC §3.5), refusals (§10.1, §10.3, §13.17)."""
from __future__ import annotations

import datetime as dt
import os
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from xlsx_styles import (write_csv, write_encrypted_ole, write_excel_style,  # noqa: E402
                         write_libreoffice_style, write_wps_style, write_xls)

from kc_batch.config import Limits  # noqa: E402
from kc_batch.errors import UnreadableFile  # noqa: E402
from kc_batch.read.files import list_inbox, read_file, sniff_format  # noqa: E402

# A roster as people type it: title row, header, apostrophe ID, blank row, 制表人 line.
GRID = [
    ["一年级（1）班学生花名册", None, None, None],
    ["姓名", "学籍号", "出生日期", "身高"],
    ["王 芳", "'G110101201405030012", dt.date(2014, 5, 3), 121.5],
    ["李四", "L110101201406070034", dt.date(2014, 6, 7), 118],
    [None, None, None, None],
    ["制表人：张老师", None, None, None],
]
# What every workbook reader must give back (apostrophe gone, numbers as numbers, blanks None).
EXPECTED = [
    ["一年级（1）班学生花名册", None, None, None],
    ["姓名", "学籍号", "出生日期", "身高"],
    ["王 芳", "G110101201405030012", dt.date(2014, 5, 3), 121.5],
    ["李四", "L110101201406070034", dt.date(2014, 6, 7), 118],
    [None, None, None, None],
    ["制表人：张老师", None, None, None],
]

WRITERS = {
    "excel.xlsx": write_excel_style,
    "wps.xlsx": write_wps_style,
    "libreoffice.xlsx": write_libreoffice_style,
    "libreoffice.ods": write_libreoffice_style,
    "old.xls": write_xls,
}


@pytest.fixture
def inbox(tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    return box


def refusal(path, inbox, limits=None) -> str:
    with pytest.raises(UnreadableFile) as info:
        read_file(path, inbox, limits)
    return str(info.value)


# ---------------------------------------------------------------- every program's files

@pytest.mark.parametrize("name", list(WRITERS))
def test_each_program_style_round_trips(inbox, name):
    path = WRITERS[name](inbox / name, {"一班": GRID, "二班": [["姓名"], ["赵六"]]},
                         merges={"一班": ["A1:D1"]})
    raw = read_file(path, inbox)
    assert raw.fmt == name.rsplit(".", 1)[1]
    assert [s.name for s in raw.sheets] == ["一班", "二班"]
    assert raw.sheets[0].rows == EXPECTED
    assert raw.sheets[1].rows == [["姓名"], ["赵六"]]
    assert not raw.sheets[0].hidden


def test_file_identity_fields(inbox):
    (inbox / "学校A").mkdir()
    path = write_excel_style(inbox / "学校A" / "花名册.xlsx", {"一班": GRID})
    raw = read_file(path, inbox)
    data = path.read_bytes()
    import hashlib
    assert raw.rel == "学校A/花名册.xlsx"
    assert raw.path == path.absolute()
    assert raw.size == len(data)
    assert raw.sha256 == hashlib.sha256(data).hexdigest()
    assert raw.encoding is None


def test_wps_bogus_dimension_is_read_fully(inbox):
    rows = [[f"r{r}c{c}" for c in range(5)] for r in range(20)]
    path = write_wps_style(inbox / "wps.xlsx", {"表": rows})
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1"/>' in sheet_xml and 't="inlineStr"' in sheet_xml  # the fixture is WPS-like
    grid = read_file(path, inbox).sheets[0].rows
    assert len(grid) == 20 and len(grid[0]) == 5
    assert grid[19][4] == "r19c4"


@pytest.mark.parametrize("writer", [write_excel_style, write_xls])
def test_hidden_sheet_is_flagged(inbox, writer):
    path = writer(inbox / ("h.xls" if writer is write_xls else "h.xlsx"),
                  {"一班": [["姓名"]], "旧名单": [["姓名"]]}, hidden=["旧名单"])
    sheets = read_file(path, inbox).sheets
    assert [(s.name, s.hidden) for s in sheets] == [("一班", False), ("旧名单", True)]


def test_cells_keep_their_excel_position_and_trailing_blanks_are_trimmed(inbox):
    rows = [[None, None, None], [None, None, None], [None, "姓名", None], [None, None, None]]
    path = write_excel_style(inbox / "offset.xlsx", {"表": rows})
    grid = read_file(path, inbox).sheets[0].rows
    assert grid == [[None, None], [None, None], [None, "姓名"]]  # B3 is rows[2][1]


def test_long_id_typed_as_number_stays_a_number(inbox):
    path = write_excel_style(inbox / "id.xlsx", {"表": [["身份证号"], [110101201405030012]]})
    value = read_file(path, inbox).sheets[0].rows[1][0]
    assert isinstance(value, float)
    assert value == pytest.approx(1.10101201405030e17, rel=1e-14)


def test_empty_sheet_gives_no_rows(inbox):
    path = write_excel_style(inbox / "e.xlsx", {"空表": [], "一班": [["姓名"]]})
    sheets = read_file(path, inbox).sheets
    assert sheets[0].rows == [] and sheets[1].rows == [["姓名"]]


# ---------------------------------------------------------------- CSV

@pytest.mark.parametrize("encoding, detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")])
def test_csv_encodings_decode_chinese(inbox, encoding, detected):
    path = write_csv(inbox / "名单.csv", [["姓名", "班级"], ["王芳", "（1）班"], ["李四", None]], encoding=encoding)
    raw = read_file(path, inbox)
    assert raw.fmt == "csv" and raw.encoding == detected
    assert raw.sheets[0].name == "名单"
    assert raw.sheets[0].rows == [["姓名", "班级"], ["王芳", "（1）班"], ["李四", None]]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_delimiter_is_sniffed(inbox, delimiter):
    path = write_csv(inbox / "a.csv", [["姓名", "学号", "备注"], ["王芳", "001", "a,b"]], delimiter=delimiter)
    assert read_file(path, inbox).sheets[0].rows == [["姓名", "学号", "备注"], ["王芳", "001", "a,b"]]


def test_csv_cells_are_text_exactly_as_typed(inbox):
    path = write_csv(inbox / "a.csv", [["学籍号", "出生日期", "姓名"], ["'0012", dt.date(2014, 5, 3), " 王 芳 "]])
    assert read_file(path, inbox).sheets[0].rows[1] == ["'0012", "2014/5/3", " 王 芳 "]


def test_gbk_text_that_is_not_utf8_is_not_mistaken(inbox):
    path = inbox / "a.csv"
    path.write_bytes("姓名,性别\r\n张三,男\r\n".encode("gbk"))
    raw = read_file(path, inbox)
    assert raw.encoding == "gb18030" and raw.sheets[0].rows == [["姓名", "性别"], ["张三", "男"]]


# ---------------------------------------------------------------- sniffing

def test_xlsx_named_csv_is_read_as_xlsx(inbox):
    path = write_excel_style(inbox / "x.xlsx", {"一班": [["姓名"], ["王芳"]]})
    lying = path.rename(inbox / "名单.csv")
    raw = read_file(lying, inbox)
    assert raw.fmt == "xlsx" and raw.sheets[0].rows == [["姓名"], ["王芳"]]


def test_csv_named_xls_is_read_as_csv(inbox):
    path = write_csv(inbox / "名单.xls", [["姓名", "班级"], ["王芳", "1班"]], encoding="gbk")
    raw = read_file(path, inbox)
    assert raw.fmt == "csv" and raw.sheets[0].rows == [["姓名", "班级"], ["王芳", "1班"]]


def test_sniff_format_from_bytes(inbox):
    xlsx = write_excel_style(inbox / "a.xlsx", {"s": [["x"]]}).read_bytes()
    xls = write_xls(inbox / "a.xls", {"s": [["x"]]}).read_bytes()
    assert sniff_format(xlsx[:4096], "a.csv") == "xlsx"
    assert sniff_format(xls[:4096], "a.xlsx") == "xls"
    assert sniff_format("姓名,班级\r\n王芳,1班\r\n".encode("gbk"), "a.xlsx") == "csv"
    assert sniff_format(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "a.xlsx") is None
    assert sniff_format(b"<html><body><table><tr><td>1</td></tr></table>", "a.xls") is None


def test_sniff_ods_from_bytes(inbox):
    ods = write_libreoffice_style(inbox / "a.ods", {"s": [["x"]]}).read_bytes()
    assert sniff_format(ods[:4096], "a.xlsx") == "ods"


# ---------------------------------------------------------------- listing the inbox

def test_list_inbox_sorts_and_skips_hidden_and_lock_files(inbox):
    for rel in ["b.xlsx", "a/z.csv", "a/b.xls", ".hidden.xlsx", "~$b.xlsx", ".~lock.b.xlsx#",
                ".git/x.xlsx", "a/~$z.xlsx", "B.xlsx"]:
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_bytes(b"x")
    rels = [p.relative_to(inbox).as_posix() for p in list_inbox(inbox)]
    assert rels == ["B.xlsx", "a/b.xls", "a/z.csv", "b.xlsx"]


def test_file_deleted_between_list_and_read(inbox):
    (inbox / "学校A").mkdir()
    write_excel_style(inbox / "学校A" / "一班.xlsx", {"s": [["x"]]})
    [path] = list_inbox(inbox)
    path.unlink()
    message = refusal(path, inbox)
    assert "学校A/一班.xlsx" in message and "删除" in message


def test_locked_file_is_named(inbox, monkeypatch):
    path = write_excel_style(inbox / "一班.xlsx", {"s": [["x"]]})

    def locked(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("kc_batch.read.files.open", locked, raising=False)
    message = refusal(path, inbox)
    assert "一班.xlsx" in message and "占用" in message


# ---------------------------------------------------------------- refusals

def test_corrupt_zip_is_refused(inbox):
    data = write_excel_style(inbox / "x.xlsx", {"s": [["x"] * 50] * 50}).read_bytes()
    path = inbox / "坏.xlsx"
    path.write_bytes(data[: len(data) // 2])
    message = refusal(path, inbox)
    assert "坏.xlsx" in message and "损坏" in message


def test_random_bytes_are_refused(inbox):
    path = inbox / "照片.xlsx"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40)
    message = refusal(path, inbox)
    assert "照片.xlsx" in message and "不是电子表格" in message


def test_docx_is_refused(inbox):
    path = inbox / "通知.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    message = refusal(path, inbox)
    assert "通知.xlsx" in message and "Word" in message


def test_html_disguised_as_xls_is_refused(inbox):
    path = inbox / "导出.xls"
    path.write_text("<html><body><table><tr><td>姓名</td></tr></table></body></html>", encoding="utf-8")
    message = refusal(path, inbox)
    assert "导出.xls" in message and "另存为 .xlsx" in message


def test_empty_file_is_refused(inbox):
    path = inbox / "空.csv"
    path.write_bytes(b"")
    assert "空.csv" in refusal(path, inbox)


def test_encrypted_office_file_is_refused(inbox):
    path = write_encrypted_ole(inbox / "加密.xlsx")
    message = refusal(path, inbox)
    assert "加密.xlsx" in message and "密码保护" in message


def test_oversized_file_is_refused(inbox):
    path = write_excel_style(inbox / "大.xlsx", {"s": [["x" * 100] * 100] * 50})
    assert path.stat().st_size > 10_000
    message = refusal(path, inbox, Limits(max_file_mb=0.01))
    assert "大.xlsx" in message and "超过上限" in message


def _zip_bomb(inbox: Path) -> Path:
    """A valid-looking xlsx plus a 200 MB member of zeros, written in 1 MB chunks."""
    source = write_excel_style(inbox / "src.xlsx", {"s": [["x"]]})
    path = inbox / "炸弹.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        with dst.open("xl/media/zeros.bin", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(200):
                member.write(chunk)
    source.unlink()
    return path


def test_zip_bomb_over_uncompressed_limit_is_refused(inbox):
    path = _zip_bomb(inbox)
    assert path.stat().st_size < 2_000_000
    message = refusal(path, inbox, Limits(max_uncompressed_mb=50))
    assert "炸弹.xlsx" in message and "压缩炸弹" in message and "50" in message


def test_zip_bomb_with_absurd_ratio_is_refused_under_default_limits(inbox):
    message = refusal(_zip_bomb(inbox), inbox)
    assert "炸弹.xlsx" in message and "压缩比异常" in message


def _with_sheet_xml(inbox: Path, name: str, sheet_xml: bytes) -> Path:
    source = write_excel_style(inbox / "src.xlsx", {"s": [["x"]]})
    path = inbox / name
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info)
            dst.writestr(info.filename, data)
    source.unlink()
    return path


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- a comment first -->
<!DOCTYPE worksheet [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def test_xml_entity_expansion_is_refused(inbox):
    message = refusal(_with_sheet_xml(inbox, "实体.xlsx", BILLION_LAUGHS), inbox)
    assert "实体.xlsx" in message and "DOCTYPE" in message


SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<dimension ref="A1:B1048576"/><sheetData>'
              '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>班级</t></is></c></row>'
              '<row r="2"><c r="A2" t="inlineStr"><is><t>王芳</t></is></c><c r="B2"><v>1</v></c></row>').encode("utf-8")


def test_last_row_of_blank_formatting_is_ignored(inbox):
    xml = SHEET_HEAD + b'<row r="1048576" s="1" customFormat="1"><c r="B1048576" s="1"/></row></sheetData></worksheet>'
    raw = read_file(_with_sheet_xml(inbox, "格式.xlsx", xml), inbox)
    assert raw.sheets[0].rows == [["姓名", "班级"], ["王芳", 1.0]]


def test_many_rows_of_blank_formatting_are_ignored(inbox):
    blank_rows = b"".join(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/></row>' % (i, i)
                          for i in range(3, 200_003))
    xml = SHEET_HEAD + blank_rows + b"</sheetData></worksheet>"
    raw = read_file(_with_sheet_xml(inbox, "格式.xlsx", xml), inbox, Limits(max_rows=1000))
    assert raw.sheets[0].rows == [["姓名", "班级"], ["王芳", 1.0]]


def test_sheet_with_more_data_rows_than_the_limit_is_refused(inbox):
    path = write_excel_style(inbox / "长表.xlsx", {"一班": [["x"]] * 12})
    message = refusal(path, inbox, Limits(max_rows=10))
    assert "长表.xlsx" in message and "一班" in message and "12" in message and "10" in message


def test_csv_with_more_rows_than_the_limit_is_refused(inbox):
    path = write_csv(inbox / "长.csv", [["x"]] * 12)
    assert "长.csv" in refusal(path, inbox, Limits(max_rows=10))


def test_long_cells_are_kept(inbox):
    text = "备注" * 20_000
    path = write_csv(inbox / "a.csv", [["备注"], [text]])
    assert read_file(path, inbox, Limits(max_cell_chars=100)).sheets[0].rows[1][0] == text


@pytest.mark.skipif(os.name != "posix", reason="posix paths")
def test_message_is_one_sentence(inbox):
    path = inbox / "照片.xlsx"
    path.write_bytes(b"\x00\x01\x02" * 100)
    message = refusal(path, inbox)
    assert message.count("。") == 1 and message.endswith("。") and "\n" not in message
