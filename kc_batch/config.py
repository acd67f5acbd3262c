"""kc.toml → a typed Config (SPEC §2.1).

Errors name the key and the line (SPEC §13.19); they are raised as ConfigError and turned into
exit code 2 by the CLI.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

from kc_batch.errors import ConfigError

WEEKDAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
STAGES = ("小学", "初中")
LEVELS = ("school", "township", "county")


@dataclass(frozen=True)
class EscalationStep:
    days: float
    action: str
    responsible: str
    deadline_days: int


DEFAULT_LADDER = (  # SPEC §6.2
    EscalationStep(1, "记录并告知家长，问清未到校原因", "班主任", 0),
    EscalationStep(2, "班主任和包保教师家访，核查离校原因，及时劝返", "班主任、包保教师", 0),
    EscalationStep(3, "教务处报告校长；校长上报乡镇人民政府及县教体局，组织劝返", "教务处、校长", 0),
    EscalationStep(7, "学籍管理员在学籍系统中标记“疑似辍学”；建立劝返台账（一人一案），村委会挂包领导与教师联合劝返",
                   "学籍管理员、校长", 1),
)


@dataclass
class Unit:
    name: str = "未命名单位"
    code: str = ""
    level: str = "school"
    stages: list[str] = field(default_factory=lambda: ["小学"])
    principal: str = ""
    clerk: str = ""
    phone: str = ""


@dataclass
class CalendarConfig:
    year_start: dt.date = dt.date(2026, 9, 1)
    school_days: list[str] = field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    holidays: list[dt.date] = field(default_factory=list)
    extra_school_days: list[dt.date] = field(default_factory=list)
    cutoff_day: int = 20


@dataclass
class RateOptions:
    count_xiuxue_as_dropout: bool = False
    denominator: str = "学年初在校生"  # or 调整基数


@dataclass
class Policy:
    suspect_after_days: int = 7
    transfer_receipt_days: int = 10
    chronic_absence_rate: float = 0.10
    dropout_rate_limit: dict[str, float] = field(default_factory=lambda: {"小学": 0.006, "初中": 0.018})
    retention_rate_target: float = 0.98
    close_after_present_days: int = 10
    age_tolerance_years: int = 2
    rates: RateOptions = field(default_factory=RateOptions)
    escalation: list[EscalationStep] = field(default_factory=lambda: list(DEFAULT_LADDER))


@dataclass
class Mail:
    to: list[str] = field(default_factory=list)
    from_: str = ""
    smtp_host: str = ""
    smtp_port: int = 465
    starttls: bool = False
    user: str = ""
    password_env: str = "KC_SMTP_PASSWORD"


@dataclass
class ExpectedUnit:
    name: str
    code: str = ""
    stages: list[str] = field(default_factory=list)


@dataclass
class Limits:
    max_file_mb: float = 200.0         # §10.3: bigger files are refused
    max_uncompressed_mb: float = 1000.0  # zip bomb guard for .xlsx/.ods
    max_rows: int = 200_000            # rows read per sheet
    max_cell_chars: int = 32_767       # Excel's own limit


@dataclass
class Config:
    unit: Unit = field(default_factory=Unit)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    policy: Policy = field(default_factory=Policy)
    mail: Mail = field(default_factory=Mail)
    units: list[ExpectedUnit] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    path: Path | None = None


# ---------------------------------------------------------------- loading

def load_config(work_dir: Path) -> Config:
    path = Path(work_dir) / "kc.toml"
    if not path.is_file():
        raise ConfigError(f"找不到配置文件 {path}。请先运行 kc init {work_dir} 建立工作目录。")
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _line_of_toml_error(exc)
        raise ConfigError(f"配置文件 {path} 第 {line} 行格式错误：{exc}") from None
    cfg = config_from_dict(data, _KeyLines(text), path)
    cfg.path = path
    return cfg


def _line_of_toml_error(exc: Exception) -> str:
    m = re.search(r"line (\d+)", str(exc))
    return m.group(1) if m else "?"


class _KeyLines:
    """Finds the line on which a key is written, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def line(self, section: str, key: str) -> str:
        current = ""
        for no, raw in enumerate(self.lines, start=1):
            s = raw.strip()
            if s.startswith("["):
                current = s.strip("[]").strip()
                continue
            if current == section and re.match(rf"{re.escape(key)}\s*=", s):
                return str(no)
        return "?"


