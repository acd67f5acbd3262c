"""First stage: file bytes → raw cell grids with locations (SPEC §3.5, §10.1, §10.3, §13.17).

Every workbook is read with python-calamine (it ignores the bogus sheet dimensions WPS writes);
CSV files are decoded here. Values are never coerced: an ID typed as a number stays a number so
the caller can say that its digits are lost (§3.5). A file that cannot be read raises
UnreadableFile with one Chinese sentence naming the file (§10.1, §13.17); hostile files (zip bombs,
XML entity declarations, oversized files and sheets) are refused before calamine sees them (§10.3).
"""
from __future__ import annotations

import csv
import errno
import gc
import hashlib
import io
import os
import re
import stat
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from kc_batch.config import Limits
from kc_batch.errors import UnreadableFile
from kc_batch.read import extent, worker

# ---------------------------------------------------------------- user-facing text (Chinese)

RESAVE = "请用 Excel 或 WPS 打开后另存为 .xlsx，再重新放入 inbox"
MESSAGES = {
    "vanished": "文件 {rel} 在读取前已被移走或删除，已跳过；如仍需导入，请重新放入 inbox。",
    "locked": "文件 {rel} 无法打开（可能正被其他程序占用或没有读取权限），已跳过；请关闭正在使用它的 Excel/WPS 后重新运行。",
    "os_error": "文件 {rel} 无法读取（{detail}），已跳过；请检查文件后重新放入 inbox。",
    "empty": "文件 {rel} 是空文件（0 字节），已跳过；请重新导出后放入 inbox。",
    "too_big": "文件 {rel} 大小为 {size_mb:.1f} MB，超过上限 {limit_mb:g} MB，已拒绝读取；请删去无关内容后重新放入 inbox，或在 kc.toml 的 [limits] 中调高 max_file_mb。",
    "not_spreadsheet": "文件 {rel} 不是电子表格（只支持 .xlsx、.xls、.ods、.csv），已跳过；" + RESAVE + "。",
    "word_or_ppt": "文件 {rel} 是 Word/PowerPoint 文档，不是电子表格，已跳过；请把表格复制到 Excel 或 WPS 表格中另存为 .xlsx，再重新放入 inbox。",
    "html_xls": "文件 {rel} 实际是网页（HTML/XML）格式，不是真正的 Excel 文件，已跳过；" + RESAVE + "。",
    "corrupt": "文件 {rel} 已损坏，无法作为电子表格打开，已跳过；" + RESAVE + "。",
    "password": "文件 {rel} 有密码保护，无法读取，已跳过；请在 Excel 或 WPS 中去掉打开密码后另存为 .xlsx，再重新放入 inbox。",
    "zip_too_large": "文件 {rel} 解压后有 {size_mb:.0f} MB，超过上限 {limit_mb:g} MB（疑似压缩炸弹），已拒绝读取；请检查文件来源，或在 kc.toml 的 [limits] 中调高 max_uncompressed_mb。",
    "zip_ratio": "文件 {rel} 的压缩比异常（{ratio:.0f} 倍，疑似压缩炸弹），已拒绝读取；请检查文件来源，" + RESAVE + "。",
    "zip_overlap": "文件 {rel} 的压缩包结构异常（成员互相重叠，疑似压缩炸弹），已拒绝读取；请检查文件来源，" + RESAVE + "。",
    "xml_entity": "文件 {rel} 含有 XML 实体声明（DOCTYPE/ENTITY，可能是恶意构造的文件），已拒绝读取；请检查文件来源，" + RESAVE + "。",
    "too_many_rows": "文件 {rel} 的工作表“{sheet}”有 {rows} 行，超过上限 {limit} 行，已拒绝读取；请删去无关行后重新放入 inbox，或在 kc.toml 的 [limits] 中调高 max_rows。",
    "bad_text": "文件 {rel} 的文字编码无法识别（不是 UTF-8 或 GBK），已跳过；" + RESAVE + "。",
    "too_many_cells": "文件 {rel} 的工作表“{sheet}”的内容从 A1 延伸到 {far}，共 {rows} 行 × {cols} 列 = {cells} 个单元格，"
                      "超过上限 {limit} 个，已拒绝读取；请删除远处无关的内容（或把有用的部分复制到新文件）后重新放入 inbox，"
                      "或在 kc.toml 的 [limits] 中调高 max_cells_per_sheet。",
    "file_too_many_cells": "文件 {rel} 的工作表共有 {cells} 个以上有内容的单元格，超过每个文件 {limit} 个的上限，已拒绝读取；"
                           "请删去无关的工作表或拆成几个文件后重新放入 inbox，或在 kc.toml 的 [limits] 中调高 max_cells_per_file。",
    "reader_memory": "文件 {rel} 读取时所需内存超过上限 {limit_mb:g} MB，已停止读取并跳过；请检查文件中是否有远处无关的内容"
                     "（可把有用的部分复制到新文件），或在 kc.toml 的 [limits] 中调高 max_reader_mb。",
    "reader_timeout": "文件 {rel} 读取超过 {seconds:g} 秒仍未完成，已停止读取并跳过；请检查文件是否过大或含大量无关内容，"
                      "或在 kc.toml 的 [limits] 中调高 max_read_seconds。",
    "reader_crash": "文件 {rel} 读取时读取程序异常退出（可能所需内存超过上限 {limit_mb:g} MB 或文件结构异常），已跳过；" + RESAVE + "。",
}


