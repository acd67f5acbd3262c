"""THE table of kc.toml keys (SPEC §2.1): name, kind, default, and the comment `kc init` writes.

To add a setting, add one `Key` to its section here — the loader (config.py) checks it, the dataclass
gets the attribute, and `kc init` writes it with its comment. Kinds: str, code (text or number, kept as
text), int, float, bool, date, dates, strs, monthdays (["03-15", "09-25"], kept as (month, day)), stage_rates (a {学段: rate} table merged over the default),
names (a {学段 or 年级: name} table).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

WEEKDAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
STAGES = ("小学", "初中")
LEVELS = ("school", "township", "county")
DENOMINATORS = ("学年初在校生", "调整基数")   # §8 options


@dataclass(frozen=True)
class Key:
    name: str                      # the TOML key
    kind: str
    default: Any
    comment: str = ""              # Chinese, written by kc init after the key
    attr: str = ""                 # the Python attribute when it differs from the key (from → from_)
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    expected: str = ""             # what the error message says the value should be
    shown: bool = True             # written by kc init
    init: Callable[[dict], Any] | None = None   # kc init's value from {name, level, stages, year}


@dataclass(frozen=True)
class Section:
    name: str                      # "policy" or "policy.rates"; arrays of tables: "units", "policy.escalation"
    keys: tuple[Key, ...]
    comment: str = ""


@dataclass(frozen=True)
class EscalationStep:
    """One step of the ladder (§6.2): reached at a streak of `days` school days, or (§17.4) at `periods`
    class periods 旷课 within the current week (旷课4节告知家长); exactly one of the two is given."""
    days: float | None
    action: str
    responsible: str
    deadline_days: int
    periods: int | None = None


DEFAULT_LADDER = (  # SPEC §6.2
    EscalationStep(1, "记录并告知家长，问清未到校原因", "班主任", 0),
    EscalationStep(2, "班主任和包保教师家访，核查离校原因，及时劝返", "班主任、包保教师", 0),
    EscalationStep(3, "教务处报告校长；校长上报乡镇人民政府及县教体局，组织劝返", "教务处、校长", 0),
    EscalationStep(7, "学籍管理员在学籍系统中标记“疑似辍学”；建立劝返台账（一人一案），村委会挂包领导与教师联合劝返",
                   "学籍管理员、校长", 1),
)

@dataclass(frozen=True)
class Term:
    """One term of the 学年 (§15.1)."""
    name: str
    start: dt.date
    end: dt.date


_POSITIVE = dict(low=1, expected="正整数")
_SHARE = dict(low=0.0, high=1.0, expected="0 到 1 之间的小数")


def _national_day(year: int) -> list[dt.date]:
    return [dt.date(year, 10, d) for d in (1, 2, 3, 5, 6, 7)]


def _typical_terms(year: int) -> list[dict]:
    """kc init's terms: typical dates of a 学年; the comment says to check them against the 校历."""
    return [{"name": "秋季学期", "start": dt.date(year, 9, 1), "end": dt.date(year + 1, 1, 22)},
            {"name": "春季学期", "start": dt.date(year + 1, 2, 22), "end": dt.date(year + 1, 7, 2)}]


