"""The 台账 counts `kc aggregate` carries up (SPEC §20, issue 16): one row per reporting unit.

建档立卡在校, 残疾在校, 送教上门 are the unit's 月报表 合计 (students 在读 at the cutoff, §9.2); 班级数 and
无辍学班 come from the 责任落实 sheet of a school's monthly workbook (its 班主任 rows, §19), or from the
合计 row of the 台账汇总 sheet of a township's 汇总 workbook. A workbook without them (made by an older
version, or re-typed without that sheet) gives None: shown as 未报, left out of the 合计 and named in a note.
"""
from __future__ import annotations

from dataclasses import dataclass

from kc_batch.read.books import TOTAL, parse_number
from kc_batch.read.values import cell_text
from kc_batch.reconcile.responsibility import CLEAN_YES, HEAD_TEACHER

FROM_MONTHLY = {"建档立卡在校": "建档立卡", "残疾在校": "残疾", "送教上门": "送教上门"}  # 台账 column → 月报表 leaf
CLASS_COLUMNS = ("班级数", "无辍学班")
LEDGER_COLUMNS = [*FROM_MONTHLY, *CLASS_COLUMNS]


@dataclass
class LedgerLine:
    unit: str
    values: dict          # column → number, or None when the workbook does not give it


def class_counts(book) -> tuple[float | None, float | None]:
    """(班级数, 无辍学班) of a received workbook, or (None, None)."""
    if book.table.kind == "aggregate":
        total = next((r for r in book.ledger_rows if cell_text(r.get("单位")) == TOTAL), None)
        if total is None:
            return None, None
        return tuple(parse_number(total.get(c))[0] for c in CLASS_COLUMNS)
    classes = [r for r in book.duties if cell_text(r.get("层级")) == HEAD_TEACHER]
    if not classes:
        return None, None
    return float(len(classes)), float(sum(1 for r in classes if cell_text(r.get("无辍学班")) == CLEAN_YES))


def ledger_lines(lines) -> list[LedgerLine]:
    """One LedgerLine per unit line of the 汇总表 (same order), then the 合计 of what was given."""
    out = []
    for line in lines:
        values = {col: line.counts.get(leaf, 0) for col, leaf in FROM_MONTHLY.items()}
        values.update(zip(CLASS_COLUMNS, class_counts(line.book)))
        out.append(LedgerLine(line.unit, values))
    total = {col: sum(l.values[col] or 0 for l in out) for col in LEDGER_COLUMNS}
    return out + [LedgerLine(TOTAL, total)]


def units_without_classes(ledger: list[LedgerLine]) -> list[str]:
    return [l.unit for l in ledger if l.unit != TOTAL and l.values["班级数"] is None]
