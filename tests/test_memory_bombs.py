"""Issue 12 item 9 (SPEC §10.3): sheets whose cells span a huge range, and files of many big sheets, are
refused before the reader builds their range, in bounded time (≤ 10 s) and memory (≤ 1 GB address space,
set with resource.setrlimit in the child); the file costs one 输入错误 row and the run goes on."""
from __future__ import annotations

import io
import json
import os
import re
import resource
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import xlsxwriter

from accounting import accounting
from school import make_workdir, roster_sheet, write
from test_hostile import WEEK, enrolled_total, students, write_raw_zip, write_zip

ROOT = Path(__file__).resolve().parent.parent
BOOK = f"周查汇总_示例小学_{WEEK}.xlsx"
GB = 1 << 30


def school(root: Path):
    wd = make_workdir(root)
    kids = students(5)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    return wd, kids


def far_cell_book(path: Path, row: int, col: int, lie_about_dimension: bool = False) -> Path:
    """A small real .xlsx: a 周查表-like header and one cell far away (row, col are 0-based)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("三年级1班")
    ws.write_row(0, 0, ["学籍号", "姓名", "11月16日"])
    ws.write_string(row, col, "x")
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    if lie_about_dimension:  # a crafted file: the <dimension> says A1:C1
        members["xl/worksheets/sheet1.xml"] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:C1"/>',
                                                     members["xl/worksheets/sheet1.xml"])
    return write_zip(path, members)


def many_sheets_book(path: Path, sheets: int, rows: int, cols: int) -> Path:
    """`sheets` sheets of rows × cols numeric cells, written straight as XML (each under the zip ratio
    limit: digits do not compress 200-fold); the sheet is deflated once and stored `sheets` times."""
    with zipfile.ZipFile(io.BytesIO(_empty_book(sheets))) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    letters = [chr(65 + j) for j in range(cols)]
    body = b"".join(b'<row r="%d">' % (r + 1) + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (c.encode(), r + 1, r * 7 + j)
                                                         for j, c in enumerate(letters)) + b"</row>"
                    for r in range(rows))
    xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
           b'spreadsheetml/2006/main"><sheetData>' + body + b"</sheetData></worksheet>")
    packed = []
    for name, data in members.items():
        if name.startswith("xl/worksheets/"):
            continue
        co = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed.append((name, co.compress(data) + co.flush(), 8, zlib.crc32(data), len(data)))
    co = zlib.compressobj(1, zlib.DEFLATED, -15)
    stream, crc = co.compress(xml) + co.flush(), zlib.crc32(xml)
    assert len(xml) / len(stream) < 200
    packed += [(f"xl/worksheets/sheet{i}.xml", stream, 8, crc, len(xml)) for i in range(1, sheets + 1)]
    return write_raw_zip(path, packed)


def _empty_book(sheets: int) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for i in range(sheets):
        wb.add_worksheet(f"表{i + 1}").write_string(0, 0, "x")
    wb.close()
    return buf.getvalue()


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (GB, GB))


def run_bounded(wd: Path) -> tuple[subprocess.CompletedProcess, float]:
    """`kc weekly` in a child whose address space is capped at 1 GB; → (result, seconds)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kc_batch.cli", "weekly", "--dir", str(wd), "--week", WEEK],
                          capture_output=True, text=True, env=env, timeout=120, preexec_fn=limit_memory)
    return done, time.perf_counter() - started


