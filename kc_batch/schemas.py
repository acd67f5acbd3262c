"""The one schema module: the input forms' fields and header aliases (SPEC §3.1–§3.4) and the
output tables' leaf columns (SPEC §9).

The reader (read/forms.py) recognises headers with FIELDS; the report writers (reports/*_book.py)
take their headers from the *_COLUMNS lists; `kc forms` (reports/blank_forms.py) writes the blank
input forms from ROSTER_FORM_FIELDS / CHANGE_FORM_FIELDS. A header or alias is added here, once.
Lowest layer: imports only kc_batch.event_types (the one event-type table).
"""
from __future__ import annotations

from dataclasses import dataclass

from kc_batch.event_types import CHANGE_TYPES, MONTHLY_DECREASES, MONTHLY_INCREASES, WEEKLY_EVENT_TYPES  # noqa: F401

# ---------------------------------------------------------------- input forms (§3)

ROSTER, CHECK, CHANGE, POPULATION = "花名册", "周查表", "学籍变动登记表", "适龄儿童名册"
HOME_VISIT = "家访登记表"   # §17.1


@dataclass(frozen=True)
class FieldSpec:
    """One input column: its Chinese name (used in messages and blank forms) and the header texts
    that mean it, the Chinese name first."""
    cn: str
    aliases: tuple[str, ...]


def _f(*names: str) -> FieldSpec:
    return FieldSpec(names[0], names)


FIELDS: dict[str, FieldSpec] = {
    "xjh": _f("学籍号", "全国学籍号", "学籍编号", "学生学籍号", "全国学籍号码"),
    "sfz": _f("身份证号", "身份证件号", "公民身份号码", "身份证号码", "身份证", "身份证件号码", "学生身份证号"),
    "name": _f("姓名", "学生姓名"),
    "sex": _f("性别"),
    "birth": _f("出生日期", "出生年月", "出生年月日"),
    "grade": _f("年级", "所在年级"),
    "class": _f("班级", "班", "班别", "所在班级"),
    "guardian": _f("监护人", "家长姓名", "监护人姓名", "家长", "监护人名字"),
    "phone": _f("联系电话", "电话", "家长电话", "手机", "联系方式", "监护人电话", "监护人联系电话",
                "家长联系电话", "手机号码", "监护人手机"),
    "address": _f("家庭住址", "住址", "现住址", "家庭地址"),
    "hukou": _f("户籍所在地", "户籍地", "户口所在地"),
    "poor": _f("建档立卡", "脱贫户", "是否建档立卡", "建档立卡户"),
    "disability": _f("残疾", "残疾类型", "是否残疾"),
    "study_mode": _f("就读方式", "随班就读"),
    "left_behind": _f("留守儿童", "是否留守儿童", "留守"),
    "migrant": _f("随迁子女", "进城务工人员随迁子女", "是否随迁子女"),
    "orphan": _f("孤儿", "事实无人抚养", "是否孤儿"),
    "teacher": _f("包保教师", "责任教师", "包保责任人"),
    "change_type": _f("变动类型", "异动类型", "变动情况"),
    "change_date": _f("变动日期", "异动日期", "变动时间"),
    "other_school": _f("对方学校", "转入转出学校", "转往学校", "原学校", "转入学校", "转出学校"),
    "receipt_date": _f("回执日期", "接收回执日期"),
    "reason": _f("原因", "辍学原因", "休学原因", "变动原因"),
    "responsible": _f("责任人", "劝返责任人", "经办人"),
    "note": _f("备注", "缺勤原因"),
    "head_teacher": _f("班主任"),
    "status": _f("现状"),
    "seq": _f("序号", "编号"),   # the row's number on the sheet: understood, not stored
    # §17.1 家访登记表
    "visit_date": _f("家访日期", "日期", "家访时间"),
    "visit_teacher": _f("家访教师", "教师", "家访人", "家访老师", "家访人员"),
    "teacher_role": _f("教师身份", "身份", "家访人身份"),
    "way": _f("方式", "家访方式", "家访形式"),
    "purpose": _f("事由", "家访原因", "家访事由"),
    "result": _f("结果", "家长意见", "家访情况", "家访结果"),
}
ALIASES = {f: list(spec.aliases) for f, spec in FIELDS.items()}
# §23 province-scale 人籍比对: the columns that split the result per county and per township (read only
# from the province's CSV files by read/duck.py, never by the form reader)
PROVINCE_ALIASES = {"county": ["县区", "县（区）", "区县", "县（市、区）", "所属县区", "县"],
                    "township": ["乡镇", "乡镇（街道）", "乡镇街道", "街道", "所属乡镇"]}
