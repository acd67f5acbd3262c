"""Hostile zips refused before calamine sees them (SPEC §10.3): bombs (absurd sizes or ratios, overlapping
members), XML entity declarations, and sheets or files spanning more cells than the caps (read/extent.py)."""
from __future__ import annotations

import re
import zipfile
import zlib

from kc_batch.config import Limits
from kc_batch.errors import UnreadableFile
from kc_batch.read import extent
from kc_batch.read.refusals import refuse as _refuse

ZIP_MAGIC = b"PK\x03\x04"

ABSURD_RATIO = 200          # deflated XML of real workbooks stays far below this
RATIO_MIN_BYTES = 10 << 20  # small members may compress absurdly well without harm
XML_PROLOG_BYTES = 64 * 1024   # a longer prolog is refused
XML_FIRST_READ = 1024


def check_zip(zf: zipfile.ZipFile, data: bytes, rel: str, limits: Limits) -> None:
    """Refuse zip bombs and XML entity declarations before calamine sees the file."""
    infos = zf.infolist()
    _check_zip_sizes(infos, rel, limits)
    _check_zip_overlap(infos, len(data), rel)
    heads = {}
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            heads[info.filename] = _check_xml_prolog(data, info, rel)
    check_extents(zf, data, heads, rel, limits)


def check_extents(zf: zipfile.ZipFile, data: bytes, heads: dict, rel: str, limits: Limits,
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
                raise too_many_cells(rel, names.get(info.filename, info.filename), actual, limits)
    if sum(i.file_size for i in sheets) > limits.max_cells_per_file * extent.MIN_CELL_BYTES:
        total = 0
        for info in sheets:
            if extent.could_exceed(info, 1):
                total += extent.filled_cells(data, info, limits.max_cells_per_file - total)
            if total > limits.max_cells_per_file:
                raise _refuse("file_too_many_cells", rel, cells=total, limit=limits.max_cells_per_file)


def too_many_cells(rel: str, sheet: str, ext, limits: Limits) -> UnreadableFile:
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