def error_rows(wd: Path) -> list[tuple]:
    """The data rows of the 输入错误 sheet (below its header row 文件 | 工作表 | 行号 …)."""
    rows = list(openpyxl.load_workbook(wd / "out" / WEEK / BOOK, read_only=True)["输入错误"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "文件")
    table = []
    for r in rows[header + 1:]:
        if not r or not r[0]:
            break  # the table ends at the blank row above the footer (单位负责人 …, issue 13)
        table.append(r)
    return table


def assert_refused_alone(wd: Path, done, seconds: float, file: str, *words: str):
    assert done.returncode == 0, done.stderr
    assert seconds <= 10, seconds
    line = next(ln for ln in (done.stderr + done.stdout).splitlines() if file in ln)
    for word in words:
        assert word in line, line
    # the bomb is one 输入错误 row; the roster's 5 rows are read and stored
    bomb_rows = [r for r in error_rows(wd) if r[0] == file]
    assert len(bomb_rows) == 1 and all(w in bomb_rows[0][5] for w in words)
    assert enrolled_total(wd) == 5
    assert accounting(wd / "kc.sqlite") == {"花名册.xlsx": (5, 5, 0)}


def test_one_cell_at_XFD150000_is_refused_before_the_range_is_built(tmp_path):
    """A 6 KB file whose cells span 150,000 rows × 16,384 columns = 2,457,600,000 cells (the reader would
    allocate tens of GB): refused from its sheet's extent, naming the sheet and the far cell."""
    wd, _ = school(tmp_path / "s")
    bomb = far_cell_book(wd / "inbox" / "周查表.xlsx", 149_999, 16_383)
    assert bomb.stat().st_size < 10_000
    done, seconds = run_bounded(wd)
    assert_refused_alone(wd, done, seconds, "周查表.xlsx", "三年级1班", "XFD150000", "150000 行", "16384 列")


def test_one_cell_at_XFD3000_is_refused(tmp_path):
    """3,000 × 16,384 = 49,152,000 cells > the 3,000,000 per sheet default."""
    wd, _ = school(tmp_path / "s")
    far_cell_book(wd / "inbox" / "周查表.xlsx", 2_999, 16_383)
    done, seconds = run_bounded(wd)
    assert_refused_alone(wd, done, seconds, "周查表.xlsx", "三年级1班", "XFD3000", "49152000")


def test_far_cell_behind_a_lying_dimension_is_refused(tmp_path):
    """The <dimension> claims A1:C1; the cells still span XFD150000."""
    wd, _ = school(tmp_path / "s")
    far_cell_book(wd / "inbox" / "周查表.xlsx", 149_999, 16_383, lie_about_dimension=True)
    done, seconds = run_bounded(wd)
    assert_refused_alone(wd, done, seconds, "周查表.xlsx", "三年级1班", "XFD150000")


def test_many_big_sheets_are_refused_by_the_per_file_cap(tmp_path):
    """95 sheets × 12,000 rows × 10 columns = 11,400,000 numeric cells (about 3 MB of XML each,
    285 MB in all, under max_uncompressed_mb = 1000); the per-file cap is 5,000,000 cells."""
    wd, _ = school(tmp_path / "s")
    many_sheets_book(wd / "inbox" / "大表.xlsx", 95, 12_000, 10)
    done, seconds = run_bounded(wd)
    assert_refused_alone(wd, done, seconds, "大表.xlsx", "5000000", "max_cells_per_file")


def test_cell_caps_are_configurable(tmp_path):
    """A 40 × 30 = 1,200 cell sheet is refused under max_cells_per_sheet = 1000, read under the default."""
    wd, _ = school(tmp_path / "s")
    far_cell_book(wd / "inbox" / "周查表.xlsx", 39, 29)
    done, _ = run_bounded(wd)
    assert done.returncode == 0 and "周查表.xlsx" not in [r[0] for r in error_rows(wd) if "上限" in (r[5] or "")]
    (wd / "kc.toml").write_text((wd / "kc.toml").read_text(encoding="utf-8")
                                + "\n[limits]\nmax_cells_per_sheet = 1000\n", encoding="utf-8")
    (wd / "kc.sqlite").unlink()
    done, seconds = run_bounded(wd)
    assert_refused_alone(wd, done, seconds, "周查表.xlsx", "三年级1班", "AD40", "1200", "1000")


def test_a_reader_that_dies_costs_one_row_and_the_run_goes_on(tmp_path, monkeypatch):
    """The worker reading one file aborts (as a Rust panic or an allocation failure does): that file is
    one line and one 输入错误 row; the other files are read."""
    from click.testing import CliRunner
    from kc_batch.app import importer
    from kc_batch.cli import main
    wd, _ = school(tmp_path / "s")
    write(wd / "inbox" / "坏.xlsx", {"表": [["学籍号", "姓名"]]})
    original = importer.readers.read_file

    def dying(path, inbox, limits=None):
        if Path(path).name == "坏.xlsx":
            os.abort()
        return original(path, inbox, limits)
    monkeypatch.setattr(importer.readers, "read_file", dying)
    res = CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", WEEK])
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "坏.xlsx" in ln)
    assert "异常退出" in line
    assert [r[0] for r in error_rows(wd)] == ["坏.xlsx"]
    assert enrolled_total(wd) == 5
    assert json.dumps(accounting(wd / "kc.sqlite")) == json.dumps({"花名册.xlsx": [5, 5, 0]})
