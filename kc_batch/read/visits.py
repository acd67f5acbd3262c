"""The 家访登记表 (home-visit register, SPEC §17.1): its columns and the row → HomeVisitRecord step.

The form is recognised by its header like every §3 form (read.forms, with its fields and words in
kc_batch.schemas); this module holds the checks of one row (家访日期 inside the 学年, at least one
家访教师) and the normalising of 方式 and of the teachers' names.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kc_batch.read import identity
from kc_batch.read.records import Person
from kc_batch.read.values import cell_text, nfkc, parse_date
from kc_batch.schemas import VISIT_WAY_ALIASES, VISIT_WAYS

DEFAULT_WAY = VISIT_WAYS[0]   # §17.1: 入户 when 方式 is blank
TEACHER_SEPARATORS = re.compile(r"[、,，;；/／\s]+")


@dataclass
class HomeVisitRecord(Person):
    """A 家访登记表 row (§17.1): the student (read.records.Person) and the visit."""
    source: object = None          # model.Source
    date: dt.date = None
    teachers: list[str] = field(default_factory=list)
    role: str = ""
    way: str = DEFAULT_WAY
    purpose: str = ""
    result: str = ""


def is_home_visit(fields: dict) -> bool:
    """§17.1: 家访日期, 姓名 and 家访教师 make the form (the ID may be missing: 姓名 within a class)."""
    return "visit_date" in fields and "visit_teacher" in fields and "name" in fields


ROLE_SUFFIX = re.compile(r"[(（][^()（）]*[)）]$")


def split_teachers(text: str) -> list[str]:
    """“王老师、李校长” / “王, 李” / “王芳（班主任）、李强（包保教师）” → the names, normalised as §3.5,
    without a bracketed role after a name."""
    names = [ROLE_SUFFIX.sub("", identity.normalise_name(t)) for t in TEACHER_SEPARATORS.split(nfkc(text))]
    return [n for n in names if n]


def normalise_way(text: str) -> str:
    """方式 as one of WAYS; blank → 入户 (§17.1 default); an unknown word is kept as written."""
    s = re.sub(r"\s+", "", nfkc(text))
    if not s:
        return DEFAULT_WAY
    return VISIT_WAY_ALIASES.get(s, s)


def visit_record(person: Person, src, get, column, cal) -> tuple[HomeVisitRecord | None, list[tuple[str, str, str]]]:
    """One data row → (record or None, [(column, value, reason)]).

    `get(field)` reads the row's cell of a field, `column(field)` names its column for a message."""
    raw_date = get("visit_date")
    day = parse_date(raw_date)
    if day is None:
        return None, [(column("visit_date"), cell_text(raw_date), "家访日期为空或无法识别，此条家访未登记")]
    if cal is not None and not cal.year_start <= day <= cal.year_end:
        return None, [(column("visit_date"), cell_text(raw_date),
                       f"家访日期 {day.isoformat()} 不在本学年（{cal.year_start.isoformat()} 至 "
                       f"{cal.year_end.isoformat()}）内，此条家访未登记")]
    teachers = split_teachers(cell_text(get("visit_teacher")))
    if not teachers:
        return None, [(column("visit_teacher"), "", "家访教师为空，此条家访未登记")]
    return HomeVisitRecord(
        **vars(person), source=src, date=day, teachers=teachers,
        role=re.sub(r"\s+", "", nfkc(cell_text(get("teacher_role")))),
        way=normalise_way(cell_text(get("way"))),
        purpose=re.sub(r"\s+", "", nfkc(cell_text(get("purpose")))),
        result=cell_text(get("result"))), []
