"""The shared records every stage passes on (lowest layer: imports nothing from kc_batch but errors).

`Source` is the one shape of provenance: every row carries it from the reader to the last report,
so any figure or finding can say which file, sheet and Excel row it came from.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    file: str
    sheet: str
    row: int  # as Excel shows it

    def text(self) -> str:
        return f"{self.file} / {self.sheet} / 第{self.row}行"


NO_SOURCE = Source("", "", 0)


@dataclass
class InputError:
    """One row of 输入错误 (§10.1): file, sheet, Excel row, column, the value and why."""
    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    reason: str


@dataclass
class Notice:
    """An identity warning on a kept row (→ finding R08)."""
    source: Source
    key: str
    message: str