def _refuse(key: str, rel: str, sheet: str = "", column: str = "", **kw) -> UnreadableFile:
    return UnreadableFile(MESSAGES[key].format(rel=rel, sheet=sheet, **kw), sheet=sheet, column=column)


# ---------------------------------------------------------------- the contract

FORMATS = ("xlsx", "xls", "ods", "csv")


@dataclass
class RawSheet:
    name: str                 # sheet name; for CSV the file stem
    rows: list[list[object]]  # rows[i][j] is Excel row i+1, column j (A=0); None for empty
    hidden: bool = False      # hidden or very hidden sheet (callers skip it and say so)


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

ZIP_MAGIC = b"PK\x03\x04"
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
    text = _decode_partial(head, encoding)
    if text is None or _CONTROL_CHARS.search(text[:SNIFF_BYTES]):
        return None
    return text


# ---------------------------------------------------------------- listing the inbox

LOCK_PREFIXES = ("~$", ".~lock.")
SKIPPED_NAMES = {"thumbs.db", "desktop.ini"}
OWN_TEMP_SUFFIXES = (".tmp", ".kc-tmp", ".part", ".crdownload")  # our atomic writes, partial downloads


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in 1 MiB blocks (files are known by it, §10.2)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def list_inbox(inbox: Path) -> list[Path]:
    """Every input file under `inbox`, sorted by relative posix path (§13.13)."""
    return inbox_entries(inbox)[0]


INBOX_REFUSALS = {
    "outside": "{rel} 是指向 inbox 之外（{target}）的链接，未读取；如需导入，请把文件本身复制到 inbox。",
    "dangling": "{rel} 是失效的链接（指向的文件不存在），未读取。",
    "loop": "{rel} 是循环链接（链接最终又指向自己），未读取。",
    "special": "{rel} 不是普通文件（管道、设备或套接字），未读取。",
}


