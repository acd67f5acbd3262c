"""Header detection (SPEC §3, §3.5): which row of a sheet is a form's header, which column holds which
field, and which columns are days of a 周查表 (weekday, date or day-of-month headers)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kc_batch.calendar import SchoolCalendar
from kc_batch.read import visits
from kc_batch.read.values import column_letter, is_blank, norm_header, parse_date
from kc_batch.schemas import ALIASES, CHANGE, CHECK, HOME_VISIT, ROSTER, WEEKDAY_NAMES

HEADER_SEARCH_ROWS = 15

ALIAS_TO_FIELD = {norm_header(a): f for f, names in ALIASES.items() for a in names}

WEEKDAY_HEADERS = {n: i for i, names in enumerate(WEEKDAY_NAMES) for n in names}


@dataclass
class Header:
    form: str
    row: int          # 0-based index of the last header row
    height: int       # 1, 2 or 3 (a 上午/下午 line under the days)
    fields: dict      # field → column index
    day_cols: dict    # column index → ('weekday', 0..6) | ('date', date) | ('day', 16)
    extra: dict       # column index → header text (unmapped)
    halves: dict = field(default_factory=dict)   # day column index → 上午 | 下午 (a day over two columns)
    col0: int = 0     # the sheet column of column 0 (a table beside another one is read as its own grid)

    def letter(self, j: int) -> str:
        """The column as Excel shows it: C, AA."""
        return column_letter(j + self.col0)


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
            if g and g + b in ALIAS_TO_FIELD:
                labels.append(g + b)
            elif g and ALIAS_TO_FIELD.get(g) in ("guardian",) and ALIAS_TO_FIELD.get(b) in ("name", "phone"):
                labels.append("监护人姓名" if ALIAS_TO_FIELD.get(b) == "name" else "监护人电话")
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


def day_header(label: str, raw, cal: SchoolCalendar | None):
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
    m = re.fullmatch(r"(\d{1,2})[日号]", label)
    if m:
        return ("day", int(m.group(1)))
    for word, idx in WEEKDAY_HEADERS.items():
        if label == word or label.startswith(word) and len(word) >= 2:
            return ("weekday", idx)
    return None


def match_header(rows, r, cal) -> Header | None:
    for height in (2, 1):
        if height == 2 and r + 1 >= len(rows):
            continue
        labels = _labels(rows, r, two_rows=(height == 2))
        fields, day_cols, extra = {}, {}, {}
        for j, lab in enumerate(labels):
            if not lab:
                continue
            f = ALIAS_TO_FIELD.get(lab)
            if f and f not in fields:
                fields[f] = j
                continue
            raw = rows[r + height - 1][j] if j < len(rows[r + height - 1]) else None
            if height == 2 and not is_blank(rows[r][j] if j < len(rows[r]) else None) and is_blank(raw):
                raw = rows[r][j]
            day = day_header(lab, raw, cal)
            if day:
                day_cols[j] = day
            else:
                extra[j] = lab
        form = form_of(fields, day_cols)
        if form is None:
            continue
        if height == 2:
            # a title row (one merged cell) is never the top half of a two-row header
            top = [norm_header(c) for c in rows[r]]
            if sum(1 for t in top if t) < 2 or not any(ALIAS_TO_FIELD.get(t) for t in top):
                continue
            # a two-row reading is only right when the second row is header text, not data
            second = [norm_header(c) for c in rows[r + 1]]
            if not any(ALIAS_TO_FIELD.get(s) for s in second) and not any(
                    day_header(s, None, cal) for s in second if s):
                continue
            first_alone = form_of(*_fields_only(_labels(rows, r, False), rows[r], cal))
            if first_alone == form and not _second_row_adds(rows, r, cal):
                continue
        header = Header(form, r + height - 1, height, fields, day_cols, extra)
        if form == CHECK:
            _read_half_days(rows, header)
        return header
    return None


HALF_DAY_WORDS = {"上午": "上午", "下午": "下午", "上": "上午", "下": "下午", "am": "上午", "pm": "下午",
                  "a.m.": "上午", "p.m.": "下午"}


def _half_day_label(cell) -> str | None:
    return HALF_DAY_WORDS.get(norm_header(cell).lower()) if isinstance(cell, str) else None


def _read_half_days(rows: list[list], h: Header) -> None:
    """A line of 上午/下午 under the day headers (a date merged over two columns, SPEC §3.5): both columns
    belong to that day, and the line is part of the header."""
    below = h.row + 1
    if below >= len(rows) or not any(_half_day_label(c) for c in rows[below]):
        return
    if any(not is_blank(c) and not _half_day_label(c) for c in rows[below]):
        return  # a data row, not a line of half-day labels
    top = rows[h.row]
    day, halves, days = None, {}, {}
    for j, cell in enumerate(rows[below]):
        if j in h.day_cols:
            day = h.day_cols[j]
        elif j < len(top) and not is_blank(top[j]):
            day = None   # another header (备注 …) ends the day group
        half = _half_day_label(cell)
        if half and day is not None:
            halves[j], days[j] = half, day
    if not halves:
        return
    for j in days:
        h.extra.pop(j, None)
    h.day_cols.update(days)
    h.halves, h.row, h.height = halves, below, h.height + 1


def _fields_only(labels, raw_row, cal):
    fields, days = {}, {}
    for j, lab in enumerate(labels):
        f = ALIAS_TO_FIELD.get(lab)
        if f and f not in fields:
            fields[f] = j
        elif lab:
            d = day_header(lab, raw_row[j] if j < len(raw_row) else None, cal)
            if d:
                days[j] = d
    return fields, days


def _second_row_adds(rows, r, cal) -> bool:
    """True when the row under a header holds more header labels (a two-row header)."""
    second = [norm_header(c) for c in rows[r + 1]]
    hits = sum(1 for s in second if s and (ALIAS_TO_FIELD.get(s) or day_header(s, None, cal)))
    return hits >= 1


def form_of(fields: dict, day_cols: dict) -> str | None:
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


def find_header(rows: list[list], start: int, cal) -> Header | None:
    for r in range(start, min(start + HEADER_SEARCH_ROWS, len(rows))):
        if all(is_blank(c) for c in rows[r]):
            continue
        h = match_header(rows, r, cal)
        if h:
            return h
    return None