FIELD_CN = {f: spec.cn for f, spec in FIELDS.items()}

# §3.2: weekday headers of a 周查表 (Monday = 0)
WEEKDAY_NAMES = [("周一", "星期一", "一", "礼拜一"), ("周二", "星期二", "二", "礼拜二"),
                 ("周三", "星期三", "三", "礼拜三"), ("周四", "星期四", "四", "礼拜四"),
                 ("周五", "星期五", "五", "礼拜五"), ("周六", "星期六", "六", "礼拜六"),
                 ("周日", "星期日", "日", "星期天", "周天", "礼拜日")]

# §3.3: the 变动类型 a register may hold, the words that mean one of them, and those refused
# (CHANGE_TYPES comes from the one event-type table, kc_batch.event_types)
CHANGE_TYPE_ALIASES = {"新生": "新生入学", "入学": "新生入学", "劝返": "劝返复学", "返校": "劝返复学",
                       "送教": "送教上门", "转班": "调班", "劝返登记": "劝返记录", "劝返工作记录": "劝返记录"}
REFUSED_CHANGE_TYPES = {"退学": "义务教育阶段不存在“退学”，请按转出、休学或辍学登记",
                        "开除": "义务教育阶段不得开除学生，请按实际情况登记"}

# the columns of the blank forms `kc forms` writes, in order (§3.1, §3.3)
ROSTER_FORM_FIELDS = ["xjh", "sfz", "name", "sex", "birth", "grade", "class", "guardian", "phone", "address",
                      "hukou", "poor", "disability", "study_mode", "left_behind", "migrant", "orphan", "teacher"]
CHANGE_FORM_FIELDS = ["xjh", "sfz", "name", "grade", "class", "change_type", "change_date", "other_school",
                      "receipt_date", "reason", "responsible", "note"]
HOME_VISIT_FORM_FIELDS = ["visit_date", "xjh", "name", "grade", "class", "visit_teacher", "teacher_role", "way",
                          "purpose", "result"]
CHECK_FORM_LEADING = ["xjh", "name"]        # then one column per school day
CHECK_FORM_TRAILING = ["note", "head_teacher"]


# §17.1: the words of 方式 (the first is the default), 事由 and 教师身份
VISIT_WAYS = ["入户", "电话", "视频", "到校约谈"]
VISIT_WAY_ALIASES = {"上门": "入户", "入户家访": "入户", "走访": "入户", "家访": "入户", "电话家访": "电话",
                     "电访": "电话", "视频家访": "视频", "微信视频": "视频", "约谈": "到校约谈", "到校": "到校约谈",
                     "来校约谈": "到校约谈"}
VISIT_PURPOSES = ["普访", "旷课", "疑似辍学", "劝返", "帮扶", "其他"]
TEACHER_ROLES = ["班主任", "科任教师", "包保教师", "校领导", "村干部"]


def form_headers(fields: list[str]) -> list[str]:
    return [FIELD_CN[f] for f in fields]


# ---------------------------------------------------------------- output tables (§9)

KINDS = ("text", "int", "num", "percent", "date")


@dataclass
class Column:
    """One leaf column of an output table: header text, value kind, optional group header above it
    (a two-row header) and, for a text column, the width it wraps within (the writer sizes every column
    to its content; reports/print_layout.py)."""
    header: str
    kind: str = "text"
    group: str | None = None
    width: float | None = None
    min_width: float | None = None     # room to write in by hand (blank forms)


# §9.1 周查汇总
NOT_REPORTED = "未报"   # issue 13: the attendance cells of a class that sent no 周查表
# WEEKLY_EVENT_TYPES (the 本周… columns of 周汇总) comes from kc_batch.event_types
WEEKLY_SUMMARY_COLUMNS = [
    Column("年级"), Column("班级"), Column("在册人数", "int"), Column("应出勤人次", "num"),
    Column("实出勤人次", "num"), Column("出勤率", "percent"), Column("迟到人次", "int"),
    Column("病假人次", "num"), Column("事假人次", "num"), Column("旷课人次", "num"),
] + [Column(f"本周{t}", "int") for t in WEEKLY_EVENT_TYPES] + [Column("疑似辍学人数", "int")]
ALERT_COLUMNS = [Column("学籍号"), Column("姓名"), Column("年级"), Column("班级"), Column("连续旷课天数", "num"),
                 Column("首次旷课日期", "date"), Column("累计旷课天数", "num"), Column("缺勤率", "percent"),
                 Column("预警级别"), Column("应采取措施", width=24), Column("责任人"), Column("截止日期", "date"),
                 Column("监护人"), Column("联系电话"), Column("类别"), Column("处理情况")]   # 处理情况: §17.3
