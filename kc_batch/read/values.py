"""Value normalisation (SPEC §3.5): header texts, grades, classes, dates, flags, attendance marks (§4)."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9, "十": 10}
GRADE_NAMES = {1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
               7: "七年级", 8: "八年级", 9: "九年级"}
JUNIOR_ALIASES = {"初一": 7, "初二": 8, "初三": 9, "初中一年级": 7, "初中二年级": 8, "初中三年级": 9}
EXCEL_EPOCH = dt.date(1899, 12, 30)


def nfkc(text) -> str:
    return unicodedata.normalize("NFKC", str(text))


def norm_header(text) -> str:
    """“学 籍 号”, “姓名\\n”, “联系电话（手机）”, “*姓名” → 学籍号, 姓名, 联系电话, 姓名."""
    if text is None:
        return ""
    s = nfkc(text)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"[(\[【][^)\]】]*[)\]】]$", "", s)  # bracketed suffix (NFKC turned （） into ())
    return s.strip("*＊:：").strip()


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (the column as Excel shows it)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_text(value) -> str:
    """A cell as trimmed text ('' for empty); numbers without a spurious .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cn_number(text: str) -> int | None:
    """'三' → 3, '十二' → 12, '12' → 12."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS for c in text):
        return None
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + CN_DIGITS[text[1]]
    if "十" in text:
        tens, _, ones = text.partition("十")
        return CN_DIGITS[tens] * 10 + (CN_DIGITS[ones] if ones else 0)
    return CN_DIGITS[text] if len(text) == 1 else None


def parse_grade(value) -> int | None:
    """一年级/1年级/一/1/初一/七年级 → 1…9."""
    s = re.sub(r"\s+", "", nfkc(cell_text(value)))
    if not s:
        return None
    if s in JUNIOR_ALIASES:
        return JUNIOR_ALIASES[s]
    s = re.sub(r"(年级|级)$", "", s)
    n = cn_number(s)
    return n if n is not None and 1 <= n <= 9 else None


def parse_class(value) -> str | None:
    """1班/(1)班/（1）班/一班/1/01/1.0 → '1'."""
    s = re.sub(r"\s+", "", nfkc(cell_text(value)))
    s = s.strip("()[]").replace("班", "").strip("()")
    if not s:
        return None
    n = cn_number(s)
    if n is not None and n > 0:
        return str(n)
    return s if len(s) <= 10 else None


def class_label(grade: int | None, class_no: str | None) -> str:
    g = GRADE_NAMES.get(grade, f"{grade}年级" if grade else "")
    return f"{g}{class_no}班" if class_no else g


# 三年级(2)班, 三(2)班, 初一(3)班, 七年级2班, 一年级一班 — in titles and sheet names
_GRADE_CLASS_RE = re.compile(
    r"(初[一二三]|[一二三四五六七八九1-9]年级|[一二三四五六七八九1-9](?=[(（]))\s*[(（]?\s*([0-9０-９一二三四五六七八九十]{1,3})\s*[)）]?\s*班")


def grade_class_from_text(text: str) -> tuple[int | None, str | None]:
    if not text:
        return None, None
    m = _GRADE_CLASS_RE.search(nfkc(text))
    if not m:
        return None, None
    return parse_grade(m.group(1)), parse_class(m.group(2))


# ---------------------------------------------------------------- dates

_DATE_PATTERNS = [
    # a time after the date (2026-11-03 00:00:00, spaces already removed) is dropped
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:T?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")]
_MONTH_DAY = re.compile(r"^(\d{1,2})月(\d{1,2})日?$")


def parse_date(value, allow_month: bool = False, cal=None) -> dt.date | None:
    """Excel serials, date cells and every text form of §3.5; None when not a date. With a calendar,
    11月3日 (no year) is the date of the 学年 with that month and day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 80000 and float(value).is_integer():
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            value = str(int(value))
        else:
            return None
    s = re.sub(r"\s+", "", nfkc(str(value)))
    for pat in _DATE_PATTERNS:
        m = pat.match(s)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    m = _MONTH_DAY.match(s) if cal is not None else None
    if m:
        try:
            return cal.date_for_month_day(int(m.group(1)), int(m.group(2)))
        except ValueError:
            return None
    if allow_month:
        for pat in _MONTH_PATTERNS:
            m = pat.match(s)
            if m and 1 <= int(m.group(2)) <= 12:
                return dt.date(int(m.group(1)), int(m.group(2)), 1)
    return None


def parse_flag(value) -> bool | None:
    """是/否, ✓, 1/0, a type text (→ True)."""
    s = cell_text(value)
    if not s:
        return None
    if s in ("否", "无", "不是", "0", "N", "n", "no", "×", "✗", "/", "-", "—"):
        return False
    return True


# ---------------------------------------------------------------- attendance marks (§4)

@dataclass(frozen=True)
class Mark:
    """One student-day. Amounts are fractions of the day (a half-day mark is ½ + ½ present, §13.3)."""
    present: float = 1.0
    late: int = 0
    sick: float = 0.0
    personal: float = 0.0   # 事假 and 假
    unexcused: float = 0.0

    @property
    def absent(self) -> float:
        return self.sick + self.personal + self.unexcused


