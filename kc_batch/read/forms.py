"""Recognise each worksheet's form by its header row (SPEC §3) and turn its rows into records.

A sheet may hold several tables (a blank row and a new title/header between them). Every non-blank
data row becomes a record or an InputError (SPEC §10.1); title rows above a header give context
(grade/class, week), and 合计/制表人 lines below a table end it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kc_batch.read import identity, visits
from kc_batch.calendar import SchoolCalendar, week_of
from kc_batch.read.values import (GRADE_NAMES, Mark, cell_text, column_letter, disability_kind, grade_class_from_text, is_blank, nfkc, norm_header, parse_class, parse_date, parse_flag, parse_grade, parse_mark, parse_study_mode)
from kc_batch.read.files import RawFile, RawSheet
from kc_batch.event_types import JOIN_TYPES
from kc_batch.model import InputError, Notice, Source
from kc_batch.schemas import (ALIASES, CHANGE, CHANGE_TYPE_ALIASES, CHANGE_TYPES, CHECK, FIELD_CN, HOME_VISIT,
                              POPULATION, REFUSED_CHANGE_TYPES, ROSTER, WEEKDAY_NAMES)

HEADER_SEARCH_ROWS = 15

_ALIAS_TO_FIELD = {norm_header(a): f for f, names in ALIASES.items() for a in names}

WEEKDAY_HEADERS = {n: i for i, names in enumerate(WEEKDAY_NAMES) for n in names}

FOOTER_RE = re.compile(r"^(合计|总计|小计|制表人|填表人|审核人|单位负责人|负责人|校长|班主任签字|说明|注[:：]|备注[:：]|制表日期|填表日期)")
TEACHING_WEEK_RE = re.compile(r"第\s*([0-9一二三四五六七八九十]+)\s*周")
TITLE_DATE_RE = re.compile(r"(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


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


# ---------------------------------------------------------------- header detection

@dataclass
class _Header:
    form: str
    row: int          # 0-based index of the last header row
    height: int       # 1 or 2
    fields: dict      # field → column index
    day_cols: dict    # column index → ('weekday', 0..6) | ('date', date) | ('day', 16)
    extra: dict       # column index → header text (unmapped)


def _labels(rows: list[list], r: int, two_rows: bool) -> list[str]:
    top = rows[r] if r < len(rows) else []
    if not two_rows:
        return [norm_header(c) for c in top]
    bottom = rows[r + 1] if r + 1 < len(rows) else []
    width = max(len(top), len(bottom))
    labels, group = [], ""
    for j in range(width):
        t = norm_header(top[j]) if j < len(top) else ""
        b = norm_header(bottom[j]) if j < len(bottom) else ""
        if t:
            group = t
        if b:
            # a sub-label under a merged group cell: 监护人 over 姓名/电话 → 监护人姓名, 监护人电话
            g = t or group
            if g and g + b in _ALIAS_TO_FIELD:
                labels.append(g + b)
            elif g and _ALIAS_TO_FIELD.get(g) in ("guardian",) and _ALIAS_TO_FIELD.get(b) in ("name", "phone"):
                labels.append("监护人姓名" if _ALIAS_TO_FIELD.get(b) == "name" else "监护人电话")
            else:
                labels.append(b)
        else:
            labels.append(t)
            if t:
                group = ""
    return labels


ENGLISH_WEEKDAYS = {name: i for i, names in enumerate([("mon", "monday"), ("tue", "tues", "tuesday"),
                                                         ("wed", "wednesday"), ("thu", "thur", "thurs", "thursday"),
                                                         ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday")])
                    for name in names}
SERIAL_DAYS = (40000, 60000)  # a header cell holding an Excel date serial (2009 … 2064) without a date format


def _day_header(label: str, raw, cal: SchoolCalendar | None):
    if isinstance(raw, (dt.date, dt.datetime)):
        return ("date", raw if not isinstance(raw, dt.datetime) else raw.date())
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and SERIAL_DAYS[0] <= raw < SERIAL_DAYS[1] \
            and float(raw).is_integer():
        return ("date", parse_date(int(raw)))
    if not label:
        return None
    if label.lower().rstrip(".") in ENGLISH_WEEKDAYS:
        return ("weekday", ENGLISH_WEEKDAYS[label.lower().rstrip(".")])
    date_part = re.search(r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})", label)
    if date_part:
        d = parse_date(date_part.group(1))
        if d:
            return ("date", d)
    m = (re.search(r"(\d{1,2})月(\d{1,2})日?", label) or re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})", label)
         or re.fullmatch(r"(?:周|星期|礼拜)[一二三四五六日天](\d{1,2})[/.\-](\d{1,2})", label))
    if m and cal is not None:
        try:
            return ("date", cal.date_for_month_day(int(m.group(1)), int(m.group(2))))
        except ValueError:
            return None
    m = re.fullmatch(r"(\d{1,2})日", label)
    if m:
        return ("day", int(m.group(1)))
    for word, idx in WEEKDAY_HEADERS.items():
        if label == word or label.startswith(word) and len(word) >= 2:
            return ("weekday", idx)
    return None


def _match_header(rows, r, cal) -> _Header | None:
    for height in (2, 1):
        if height == 2 and r + 1 >= len(rows):
            continue
        labels = _labels(rows, r, two_rows=(height == 2))
        fields, day_cols, extra = {}, {}, {}
        for j, lab in enumerate(labels):
            if not lab:
                continue
            f = _ALIAS_TO_FIELD.get(lab)
            if f and f not in fields:
                fields[f] = j
                continue
            raw = rows[r + height - 1][j] if j < len(rows[r + height - 1]) else None
            if height == 2 and not is_blank(rows[r][j] if j < len(rows[r]) else None) and is_blank(raw):
                raw = rows[r][j]
            day = _day_header(lab, raw, cal)
            if day:
                day_cols[j] = day
            else:
                extra[j] = lab
        form = _form_of(fields, day_cols)
        if form is None:
            continue
        if height == 2:
            # a title row (one merged cell) is never the top half of a two-row header
            top = [norm_header(c) for c in rows[r]]
            if sum(1 for t in top if t) < 2 or not any(_ALIAS_TO_FIELD.get(t) for t in top):
                continue
            # a two-row reading is only right when the second row is header text, not data
            second = [norm_header(c) for c in rows[r + 1]]
            if not any(_ALIAS_TO_FIELD.get(s) for s in second) and not any(
                    _day_header(s, None, cal) for s in second if s):
                continue
            first_alone = _form_of(*_fields_only(_labels(rows, r, False), rows[r], cal))
            if first_alone == form and not _second_row_adds(rows, r, cal):
                continue
        return _Header(form, r + height - 1, height, fields, day_cols, extra)
    return None


def _fields_only(labels, raw_row, cal):
    fields, days = {}, {}
    for j, lab in enumerate(labels):
        f = _ALIAS_TO_FIELD.get(lab)
        if f and f not in fields:
            fields[f] = j
        elif lab:
            d = _day_header(lab, raw_row[j] if j < len(raw_row) else None, cal)
            if d:
                days[j] = d
    return fields, days


def _second_row_adds(rows, r, cal) -> bool:
    """True when the row under a header holds more header labels (a two-row header)."""
    second = [norm_header(c) for c in rows[r + 1]]
    hits = sum(1 for s in second if s and (_ALIAS_TO_FIELD.get(s) or _day_header(s, None, cal)))
    return hits >= 1


def _form_of(fields: dict, day_cols: dict) -> str | None:
    has_id = "xjh" in fields or "sfz" in fields
    if "name" not in fields:
        return None
    if "change_type" in fields and "change_date" in fields and has_id:
        return CHANGE
    if visits.is_home_visit(fields):
        return HOME_VISIT
    if day_cols and len(day_cols) >= 1 and (has_id or "name" in fields):
        return CHECK
    if has_id:
        # §3.1: the required columns are an ID and 姓名; 年级/班级 may come from the title or sheet name
        return ROSTER
    return None


def find_header(rows: list[list], start: int, cal) -> _Header | None:
    for r in range(start, min(start + HEADER_SEARCH_ROWS, len(rows))):
        if all(is_blank(c) for c in rows[r]):
            continue
        h = _match_header(rows, r, cal)
        if h:
            return h
    return None


# ---------------------------------------------------------------- the sheet walk

def parse_file(raw: RawFile, cal: SchoolCalendar, default_week: str | None = None,
               forced_form: str | None = None) -> ParsedFile:
    out = ParsedFile(rel=raw.rel)
    for sheet in raw.sheets:
        if sheet.hidden:
            _skip_hidden(raw.rel, sheet, out)
            continue
        _parse_sheet(raw.rel, sheet, cal, default_week, out, forced_form)
    return out


def nonblank_rows(rows: list[list]) -> int:
    return sum(1 for row in rows if any(not is_blank(c) for c in row))


def _skip_hidden(rel: str, sheet: RawSheet, out: ParsedFile) -> None:
    """§3.5: a hidden sheet is not read — and said so: one 输入错误 row with its row count."""
    count = nonblank_rows(sheet.rows)
    out.skipped_sheets.append((sheet.name, f"隐藏工作表，共 {count} 行未读取"))
    if count:
        out.errors.append(InputError(rel, sheet.name, None, "", "",
                                     f"隐藏的工作表“{sheet.name}”未读取（共 {count} 行）：隐藏的工作表不导入；"
                                     "如需导入，请在 Excel/WPS 中取消隐藏后重新放入 inbox"))


def _parse_sheet(rel, sheet: RawSheet, cal, default_week, out: ParsedFile, forced_form):
    rows = sheet.rows
    if not any(not is_blank(c) for row in rows for c in row):
        out.skipped_sheets.append((sheet.name, "空白工作表"))
        return
    for i, j in sheet.recoded:  # issue 12 item 14: a GBK cell in a UTF-8 CSV is read, and said
        out.errors.append(InputError(rel, sheet.name, i + 1, f"{column_letter(j)}列", cell_text(rows[i][j]),
                                     "此单元格的文字是 GBK 编码（文件其余部分是 UTF-8），已按 GBK 读出，请核对"))
    start, found = 0, False
    while start < len(rows):
        h = find_header(rows, start, cal)
        if h is None:
            break
        if forced_form == POPULATION and h.form == ROSTER:
            h.form = POPULATION
        found = True
        context = [cell_text(c) for row in rows[start:h.row - h.height + 1] for c in row if not is_blank(c)]
        table = Table(form=h.form, sheet=sheet.name, header_row=h.row + 1)
        end = _table_end(rows, h.row + 1, cal)
        _fill_context(table, context, sheet.name, cal, h, default_week, rel, out)
        _parse_rows(rel, sheet.name, rows, h, table, end, cal, out, sheet.uncalculated)
        if table.form == CHECK and table.week is None:  # its rows cannot be filed: one row says so
            out.errors.append(InputError(rel, sheet.name, None, "", "",
                                         WEEK_UNKNOWN + f"（第{table.header_row}行表头，共 {table.rows_read} 行未导入）"))
        out.tables.append(table)
        start = end
    if not found:
        nonblank = nonblank_rows(rows)
        out.skipped_sheets.append((sheet.name, "未识别出花名册、周查表、学籍变动登记表或家访登记表的表头"))
        out.errors.append(InputError(rel, sheet.name, None, "", "",
                                     f"工作表中未找到可识别的表头（共 {nonblank} 行未读取）：请检查表头是否含“姓名”和“学籍号/身份证号”"))


WEEK_UNKNOWN = "周查表无法确定是哪一周：表头是“周一…周五”，标题中没有“第N周”或日期。请在标题写明，或运行时加 --week"


def _is_footer(row) -> bool:
    for c in row:
        if not is_blank(c):
            return bool(FOOTER_RE.match(re.sub(r"\s+", "", nfkc(cell_text(c)))))
    return False


def _table_end(rows, first_data: int, cal) -> int:
    """Index just past this table: a footer line, or a blank row followed by a new title/header."""
    i = first_data
    while i < len(rows):
        row = rows[i]
        if _is_footer(row):
            # skip the footer lines (合计, 制表人 …) up to the next blank row
            while i < len(rows) and not all(is_blank(c) for c in rows[i]):
                i += 1
            return i
        if all(is_blank(c) for c in row):
            if find_header(rows, i + 1, cal) is not None and _next_header_close(rows, i + 1, cal):
                return i + 1
        i += 1
    return i


def _next_header_close(rows, start, cal) -> bool:
    for r in range(start, min(start + 4, len(rows))):
        if _match_header(rows, r, cal):
            return True
    return False


def _fill_context(table: Table, context: list[str], sheet_name: str, cal, h: _Header, default_week, rel, out):
    title = " ".join(context)
    g, c = grade_class_from_text(title)
    if g is None:
        g, c = grade_class_from_text(sheet_name)
    table.grade, table.class_no = g, c
    for text in context:
        m = re.match(r"^班主任[:：]?\s*(\S+)", text)
        if m:
            table.head_teacher = m.group(1)
    if table.form == ROSTER:
        table.school_year = school_year_in_title(title)
    if table.form != CHECK:
        return
    # §13.23: date headers win over 第N周 in the title
    dates = [v for kind, v in h.day_cols.values() if kind == "date"]
    if dates:
        weeks = sorted({week_of(d) for d in dates})
        table.week = weeks[-1]
        return
    table.week = _week_from_title(title, cal) or default_week


SCHOOL_YEAR_RE = re.compile(r"(20\d{2})\s*(?:(?:[-—–~～至]|年\s*[-—–~～至]|年秋季)\s*(?:20\d{2}|\d{2})?\s*年?\s*)?(学年|年秋季|秋季)")


def school_year_in_title(title: str) -> int | None:
    """The 学年 a 花名册 title names: 2027学年, 2027-2028学年, 2027—2028学年度, 2027年秋季 → 2027."""
    m = SCHOOL_YEAR_RE.search(title)
    return int(m.group(1)) if m else None


def _week_from_title(title: str, cal) -> str | None:
    m = TITLE_DATE_RE.search(title)
    if m and cal is not None:
        try:
            if m.group(1):
                d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            else:
                d = cal.date_for_month_day(int(m.group(2)), int(m.group(3)))
            return week_of(d)
        except ValueError:
            pass
    m = TEACHING_WEEK_RE.search(title)
    if m and cal is not None:
        from kc_batch.read.values import cn_number
        n = cn_number(m.group(1))
        if n:
            return cal.teaching_week_to_iso(n)
    return None


# ---------------------------------------------------------------- rows → records

def column_name(h: _Header, j: int, field_name: str) -> str:
    return f"{column_letter(j)}列（{field_name}）"


UNCALCULATED = "公式没有计算结果，请在 Excel/WPS 中打开并保存后再放入"


def _parse_rows(rel, sheet_name, rows, h: _Header, table: Table, end: int, cal, out: ParsedFile,
                uncalculated=frozenset()):
    used = set(h.fields.values()) | set(h.day_cols)
    fields_at = {j: f for f, j in h.fields.items()}
    for i, j in sorted(uncalculated):  # issue 12 item 8: a formula cell with no result is not a blank
        if h.row < i < end and j in fields_at:
            out.errors.append(InputError(rel, sheet_name, i + 1, column_name(h, j, FIELD_CN.get(fields_at[j], "")),
                                         "", UNCALCULATED))
    for i in range(h.row + 1, end):
        row = rows[i]
        if all(is_blank(c) for c in row) or _is_footer(row):
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


def _get(row, h: _Header, f: str):
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
    week_dates = None
    if table.week:
        from kc_batch.calendar import week_days
        week_dates = week_days(table.week)
    for j, (kind, v) in sorted(h.day_cols.items()):
        if kind == "date":
            day = v
        elif week_dates is None:
            continue
        elif kind == "weekday":
            day = week_dates[v]
        else:  # 'day' header such as 16日: the date of the week with that day of month
            matches = [d for d in week_dates if d.day == v]
            if not matches:
                continue
            day = matches[0]
        if cal is not None and not cal.is_school_day(day):
            continue  # §3.2: a column for a day that is not a school day is ignored
        value = row[j] if j < len(row) else None
        if j in uncalculated:  # no data that day, not 'present'
            out.errors.append(InputError(src.file, src.sheet, src.row, f"{column_letter(j)}列（{day.month}月{day.day}日）",
                                         "", UNCALCULATED + "，该日按无数据处理"))
            continue
        mark = parse_mark(value, cal.cfg.periods_per_day if cal is not None else 6)
        if mark == "error":
            out.errors.append(InputError(src.file, src.sheet, src.row, f"{column_letter(j)}列（{day.month}月{day.day}日）",
                                         cell_text(value),
                                         "无法识别的考勤符号（可用：空白/√ 到校，迟，病/病假，事/事假，假，旷/×；半天写“旷半”“病半”），该日按无数据处理"))
            continue
        if mark is None:
            continue
        if is_blank(value):
            rec.marks[day] = ("", mark)
        else:
            rec.marks[day] = (cell_text(value), mark)
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


def form_summary(table: Table) -> str:
    bits = [table.form]
    if table.grade:
        bits.append(GRADE_NAMES.get(table.grade, "") + (f"{table.class_no}班" if table.class_no else ""))
    elif table.classes:
        bits.append(f"{len(table.classes)} 个班")
    if table.week:
        bits.append(table.week)
    bits.append(f"{table.rows_read} 行")
    return "，".join(bits)


__all__ = ["parse_file", "ParsedFile", "Table", "RosterRecord", "CheckRecord", "ChangeRecord",
           "InputError", "Notice", "Source", "Mark", "ROSTER", "CHECK", "CHANGE", "POPULATION",
           "HOME_VISIT"]