WEEKLY_SUSPECT_COLUMNS = [Column("学籍号"), Column("姓名"), Column("年级"), Column("班级"), Column("连续旷课天数", "num"),
                          Column("疑似原因"), Column("监护人"), Column("联系电话")]   # §9.1 as amended by §21.1
FINDING_COLUMNS = [Column("代码"), Column("问题"), Column("学籍号"), Column("姓名"), Column("年级"), Column("班级"),
                   Column("说明", width=36), Column("来源", width=30)]
ERROR_COLUMNS = [Column("文件", width=30), Column("工作表"), Column("行号", "int"), Column("列"), Column("原值"),
                 Column("错误说明", width=36)]
LEDGER_COLUMNS = [Column("学籍号"), Column("姓名"), Column("年级"), Column("班级"), Column("开立日期", "date"),
                  Column("类别"), Column("原因"), Column("责任人"), Column("状态"), Column("返校日期", "date"),
                  Column("劝返次数", "int"), Column("劝返记录", width=30), Column("监护人"), Column("联系电话")]

# §9.2 月报: the 24 leaf headers of 月报表 (§9.2, and 本月毕业 of §15.3), in order, and the group header above each
MONTHLY_COUNT_COLUMNS = ["学年初在校生", "上月末在校生", "本月新生入学", "本月转入", "本月复学", "本月劝返复学",
                         "本月转出", "本月休学", "本月死亡", "本月辍学", "本月毕业", "本月末在校生", "女生", "建档立卡", "残疾",
                         "送教上门", "留守儿童", "随迁子女", "疑似辍学", "当前辍学", "累计辍学"]
MONTHLY_RATE_COLUMNS = ["年辍学率", "可能辍学率", "巩固率"]
MONTHLY_LEAF_COLUMNS = MONTHLY_COUNT_COLUMNS + MONTHLY_RATE_COLUMNS
MONTHLY_GROUPS = {  # group headers above the 24 leaves (free text, §9.2)
    "学年初在校生": "在校生", "上月末在校生": "在校生",
    **{c: "本月增加" for c in MONTHLY_INCREASES}, **{c: "本月减少" for c in MONTHLY_DECREASES},
    "本月末在校生": "本月末在校生情况", "女生": "本月末在校生情况", "建档立卡": "本月末在校生情况",
    "残疾": "本月末在校生情况", "送教上门": "本月末在校生情况", "留守儿童": "本月末在校生情况",
    "随迁子女": "本月末在校生情况",
    "疑似辍学": "辍学情况", "当前辍学": "辍学情况", "累计辍学": "辍学情况",
    "年辍学率": "指标", "可能辍学率": "指标", "巩固率": "指标",
}
MONTHLY_REPORT_COLUMNS = [Column("年级")] + [
    Column(c, "percent" if c in MONTHLY_RATE_COLUMNS else "int", MONTHLY_GROUPS[c]) for c in MONTHLY_LEAF_COLUMNS]
DROPOUT_LIST_COLUMNS = [Column("序号", "int"), Column("学籍号"), Column("姓名"), Column("性别"), Column("年级"),
                        Column("班级"), Column("辍学日期", "date"), Column("辍学原因"), Column("监护人"),
                        Column("联系电话"), Column("家庭住址", width=24), Column("类别"), Column("劝返责任人"),
                        Column("劝返次数", "int"), Column("劝返情况", width=30)]
SUSPECT_DATE = "疑似开始日期"   # issue 13: not 辍学日期 for students who have not dropped out (older books: 辍学日期)
SUSPECT_LIST_COLUMNS = [Column(SUSPECT_DATE, "date") if c.header == "辍学日期" else c for c in DROPOUT_LIST_COLUMNS] + [
    Column("连续旷课天数", "num"), Column("疑似原因")]
