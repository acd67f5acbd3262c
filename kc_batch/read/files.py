"""First stage: file bytes → raw cell grids with locations (SPEC §3.5, §10.1, §10.3, §13.17).

Every workbook is read with python-calamine (it ignores the bogus sheet dimensions WPS writes);
CSV files are decoded here. Values are never coerced: an ID typed as a number stays a number so
the caller can say that its digits are lost (§3.5). A file that cannot be read raises
UnreadableFile with one Chinese sentence naming the file (§10.1, §13.17); hostile files (zip bombs,
XML entity declarations, oversized files and sheets) are refused before calamine sees them (§10.3).
"""
from __future__ import annotations

import csv
import gc
import hashlib
import io
import os
import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from kc_batch.config import Limits
from kc_batch.errors import UnreadableFile
from kc_batch.read import extent, worker
from kc_batch.read.inbox import (file_sha256, inbox_entries, list_inbox, not_regular, relative_name,  # noqa: F401
                                 shown_name)
from kc_batch.read.refusals import MESSAGES, RESAVE, refuse as _refuse  # noqa: F401
from kc_batch.read.zipcheck import ZIP_MAGIC, check_extents, check_zip, too_many_cells

# ---------------------------------------------------------------- the contract

FORMATS = ("xlsx", "xls", "ods", "csv")


@dataclass
class RawSheet:
    name: str                 # sheet name; for CSV the file stem
    rows: list[list[object]]  # rows[i][j] is Excel row i+1, column j (A=0); None for empty
    hidden: bool = False      # hidden or very hidden sheet (callers skip it and say so)
    uncalculated: set = field(default_factory=set)  # (row, column) 0-based: a formula with no cached value
    recoded: list = field(default_factory=list)     # (row, column) 0-based: a GBK cell in a UTF-8 CSV


@dataclass
class RawFile:
    path: Path                # absolute path
    rel: str                  # path relative to the inbox, '/' separators
    sha256: str               # hex digest of the bytes
    size: int
    fmt: str                  # 'xlsx' | 'xls' | 'ods' | 'csv'
    sheets: list[RawSheet] = field(default_factory=list)
    encoding: str | None = None   # for CSV: 'utf-8', 'utf-8-sig', 'gb18030' ('utf-16' with a BOM)


# ---------------------------------------------------------------- sniffing

EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SNIFF_BYTES = 64 * 1024
_HTML_HEAD = re.compile(rb"^(\xef\xbb\xbf)?\s*(<!doctype\s+html|<html|<table|<\?xml[^>]*>\s*(<\?mso-application|<workbook))",
                        re.IGNORECASE)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def sniff_format(head: bytes, name: str = "") -> str | None:
    """The format told by the first bytes of a file ('xlsx', 'xls', 'ods', 'csv'), or None.

    `name` is only a tie-breaker; the bytes decide (a renamed file is read by what it is).
    For a zip only the members visible in `head` are looked at; read_file checks the full directory.
    """
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip_head(head)
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if _HTML_HEAD.match(head[:4096]):
        return None
    if _decode_text_head(head) is not None:
        return "csv"
    return None


def _sniff_zip_head(head: bytes) -> str | None:
    names = _local_member_names(head)
    if names and names[0] == "mimetype":
        return "ods" if ODS_MIMETYPE in head[:200] else None
    if any(n.startswith(("word/", "ppt/")) for n in names):
        return None
    return "xlsx"  # provisional: read_file checks the whole directory


def _local_member_names(head: bytes) -> list[str]:
    """Names of the zip members whose local headers lie within `head`."""
    names, pos = [], 0
    while head.startswith(ZIP_MAGIC, pos) and pos + 30 <= len(head):
        flags = int.from_bytes(head[pos + 6:pos + 8], "little")
        csize = int.from_bytes(head[pos + 18:pos + 22], "little")
        nlen = int.from_bytes(head[pos + 26:pos + 28], "little")
        xlen = int.from_bytes(head[pos + 28:pos + 30], "little")
        names.append(head[pos + 30:pos + 30 + nlen].decode("utf-8", "replace"))
        if flags & 0x08:  # sizes follow the data: cannot walk further
            break
        pos += 30 + nlen + xlen + csize
    return names


