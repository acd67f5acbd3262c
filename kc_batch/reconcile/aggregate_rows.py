"""The lines of a monthly 汇总 made from one received workbook (SPEC §9.3, §13.16, §21.4), from its Book
record alone.

`unit_line`: the unit's line (its 合计 row and the Σ-able rate parts of its 指标说明), one per received
workbook — what 已报单位, 台账汇总 and the 合计 row are made of.

`book_rows`: the rows that workbook gives the 汇总表 (§21.4):
- a school's 月报 with one 学段: one row (单位, 学段, its 合计 row);
- a school with both 学段 (九年一贯制): one row per 学段 — counts from its 小学小计 / 初中小计 row (else
  the sum of that 学段's grade rows), rate parts from the 指标说明 rows of that 小计 (else from the
  counts) — so that each 学段's 年辍学率 is checked against its own limit;
- a township's 汇总: each of its rows (unit and 学段 as it wrote them, rate parts from its 指标说明 row
  “<单位>（<学段>）” else “<单位>”), the township named in 所属乡镇, then one 乡镇小计 row (the township's
  合计 row and 合计 rate parts). A row of a township's 汇总 without 学段 (a workbook written before
  §21.4) takes the 学段 the township's 未报单位 sheet gives that unit, when it gives exactly one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kc_batch.read.books import (MISSING_STAGES, MISSING_UNIT, STAGE_ROWS, TOTAL, Book, TableRow, row_indicator,
                                 unit_key)
from kc_batch.read.values import cell_text, parse_grade
from kc_batch.rules.rates import Rate, count_rates
from kc_batch.schemas import MONTHLY_COUNT_COLUMNS as COUNT_COLUMNS, MONTHLY_RATE_COLUMNS as RATE_COLUMNS

STAGE_OF_GRADE = {g: ("小学" if g <= 6 else "初中") for g in range(1, 10)}
STAGES = ("小学", "初中")
UNIT, TOWNSHIP = "unit", "township"


@dataclass
class UnitLine:
    """One received workbook's unit: its 合计 counts and rates."""
    unit: str
    book: Book
    counts: dict[str, float]
    rates: dict[str, Rate | None]
    reported_rates: dict[str, float | None]
    stages: dict[str, dict[str, Rate | None]]


@dataclass
class SummaryRow:
    """One row of 汇总表: a unit's 学段 (kind 'unit'), or a township's 乡镇小计 (kind 'township')."""
    unit: str
    stage: str           # 小学 | 初中 | '' (unknown)
    township: str        # 所属乡镇: '' for a unit reporting to us directly
    kind: str
    counts: dict[str, float]
    rates: dict[str, Rate | None]
    reported: dict[str, float | None]

    def rate(self, name: str) -> float | None:
        part = self.rates.get(name)
        return part.value if part is not None else self.reported.get(name)


# ---------------------------------------------------------------- one unit's line


def unit_line(book: Book) -> UnitLine:
    t = book.table
    total = t.total or TableRow(TOTAL, 0, {**{leaf: sum(r.values[leaf] for r in t.rows) for leaf in COUNT_COLUMNS},
                                           **{name: None for name in RATE_COLUMNS}})
    counts = counts_of(total)
    rates = rate_parts(counts, book.indicators, total)
    return UnitLine(book.unit, book, counts, rates, {n: total.values[n] for n in RATE_COLUMNS}, _stage_parts(book))


def rate_parts(counts: dict | None, indicators: dict, row: TableRow) -> dict[str, Rate | None]:
    """Σ-able numerator/denominator of each rate of a row: from 指标说明, else from the counts (§13.16)."""
    from_counts = count_rates(counts) if counts is not None else {}
    parts: dict[str, Rate | None] = {}
    for name in RATE_COLUMNS:
        ind = row_indicator(indicators, row, name)
        if ind is not None and ind.numerator is not None and ind.denominator is not None:
            parts[name] = Rate(ind.numerator, ind.denominator, ind.formula, ind.basis, ind.code)
        else:
            parts[name] = from_counts.get(name)
    return parts