def inbox_entries(inbox: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """(input files sorted by relative path, [(rel, Chinese line)] for what is not read: links that
    leave the inbox, dangling links, link loops, FIFOs and devices — §10.1, §10.3)."""
    inbox = Path(inbox)
    root = os.path.realpath(inbox)
    found: list[tuple[str, Path]] = []
    refused: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(inbox):
        for name in [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            dirnames.remove(name)  # never followed; named when it leads out or nowhere
            why = _link_problem(Path(dirpath) / name, root)
            if why:
                refused.append(_refusal(Path(dirpath) / name, inbox, *why))
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if _is_skipped(name):
                continue
            path = Path(dirpath) / name
            why = _link_problem(path, root) if path.is_symlink() else None
            if why is None and not_regular(path):
                why = ("special", "")
            if why:
                refused.append(_refusal(path, inbox, *why))
            else:
                found.append((shown_name(path.relative_to(inbox).as_posix()), path))
    found.sort(key=lambda item: item[0])
    return [path for _, path in found], sorted(refused)


def _link_problem(path: Path, root: str) -> tuple[str, str] | None:
    """('outside' | 'dangling' | 'loop', target) for a link not to be followed, else None."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return "dangling", ""
    except OSError as exc:
        return ("loop", "") if exc.errno == errno.ELOOP else ("dangling", "")
    target = os.path.realpath(path)
    if os.path.commonpath([root, target]) != root:
        return "outside", shown_name(target)
    return None


def not_regular(path: Path) -> bool:
    """True for a FIFO, device or socket (opening a FIFO would wait forever)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _refusal(path: Path, inbox: Path, key: str, target: str) -> tuple[str, str]:
    rel = shown_name(path.relative_to(inbox).as_posix())
    return rel, INBOX_REFUSALS[key].format(rel=rel, target=target)


def shown_name(name: str) -> str:
    """A file name as it can be stored and shown: names that are not UTF-8 (a Windows zip unpacked on
    Linux) arrive with surrogate escapes and are decoded as GBK, or else shown as \\xNN escapes."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def _is_skipped(name: str) -> bool:
    lower = name.lower()
    return (name.startswith(".") or name.startswith(LOCK_PREFIXES)
            or lower in SKIPPED_NAMES or lower.endswith(OWN_TEMP_SUFFIXES) or name.endswith("~"))


def relative_name(path: Path, inbox: Path) -> str:
    try:
        return shown_name(Path(path).resolve().relative_to(Path(inbox).resolve()).as_posix())
    except ValueError:
        return shown_name(Path(path).name)


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
        _check_zip(zf, data, rel, limits)
    else:
        raw.fmt = _detect_format(data, path.name, rel)
    if raw.fmt == "csv":
        raw.encoding, raw.sheets = _read_csv(data, path.stem, rel, limits)
    else:
        raw.sheets = _read_workbook(data, rel, limits)
    return raw


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
        _check_extents(zf, data, {}, rel, limits, scan_all=True)
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


# ---------------------------------------------------------------- hostile zips (§10.3)

ABSURD_RATIO = 200          # deflated XML of real workbooks stays far below this
RATIO_MIN_BYTES = 10 << 20  # small members may compress absurdly well without harm
XML_PROLOG_BYTES = 64 * 1024   # a longer prolog is refused
XML_FIRST_READ = 1024


def _check_zip(zf: zipfile.ZipFile, data: bytes, rel: str, limits: Limits) -> None:
    """Refuse zip bombs and XML entity declarations before calamine sees the file."""
    infos = zf.infolist()
    _check_zip_sizes(infos, rel, limits)
    _check_zip_overlap(infos, len(data), rel)
    heads = {}
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            heads[info.filename] = _check_xml_prolog(data, info, rel)
    _check_extents(zf, data, heads, rel, limits)


def _check_extents(zf: zipfile.ZipFile, data: bytes, heads: dict, rel: str, limits: Limits,
                   scan_all: bool = False) -> None:
    """Refuse a sheet spanning more than max_cells_per_sheet cells, or a file of more than
    max_cells_per_file cells with content, before calamine builds a range (read/extent.py)."""
    sheets = [i for i in zf.infolist() if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
    names = None
    for info in sheets:
        declared = extent.declared_extent(heads.get(info.filename, b""))
        if scan_all or (declared and declared.cells > limits.max_cells_per_sheet):
            actual = extent.actual_extent(data, info)
            if actual.cells > limits.max_cells_per_sheet:
                names = names if names is not None else extent.sheet_names(zf)
                raise _too_many_cells(rel, names.get(info.filename, info.filename), actual, limits)
    if sum(i.file_size for i in sheets) > limits.max_cells_per_file * extent.MIN_CELL_BYTES:
        total = 0
        for info in sheets:
            if extent.could_exceed(info, 1):
                total += extent.filled_cells(data, info, limits.max_cells_per_file - total)
            if total > limits.max_cells_per_file:
                raise _refuse("file_too_many_cells", rel, cells=total, limit=limits.max_cells_per_file)


def _too_many_cells(rel: str, sheet: str, ext, limits: Limits) -> UnreadableFile:
    return _refuse("too_many_cells", rel, sheet=sheet, column=ext.far, far=ext.far, rows=ext.rows, cols=ext.cols,
                   cells=ext.cells, limit=limits.max_cells_per_sheet)


def _check_zip_sizes(infos: list[zipfile.ZipInfo], rel: str, limits: Limits) -> None:
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_mb * 1024 * 1024:
        raise _refuse("zip_too_large", rel, size_mb=total / 1048576, limit_mb=limits.max_uncompressed_mb)
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > ABSURD_RATIO:
                raise _refuse("zip_ratio", rel, ratio=ratio)


def _check_zip_overlap(infos: list[zipfile.ZipInfo], data_len: int, rel: str) -> None:
    """Members whose data overlap (the 'overlapping files' bomb) or lie outside the file."""
    end_of_previous = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < end_of_previous or info.header_offset + info.compress_size > data_len:
            raise _refuse("zip_overlap", rel)
        end_of_previous = info.header_offset + 30 + info.compress_size  # a lower bound of its end


_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def _check_xml_prolog(data: bytes, info: zipfile.ZipInfo, rel: str) -> bytes:
    """Refuse a DOCTYPE/ENTITY before the root element (entity expansion, XXE); → the member's head."""
    head = _member_head(data, info, XML_FIRST_READ, rel)
    verdict = _prolog_verdict(head)
    if verdict is None and len(head) == XML_FIRST_READ:  # the prolog goes on: read up to the limit
        head = _member_head(data, info, XML_PROLOG_BYTES, rel)
        verdict = _prolog_verdict(head)
    if verdict is False or (verdict is None and len(head) >= XML_PROLOG_BYTES):
        raise _refuse("xml_entity", rel)
    return head


def _member_head(data: bytes, info: zipfile.ZipInfo, size: int, rel: str) -> bytes:
    """At most `size` uncompressed bytes of a member, decompressed straight from the zip bytes
    (bounded output whatever the member claims; much cheaper than ZipFile.open)."""
    offset = info.header_offset
    local = data[offset:offset + 30]
    if len(local) < 30 or not local.startswith(ZIP_MAGIC) or info.flag_bits & 0x1:
        raise _refuse("corrupt", rel)
    start = offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
    compressed = memoryview(data)[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return compressed[:size]
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _refuse("corrupt", rel)
    try:
        return zlib.decompressobj(-15).decompress(compressed, size)
    except zlib.error:
        raise _refuse("corrupt", rel) from None


def _prolog_verdict(head: bytes) -> bool | None:
    """True when the root element comes before any <!DOCTYPE>/<!ENTITY>, False when a declaration
    comes first, None when `head` ends inside the prolog."""
    head = _as_utf8(head)
    pos = 0
    while pos < len(head):
        m = _PROLOG_ITEM.match(head, pos)
        if m is None:
            break
        pos = m.end()
    rest = head[pos:]
    if len(rest) < 4 or rest.startswith((b"<?", b"<!--")):  # cut inside a PI, a comment or before the root
        return None
    return not rest.startswith(b"<!")


def _as_utf8(head: bytes) -> bytes:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace").encode("utf-8")
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:]
    return head


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
        raise _too_many_cells(rel, meta.name, span, limits)
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
    text = data.decode(encoding)
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
    return encoding, [RawSheet(name=stem, rows=rows)]


def _text_encoding(data: bytes, partial: bool) -> str | None:
    """'utf-8-sig', 'utf-8', 'gb18030' (or 'utf-16' with a BOM) — the first that decodes `data`.

    With `partial`, `data` is a head that may end inside a multi-byte character.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
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
