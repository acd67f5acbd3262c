"""kc.toml → a typed Config (SPEC §2.1), from ONE declarative key table.

Every key the tool understands is declared once below (`SECTIONS`): its TOML name, its kind, its default
and the Chinese comment that `kc init` writes beside it. The dataclasses (Unit, CalendarConfig, Policy, …)
are made from that table, the loader checks a kc.toml against it, and `render_toml` writes the commented
kc.toml of `kc init` from it — a default is written in exactly one place.

Errors name the key and the line (§13.19) and are raised as ConfigError (exit 2). Unknown sections and
keys are refused with the nearest valid name; a file saved as GBK is read with a notice (issue 12).
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

from kc_batch.config_keys import (ARRAYS, SECTIONS, STAGES, WEEKDAY_KEYS, EscalationStep, Key, Section, Term,  # noqa: F401
                                  DEFAULT_LADDER, LEVELS)
from kc_batch.errors import ConfigError


# ---------------------------------------------------------------- the dataclasses, made from the table

def _make_class(class_name: str, section: Section, extra: list[tuple] = ()):
    fields_ = [(k.attr or k.name, Any, field(default_factory=_factory(k.default))) for k in section.keys]
    return dataclasses.make_dataclass(class_name, fields_ + list(extra), namespace={"__module__": __name__})


def _factory(default) -> Callable[[], Any]:
    return lambda: copy.deepcopy(default)


def _section(name: str) -> Section:
    return next(s for s in SECTIONS if s.name == name)


@dataclass(frozen=True)
class ExpectedUnit:
    """One unit a township or county expects a report from (`[[units]]`)."""
    name: str
    code: str = ""
    stages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ClassInfo:
    """One [[classes]] table: a class as written (三年级1班) and its 班主任 (§17.2, §19)."""
    name: str
    teacher: str = ""
    deputy: str = ""     # 副班主任


Unit = _make_class("Unit", _section("unit"))
CalendarConfig = _make_class("CalendarConfig", _section("calendar"))
RateOptions = _make_class("RateOptions", _section("policy.rates"))
HomeVisitQuotas = _make_class("HomeVisitQuotas", _section("policy.home_visits"))
QuarterRules = _make_class("QuarterRules", _section("policy.quarter"))
Policy = _make_class("Policy", _section("policy"), [
    ("rates", Any, field(default_factory=RateOptions)),
    ("home_visits", Any, field(default_factory=HomeVisitQuotas)),
    ("quarter", Any, field(default_factory=QuarterRules)),
    ("escalation", Any, field(default_factory=lambda: list(DEFAULT_LADDER))),
])
Responsibility = _make_class("Responsibility", _section("responsibility"))
Mail = _make_class("Mail", _section("mail"))
Report = _make_class("Report", _section("report"))
Limits = _make_class("Limits", _section("limits"))
_CLASSES = {"unit": Unit, "calendar": CalendarConfig, "policy": Policy, "policy.rates": RateOptions, "mail": Mail,
            "limits": Limits, "responsibility": Responsibility, "policy.home_visits": HomeVisitQuotas,
            "policy.quarter": QuarterRules,
            "report": Report}


@dataclass
class Config:
    unit: Any = field(default_factory=Unit)
    calendar: Any = field(default_factory=CalendarConfig)
    policy: Any = field(default_factory=Policy)
    mail: Any = field(default_factory=Mail)
    units: list[ExpectedUnit] = field(default_factory=list)
    classes: list[ClassInfo] = field(default_factory=list)
    limits: Any = field(default_factory=Limits)
    responsibility: Any = field(default_factory=Responsibility)
    report: Any = field(default_factory=Report)
    path: Path | None = None
    notices: list[str] = field(default_factory=list)   # Chinese lines to show (e.g. the file was GBK)


# ---------------------------------------------------------------- loading

def load_config(work_dir: Path) -> Config:
    return load_config_file(Path(work_dir) / "kc.toml")


def load_config_file(path: Path) -> Config:
    """A kc.toml by its path (kc rollover reads the old year's kept copy kc.toml.YYYY)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"找不到配置文件 {path}。请先运行 kc init {path.parent} 建立工作目录。")
    text, notice = decode_toml(path.read_bytes(), path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 第 {_line_of_toml_error(exc)} 行格式错误：{exc}") from None
    cfg = config_from_dict(data, _KeyLines(text), path)
    cfg.path = path
    if notice:
        cfg.notices.append(notice)
    return cfg


def decode_toml(raw: bytes, path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM); else GBK/GB18030 with a notice; never replacement characters."""
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {path} 既不是 UTF-8 也不是 GBK 编码，无法读取。请用记事本“另存为”UTF-8 编码。") from None
    return text, f"提示：配置文件 {path} 是 GBK 编码，已按 GBK 读取；建议另存为 UTF-8 编码。"


def _line_of_toml_error(exc: Exception) -> str:
    m = re.search(r"line (\d+)", str(exc))
    return m.group(1) if m else "?"


class _KeyLines:
    """Finds the line on which a key (or a section header) is written, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def line(self, section: str, key: str) -> str:
        current = ""
        for no, raw in enumerate(self.lines, start=1):
            s = raw.split("#", 1)[0].strip()
            if s.startswith("["):
                current = s.strip("[]").strip()
                if not key and current == section:
                    return str(no)
                continue
            if current == section and re.match(rf"\"?{re.escape(key)}\"?\s*=", s):
                return str(no)
        if key and "." in section:  # an inline sub-table: `rates = { … }` under [policy]
            parent, _, child = section.rpartition(".")
            return self.line(parent, child)
        return "?"


class _Checker:
    """Checks one kc.toml against the key table; every failure names the key and its line."""

    def __init__(self, lines: _KeyLines, where: str):
        self.lines, self.where = lines, where

    def fail(self, section: str, key: str, expected: str):
        label = f"[{section}] {key}" if section else key
        raise ConfigError(f"配置文件 {self.where} 第 {self.lines.line(section, key)} 行：{label} 应为{expected}。")

    def unknown(self, section: str, name: str, valid: list[str]):
        near = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
        if section:
            hint = f"是否应为 {near[0]}？" if near else f"可用的键：{'、'.join(valid)}。"
            raise ConfigError(f"配置文件 {self.where} 第 {self.lines.line(section, name)} 行：[{section}] 中没有 "
                              f"{name} 这一项，{hint}")
        hint = f"是否应为 [{near[0]}]？" if near else f"可用的节：{'、'.join(f'[{v}]' for v in valid)}。"
        line = self.lines.line(name, "")
        if line == "?":
            line = self.lines.line("", name)
        raise ConfigError(f"配置文件 {self.where} 第 {line} 行：不认识的节 [{name}]，{hint}")

    def table(self, data, section: str) -> dict:
        if data is None:
            return {}
        if not isinstance(data, dict):
            parent, _, key = section.rpartition(".")
            self.fail(parent, key, "表（用 [" + section + "] 开头的一节）")
        return data

    def values(self, data: dict, section: Section) -> dict:
        """{attr: value} for the section's keys present in `data` (checked and converted)."""
        known = {k.name: k for k in section.keys}
        nested = {s.name.rpartition(".")[2] for s in SECTIONS + ARRAYS if s.name.rpartition(".")[0] == section.name}
        for name in data:
            if name not in known and name not in nested:
                self.unknown(section.name, name, list(known) + sorted(nested))
        return {k.attr or k.name: self.value(section.name, k, data[k.name]) for k in section.keys if k.name in data}

    def value(self, section: str, key: Key, value):
        converted = _CONVERT[key.kind](value, key)
        if converted is _BAD:
            self.fail(section, key.name, key.expected or _EXPECTED[key.kind])
        if key.choices and any(v not in key.choices for v in (converted if isinstance(converted, list) else [converted])):
            self.fail(section, key.name, key.expected or "、".join(map(str, key.choices)) + " 之一")
        if isinstance(converted, (int, float)) and not isinstance(converted, bool) and (
                (key.low is not None and converted < key.low) or (key.high is not None and converted > key.high)):
            self.fail(section, key.name, key.expected or f"{key.low} 到 {key.high} 之间的数")
        return converted


_BAD = object()


def _as_str(v, key):
    return v if isinstance(v, str) else _BAD


def _as_code(v, key):
    return str(v) if isinstance(v, (str, int)) and not isinstance(v, bool) else _BAD


def _as_int(v, key):
    return v if isinstance(v, int) and not isinstance(v, bool) else _BAD


def _as_float(v, key):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else _BAD


def _as_bool(v, key):
    return v if isinstance(v, bool) else _BAD


def _as_date(v, key):
    if isinstance(v, dt.datetime):
        return v.date()
    return v if isinstance(v, dt.date) else _BAD


def _as_dates(v, key):
    """A list of dates; an item may also be an inclusive range "2027-01-23..2027-02-21" (§15.1)."""
    if not isinstance(v, list):
        return _BAD
    out = []
    for item in v:
        days = _date_or_range(item)
        if days is _BAD:
            return _BAD
        out += days
    return out


def _date_or_range(item):
    if isinstance(item, str) and ".." in item:
        first, _, last = item.partition("..")
        first, last = _iso_date(first), _iso_date(last)
        if first is _BAD or last is _BAD or last < first:
            return _BAD
        return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    item = _iso_date(item) if isinstance(item, str) else _as_date(item, None)
    return _BAD if item is _BAD else [item]


def _iso_date(text: str):
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return _BAD


def _as_cutoff(v, key):
    """cutoff_day: a day 1…28, or "月末" (the month's last day, 每月底统计; §15.1)."""
    if v == "月末":
        return v
    return v if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 28 else _BAD


def _as_terms(v, key):
    """terms = [{ name, start, end }, …] (§15.1), in date order; overlaps are refused."""
    if not isinstance(v, list) or not all(isinstance(t, dict) and set(t) == {"name", "start", "end"} for t in v):
        return _BAD
    terms = []
    for t in v:
        start, end = _as_date(t["start"], key), _as_date(t["end"], key)
        if not isinstance(t["name"], str) or not t["name"].strip() or start is _BAD or end is _BAD or end < start:
            return _BAD
        terms.append(Term(t["name"].strip(), start, end))
    terms.sort(key=lambda t: t.start)
    if any(a.end >= b.start for a, b in zip(terms, terms[1:])) or len({t.name for t in terms}) < len(terms):
        return _BAD
    return terms


def _as_strs(v, key):
    return list(v) if isinstance(v, list) and all(isinstance(x, str) for x in v) else _BAD


def _as_monthdays(v, key):
    """["03-15", "09-25"] → [(3, 15), (9, 25)] (a day of the year without the year, §16 term_report_due)."""
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        return _BAD
    out = []
    for x in v:
        m = re.fullmatch(r"\s*(\d{1,2})-(\d{1,2})\s*", x)
        if not m:
            return _BAD
        month, day = int(m.group(1)), int(m.group(2))
        try:
            dt.date(2028, month, day)   # a leap year: 02-29 is a day of some years
        except ValueError:
            return _BAD
        out.append((month, day))
    return out


def _as_stage_rates(v, key):
    if not isinstance(v, dict) or any(k not in STAGES or _as_float(x, key) is _BAD for k, x in v.items()):
        return _BAD
    return {**key.default, **{k: float(x) for k, x in v.items()}}


_GRADE_KEY = re.compile(r"[一二三四五六七八九1-9]年级|初[一二三]|[1-9]")


def _as_names(v, key):
    """{学段 or 年级: name} (§19 分管领导): 小学/初中, or a grade 一年级…九年级 / 初一…初三."""
    if not isinstance(v, dict) or any(not isinstance(x, str) or (k not in STAGES and not _GRADE_KEY.fullmatch(k))
                                      for k, x in v.items()):
        return _BAD
    return dict(v)


_CONVERT = {"str": _as_str, "code": _as_code, "int": _as_int, "float": _as_float, "bool": _as_bool,
            "date": _as_date, "dates": _as_dates, "cutoff": _as_cutoff, "terms": _as_terms, "strs": _as_strs, "monthdays": _as_monthdays, "stage_rates": _as_stage_rates,
            "names": _as_names}
_EXPECTED = {"str": "文字（加英文双引号）", "code": "文字", "int": "整数", "float": "数字", "bool": "true 或 false",
             "date": "日期，如 2026-09-01",
             "dates": "日期列表，可含日期段，如 [2026-10-01, \"2027-01-23..2027-02-21\"]",
             "cutoff": "1 到 28 之间的整数，或 \"月末\"",
             "terms": "学期列表，如 [{ name = \"秋季学期\", start = 2026-09-01, end = 2027-01-22 }, …]，"
                      "各学期名称不同、日期不重叠",
             "strs": "文字列表，如 [\"小学\", \"初中\"]", "monthdays": "“月-日”列表，如 [\"03-15\", \"09-25\"]", "stage_rates": "表，如 { \"小学\" = 0.006, \"初中\" = 0.018 }",
             "names": "表，键为学段或年级、值为姓名，如 { \"小学\" = \"王副校长\", \"七年级\" = \"李主任\" }"}


def config_from_dict(data: dict, lines: _KeyLines | None = None, path: Path | None = None) -> Config:
    check = _Checker(lines or _KeyLines(""), str(path or "kc.toml"))
    roots = [s.name for s in SECTIONS + ARRAYS if "." not in s.name]
    for name in data:
        if name not in roots:
            check.unknown("", name, roots)
    cfg = Config()
    for section in SECTIONS:
        parent, _, child = section.name.rpartition(".")
        raw = check.table((data.get(parent, {}) or {}).get(child) if parent else data.get(section.name), section.name)
        obj = _CLASSES[section.name](**check.values(raw, section))
        if parent:
            setattr(getattr(cfg, parent), child, obj)
        else:
            setattr(cfg, section.name, obj)
    _check_terms_in_year(check, cfg.calendar)
    cfg.policy.escalation = (_ladder(check, (data.get("policy") or {}).get("escalation"), cfg.calendar.periods_per_day)
                             or cfg.policy.escalation)
    cfg.units = [ExpectedUnit(**v) for v in _array(check, data.get("units"), _array_spec("units"))]
    cfg.classes = [ClassInfo(**v) for v in _array(check, data.get("classes"), _array_spec("classes"))]
    return cfg


def _check_terms_in_year(check: _Checker, cal) -> None:
    """§15.1: every term lies inside the 学年 that starts at year_start (9月1日 to 8月31日)."""
    first, last = cal.year_start, dt.date(cal.year_start.year + 1, 8, 31)
    for term in cal.terms:
        if term.start < first or term.end > last:
            check.fail("calendar", "terms", f"本学年（{first.isoformat()} 至 {last.isoformat()}）之内的学期；"
                                            f"“{term.name}”为 {term.start.isoformat()} 至 {term.end.isoformat()}")


def _array_spec(name: str) -> Section:
    return next(s for s in ARRAYS if s.name == name)


def _array(check: _Checker, raw, spec: Section) -> list[dict]:
    if raw is None:
        return []
    parent, _, key = spec.name.rpartition(".")
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        check.fail(parent, key, f"一组 [[{spec.name}]] 表")
    out = []
    for item in raw:
        values = {k.attr or k.name: copy.deepcopy(k.default) for k in spec.keys}
        values.update(check.values(item, spec))
        out.append(values)
    return out


def _ladder(check: _Checker, raw, periods_per_day: int) -> list[EscalationStep] | None:
    """[[policy.escalation]] (§6.2, §17.4), sorted by size (a `periods` step counts as periods ÷
    periods_per_day days); None when not given (the default ladder)."""
    if raw is None:
        return None
    steps = _array(check, raw, _array_spec("policy.escalation"))
    if not steps:
        check.fail("policy", "escalation", "一组 [[policy.escalation]] 表")
    for s in steps:
        if (s["days"] is None) == (s["periods"] is None):
            check.fail("policy.escalation", "days", "大于 0 的数字（连续旷课天数），或改用 periods（本周旷课节数），二者只写一个")
        if s["days"] is not None and s["days"] <= 0:
            check.fail("policy.escalation", "days", "大于 0 的数字（连续旷课天数）")
    return sorted((EscalationStep(**s) for s in steps),
                  key=lambda s: s.days if s.days is not None else s.periods / periods_per_day)


# ---------------------------------------------------------------- kc init's commented kc.toml

TOML_HEAD = """\
# kc_batch 配置文件（控辍保学批处理）。以 # 开头的是说明，可删改。
# 日期写成 2026-09-01 这样（不加引号）；文字加英文双引号。
"""


def render_toml(name: str, level: str, stages: list[str], year: int) -> str:
    """The kc.toml `kc init` writes: every key of the table with its default and its Chinese comment."""
    context = {"name": name, "level": level, "stages": stages, "year": year}
    out = [TOML_HEAD]
    for section in SECTIONS:
        shown = [k for k in section.keys if k.shown]
        if not shown:
            continue
        out.append("")
        if section.comment:
            out.append(f"# {section.comment}")
        out.append(f"[{section.name}]")
        out += [_key_line(k, context) for k in shown]
        if section.name == "policy.rates":
            out += _ladder_lines()
    out += ["", f"# {_array_spec('classes').comment}：每个班一个 [[classes]]"]
    out += ["# [[classes]]", '# name = "三年级1班"', '# teacher = "王老师"']
    out += ["", "# 乡镇、县级单位在下面列出应报送的单位（每个单位一个 [[units]]）："]
    out += ["# [[units]]", '# name = "杉树完小"', '# code = "4509230001"', '# stages = ["小学"]', ""]
    return "\n".join(out)


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def advance_year_text(text: str) -> str:
    """§15.2: kc.toml's text with [calendar] year_start and the dates of `terms` one year later; every
    other line, comments included, as it was (holidays stay: the new year's are typed anew)."""
    lines, section, open_brackets, in_key = text.split("\n"), "", 0, False
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0]
        stripped = code.strip()
        if not in_key and re.fullmatch(r"\[[^\[\]]+\]", stripped):
            section = stripped[1:-1].strip()
        starts = section == "calendar" and re.match(r"(year_start|terms)\s*=", stripped)
        if not (starts or in_key):
            continue
        lines[i] = _ISO_DATE.sub(_a_year_later, code) + line[len(code):]
        open_brackets = (0 if starts else open_brackets) + code.count("[") - code.count("]")
        in_key = open_brackets > 0
    return "\n".join(lines)


def _a_year_later(m: re.Match) -> str:
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    day = min(day, 28) if (month, day) == (2, 29) else day
    return dt.date(year + 1, month, day).isoformat()


def _key_line(key: Key, context: dict) -> str:
    value = key.init(context) if key.init else key.default
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):  # a list of inline tables
        items = "".join(f"    {toml_value(v)},\n" for v in value)
        return f"# {key.comment}\n{key.name} = [\n{items}]"
    text = f"{key.name} = {toml_value(value)}"
    return f"{text}{' ' * max(1, 33 - _display_width(text))}# {key.comment}" if key.comment else text


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _ladder_lines() -> list[str]:
    spec = _array_spec("policy.escalation")
    out = ["", f"# {spec.comment}", "# 也可按节数设一级：把 days = … 换成 periods = 4（本周累计旷课4节，§17.4）"]
    for step in DEFAULT_LADDER:
        out += ["[[policy.escalation]]"]
        out += [f"{k.name} = {toml_value(getattr(step, k.attr or k.name))}" for k in spec.keys
                if getattr(step, k.attr or k.name) is not None]   # a step gives days or periods (§17.4)
        out.append("")
    return out[:-1]


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    if isinstance(value, (int, float, dt.date)):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f'{_toml_key(k)} = {toml_value(v)}' for k, v in value.items()) + " }"
    raise TypeError(value)
