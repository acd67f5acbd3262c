"""How many cells an .xlsx sheet spans, found from its XML before calamine builds the range (SPEC §10.3).

calamine allocates rows × columns of the bounding box of a sheet's cells at once: one cell at XFD150000
is 2.4 billion cells. The declared <dimension> costs nothing to read (the reader already inflates the
first kilobyte of every XML member); when it claims more than the cap, the member is inflated in
bounded chunks and its cells with content are scanned for the real extent. A <dimension> that lies is
caught after calamine's range is built, in the bounded reading worker (read/worker.py).

The file's total is bounded the same cheap way: a cell with content takes at least MIN_CELL_BYTES of
XML, so only sheets whose XML could hold more cells than the cap are counted.
"""
from __future__ import annotations

import html
import re
import zlib
import zipfile
from dataclasses import dataclass

DIMENSION = re.compile(rb'<dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"')
FILLED_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>/]*>')  # not self-closing: holds a value
CELL_END = b"</c>"
MIN_CELL_BYTES = len(b'<c r="A1"><v>1</v></c>') - len(b' r="A1"')  # <c><v>1</v></c>: 15 bytes
CHUNK = 8 << 20
CARRY = 64


@dataclass(frozen=True)
class Extent:
    rows: int
    cols: int
    far: str  # the reference of the bottom-right corner, e.g. XFD150000

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def column_number(letters: bytes | str) -> int:
    """A → 1, Z → 26, AA → 27, XFD → 16384."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def declared_extent(head: bytes) -> Extent | None:
    """The <dimension ref> of a worksheet head, or None when it has none."""
    m = DIMENSION.search(head)
    if m is None:
        return None
    col, row = column_number(m.group(3) or m.group(1)), int(m.group(4) or m.group(2))
    return Extent(row, col, f"{column_letters(col)}{row}")


def inflated_chunks(data: bytes, info: zipfile.ZipInfo):
    """The member's bytes, inflated CHUNK at a time, never more than it declares (+1 to see a lie)."""
    offset = info.header_offset
    local = data[offset:offset + 30]
    start = offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
    compressed = memoryview(data)[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(0, len(compressed), CHUNK):
            yield bytes(compressed[pos:pos + CHUNK])
        return
    inflater, budget = zlib.decompressobj(-15), info.file_size + 1
    pending = compressed
    while budget > 0:
        out = inflater.decompress(pending, min(CHUNK, budget))
        if not out:
            return
        budget -= len(out)
        yield out
        pending = inflater.unconsumed_tail
        if not pending and inflater.eof:
            return


def actual_extent(data: bytes, info: zipfile.ZipInfo) -> Extent:
    """The bounding box (from A1) of the cells with content of one worksheet member."""
    max_row = max_col = 0
    carry = b""
    for chunk in inflated_chunks(data, info):
        text = carry + chunk
        refs = FILLED_CELL.findall(text)
        if refs:
            max_col = max(max_col, max(column_number(c) for c in {c for c, _ in refs}))
            max_row = max(max_row, max(int(r) for r in {r for _, r in refs}))
        carry = text[-CARRY:]
    return Extent(max_row, max_col, f"{column_letters(max_col)}{max_row}" if max_row else "")


# a cell whose only content is a formula: no <v>, or an empty one (t="str" with an empty <v> is a formula
# whose cached result is the empty string, which is a value)
UNCALCULATED = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*?)(?<!/)>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)'
                          rb'\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


CALCULATING_PROGRAMS = re.compile(rb"<Application>\s*(Microsoft Excel|WPS|Kingsoft|LibreOffice|OpenOffice)"
                                  rb"[^<]*</Application>")
SCRIPT_MARKS = (b"openpyxl", b"compatible")


def saved_by_a_calculating_program(zf: zipfile.ZipFile) -> bool:
    """Whether docProps/app.xml names Excel, WPS or LibreOffice (and not a script 'compatible' with them)."""
    try:
        app = zf.read("docProps/app.xml")[:4096]
    except KeyError:
        return False
    m = CALCULATING_PROGRAMS.search(app)
    return bool(m) and not any(mark in m.group(0).lower() for mark in SCRIPT_MARKS)


def uncalculated_cells(data: bytes, info: zipfile.ZipInfo) -> set[tuple[int, int]]:
    """(row, column), 0-based, of the formula cells of a worksheet member that have no cached value."""
    found, carry = set(), b""
    for chunk in inflated_chunks(data, info):
        text = carry + chunk
        if b"<f" in text:
            for col, row, attrs in UNCALCULATED.findall(text):
                if b't="str"' not in attrs:
                    found.add((int(row) - 1, column_number(col) - 1))
        carry = text[-4096:]
    return found


def filled_cells(data: bytes, info: zipfile.ZipInfo, stop_above: int) -> int:
    """How many cells with content a member holds (counting stops once above `stop_above`)."""
    count, carry = 0, b""
    for chunk in inflated_chunks(data, info):
        text = carry + chunk
        # a </c> cut by the chunk boundary is counted in the next chunk; one wholly in the carry is not
        # counted twice because the carry is shorter than what follows it is scanned from
        count += text.count(CELL_END, len(carry) - len(CELL_END) + 1 if carry else 0)
        if count > stop_above:
            return count
        carry = text[-CARRY:]
    return count


def could_exceed(info: zipfile.ZipInfo, cap: int) -> bool:
    """Whether a member is big enough to hold more than `cap` cells with content."""
    return info.file_size > cap * MIN_CELL_BYTES


def sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member path → sheet name as the workbook shows it."""
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for attrs in re.findall(rb"<Relationship\b([^>]*)>", rels):
        rid, target = _attr(attrs, rb"Id"), _attr(attrs, rb"Target")
        if rid and target:
            target = target.lstrip("/")
            targets[rid] = target if target.startswith("xl/") else "xl/" + target
    names = {}
    for attrs in re.findall(rb"<sheet\b([^>]*)>", book):
        name, rid = _attr(attrs, rb"name"), _attr(attrs, rb"(?:\w+:)?id")
        if name and rid in targets:
            names[targets[rid]] = name
    return names


def _attr(attrs: bytes, name: bytes) -> str | None:
    m = re.search(rb"(?:^|\s)" + name + rb'\s*=\s*"([^"]*)"', attrs)
    return html.unescape(m.group(1).decode("utf-8", "replace")) if m else None