CASE_COLUMNS = LEDGER_COLUMNS[:10] + [Column("销号日期", "date"), Column("销号原因")] + LEDGER_COLUMNS[10:]
FLOW_COLUMNS = [Column("学籍号"), Column("姓名"), Column("年级"), Column("班级"), Column("变动类型"),
                Column("变动日期", "date"), Column("对方学校", width=24), Column("回执日期", "date"), Column("状态")]
INDICATOR_COLUMNS = [Column("范围"), Column("指标"), Column("公式", width=36), Column("分子", "num"),
                     Column("分母", "num"), Column("数值", "percent"), Column("口径", width=30),
                     Column("口径代码")]  # §13.16 + the structured 口径 that kc aggregate reads (rules.rates.Basis)
# §22.1 the cohort block of 指标说明: one 指标 per 口径 (rules.rates_cohort), read back by kc aggregate
COHORT_INDICATORS = ("届巩固率（逐生追踪）", "届巩固率（UIS估计）", "届巩固率（届别统计）")
CHART_DATA_COLUMNS = [Column("周次"), Column("应出勤人次", "num"), Column("实出勤人次", "num"),
                      Column("出勤率", "percent")]

# §17.2 家访统计 (weekly workbook and term report)
VISIT_QUOTA_COLUMNS = [Column("姓名"), Column("身份"), Column("班级"), Column("考核要求", width=30), Column("应访", "int"),
                       Column("已访", "int"), Column("未完成", "int"), Column("完成率", "percent")]
NOT_VISITED_COLUMNS = [Column("年级"), Column("班级"), Column("班主任"), Column("学籍号"), Column("姓名"),
                       Column("监护人"), Column("联系电话")]
VISIT_LOG_COLUMNS = [Column("家访日期", "date"), Column("学籍号"), Column("姓名"), Column("年级"), Column("班级"),
                     Column("家访教师"), Column("教师身份"), Column("方式"), Column("事由"), Column("结果", width=30),
                     Column("计入定额"), Column("来源", width=30)]

# §22.2 预警回顾: per warning kind, then one row per first flag
WARNING_REVIEW_COLUMNS = [Column("预警"), Column("预警人数", "num"), Column("返校", "num"), Column("转出已接收", "num"),
                          Column("辍学", "num"), Column("仍缺勤", "num"), Column("其他离校", "num"),
                          Column("观察中", "num"), Column("准确率", "percent"), Column("提前教学日中位数", "num")]
WARNING_FLAG_COLUMNS = [Column("学籍号"), Column("姓名"), Column("年级"), Column("班级"), Column("预警"),
                        Column("首次预警日期", "date"), Column("20个教学日内结果"), Column("结果日期", "date"),
                        Column("提前教学日", "num")]

# §9.3 月报汇总 (kc aggregate): the 24 leaves of 月报表 with 单位 first, under the 汇总表's own group headers;
# the lists keep their §9.2 columns (without the print widths) plus 序号 and 学校, so that a township's
# aggregate is valid input one level up
AGGREGATE_GROUPS = {
    **{c: "本月增加" for c in MONTHLY_INCREASES}, **{c: "本月减少" for c in MONTHLY_DECREASES},
    "女生": "本月末在校生中", "建档立卡": "本月末在校生中", "残疾": "本月末在校生中", "送教上门": "本月末在校生中",
    "留守儿童": "本月末在校生中", "随迁子女": "本月末在校生中",
    "疑似辍学": "辍学情况", "当前辍学": "辍学情况", "累计辍学": "辍学情况",
    "年辍学率": "比率", "可能辍学率": "比率", "巩固率": "比率",
}
AGGREGATE_SUMMARY_COLUMNS = ([Column("单位"), Column("所属乡镇"), Column("学段")] + [Column(c, "int", group=AGGREGATE_GROUPS.get(c)) for c in MONTHLY_COUNT_COLUMNS]
                             + [Column(c, "percent", group=AGGREGATE_GROUPS.get(c)) for c in MONTHLY_RATE_COLUMNS])


def _fields(columns: list[Column]) -> list[tuple[str, str]]:
    return [(c.header, c.kind) for c in columns if c.header != "序号"]


