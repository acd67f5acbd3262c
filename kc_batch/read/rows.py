"""Rows → records (SPEC §3.1–§3.6, §4, §10.1): each data row under a recognised header becomes a
roster, check, change or home-visit record, or an InputError naming its row and column."""
from __future__ import annotations

import re

from kc_batch.event_types import JOIN_TYPES
from kc_batch.model import InputError, Notice, Source
from kc_batch.read import identity, visits
from kc_batch.read.day_marks import UNCALCULATED, read_days
from kc_batch.read.headers import Header
from kc_batch.read.records import ChangeRecord, CheckRecord, ParsedFile, Person, RosterRecord, Table
from kc_batch.read.tables import is_footer
from kc_batch.read.values import (cell_text, disability_kind, is_blank, nfkc, parse_class, parse_date, parse_flag,
                                  parse_grade, parse_study_mode)
from kc_batch.schemas import (CHANGE_TYPE_ALIASES, CHANGE_TYPES, CHECK, FIELD_CN, HOME_VISIT, POPULATION,
                              REFUSED_CHANGE_TYPES, ROSTER)


def column_name(h: Header, j: int, field_name: str) -> str:
    return f"{h.letter(j)}列（{field_name}）"



def parse_rows(rel, sheet_name, rows, h: Header, table: Table, end: int, cal, out: ParsedFile,
                uncalculated=frozenset()):
    used = set(h.fields.values()) | set(h.day_cols)
    fields_at = {j: f for f, j in h.fields.items()}
    for i, j in sorted(uncalculated):  # issue 12 item 8: a formula cell with no result is not a blank
        if h.row < i < end and j in fields_at:
            out.errors.append(InputError(rel, sheet_name, i + 1, column_name(h, j, FIELD_CN.get(fields_at[j], "")),
                                         "", UNCALCULATED))
    for i in range(h.row + 1, end):
        row = rows[i]
        if all(is_blank(c) for c in row) or is_footer(row):
            continue
        if all(is_blank(row[j]) for j in used if j < len(row)):
            continue  # only stray text outside the table's columns
        src = Source(rel, sheet_name, i + 1)
        table.rows_read += 1
        person, errs = _person(row, h, table, src, out)
        if person is None:
            for col, val, why in errs:
                out.errors.append(InputError(rel, sheet_name, i + 1, col, val, why))
            continue
        for col, val, why in errs:  # cell errors on a kept row
            out.errors.append(InputError(rel, sheet_name, i + 1, col, val, why))
        if table.form == ROSTER or table.form == POPULATION:
            rec = RosterRecord(**vars(person), source=src, attrs=_roster_attrs(row, h, src, person, out))
        elif table.form == CHECK:
            rec = _check_record(row, h, table, person, src, cal, out, {j for r, j in uncalculated if r == i})
        elif table.form == HOME_VISIT:
            rec = _visit_record(row, h, person, src, cal, out)
            if rec is None:
                continue
        else:
            rec = _change_record(row, h, person, src, out, cal)
            if rec is None:
                continue
        if person.grade and person.class_no:
            table.classes.add((person.grade, person.class_no))
        table.records.append(rec)


def _get(row, h: Header, f: str):
    j = h.fields.get(f)
    return row[j] if j is not None and j < len(row) else None