PRESENT = Mark()
_FULL = {
    "√": PRESENT, "✓": PRESENT, "✔": PRESENT, "到": PRESENT, "○": PRESENT, "〇": PRESENT,
    "迟": Mark(late=1), "迟到": Mark(late=1),
    "病": Mark(present=0, sick=1), "病假": Mark(present=0, sick=1),
    "事": Mark(present=0, personal=1), "事假": Mark(present=0, personal=1),
    "假": Mark(present=0, personal=1),
    "旷": Mark(present=0, unexcused=1), "旷课": Mark(present=0, unexcused=1),
    "×": Mark(present=0, unexcused=1), "✗": Mark(present=0, unexcused=1), "✘": Mark(present=0, unexcused=1),
    "x": Mark(present=0, unexcused=1), "X": Mark(present=0, unexcused=1),
    "缺": Mark(present=0, unexcused=1),
}
_HALF_KIND = {"旷": "unexcused", "病": "sick", "事": "personal", "假": "personal"}
# cells that say "no data for this student today" (left the school, not yet enrolled): not a mark
NO_DATA_MARKS = {"—", "-", "－", "/", "／", "--", "——", "无"}


PERIODS_RE = re.compile(r"旷(?:课)?(\d{1,2})节")


def parse_mark(value, periods_per_day: int = 6) -> Mark | None | str:
    """→ Mark, None for a no-data cell ('—'), or the string 'error' for an unknown mark."""
    s = re.sub(r"\s+", "", nfkc(cell_text(value))) if value is not None else ""
    if s == "":
        return PRESENT
    if s in NO_DATA_MARKS or s in {unicodedata.normalize("NFKC", m) for m in NO_DATA_MARKS}:
        return None
    if s in _FULL:
        return _FULL[s]
    raw = cell_text(value).replace(" ", "")
    if raw in _FULL:
        return _FULL[raw]
    m = re.fullmatch(r"(旷课?|病假?|事假?|假)(半|½|1/2|半天)|(半天?)(旷课?|病假?|事假?)", raw) or \
        re.fullmatch(r"(旷课?|病假?|事假?|假)(半|½|1/2|半天)|(半天?)(旷课?|病假?|事假?)", s)
    if m:
        word = m.group(1) or m.group(4)
        kind = _HALF_KIND[word[0]]
        return Mark(present=0.5, **{kind: 0.5})
    m = PERIODS_RE.fullmatch(s)
    if m and 0 < int(m.group(1)) <= periods_per_day:
        # §17.4: 旷N节 is N ÷ periods_per_day of a day 旷课, the rest of the day present
        share = int(m.group(1)) / periods_per_day
        return Mark(present=1 - share, unexcused=share)
    return "error"


# ---------------------------------------------------------------- roster categories (§3.1, §20)

STUDY_MODES = ("普通", "随班就读", "送教上门")  # §3.1 就读方式
DISABILITY_TYPES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")  # 残疾类型 (GB/T 26341)
DISABILITY_UNSPECIFIED = "未注明类型"


def parse_study_mode(value) -> str:
    """就读方式: 普通 / 随班就读 / 送教上门 from any §3.5 form; a yes in a “随班就读” column is 随班就读,
    a no is 普通; other text is kept as written (''  when blank)."""
    s = re.sub(r"\s+", "", nfkc(cell_text(value)))
    if not s:
        return ""
    if "送教" in s:
        return "送教上门"
    if "随班" in s:
        return "随班就读"
    if s.startswith("普通") or s == "正常":
        return "普通"
    flag = parse_flag(s)
    if s in ("是", "√", "✓", "✔", "1", "Y", "y", "yes"):
        return "随班就读"
    return "普通" if flag is False else cell_text(value)


def disability_kind(value) -> str | None:
    """残疾 cell → None (no disability), the type (“视力残疾”), 未注明类型 (是/✓/1), or the text as written
    when it is neither 是/否 nor a known type (kept, not an error)."""
    s = re.sub(r"\s+", "", nfkc(cell_text(value)))
    if not s or parse_flag(s) is False:
        return None
    if s in ("是", "有", "√", "✓", "✔", "1", "Y", "y", "yes", "残疾"):
        return DISABILITY_UNSPECIFIED
    for kind in DISABILITY_TYPES:
        if s.startswith(kind):
            return s if s.startswith(kind + "残疾") else kind + "残疾"
    return cell_text(value)


NO_VILLAGE = "未注明村"
# administrative units that may come before the village in an address
_ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "街道办事处", "办事处", "街道", "省", "市", "县", "区",
                   "镇", "乡")
_NOT_A_VILLAGE_AFTER = ("镇", "乡", "街", "县", "市", "区")  # “新村镇”: the 村 is part of a township's name


def village_of(text: str) -> str | None:
    """§20: the village an address names — the part after its last township-or-higher unit, up to and
    including the first 村 or 社区: “广西北流市新圩镇河村村3队”, “新圩镇河村”, “河村村委会” → 河村;
    “城南社区3栋” → 城南社区; None when the address names no village."""
    s = re.sub(r"\s+", "", nfkc(text or ""))
    start, i = 0, 0
    while i < len(s):
        if s.startswith("社区", i) and i > start:
            return s[start:i + 2]
        if s[i] == "村" and i > start and not s.startswith(_NOT_A_VILLAGE_AFTER, i + 1):
            return s[start:i + 1]
        suffix = next((a for a in _ADMIN_SUFFIXES if s.startswith(a, i)), None)
        if suffix and i > start:
            start = i = i + len(suffix)
            continue
        i += 1
    return None


def student_village(hukou: str, address: str) -> str | None:
    """§20: the village of 户籍所在地, else of 家庭住址."""
    return village_of(hukou) or village_of(address)