AGGREGATE_DROPOUT_FIELDS = _fields(DROPOUT_LIST_COLUMNS)      # (header, kind) of a received record, in order
AGGREGATE_SUSPECT_FIELDS = _fields(SUSPECT_LIST_COLUMNS)
AGGREGATE_FLOW_FIELDS = _fields(FLOW_COLUMNS)
# §21.2 未报单位 (monthly and weekly aggregate); read back one level up (§21.4)
STATE_COLUMN = "报送情况"   # 按时 / 逾期 / 未报
MISSING_UNIT, MISSING_CODE, MISSING_STAGES, MISSING_VIA = "单位名称", "单位代码", "学段", "所属乡镇"
STATE_COLUMNS = [Column("序号", "int"), Column(MISSING_UNIT), Column(MISSING_CODE), Column(MISSING_STAGES),
                 Column(MISSING_VIA), Column(STATE_COLUMN), Column("报出日期", "date"), Column("日期来源"),
                 Column("应报日期", "date")]
CROSS_COLUMNS = [Column("序号", "int"), Column("核对结果"), Column("学籍号"), Column("姓名"), Column("年级"),
                 Column("单位一"), Column("单位一记录", width=28), Column("单位二"), Column("单位二记录", width=28),
                 Column("说明", width=30)]
PROBLEM_COLUMNS = [Column("单位"), Column("文件", width=36), Column("工作表"), Column("单元格"),
                   Column("问题", width=36), Column("应为"), Column("实际")]   # 报表校验 (monthly and weekly aggregate)
AGGREGATE_INDICATOR_COLUMNS = [Column("范围"), Column("指标"), Column("公式", width=40), Column("分子", "num"),
                               Column("分母", "num"), Column("数值", "percent"), Column("口径", width=40),
                               Column("口径代码")]

# §11 人籍比对 (kc census) and §12 小升初对接 (kc transition)
PRIMARY, JUNIOR = "小学", "初中"   # the 学段 of a school-age child (§8)
ANSWER_COLUMN = "处置"              # the answer to an unmatched child, read back on the next run
ROSTER_CHECK_COLUMN = "核查情况"    # the answer to a 在籍不在册 student, read back on the next run
DESTINATION_COLUMN = "去向"         # the answer to a graduate not found in 七年级, read back on the next run
UNENROLLED_COLUMNS = [Column("序号", "int"), Column("户籍所在地"), Column("姓名"), Column("身份证号"), Column("性别"),
                      Column("出生日期", "date"), Column("应在学段"), Column("监护人"), Column("联系电话"),
                      Column("现状"), Column(ANSWER_COLUMN, width=18), Column("说明", width=40)]
MATCHED_COLUMNS = [Column("序号", "int"), Column("姓名"), Column("身份证号"), Column("出生日期", "date"),
                   Column("户籍所在地"), Column("适龄学段"), Column("学校"), Column("年级"), Column("班级"),
                   Column("学籍号"), Column("学籍状态"), Column("比对方式")]
NOT_LISTED_COLUMNS = [Column("序号", "int"), Column("学校"), Column("年级"), Column("班级"), Column("学籍号"),
                      Column("身份证号"), Column("姓名"), Column("性别"), Column("出生日期", "date"),
                      Column("户籍所在地"), Column("家庭住址"), Column("监护人"), Column("联系电话"),
                      Column(ROSTER_CHECK_COLUMN, width=20)]
AMBIGUOUS_COLUMNS = [Column("序号", "int"), Column("户籍所在地"), Column("姓名"), Column("身份证号"),
                     Column("出生日期", "date"), Column("适龄学段"), Column("候选人数", "int"),
                     Column("候选学生", width=36), Column(ANSWER_COLUMN, width=18), Column("说明", width=40)]
ENROLMENT_RATE_GROUPS = (PRIMARY, JUNIOR, "合计")
ENROLMENT_RATE_LEAVES = (("适龄儿童", "int"), ("在校", "int"), ("未入学", "int"), ("入学率", "percent"))
ENROLMENT_RATE_COLUMNS = [Column("户籍所在地")] + [Column(leaf, kind, group=g) for g in ENROLMENT_RATE_GROUPS
                                                for leaf, kind in ENROLMENT_RATE_LEAVES]
TRANSITION_RATE_COLUMNS = [Column("毕业小学"), Column("毕业生", "int"), Column("已升学", "int"), Column("外地就读", "int"),
                           Column("未升学", "int"), Column("升学率", "percent")]
