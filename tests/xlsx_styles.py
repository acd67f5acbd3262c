"""Test fixtures: write the same table the way Excel, WPS, LibreOffice, old Excel (.xls) and CSV do.

A table is a list of rows; values are str, int, float, bool, datetime.date/datetime or None.
A str starting with "'" is written as text without the apostrophe in xlsx/xls/ods (that is how
Excel stores an apostrophe-prefixed entry); CSV keeps it as typed.

    write_excel_style(path, {"一班": rows}, merges={"一班": ["A1:D1"]}, hidden=["旧表"])
    write_wps_style(path, sheets, merges, hidden)          # inline strings, <dimension ref="A1"/>
    write_libreoffice_style(path, sheets, merges, hidden)  # .xlsx or .ods written by soffice
    write_xls(path, sheets, merges, hidden)                # BIFF8 via xlwt
    write_csv(path, rows, encoding="utf-8" | "utf-8-sig" | "gbk", delimiter=",")
    write_encrypted_ole(path)                              # what a password-protected .xlsx looks like
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

Sheets = dict[str, list[list]]
Merges = dict[str, list[str]] | None

EXCEL_MAX_EXACT_INT = 10 ** 15  # Excel keeps 15 significant digits; bigger integers become floats


def _cell_value(value):
    """The value as a spreadsheet program stores it once typed in."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= EXCEL_MAX_EXACT_INT:
        return float(value)
    return value


def _is_datetime(value) -> bool:
    return isinstance(value, dt.datetime)


def _is_date(value) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


# ---------------------------------------------------------------- Excel (openpyxl)

