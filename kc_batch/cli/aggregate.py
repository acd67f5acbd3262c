"""`kc aggregate` (SPEC §9.3, §21, §11): the click command, registered on the main group by cli.py."""
from __future__ import annotations

import click

from kc_batch.cli.chinese import ChineseCommand
from kc_batch.cli.common import CONTEXT, check_option, dir_option, dirs_of, fail, for_each_dir
from kc_batch.errors import UsageError


@click.command("aggregate", cls=ChineseCommand, context_settings=CONTEXT,
               short_help="乡镇、县：汇总各单位周报、月报，跨校核对，列出未报单位；月报季评。",
               help="乡镇、县使用：读取 inbox 中收到的各单位报表（kc weekly / kc monthly 生成的，或按同样格式手工填写的），"
                    "逐份校验合计、账实和比率。--month：生成月报汇总工作簿（汇总表、辍学学生名单、疑似辍学名单、未报单位、"
                    "跨校核对、报表校验）；--week：生成周报汇总工作簿（周报汇总、缺勤预警、疑似辍学名单、未报单位、报表校验）；"
                    "--quarter：由本季度各月收到的月报生成季评工作簿（季评表、季评汇总、报表校验、指标说明）。"
                    "乡镇的汇总工作簿也可以交给县里再汇总。")
@dir_option
@click.option("--month", default=None, help="统计月份，写成 2026-11 这样的 年-月（截至当月 20 日）；默认为收到的月报中最近的一个月")
@click.option("--week", default=None, help="统计周（ISO 周，如 2026-W47）：汇总各单位周报（不能与 --month 同用）")
@click.option("--quarter", default=None, help="季度（如 2026-Q4，即10—12月）：由本季度各月月报生成季评表（排名、达标、先进、约谈）")
def aggregate_cmd(dirs, month, week, quarter):
    from kc_batch.calendar import normalise_month, normalise_quarter, normalise_week
    if sum(1 for v in (month, week, quarter) if v) > 1:
        fail(UsageError("kc aggregate 的 --month、--week 与 --quarter 只能给出其一，例如 --month 2026-11、--week 2026-W47 "
                        "或 --quarter 2026-Q4。"))
    if quarter:
        from kc_batch.app.quarter import run_quarter
        check_option(normalise_quarter, quarter)
        for_each_dir(dirs_of(dirs), lambda d: run_quarter(d, quarter))
        return
    if week:
        from kc_batch.app.weekly_rollup import run_week_rollup
        check_option(normalise_week, week)
        for_each_dir(dirs_of(dirs), lambda d: run_week_rollup(d, week))
        return
    from kc_batch.app.aggregate import run_aggregate
    check_option(normalise_month, month)
    for_each_dir(dirs_of(dirs), lambda d: run_aggregate(d, month))
