"""Student identity (SPEC §3.6): 身份证号 checksum, 15→18 conversion, 学籍号 forms, the student key."""
from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import unicodedata

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # remainder 0…10 → check character (GB 11643-1999)


def check_char(first17: str) -> str:
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def clean_id_text(text: str) -> str:
    """Strip spaces, a leading apostrophe, full-width forms; upper-case the x."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lstrip("'‘’`")
    s = re.sub(r"\s+", "", s)
    return s.upper()


def _birth_of(digits8: str) -> dt.date | None:
    if len(digits8) != 8 or not digits8.isdigit():
        return None
    try:
        return dt.date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:]))
    except ValueError:
        return None


def convert_15_to_18(id15: str) -> str | None:
    """Legacy 15-digit number: insert the century 19 and add the check digit."""
    if not re.fullmatch(r"\d{15}", id15):
        return None
    body = id15[:6] + "19" + id15[6:]
    return body + check_char(body)


@functools.lru_cache(maxsize=65536)
def validate_id(text: str) -> tuple[str | None, str | None]:
    """→ (normalised 18-char ID or None, Chinese problem or None)."""
    s = clean_id_text(text)
    if not s:
        return None, None
    if len(s) == 15:
        converted = convert_15_to_18(s)
        if converted is None:
            return None, f"身份证号“{s}”不是 15 位数字"
        if _birth_of(converted[6:14]) is None:
            return None, f"身份证号“{s}”中的出生日期无效"
        return converted, None
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return None, f"身份证号“{s}”应为 18 位（最后一位可为 X）"
    birth = _birth_of(s[6:14])
    # §3.6 "birth date valid": a real calendar date, not in the future. No 1900 floor: the
    # standard's own example 440524188001010014 was born 1880-01-01.
    if birth is None or birth.year < 1800 or birth > dt.date.today():
        return None, f"身份证号“{s}”中的出生日期 {s[6:14]} 无效"
    if check_char(s[:17]) != s[17]:
        return None, f"身份证号“{s}”校验位不对（应为 {check_char(s[:17])}）"
    return s, None


def id_birth(id18: str) -> dt.date:
    return _birth_of(id18[6:14])


def id_sex(id18: str) -> str:
    """顺序码 (17th digit) odd = 男."""
    return "男" if int(id18[16]) % 2 == 1 else "女"


def parse_xjh(text: str) -> tuple[str | None, str | None, str | None]:
    """学籍号 → (normalised 学籍号, the 身份证号 it carries or None, Chinese problem or None).

    G + 身份证号 and J + 18 carry a checksummed ID; L + 18 digits has no checksum; other local
    formats are opaque strings (SPEC §3.6).
    """
    s = clean_id_text(text)
    if not s:
        return None, None, None
    if len(s) == 19 and s[0] in "GJ":
        carried, problem = validate_id(s[1:])
        if problem:
            return s, None, f"学籍号“{s}”所含身份证号无效：{problem}"
        return s, carried, None
    if len(s) == 19 and s[0] == "L":
        if not s[1:].isdigit():
            return s, None, f"学籍号“{s}”：L 开头的学籍号后面应为 18 位数字"
        return s, None, None
    return s, None, None


def student_key(id18: str | None, xjh: str | None, carried: str | None,
                name: str | None, grade: int | None, class_no: str | None) -> str | None:
    """Key: valid 身份证号, else the ID a G/J 学籍号 carries, else 学籍号, else name within one class."""
    if id18:
        return id18
    if carried:
        return carried
    if xjh:
        return XJH_PREFIX + xjh
    return name_alias(grade, class_no, name)


NAME_DOTS = re.compile(r"[·•・.‧∙⋅]")  # after NFKC (which makes ． into .): the dot of 维吾尔族 names


# Lookups that are not keys (§3.6): they lead a row to a student the unit already knows, never name one.
NAME_PREFIX, XJH_PREFIX, ID_TEXT_PREFIX = "NAME:", "XJH:", "IDTEXT:"
LOOKUP_PREFIXES = (NAME_PREFIX, XJH_PREFIX, ID_TEXT_PREFIX)


def name_alias(grade: int | None, class_no: str | None, name: str | None) -> str | None:
    """A name within one class (the same text as a name-only student key)."""
    return f"{NAME_PREFIX}{grade}:{class_no}:{name}" if name and grade and class_no else None


def id_text_alias(id_text: str | None) -> str | None:
    """An invalid 身份证号 as written: the same text within the unit is the same student (issue 11)."""
    return ID_TEXT_PREFIX + id_text if id_text else None


def lookups(r) -> list[str]:
    """The lookups that lead a later row to the student of record r (a roster or change row): its
    学籍号, its name within its class (a 转入/新生入学/调班 row names the class joined, issue 11 item 1),
    an invalid 身份证号 as written (issue 11 item 2)."""
    found = [XJH_PREFIX + r.xjh if r.xjh else None, name_alias(r.grade, r.class_no, r.name),
             id_text_alias(getattr(r, "id_text", None))]
    return [a for a in dict.fromkeys(found) if a and a != r.key]


def resolve_order(r) -> list[str]:
    """What a row's student is looked up by, most specific first: its 学籍号 key, an invalid
    身份证号's text, its name within the class. A row with a valid 身份证号 is its own key."""
    if not is_internal_key(r.key):
        return []
    order = [r.key] if r.key.startswith(XJH_PREFIX) else []
    order.append(id_text_alias(getattr(r, "id_text", None)))
    order.append(r.key if r.key.startswith(NAME_PREFIX) else None)
    return [k for k in order if k]


def is_internal_key(key: str | None) -> bool:
    """A key made of a name or a 学籍号 prefix: never shown to a user as a 学籍号."""
    return bool(key) and key.startswith(LOOKUP_PREFIXES)


def normalise_name(text: str) -> str:
    """“王 芳”, full-width and trailing spaces → “王芳”; 艾力•买买提, 艾力・买买提, 艾力．买买提 → 艾力·买买提 (SPEC §3.5)."""
    s = unicodedata.normalize("NFKC", str(text))
    return NAME_DOTS.sub("·", re.sub(r"\s+", "", s).strip())