def config_from_dict(data: dict, lines: _KeyLines | None = None, path: Path | None = None) -> Config:
    lines = lines or _KeyLines("")
    where = str(path or "kc.toml")

    def fail(section: str, key: str, expected: str):
        raise ConfigError(
            f"配置文件 {where} 第 {lines.line(section, key)} 行：[{section}] {key} 应为{expected}。")

    def get(section_data: dict, section: str, key: str, kind, default, expected: str):
        if key not in section_data:
            return default
        value = section_data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is dt.date and isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            fail(section, key, expected)
        return value

    def date_list(section_data, section, key):
        values = get(section_data, section, key, list, [], "日期列表，如 [2026-10-01, 2026-10-02]")
        out = []
        for v in values:
            if isinstance(v, dt.datetime):
                v = v.date()
            if isinstance(v, str):
                try:
                    v = dt.date.fromisoformat(v)
                except ValueError:
                    fail(section, key, "日期列表，如 [2026-10-01, 2026-10-02]")
            if not isinstance(v, dt.date):
                fail(section, key, "日期列表，如 [2026-10-01, 2026-10-02]")
            out.append(v)
        return out

    def str_list(section_data, section, key, default):
        values = get(section_data, section, key, list, default, "文字列表，如 [\"小学\", \"初中\"]")
        if not all(isinstance(v, str) for v in values):
            fail(section, key, "文字列表，如 [\"小学\", \"初中\"]")
        return list(values)

    cfg = Config()
    u = data.get("unit", {})
    if not isinstance(u, dict):
        fail("unit", "unit", "表")
    cfg.unit = Unit(
        name=get(u, "unit", "name", str, cfg.unit.name, "文字"),
        code=str(get(u, "unit", "code", (str, int), "", "文字")),
        level=get(u, "unit", "level", str, "school", "文字（school、township 或 county）"),
        stages=str_list(u, "unit", "stages", ["小学"]),
        principal=get(u, "unit", "principal", str, "", "文字"),
        clerk=get(u, "unit", "clerk", str, "", "文字"),
        phone=str(get(u, "unit", "phone", (str, int), "", "文字")),
    )
    if cfg.unit.level not in LEVELS:
        fail("unit", "level", "school、township 或 county 之一")
    for s in cfg.unit.stages:
        if s not in STAGES:
            fail("unit", "stages", "“小学”和/或“初中”")

    c = data.get("calendar", {})
    year_start = get(c, "calendar", "year_start", dt.date, cfg.calendar.year_start, "日期，如 2026-09-01")
    school_days = str_list(c, "calendar", "school_days", ["mon", "tue", "wed", "thu", "fri"])
    if any(d not in WEEKDAY_KEYS for d in school_days):
        fail("calendar", "school_days", "mon…sun 组成的列表")
    cutoff = get(c, "calendar", "cutoff_day", int, 20, "1 到 28 之间的整数")
    if not 1 <= cutoff <= 28:
        fail("calendar", "cutoff_day", "1 到 28 之间的整数")
    cfg.calendar = CalendarConfig(
        year_start=year_start, school_days=school_days,
        holidays=date_list(c, "calendar", "holidays"),
        extra_school_days=date_list(c, "calendar", "extra_school_days"),
        cutoff_day=cutoff)

    p = data.get("policy", {})
    pol = Policy()
    pol.suspect_after_days = get(p, "policy", "suspect_after_days", int, 7, "正整数")
    pol.transfer_receipt_days = get(p, "policy", "transfer_receipt_days", int, 10, "正整数")
    pol.chronic_absence_rate = get(p, "policy", "chronic_absence_rate", float, 0.10, "0 到 1 之间的小数")
    pol.retention_rate_target = get(p, "policy", "retention_rate_target", float, 0.98, "0 到 1 之间的小数")
    pol.close_after_present_days = get(p, "policy", "close_after_present_days", int, 10, "正整数")
    pol.age_tolerance_years = get(p, "policy", "age_tolerance_years", int, 2, "正整数")
    limits = get(p, "policy", "dropout_rate_limit", dict, None, "表，如 { \"小学\" = 0.006, \"初中\" = 0.018 }")
    if limits is not None:
        for k, v in limits.items():
            if k not in STAGES or not isinstance(v, (int, float)) or isinstance(v, bool):
                fail("policy", "dropout_rate_limit", "表，如 { \"小学\" = 0.006, \"初中\" = 0.018 }")
            pol.dropout_rate_limit[k] = float(v)
    rates = p.get("rates", {})
    if not isinstance(rates, dict):
        fail("policy", "rates", "表")
    pol.rates = RateOptions(
        count_xiuxue_as_dropout=get(rates, "policy.rates", "count_xiuxue_as_dropout", bool, False, "true 或 false"),
        denominator=get(rates, "policy.rates", "denominator", str, "学年初在校生", "“学年初在校生”或“调整基数”"))
    if pol.rates.denominator not in ("学年初在校生", "调整基数"):
        fail("policy", "rates", "denominator = “学年初在校生”或“调整基数”")
    ladder = p.get("escalation")
    if ladder is not None:
        if not isinstance(ladder, list) or not ladder:
            fail("policy.escalation", "days", "一组 [[policy.escalation]] 表")
        steps = []
        for step in ladder:
            days = get(step, "policy.escalation", "days", float, None, "数字（连续旷课天数）")
            if days is None or days <= 0:
                fail("policy.escalation", "days", "大于 0 的数字（连续旷课天数）")
            steps.append(EscalationStep(
                days=days,
                action=get(step, "policy.escalation", "action", str, "", "文字"),
                responsible=get(step, "policy.escalation", "responsible", str, "", "文字"),
                deadline_days=get(step, "policy.escalation", "deadline_days", int, 0, "整数（学校日）")))
        pol.escalation = sorted(steps, key=lambda s: s.days)
    cfg.policy = pol

    m = data.get("mail", {})
    cfg.mail = Mail(
        to=str_list(m, "mail", "to", []),
        from_=get(m, "mail", "from", str, "", "邮箱地址"),
        smtp_host=get(m, "mail", "smtp_host", str, "", "文字"),
        smtp_port=get(m, "mail", "smtp_port", int, 465, "整数"),
        starttls=get(m, "mail", "starttls", bool, False, "true 或 false"),
        user=get(m, "mail", "user", str, "", "文字"),
        password_env=get(m, "mail", "password_env", str, "KC_SMTP_PASSWORD", "环境变量名"),
    )

    units = data.get("units", [])
    if not isinstance(units, list):
        fail("units", "name", "一组 [[units]] 表")
    for item in units:
        cfg.units.append(ExpectedUnit(
            name=get(item, "units", "name", str, "", "文字"),
            code=str(get(item, "units", "code", (str, int), "", "文字")),
            stages=str_list(item, "units", "stages", [])))

    lim = data.get("limits", {})
    cfg.limits = Limits(
        max_file_mb=get(lim, "limits", "max_file_mb", float, 200.0, "数字"),
        max_uncompressed_mb=get(lim, "limits", "max_uncompressed_mb", float, 1000.0, "数字"),
        max_rows=get(lim, "limits", "max_rows", int, 200_000, "整数"),
        max_cell_chars=get(lim, "limits", "max_cell_chars", int, 32_767, "整数"),
    )
    return cfg