def _stage_parts(book: Book) -> dict[str, dict[str, Rate | None]]:
    """Rate parts per 学段: 指标说明 小计 rows, else 月报表 小计 rows, else a one-学段 unit's 合计."""
    t = book.table
    out: dict[str, dict[str, Rate | None]] = {}
    grade_stages = {STAGE_OF_GRADE.get(parse_grade(r.label)) for r in t.rows} if t.kind == "monthly" else set()
    for label, stage in STAGE_ROWS.items():
        subtotal = t.subtotals.get(label) or TableRow(label, 0, {})
        if any((label, name) in book.indicators for name in RATE_COLUMNS):
            out[stage] = rate_parts(_counts_or_none(t.subtotals.get(label)), book.indicators, subtotal)
        elif label in t.subtotals:
            out[stage] = rate_parts(counts_of(subtotal), {}, subtotal)
        elif grade_stages == {stage} and t.total is not None:
            out[stage] = rate_parts(counts_of(t.total), book.indicators, t.total)
    return out


def counts_of(row: TableRow) -> dict[str, float]:
    return {leaf: row.values[leaf] for leaf in COUNT_COLUMNS}


def _counts_or_none(row: TableRow | None) -> dict[str, float] | None:
    return counts_of(row) if row is not None else None


# ---------------------------------------------------------------- the 汇总表 rows of one workbook


def book_rows(line: UnitLine, known_stages: list[str]) -> list[SummaryRow]:
    """`known_stages`: the unit's 学段 under our [[units]] (for a 月报 that shows no grade)."""
    book = line.book
    if book.table.kind == "aggregate":
        return _township_rows(line)
    stages = _stages_of(book) or [s for s in known_stages if s in STAGES]
    if len(stages) != 2:
        stage = stages[0] if stages else ""
        return [SummaryRow(line.unit, stage, "", UNIT, line.counts, line.rates, line.reported_rates)]
    return [_stage_row(line, stage) for stage in STAGES]


def _stages_of(book: Book) -> list[str]:
    t = book.table
    found = {STAGE_ROWS[label] for label in t.subtotals}
    found |= {STAGE_OF_GRADE[g] for g in (parse_grade(r.label) for r in t.rows) if g in STAGE_OF_GRADE}
    return [s for s in STAGES if s in found]


def _stage_row(line: UnitLine, stage: str) -> SummaryRow:
    t = line.book.table
    label = next(label for label, s in STAGE_ROWS.items() if s == stage)
    subtotal = t.subtotals.get(label)
    if subtotal is not None:
        counts, reported = counts_of(subtotal), {n: subtotal.values[n] for n in RATE_COLUMNS}
    else:
        grades = [r for r in t.rows if STAGE_OF_GRADE.get(parse_grade(r.label)) == stage]
        counts = {leaf: sum(r.values[leaf] for r in grades) for leaf in COUNT_COLUMNS}
        reported = {n: None for n in RATE_COLUMNS}
    rates = line.stages.get(stage) or count_rates(counts)
    rates = {n: rates.get(n) for n in RATE_COLUMNS}
    return SummaryRow(line.unit, stage, "", UNIT, counts, rates, reported)


def _township_rows(line: UnitLine) -> list[SummaryRow]:
    book = line.book
    listed = _listed_stages(book)
    rows = []
    for r in book.table.rows:
        counts = counts_of(r)
        stage = r.stage if r.stage in STAGES else listed.get(unit_key(r.label), "")
        row = TableRow(r.label, r.excel_row, r.values, stage, r.group)
        rows.append(SummaryRow(r.label, stage, r.group or book.unit, UNIT, counts,
                               rate_parts(counts, book.indicators, row), {n: r.values[n] for n in RATE_COLUMNS}))
    rows.append(SummaryRow(book.unit, "", book.unit, TOWNSHIP, line.counts, line.rates, line.reported_rates))
    return rows


def _listed_stages(book: Book) -> dict[str, str]:
    """unit → its one 学段 as the township's 未报单位 sheet lists it (every expected unit is listed, §21.2)."""
    out = {}
    for r in book.missing:
        stages = [s for s in re.split(r"[、,，\s]+", cell_text(r.get(MISSING_STAGES))) if s in STAGES]
        if len(stages) == 1:
            out[unit_key(cell_text(r.get(MISSING_UNIT)))] = stages[0]
    return out