PROMOTED_COLUMNS = [Column("序号", "int"), Column("毕业小学"), Column("学籍号"), Column("身份证号"), Column("姓名"),
                    Column("出生日期", "date"), Column("就读初中"), Column("七年级班级"), Column("比对方式")]
GRADUATE_LIST_COLUMNS = [Column("序号", "int"), Column("毕业小学"), Column("原班级"), Column("学籍号"), Column("身份证号"),
                         Column("姓名"), Column("性别"), Column("出生日期", "date"), Column("监护人"), Column("联系电话"),
                         Column("家庭住址", width=30), Column(DESTINATION_COLUMN, width=18), Column("说明", width=40)]

# §16 term reports (kc term): 学期末全面报告 and 春秋两季辍学报告 (开学)
TERM_INCREASES = ["新生入学", "转入", "复学", "劝返复学"]
TERM_DECREASES = ["转出", "休学", "死亡", "辍学", "毕业"]
TERM_RATES = ["学期辍学率", "巩固率", "劝返成功率"]
TERM_END_COLUMNS = ([Column("年级"), Column("学期初在校生", "int", "在校生")]
                    + [Column(c, "int", "本学期增加") for c in TERM_INCREASES]
                    + [Column(c, "int", "本学期减少") for c in TERM_DECREASES]
                    + [Column("学期末在校生", "int", "在校生")] + [Column(c, "percent", "指标") for c in TERM_RATES])
TERM_START_COLUMNS = [Column("年级"), Column("上学期末在校生", "int"), Column("学期间新增", "int"),
                      Column("学期间减少", "int"), Column("应返校", "int"), Column("本学期返校", "int"),
                      Column("未返校", "int"), Column("其中疑似辍学", "int")]
TERM_DROPOUT_COLUMNS = [Column("序号", "int"), Column("学籍号"), Column("姓名"), Column("性别"), Column("年级"),
                        Column("班级"), Column("辍学日期", "date"), Column("辍学原因"), Column("学籍状态"), Column("类别"),
                        Column("监护人"), Column("联系电话"), Column("家庭住址", width=24), Column("劝返责任人"),
                        Column("劝返次数", "int"), Column("劝返情况", width=30)]

# §16 开学一周日报 (kc daily)
DAILY_COLUMNS = [Column("年级"), Column("班级"), Column("应到", "int"), Column("实到", "int"), Column("未到", "int"),
                 Column("备注")]
NOT_BACK_COLUMNS = [Column("序号", "int"), Column("学籍号"), Column("姓名"), Column("年级"), Column("班级"),
                    Column("监护人"), Column("联系电话"), Column("家访情况", width=36), Column("说明")]

# §19 责任落实 and §20 台账 (the monthly 台账 workbook)
KIND_SUSPECT, KIND_DROPOUT, KIND_UNENROLLED = "疑似辍学", "辍学", "适龄未入学"   # 类别 of a 分村名单 row
DUTY_COLUMNS = [Column("层级", width=10), Column("责任范围", width=13), Column("责任人", width=12),
                Column("在册/包保人数", "int"), Column("预警人数", "int"), Column("辍学", "int"), Column("疑似辍学", "int"),
                Column("其中去向不明转出", "int"), Column("巩固率", "percent"), Column("无辍学班"),
                Column("家访完成率", "percent")]
PERSON_COLUMNS = [Column("序号", "int"), Column("学籍号"), Column("姓名"), Column("性别"), Column("年级"), Column("班级")]
CONTACT_COLUMNS = [Column("监护人"), Column("联系电话"), Column("家庭住址", width=24)]
POOR_COLUMNS = PERSON_COLUMNS + [Column("学籍状态"), Column("缺勤率", "percent"), Column("预警")] + CONTACT_COLUMNS
UNABLE_COLUMNS = (PERSON_COLUMNS + [Column("学籍状态"), Column("残疾类型"), Column("安置方式"),
                                    Column("证明材料（备注）", width=24)] + CONTACT_COLUMNS)
VILLAGE_COLUMNS = PERSON_COLUMNS + [Column("类别"), Column("情况", width=22), Column("户籍所在地", width=18),
                                    Column("家庭住址", width=18), Column("监护人"), Column("联系电话"), Column("包保/劝返责任人")]
VILLAGE_SUMMARY_COLUMNS = [Column("村（社区）"), Column(KIND_DROPOUT, "int"), Column(KIND_SUSPECT, "int"),
                           Column(KIND_UNENROLLED, "int"), Column("合计", "int")]
