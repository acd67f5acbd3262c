"""`kc init`: a work folder with a commented kc.toml carrying every §2.1 key and its default."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch.errors import UsageError

KC_TOML = """\
# kc_batch 配置文件（控辍保学批处理）。以 # 开头的是说明，可删改。
# 日期写成 2026-09-01 这样（不加引号）；文字加英文双引号。

[unit]
name = "{name}"            # 填报单位（写在报表抬头和文件名中）
code = ""                  # 单位代码（可空）
level = "{level}"          # school 学校 | township 乡镇中心学校 | county 县教育局
stages = [{stages}]        # 学段：小学 和/或 初中
principal = ""             # 单位负责人
clerk = ""                 # 填表人
phone = ""                 # 联系电话

[calendar]
year_start = {year}-09-01        # 学年初（9月1日后第一个教学日为学年初）
school_days = ["mon", "tue", "wed", "thu", "fri"]   # 每周上课日
holidays = [{year}-10-01, {year}-10-02, {year}-10-03, {year}-10-05, {year}-10-06, {year}-10-07]   # 节假日（不上课）
extra_school_days = []           # 调休上课日，如 [{year}-09-27]
cutoff_day = 20                  # 月报统计截止日（以每月20日的数字为准）

[policy]
suspect_after_days = 7           # 连续旷课满几个教学日标记“疑似辍学”
transfer_receipt_days = 10       # 转出后几个教学日内应收到接收回执
chronic_absence_rate = 0.10      # 缺勤率达到此值列入“长期缺勤预警”
dropout_rate_limit = {{ "小学" = 0.006, "初中" = 0.018 }}   # 年辍学率控制线
retention_rate_target = 0.98     # 巩固率目标
close_after_present_days = 10    # 返校后连续几个教学日未再旷课即销号
age_tolerance_years = 2          # 年龄与年级正常年龄相差超过几岁列为“年龄异常”
rates = {{ count_xiuxue_as_dropout = false, denominator = "学年初在校生" }}   # denominator 也可为 "调整基数"

# 预警分级（可增删，每级一个 [[policy.escalation]]）：连续旷课天数、措施、责任人、几个教学日内完成
[[policy.escalation]]
days = 1
action = "记录并告知家长，问清未到校原因"
responsible = "班主任"
deadline_days = 0

[[policy.escalation]]
days = 2
action = "班主任和包保教师家访，核查离校原因，及时劝返"
responsible = "班主任、包保教师"
deadline_days = 0

[[policy.escalation]]
days = 3
action = "教务处报告校长；校长上报乡镇人民政府及县教体局，组织劝返"
responsible = "教务处、校长"
deadline_days = 0

[[policy.escalation]]
days = 7
action = "学籍管理员在学籍系统中标记“疑似辍学”；建立劝返台账（一人一案），村委会挂包领导与教师联合劝返"
responsible = "学籍管理员、校长"
deadline_days = 1

[mail]
to = []                          # 收件人，如 ["zxx@example.cn"]
from = ""                        # 发件邮箱
smtp_host = ""                   # 发件服务器，如 smtp.qq.com
smtp_port = 465                  # 465 为 SSL；587 时请设 starttls = true
starttls = false
password_env = "KC_SMTP_PASSWORD"   # 密码（授权码）从这个环境变量读取，不写在本文件里

# 乡镇、县级单位在下面列出应报送的单位（每个单位一个 [[units]]）：
# [[units]]
# name = "杉树完小"
# code = "4509230001"
# stages = ["小学"]
"""


def init_workdir(target: Path, name: str, level: str, stages: list[str], today: dt.date | None = None) -> list[str]:
    """Make DIR with kc.toml, inbox/, out/, outbox/ and the editable templates; never overwrites kc.toml."""
    from kc_batch.mail import copy_default_templates
    target = Path(target)
    if level not in ("school", "township", "county"):
        raise UsageError(f"--level 只能是 school、township 或 county，收到“{level}”。")
    for s in stages:
        if s not in ("小学", "初中"):
            raise UsageError(f"--stages 只能是 小学、初中，收到“{s}”。")
    today = today or dt.date.today()
    year = today.year if today.month >= 9 else today.year - 1
    done = []
    target.mkdir(parents=True, exist_ok=True)
    for sub in ("inbox", "out", "outbox"):
        (target / sub).mkdir(exist_ok=True)
    toml = target / "kc.toml"
    if toml.exists():
        done.append(f"已有 {toml}，未覆盖")
    else:
        toml.write_text(KC_TOML.format(name=name, level=level, year=year,
                                       stages=", ".join(f'"{s}"' for s in stages)), encoding="utf-8")
        done.append(f"已生成配置文件 {toml}")
    copied = copy_default_templates(target)
    if copied:
        done.append(f"已复制邮件模板到 {target / 'templates'}（可自行修改）")
    done.append(f"请把花名册、周查表、学籍变动登记表放入 {target / 'inbox'}")
    return done