SECTIONS: list[Section] = [
    Section("unit", (
        Key("name", "str", "未命名单位", "填报单位（写在报表抬头和文件名中）", init=lambda c: c["name"]),
        Key("code", "code", "", "单位代码（可空）"),
        Key("level", "str", "school", "school 学校 | township 乡镇中心学校 | county 县教育局", choices=LEVELS,
            expected="school、township 或 county 之一", init=lambda c: c["level"]),
        Key("stages", "strs", ["小学"], "学段：小学 和/或 初中", choices=STAGES, expected="“小学”和/或“初中”",
            init=lambda c: list(c["stages"])),
        Key("principal", "str", "", "单位负责人"),
        Key("clerk", "str", "", "填表人"),
        Key("phone", "code", "", "联系电话"),
    )),
    Section("calendar", (
        Key("year_start", "date", dt.date(2026, 9, 1), "学年初（9月1日后第一个教学日为学年初）",
            init=lambda c: dt.date(c["year"], 9, 1)),
        Key("school_days", "strs", ["mon", "tue", "wed", "thu", "fri"], "每周上课日", choices=tuple(WEEKDAY_KEYS),
            expected="mon…sun 组成的列表"),
        Key("terms", "terms", [], "学期（请按本县校历核对日期；两学期之间的日子不上课）",
            init=lambda c: _typical_terms(c["year"])),
        Key("holidays", "dates", [], "节假日（不上课），可写日期段如 \"2027-01-23..2027-02-21\"",
            init=lambda c: _national_day(c["year"])),
        Key("extra_school_days", "dates", [], "调休上课日，如 [2026-09-27]"),
        Key("cutoff_day", "cutoff", 20, "月报统计截止日（以每月20日的数字为准）；也可写 \"月末\"（每月底统计）"),
        Key("periods_per_day", "int", 6, "每天的课时数（“旷N节”按 N÷课时数 天计，§17.4）", **_POSITIVE),
    )),
    Section("policy", (
        Key("suspect_after_days", "int", 7, "连续旷课满几个教学日标记“疑似辍学”", **_POSITIVE),
        Key("transfer_receipt_days", "int", 10, "转出后几个教学日内应收到接收回执", **_POSITIVE),
        Key("chronic_absence_rate", "float", 0.10, "缺勤率达到此值列入“长期缺勤预警”", **_SHARE),
        Key("dropout_rate_limit", "stage_rates", {"小学": 0.006, "初中": 0.018}, "年辍学率控制线"),
        Key("retention_rate_target", "float", 0.98, "巩固率目标", **_SHARE),
        Key("close_after_present_days", "int", 10, "返校后连续几个教学日未再旷课即销号", **_POSITIVE),
        Key("reopen_streak_days", "int", 3, "观察中的学生再连续旷课几个教学日，案件重回“在办”", **_POSITIVE),
        Key("weekly_due", "str", "fri", "周报应报日（本周的星期几，mon…sun；§21.2）", choices=tuple(WEEKDAY_KEYS),
            expected="mon、tue、wed、thu、fri、sat、sun 之一"),
        Key("monthly_due_day", "int", 25, "月报应报日（当月几日前报出为按时；§21.2）", low=1, high=31,
            expected="1 到 31 之间的整数"),
        Key("age_tolerance_years", "int", 2, "年龄与年级正常年龄相差超过几岁列为“年龄异常”", low=0,
            expected="不小于 0 的整数"),
        Key("return_notice_days", "int", 3, "返校通知书限期几个教学日内返校（§18）", **_POSITIVE),
        Key("term_report_due", "monthdays", [], "开学辍学报告（kc term --kind start）的报送日期，如 [\"03-15\", \"09-25\"]；"
            "空则为开学第5个教学日（§16）", expected="“月-日”列表，如 [\"03-15\", \"09-25\"]"),
    )),
    Section("policy.rates", (
        Key("count_xiuxue_as_dropout", "bool", False, "年辍学率是否把休学计为辍学（两基口径）"),
        Key("denominator", "str", "学年初在校生", "辍学率分母：\"学年初在校生\" 或 \"调整基数\"", choices=DENOMINATORS,
            expected="“学年初在校生”或“调整基数”"),
    ), comment="指标口径（SPEC §8）"),
    Section("policy.quarter", (
        Key("excellent_max_late", "int", 0, "先进单位本季度最多可有几次逾期报送（§21.3 默认不可有）", low=0,
            expected="不小于 0 的整数"),
        Key("excellent_min_return_rate", "float", 0.0, "先进单位的劝返成功率至少为多少（默认不设要求；本季度无新开台账不受此限）",
            **_SHARE),
        Key("interview_missing_last_month", "bool", True, "季末月份未报月报的单位列入约谈（其巩固率、年辍学率无法评定）"),
    ), comment="月报季评（SPEC §21.3，kc aggregate --quarter）：先进＝各项达标且无逾期，约谈＝任一指标未达标或有去向不明学生"),
    Section("responsibility", (
        Key("principal", "str", "", "校长（包全校；空则用 [unit] principal）"),
        Key("leaders", "names", {}, "分管领导，按学段 { \"小学\" = \"王副校长\" } 或按年级 { \"一年级\" = \"…\" }"),
    ), comment="责任落实（SPEC §19）：班主任在 [[classes]] 中填写，包保教师写在花名册的“包保教师”列"),
    Section("policy.home_visits", (
        Key("head_teacher_all_per_year", "bool", True, "一学年内班主任必须普访全班学生一次"),
        Key("head_teacher_share_per_term", "float", 0.5, "一学期内班主任至少家访的学生比例", **_SHARE),
        Key("subject_teacher_per_term", "int", 10, "科任教师每学期至少家访人次", low=0, expected="不小于 0 的整数"),
        Key("counting_ways", "strs", ["入户", "视频"], "计入定额的家访方式（电话不计，除非列在这里）"),
    ), comment="家访定额（SPEC §17.2，家访登记制度）"),
    Section("report", (
        Key("form_no", "str", "", "表号，如 \"教基控辍1表\"（印在报表右上角；空则不印）"),
        Key("issuer", "str", "", "制表机关，如 \"××县教育体育局\""),
        Key("approver", "str", "", "批准机关"),
        Key("approval_no", "str", "", "批准文号"),
        Key("valid_until", "str", "", "有效期至，如 \"2027年12月\""),
        Key("reviewer", "str", "", "审核人（印在表尾；空则留空待签）"),
    ), comment="正式统计报表右上角的表号栏和表尾的审核人；上级未规定时都留空"),
    Section("mail", (
        Key("to", "strs", [], "收件人，如 [\"zxx@example.cn\"]", expected="邮箱地址列表，如 [\"zxx@example.cn\"]"),
        Key("from", "str", "", "发件邮箱", attr="from_", expected="邮箱地址"),
        Key("smtp_host", "str", "", "发件服务器，如 smtp.qq.com"),
        Key("smtp_port", "int", 465, "465 为 SSL；587 时请设 starttls = true", low=1, high=65535,
            expected="1 到 65535 之间的整数"),
        Key("starttls", "bool", False, "是否使用 STARTTLS"),
        Key("user", "str", "", "登录用户名（空则用发件邮箱）", shown=False),
        Key("password_env", "str", "KC_SMTP_PASSWORD", "密码（授权码）从这个环境变量读取，不写在本文件里",
            expected="环境变量名"),
    )),
    Section("limits", (
        Key("max_file_mb", "float", 200.0, "大于此值（MB）的文件不读取", shown=False, low=0, expected="正数"),
        Key("max_uncompressed_mb", "float", 1000.0, "xlsx 解压后大于此值（MB）视为压缩炸弹", shown=False, low=0,
            expected="正数"),
        Key("max_rows", "int", 200_000, "每个工作表最多读取的行数", shown=False, **_POSITIVE),
        Key("max_cell_chars", "int", 32_767, "单元格最多字符数（Excel 的上限）", shown=False, **_POSITIVE),
        Key("max_cells_per_sheet", "int", 3_000_000, "每个工作表从 A1 到最远有内容单元格的范围（行×列）上限",
            shown=False, **_POSITIVE),
        Key("max_cells_per_file", "int", 5_000_000, "每个文件所有工作表的单元格总数上限", shown=False, **_POSITIVE),
        Key("max_reader_mb", "float", 2048.0, "读取一个文件的工作进程最多使用的内存（MB）", shown=False, low=0,
            expected="正数"),
        Key("max_read_seconds", "float", 300.0, "读取一个文件最多用时（秒），超时即跳过该文件", shown=False, low=0,
            expected="正数"),
        Key("lock_wait_seconds", "float", 60.0, "另一个 kc 正在处理本目录时最多等待的秒数", shown=False, low=0,
            expected="正数"),
    ), comment="读取限制（防止恶意或损坏的文件）"),
]

ARRAYS: list[Section] = [
    Section("policy.escalation", (
        Key("days", "float", None, "连续旷课天数达到", low=0, expected="大于 0 的数字（连续旷课天数）"),
        Key("periods", "int", None, "或：本周累计旷课节数达到（与 days 二选一）", low=1, expected="正整数（旷课节数）"),
        Key("action", "str", "", "应采取措施"),
        Key("responsible", "str", "", "责任人"),
        Key("deadline_days", "int", 0, "办结时限（教学日，0 表示当天）", low=0, expected="整数（学校日）"),
    ), comment="预警分级（可增删，每级一个 [[policy.escalation]]）：连续旷课天数、措施、责任人、几个教学日内完成"),
    Section("classes", (
        Key("name", "str", "", expected="文字，如 \"三年级1班\""),
        Key("teacher", "str", "", expected="文字（班主任姓名）"),
        Key("deputy", "str", "", expected="文字（副班主任姓名）"),
    ), comment="各班班主任（§17.2、§19；不写时取最近一张周查表上的班主任）"),
    Section("units", (
        Key("name", "str", ""),
        Key("code", "code", ""),
        Key("stages", "strs", [], choices=STAGES, expected="“小学”和/或“初中”"),
    )),
]