def _person(row, h, table: Table, src: Source, out: ParsedFile):
    """Identity of a row: (Person | None, [(column, value, reason)])."""
    errs = []
    name = identity.normalise_name(cell_text(_get(row, h, "name")))
    sfz_raw, xjh_raw = _get(row, h, "sfz"), _get(row, h, "xjh")
    sfz = xjh = carried = id_text = None
    lost_digits = []
    for f, raw in (("sfz", sfz_raw), ("xjh", xjh_raw)):
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            # §3.5/§13.17: the digits of a long number are already lost — an error, not a guess
            lost_digits.append((column_name(h, h.fields[f], FIELD_CN[f]), cell_text(raw),
                                f"{FIELD_CN[f]}被存成了数字，后几位已丢失，无法使用。请把该列设为“文本”格式后重新填写"))
    errs.extend(lost_digits)
    if isinstance(sfz_raw, str) and sfz_raw.strip():
        sfz, problem = identity.validate_id(sfz_raw)
        if problem:
            out.notices.append(Notice(src, "", problem))
            id_text = identity.clean_id_text(sfz_raw)
    if isinstance(xjh_raw, str) and xjh_raw.strip():
        xjh, carried, problem = identity.parse_xjh(xjh_raw)
        if problem:
            out.notices.append(Notice(src, "", problem))
    grade = parse_grade(_get(row, h, "grade")) if "grade" in h.fields else None
    class_no = parse_class(_get(row, h, "class")) if "class" in h.fields else None
    if "grade" in h.fields and grade is None and not is_blank(_get(row, h, "grade")):
        errs.append((column_name(h, h.fields["grade"], "年级"), cell_text(_get(row, h, "grade")),
                     "年级无法识别（应为 一年级…九年级、初一…初三 或 1…9）"))
    grade = grade or table.grade
    class_no = class_no or table.class_no
    if not name:
        return None, errs + [(column_name(h, h.fields["name"], "姓名"), "", "姓名为空，此行无法使用")]
    if sfz and carried and sfz != carried:
        out.notices.append(Notice(src, "", f"学籍号所含身份证号 {carried} 与身份证号 {sfz} 不一致"))
    if lost_digits and not (sfz or xjh):
        # §13.17: a row whose ID cell holds a number is kept only when its other ID is usable;
        # otherwise it stays in 输入错误 (not matched by name, which could pick the wrong student)
        col, val, why = errs.pop(errs.index(lost_digits[-1]))
        return None, errs + [(col, val, why + "；该行没有其他可用的学籍号或身份证号，此行未导入")]
    key = identity.student_key(sfz, xjh, carried, name, grade, class_no)
    if key is None:
        why = "没有可用的学籍号或身份证号" + ("" if grade and class_no else "，也无法确定年级班级以按姓名匹配")
        return None, errs + [("学籍号/身份证号", cell_text(xjh_raw or sfz_raw), why + "，此行无法使用")]
    for n in out.notices:
        if n.source == src and not n.key:
            n.key = key
    return Person(key=key, sfz=sfz, xjh=xjh, name=name, grade=grade, class_no=class_no, id_text=id_text), errs


def _roster_attrs(row, h, src, person: Person, out) -> dict:
    a = {}
    for f in ("sex", "guardian", "phone", "address", "hukou", "teacher", "status", "note"):
        v = cell_text(_get(row, h, f))
        if v:
            a[f] = identity.normalise_name(v) if f == "guardian" else v
    if "sex" in a:
        a["sex"] = "男" if a["sex"].startswith("男") else "女" if a["sex"].startswith("女") else a["sex"]
    raw_birth = _get(row, h, "birth")
    if not is_blank(raw_birth):
        b = parse_date(raw_birth, allow_month=True)
        if b is None:
            out.errors.append(InputError(src.file, src.sheet, src.row,
                                         column_name(h, h.fields["birth"], "出生日期"), cell_text(raw_birth),
                                         "出生日期无法识别（可写 2014-05-03、2014/5/3、2014年5月3日、20140503）"))
        else:
            a["birth"] = b.isoformat()
    for f in ("poor", "migrant", "orphan"):
        v = parse_flag(_get(row, h, f))
        if v is not None:
            a[f] = v
    dis = disability_kind(_get(row, h, "disability"))  # §3.1: an unknown type is kept as text
    if dis:
        a["disability"] = dis
    lb = cell_text(_get(row, h, "left_behind"))
    if lb and parse_flag(lb):
        a["left_behind"] = lb
    mode = parse_study_mode(_get(row, h, "study_mode"))
    if mode:
        a["study_mode"] = mode
    _check_identity_agreement(person, a, src, out)
    return a