def write_excel_style(path, sheets: Sheets, merges: Merges = None, hidden=()) -> Path:
    """Like Excel: shared strings, a real <dimension>, dates with a yyyy/m/d number format."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c, value=_cell_value(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, even when it starts with "="
                    if value.startswith("'"):
                        cell.quotePrefix = True
                elif _is_datetime(value):
                    cell.number_format = "yyyy/m/d h:mm"
                elif _is_date(value):
                    cell.number_format = "yyyy/m/d"
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
        if name in hidden:
            ws.sheet_state = "hidden"
    path = Path(path)
    wb.save(path)
    return path


# ---------------------------------------------------------------- WPS (xlsxwriter + rewrite)

def write_wps_style(path, sheets: Sheets, merges: Merges = None, hidden=()) -> Path:
    """Like WPS: inline strings and a bogus <dimension ref="A1"/> on every worksheet."""
    import xlsxwriter

    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy/m/d"})
    datetime_fmt = wb.add_format({"num_format": "yyyy/m/d h:mm"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                _xlsxwriter_write(ws, r, c, value, date_fmt, datetime_fmt)
        for ref in (merges or {}).get(name, []):
            first, last = _ref_bounds(ref)
            ws.merge_range(*first, *last, None)
            top_left = rows[first[0]][first[1]] if first[0] < len(rows) and first[1] < len(rows[first[0]]) else None
            _xlsxwriter_write(ws, first[0], first[1], top_left, date_fmt, datetime_fmt)
        if name in hidden:
            ws.hide()
    wb.close()
    _rewrite_members(path, _wps_rewrite)
    return path


def _xlsxwriter_write(ws, r, c, value, date_fmt, datetime_fmt) -> None:
    value = _cell_value(value) if value is not None else None
    if value is None:
        return
    if isinstance(value, str):
        ws.write_string(r, c, value)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value)
    elif _is_datetime(value):
        ws.write_datetime(r, c, value, datetime_fmt)
    elif _is_date(value):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
    else:
        raise TypeError(f"unsupported value {value!r}")


def _ref_bounds(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """'B2:D3' → ((1, 1), (2, 3)), zero-based (row, col)."""
    first, _, last = ref.partition(":")
    return _cell_rc(first), _cell_rc(last or first)


def _cell_rc(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell.upper())
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _wps_rewrite(members: dict[str, bytes]) -> None:
    strings = _shared_strings(members.get("xl/sharedStrings.xml"))
    for name in list(members):
        if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
            xml = members[name].decode("utf-8")
            xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1"/>', xml)
            xml = re.sub(r'<c r="([A-Z]+\d+)"( s="\d+")? t="s"><v>(\d+)</v></c>',
                         lambda m: f'<c r="{m.group(1)}"{m.group(2) or ""} t="inlineStr"><is><t xml:space="preserve">'
                                   f'{html.escape(strings[int(m.group(3))], quote=False)}</t></is></c>',
                         xml)
            members[name] = xml.encode("utf-8")


def _shared_strings(xml: bytes | None) -> list[str]:
    if not xml:
        return []
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    return ["".join(t.text or "" for t in si.iter(f"{ns}t")) for si in ET.fromstring(xml).iter(f"{ns}si")]


def _rewrite_members(path: Path, rewrite) -> None:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        members = {i.filename: zf.read(i) for i in infos}
    rewrite(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            zf.writestr(info.filename, members[info.filename])


# ---------------------------------------------------------------- LibreOffice (soffice)

LO_CACHE_VERSION = "1"


def write_libreoffice_style(path, sheets: Sheets, merges: Merges = None, hidden=()) -> Path:
    """Written by LibreOffice itself: an Excel-style file converted with soffice to .xlsx or .ods.

    Conversions are cached under the temp folder (soffice takes ~2 s). Without soffice, an .xlsx is
    written by openpyxl with LibreOffice's application name, and an .ods by hand.
    """
    path = Path(path)
    target = path.suffix.lower().lstrip(".") or "xlsx"
    key = hashlib.sha256(repr((LO_CACHE_VERSION, target, sheets, merges, sorted(hidden))).encode()).hexdigest()
    cache_dir = Path(tempfile.gettempdir()) / "kc_libreoffice_cache"
    cached = cache_dir / f"{key}.{target}"
    if not cached.exists():
        produced = _soffice_convert(sheets, merges, hidden, target)
        if produced is None:
            _write_libreoffice_fallback(path, sheets, merges, hidden, target)
            return path
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(produced, tmp)
        os.replace(tmp, cached)
    shutil.copyfile(cached, path)
    return path


def _soffice_convert(sheets: Sheets, merges: Merges, hidden, target: str) -> Path | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    work = Path(tempfile.mkdtemp(prefix="kc_lo_"))
    source = write_excel_style(work / "source.xlsx", sheets, merges, hidden)
    profile = (work / "profile").as_uri()
    try:
        subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target,
                        "--outdir", str(work / "out"), str(source)],
                       check=True, capture_output=True, timeout=180)
    except (subprocess.SubprocessError, OSError):
        return None
    produced = work / "out" / f"source.{target}"
    return produced if produced.exists() else None


def _write_libreoffice_fallback(path: Path, sheets: Sheets, merges: Merges, hidden, target: str) -> None:
    if target == "ods":
        _write_minimal_ods(path, sheets, hidden)
        return
    write_excel_style(path, sheets, merges, hidden)

    def as_libreoffice(members: dict[str, bytes]) -> None:
        app = members.get("docProps/app.xml", b"").decode("utf-8")
        members["docProps/app.xml"] = re.sub(r"<Application>[^<]*</Application>",
                                             "<Application>LibreOffice/7.4.7.2$Linux_X86_64</Application>",
                                             app).encode("utf-8")
    _rewrite_members(path, as_libreoffice)


def _write_minimal_ods(path: Path, sheets: Sheets, hidden) -> None:
    tables = []
    for name, rows in sheets.items():
        style = ' table:style-name="hidden"' if name in hidden else ""
        xml_rows = "".join(f"<table:table-row>{''.join(_ods_cell(v) for v in row)}</table:table-row>"
                           for row in rows)
        tables.append(f'<table:table table:name="{html.escape(name)}"{style}>{xml_rows}</table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:automatic-styles><style:style style:name="hidden" style:family="table">'
        '<style:table-properties table:display="false"/></style:style></office:automatic-styles>'
        f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body>'
        '</office:document-content>')
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)


def _ods_cell(value) -> str:
    value = _cell_value(value) if value is not None else None
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, str):
        return f'<table:table-cell office:value-type="string"><text:p>{html.escape(value)}</text:p></table:table-cell>'
    if isinstance(value, bool):
        return f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}"/>'
    if isinstance(value, (int, float)):
        return f'<table:table-cell office:value-type="float" office:value="{value!r}"/>'
    return f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}"/>'


# ---------------------------------------------------------------- legacy .xls (xlwt)

def write_xls(path, sheets: Sheets, merges: Merges = None, hidden=()) -> Path:
    """BIFF8 .xls as old Excel writes it (xlwt)."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy/m/d")
    datetime_style = xlwt.easyxf(num_format_str="yyyy/m/d h:mm")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name, cell_overwrite_ok=True)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                value = _cell_value(value) if value is not None else None
                if value is None:
                    continue
                if _is_datetime(value):
                    ws.write(r, c, value, datetime_style)
                elif _is_date(value):
                    ws.write(r, c, dt.datetime.combine(value, dt.time()), date_style)
                else:
                    ws.write(r, c, value)
        for ref in (merges or {}).get(name, []):
            (r1, c1), (r2, c2) = _ref_bounds(ref)
            ws.merge(r1, r2, c1, c2)
        if name in hidden:
            ws.visibility = 1
    path = Path(path)
    wb.save(str(path))
    return path


