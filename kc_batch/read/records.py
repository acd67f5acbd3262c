"""What the form reader hands on (SPEC §3): the records of each row and the tables of each file."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.model import InputError, Notice, Source


@dataclass
class Person:
    """Identity fields common to every form."""
    key: str
    sfz: str | None
    xjh: str | None
    name: str
    grade: int | None
    class_no: str | None
    id_text: str | None = None   # an invalid 身份证号 as written: no key (§3.6), a lookup (identity.id_text_alias)


@dataclass
class RosterRecord(Person):
    source: Source = None
    attrs: dict = field(default_factory=dict)   # sex, birth, guardian, phone, address, hukou, flags, teacher


@dataclass
class CheckRecord(Person):
    source: Source = None
    marks: dict = field(default_factory=dict)   # date → Mark
    note: str = ""


@dataclass
class ChangeRecord(Person):
    source: Source = None
    change_type: str = ""
    date: dt.date = None
    other_school: str = ""
    receipt_date: dt.date | None = None
    reason: str = ""
    responsible: str = ""
    note: str = ""


@dataclass
class Table:
    """One recognised table on a sheet."""
    form: str
    sheet: str
    header_row: int          # Excel row of the (last) header line
    grade: int | None = None
    class_no: str | None = None
    week: str | None = None  # ISO week of a 周查表
    head_teacher: str = ""
    school_year: int | None = None   # a 花名册 title's 学年 (2027学年, 2027-2028学年, 2027年秋季), §15.2
    records: list = field(default_factory=list)
    rows_read: int = 0       # non-blank data rows
    classes: set = field(default_factory=set)


@dataclass
class ParsedFile:
    rel: str
    tables: list[Table] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    skipped_sheets: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why)

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables)