def _check_identity_agreement(person: Person, attrs: dict, src: Source, out):
    """§3.6: sex and birth date from the ID must agree with the columns (a warning, R08)."""
    if not person.sfz:
        return
    id_sex, id_birth = identity.id_sex(person.sfz), identity.id_birth(person.sfz)
    if attrs.get("sex") in ("男", "女") and attrs["sex"] != id_sex:
        out.notices.append(Notice(src, person.key, f"性别“{attrs['sex']}”与身份证号（{id_sex}）不符"))
    if "birth" in attrs and attrs["birth"] != id_birth.isoformat() and not (
            attrs["birth"].endswith("-01") and attrs["birth"][:7] == id_birth.isoformat()[:7]):
        out.notices.append(Notice(src, person.key, f"出生日期 {attrs['birth']} 与身份证号（{id_birth.isoformat()}）不符"))
    attrs.setdefault("sex", id_sex)
    attrs.setdefault("birth", id_birth.isoformat())


def _check_record(row, h, table: Table, person: Person, src: Source, cal, out, uncalculated=()) -> CheckRecord:
    rec = CheckRecord(**vars(person), source=src)
    rec.note = cell_text(_get(row, h, "note"))
    if not table.head_teacher:
        table.head_teacher = identity.normalise_name(cell_text(_get(row, h, "head_teacher")))
    rec.marks = read_days(row, h, table.week, src, cal, out, uncalculated)
    return rec


def _change_record(row, h, person: Person, src: Source, out, cal=None) -> ChangeRecord | None:
    ctype_raw = cell_text(_get(row, h, "change_type"))
    ctype = re.sub(r"\s+", "", nfkc(ctype_raw))
    col = column_name(h, h.fields["change_type"], "变动类型")
    if ctype in REFUSED_CHANGE_TYPES:
        out.errors.append(InputError(src.file, src.sheet, src.row, col, ctype_raw, REFUSED_CHANGE_TYPES[ctype]))
        return None
    ctype = CHANGE_TYPE_ALIASES.get(ctype, ctype)
    if ctype not in CHANGE_TYPES:
        out.errors.append(InputError(src.file, src.sheet, src.row, col, ctype_raw,
                                     "变动类型无法识别（应为：" + "、".join(CHANGE_TYPES) + "）"))
        return None
    raw_date = _get(row, h, "change_date")
    date = parse_date(raw_date, cal=cal)
    if date is None:
        out.errors.append(InputError(src.file, src.sheet, src.row,
                                     column_name(h, h.fields["change_date"], "变动日期"), cell_text(raw_date),
                                     "变动日期为空或无法识别，此条变动未登记"))
        return None
    receipt = None
    raw_receipt = _get(row, h, "receipt_date")
    if not is_blank(raw_receipt):
        receipt = parse_date(raw_receipt, cal=cal)
        if receipt is None:
            out.errors.append(InputError(src.file, src.sheet, src.row,
                                         column_name(h, h.fields["receipt_date"], "回执日期"),
                                         cell_text(raw_receipt), "回执日期无法识别，按无回执处理"))
    if ctype in JOIN_TYPES and not (person.grade and person.class_no):
        out.errors.append(InputError(src.file, src.sheet, src.row, "年级/班级", "",
                                     f"{ctype}须填写年级和班级，此条变动未登记"))
        return None
    return ChangeRecord(**vars(person), source=src, change_type=ctype, date=date,
                        other_school=cell_text(_get(row, h, "other_school")), receipt_date=receipt,
                        reason=cell_text(_get(row, h, "reason")),
                        responsible=cell_text(_get(row, h, "responsible")),
                        note=cell_text(_get(row, h, "note")))


def _visit_record(row, h, person: Person, src: Source, cal, out):
    rec, errs = visits.visit_record(person, src, lambda f: _get(row, h, f),
                                    lambda f: column_name(h, h.fields[f], FIELD_CN[f]), cal)
    for col, val, why in errs:
        out.errors.append(InputError(src.file, src.sheet, src.row, col, val, why))
    return rec