def _decode_text_head(head: bytes) -> str | None:
    """The head decoded as text when it looks like a table in a known encoding, else None."""
    if not head:
        return None
    encoding = _text_encoding(head, partial=True)
    if encoding is None:
        return None
    text = head.decode("utf-8", "surrogateescape") if encoding == MIXED else _decode_partial(head, encoding)
    if text is None or _CONTROL_CHARS.search(text[:SNIFF_BYTES]):
        return None
    return text


# ---------------------------------------------------------------- reading one file

def read_file(path: Path, inbox: Path, limits: Limits | None = None) -> RawFile:
    """Read one inbox file into raw grids; raises UnreadableFile (one Chinese sentence)."""
    limits = limits or Limits()
    path = Path(path).absolute()
    rel = relative_name(path, inbox)
    data = _read_bytes(path, rel, limits)
    raw = RawFile(path=path, rel=rel, sha256=hashlib.sha256(data).hexdigest(), size=len(data), fmt="")
    if data.startswith(ZIP_MAGIC):
        zf = _open_zip(data, rel)
        raw.fmt = _zip_kind(zf, rel)
        check_zip(zf, data, rel, limits)
    else:
        raw.fmt = _detect_format(data, path.name, rel)
    if raw.fmt == "csv":
        raw.encoding, raw.sheets = _read_csv(data, path.stem, rel, limits)
    else:
        raw.sheets = _read_workbook(data, rel, limits)
    if raw.fmt == "xlsx" and data.startswith(ZIP_MAGIC):
        _mark_uncalculated(zf, data, raw.sheets)
    return raw


def _mark_uncalculated(zf: zipfile.ZipFile, data: bytes, sheets: list[RawSheet]) -> None:
    """Formula cells a script wrote without a result: calamine reads them as empty (read/extent.py).
    Excel, WPS and LibreOffice always save formula results, so their files are not scanned (the scan
    inflates every sheet again); a file from any other program (openpyxl, …) is."""
    if extent.saved_by_a_calculating_program(zf):
        return
    by_name = {s.name: s for s in sheets}
    for member, name in extent.sheet_names(zf).items():
        if name in by_name and member in zf.NameToInfo:
            by_name[name].uncalculated = extent.uncalculated_cells(data, zf.getinfo(member))


def read_files(paths: list[Path], inbox: Path, limits: Limits | None = None, workers: int = 2):
    """Read several files, `workers` at a time, each in a bounded worker process (read/worker.py);
    yields, in the given order, a RawFile or the UnreadableFile that explains why not."""
    limits = limits or Limits()
    yield from worker.run_bounded(list(paths), lambda path: read_file(path, inbox, limits),
                                  lambda path, why: _worker_failure(path, inbox, limits, why), workers, limits)


def _worker_failure(path: Path, inbox: Path, limits: Limits, why: str) -> UnreadableFile:
    """The message for a worker that died, ran out of memory or of time; for an .xlsx whose cells span
    more than the cap (behind a <dimension> that lies) the sheet and the far cell are named."""
    rel = relative_name(Path(path).absolute(), inbox)
    if why == "timeout":
        return _refuse("reader_timeout", rel, seconds=limits.max_read_seconds)
    try:
        data = Path(path).read_bytes()
        zf = zipfile.ZipFile(io.BytesIO(data))
        check_extents(zf, data, {}, rel, limits, scan_all=True)
    except UnreadableFile as exc:
        return exc
    except Exception:  # noqa: BLE001 - the diagnosis is best effort
        pass
    return _refuse("reader_memory" if why == "memory" else "reader_crash", rel, limit_mb=limits.max_reader_mb)


def _read_bytes(path: Path, rel: str, limits: Limits) -> bytes:
    limit_bytes = int(limits.max_file_mb * 1024 * 1024)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit_bytes:
                raise _refuse("too_big", rel, size_mb=size / 1048576, limit_mb=limits.max_file_mb)
            data = f.read(limit_bytes + 1)
    except FileNotFoundError:
        raise _refuse("vanished", rel) from None
    except PermissionError:
        raise _refuse("locked", rel) from None
    except IsADirectoryError:
        raise _refuse("not_spreadsheet", rel) from None
    except OSError as exc:
        if exc.errno in (13, 16, 26):  # EACCES, EBUSY, ETXTBSY: locked by another program
            raise _refuse("locked", rel) from None
        raise _refuse("os_error", rel, detail=exc.strerror or type(exc).__name__) from None
    if len(data) > limit_bytes:  # grew while we read it
        raise _refuse("too_big", rel, size_mb=len(data) / 1048576, limit_mb=limits.max_file_mb)
    if not data:
        raise _refuse("empty", rel)
    return data