# ---------------------------------------------------------------- CSV

def write_csv(path, rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """CSV as Excel saves it: CRLF, dates as yyyy/m/d, cells as typed (a leading "'" is kept)."""
    import csv

    path = Path(path)
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        for row in rows:
            writer.writerow([_csv_text(v) for v in row])
    return path


def _csv_text(value) -> str:
    if value is None:
        return ""
    if _is_datetime(value):
        return f"{value.year}/{value.month}/{value.day} {value.hour}:{value.minute:02d}"
    if _is_date(value):
        return f"{value.year}/{value.month}/{value.day}"
    return str(value)


# ---------------------------------------------------------------- password-protected Office file

def write_encrypted_ole(path, payload_size: int = 4608) -> Path:
    """An OLE2 compound file holding EncryptionInfo and EncryptedPackage streams: the container
    Excel, WPS and LibreOffice write for a password-protected .xlsx (contents are random bytes)."""
    sector = 512
    end_of_chain, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    info = b"\x04\x00\x04\x00\x40\x00\x00\x00" + os.urandom(4096 - 8)  # agile encryption 4.4 header
    package = (payload_size - 8).to_bytes(8, "little") + os.urandom(payload_size - 8)  # size, then ciphertext
    streams = [("EncryptionInfo", info), ("EncryptedPackage", package)]

    fat = [fat_sector, end_of_chain]  # sector 0: the FAT, sector 1: the directory
    starts, body = [], b""
    for _, data in streams:
        n = -(-len(data) // sector)
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [end_of_chain]
        body += data.ljust(n * sector, b"\0")
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, left=no_stream, right=no_stream, child=no_stream, start=end_of_chain, size=0):
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + len(encoded).to_bytes(2, "little") + bytes([kind, 1])
                + left.to_bytes(4, "little") + right.to_bytes(4, "little") + child.to_bytes(4, "little")
                + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + start.to_bytes(4, "little") + size.to_bytes(8, "little"))

    directory = (entry("Root Entry", 5, child=1)
                 + entry("EncryptionInfo", 2, right=2, start=starts[0], size=len(info))
                 + entry("EncryptedPackage", 2, start=starts[1], size=len(package))
                 + b"\0" * 64 + (0).to_bytes(2, "little") + b"\0\0"
                 + no_stream.to_bytes(4, "little") * 3 + b"\0" * 48)  # an unused entry
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
              + (0x3E).to_bytes(2, "little") + (3).to_bytes(2, "little") + b"\xfe\xff"
              + (9).to_bytes(2, "little") + (6).to_bytes(2, "little") + b"\0" * 6
              + (0).to_bytes(4, "little") + (1).to_bytes(4, "little") + (1).to_bytes(4, "little")
              + (0).to_bytes(4, "little") + (4096).to_bytes(4, "little")
              + end_of_chain.to_bytes(4, "little") + (0).to_bytes(4, "little")
              + end_of_chain.to_bytes(4, "little") + (0).to_bytes(4, "little")
              + (0).to_bytes(4, "little") + free.to_bytes(4, "little") * 108)
    assert len(header) == 512 and len(directory) == 512
    fat_bytes = b"".join(v.to_bytes(4, "little") for v in fat)
    path = Path(path)
    path.write_bytes(header + fat_bytes + directory + body)
    return path