def _detect_format(data: bytes, name: str, rel: str) -> str:
    """The format of a file that is not a zip, or a refusal."""
    if data.startswith(EMPTY_ZIP_MAGIC):
        raise _refuse("corrupt", rel)
    head = data[:SNIFF_BYTES]
    if data.startswith(OLE2_MAGIC):
        return "xls"
    if _HTML_HEAD.match(head[:4096]):
        raise _refuse("html_xls", rel)
    fmt = sniff_format(head, name)
    if fmt is None:
        raise _refuse("not_spreadsheet", rel)
    return fmt


def _open_zip(data: bytes, rel: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise _refuse("corrupt", rel) from None


def _zip_kind(zf: zipfile.ZipFile, rel: str) -> str:
    """'xlsx' or 'ods' from the zip's full member list; refuses other zips.

    An .xlsb (xl/workbook.bin) is read by calamine too and reported as 'xlsx'."""
    names = set(zf.namelist())
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "mimetype" in names and "content.xml" in names:
        if not _read_member_head(zf, "mimetype", 200).strip().startswith(ODS_MIMETYPE):
            raise _refuse("not_spreadsheet", rel)
        manifest = _read_member_head(zf, "META-INF/manifest.xml", 1 << 20) if "META-INF/manifest.xml" in names else b""
        if b"encryption-data" in manifest:
            raise _refuse("password", rel)
        return "ods"
    if any(n.startswith(("word/", "ppt/")) for n in names):
        raise _refuse("word_or_ppt", rel)
    raise _refuse("not_spreadsheet", rel)


def _read_member_head(zf: zipfile.ZipFile, name: str, size: int) -> bytes:
    try:
        with zf.open(name) as f:
            return f.read(size)
    except Exception:  # noqa: BLE001 - any failure here is a broken member
        return b""


# ---------------------------------------------------------------- workbooks (calamine)

@contextmanager
def _gc_paused():
    """Millions of new cell lists trigger many useless cyclic-GC passes; they hold no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_workbook(data: bytes, rel: str, limits: Limits) -> list[RawSheet]:
    with _gc_paused():
        return _read_workbook_cells(data, rel, limits)


def _read_workbook_cells(data: bytes, rel: str, limits: Limits) -> list[RawSheet]:
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        raise _refuse("password", rel) from None
    except Exception:  # noqa: BLE001 - calamine raises several types for a broken file
        raise _refuse(_why_unopenable(data), rel) from None
    try:
        budget = [limits.max_cells_per_file]
        return [_read_sheet(book, meta, rel, limits, budget) for meta in book.sheets_metadata
                if meta.typ == calamine.SheetTypeEnum.WorkSheet]
    except UnreadableFile:
        raise
    except calamine.PasswordError:
        raise _refuse("password", rel) from None
    except Exception:  # noqa: BLE001
        raise _refuse("corrupt", rel) from None
    finally:
        book.close()


def _why_unopenable(data: bytes) -> str:
    """The message key for an OLE2/zip file calamine could not open."""
    if data.startswith(OLE2_MAGIC):
        if _ole_name("EncryptedPackage") in data:
            return "password"  # an encrypted .xlsx is an OLE2 container holding EncryptedPackage
        if _ole_name("WordDocument") in data or _ole_name("PowerPoint Document") in data:
            return "word_or_ppt"
    return "corrupt"


def _ole_name(name: str) -> bytes:
    """How a stream name is stored in an OLE2 directory entry."""
    return name.encode("utf-16-le")


def _read_sheet(book, meta, rel: str, limits: Limits, budget: list[int]) -> RawSheet:
    """One sheet's grid; its range (from A1) is checked against the caps before Python objects are made."""
    sheet = book.get_sheet_by_name(meta.name)
    hidden = meta.visible != calamine.SheetVisibleEnum.Visible
    end = sheet.end
    if end is None:
        return RawSheet(name=meta.name, rows=[], hidden=hidden)
    height, width = end[0] + 1, end[1] + 1
    if height > limits.max_rows:
        raise _refuse("too_many_rows", rel, sheet=meta.name, rows=height, limit=limits.max_rows)
    span = extent.Extent(height, width, f"{extent.column_letters(width)}{height}")
    if span.cells > limits.max_cells_per_sheet:
        raise too_many_cells(rel, meta.name, span, limits)
    budget[0] -= span.cells
    if budget[0] < 0:
        raise _refuse("file_too_many_cells", rel, cells=limits.max_cells_per_file - budget[0],
                      limit=limits.max_cells_per_file)
    rows = [[None if v == "" else v for v in row] for row in sheet.to_python(skip_empty_area=False)]
    return RawSheet(name=meta.name, rows=trim_grid(rows), hidden=hidden)


def trim_grid(rows: list[list[object]]) -> list[list[object]]:
    """Drop trailing all-None rows and trailing all-None columns; rows become equally long."""
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    if not rows:
        return rows
    lengths = set(map(len, rows))
    full_width = width = max(lengths)
    while width and all(len(r) < width or r[width - 1] is None for r in rows):
        width -= 1
    if len(lengths) == 1 and width == full_width:
        return rows  # already rectangular and tight (the usual case for workbooks)
    for i, row in enumerate(rows):
        if len(row) > width:
            rows[i] = row[:width]
        elif len(row) < width:
            row.extend([None] * (width - len(row)))
    return rows


# ---------------------------------------------------------------- CSV

DELIMITERS = (",", "\t", ";")


def _read_csv(data: bytes, stem: str, rel: str, limits: Limits) -> tuple[str, list[RawSheet]]:
    encoding = _text_encoding(data, partial=False)
    if encoding is None:
        raise _refuse("bad_text", rel)
    text = data.decode("utf-8", "surrogateescape") if encoding == MIXED else data.decode(encoding)
    if "\x00" in text:
        raise _refuse("not_spreadsheet", rel)
    delimiter = sniff_delimiter(text[:SNIFF_BYTES])
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # long cells are kept (§3.5)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise _refuse("corrupt", rel) from None
    rows = trim_grid([[v if v != "" else None for v in rec] for rec in records])
    if len(rows) > limits.max_rows:
        raise _refuse("too_many_rows", rel, sheet=stem, rows=len(rows), limit=limits.max_rows)
    sheet = RawSheet(name=stem, rows=rows)
    if encoding == MIXED:
        sheet.recoded = _recode_gbk_cells(rows)
    return encoding, [sheet]


MIXED = "utf-8+gb18030"  # a UTF-8 file with a few cells typed in a GBK program (issue 12 item 14)
_ESCAPED = re.compile("[\udc80-\udcff]")


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 but for a few byte runs: fewer undecodable bytes than a tenth of the non-ASCII characters."""
    text = data.decode("utf-8", "surrogateescape")
    bad = len(_ESCAPED.findall(text))
    return 0 < bad * 10 < sum(1 for ch in text if ord(ch) > 127)


def _recode_gbk_cells(rows: list[list]) -> list[tuple[int, int]]:
    """Decode, as GB18030, each cell that is not UTF-8; → their (row, column), 0-based."""
    found = []
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if isinstance(value, str) and _ESCAPED.search(value):
                raw = value.encode("utf-8", "surrogateescape")
                row[j] = raw.decode("gb18030", "replace")
                found.append((i, j))
    return found


def _text_encoding(data: bytes, partial: bool) -> str | None:
    """'utf-8-sig', 'utf-8', 'gb18030' (or 'utf-16' with a BOM) — the first that decodes `data`.

    With `partial`, `data` is a head that may end inside a multi-byte character.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", MIXED, "gb18030"):
        if encoding == MIXED:
            if _mostly_utf8(data):
                return MIXED
            continue
        decodes = _decode_partial(data, encoding) is not None if partial else _decodes(data, encoding)
        if decodes:
            return encoding
    return None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _decode_partial(data: bytes, encoding: str) -> str | None:
    """Decode a head that may be cut inside a character (at most 3 bytes are dropped)."""
    for cut in range(4):
        try:
            return data[:len(data) - cut].decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 4:  # a real error, not a cut character
                return None
    return None


def sniff_delimiter(sample: str) -> str:
    """Among , tab ; the delimiter found in most of the first lines, with the steadiest count."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a head may be cut
    best, best_score = ",", (0, 0, 0)
    for delim in DELIMITERS:
        counts = [ln.count(delim) for ln in lines]
        with_delim = sum(1 for c in counts if c)
        if not with_delim:
            continue
        most_common = max(set(counts), key=counts.count)
        score = (with_delim, counts.count(most_common) if most_common else 0, sum(counts))
        if score > best_score:
            best, best_score = delim, score
    return best
