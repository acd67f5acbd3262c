"""`kc aggregate` (SPEC §9.3, §11): the click command, registered on the main group by cli.py."""
from __future__ import annotations

import click

from kc_batch.cli.chinese import ChineseCommand
from kc_batch.cli.common import CONTEXT, DIR_HELP, check_option, dirs_of, for_each_dir


@click.command("aggregate", cls=ChineseCommand, context_settings=CONTEXT, short_help="乡镇、县：汇总各单位月报，跨校核对，列出未报单位。",
               help="乡镇、县使用：读取 inbox 中收到的各单位月报工作簿（kc monthly 生成的，或按同样格式手工填写的），"
                    "逐份校验合计、账实和比率，生成月报汇总工作簿：汇总表、辍学学生名单、疑似辍学名单、未报单位、"
                    "跨校核对、报表校验。乡镇的汇总工作簿也可以交给县里再汇总。")
@click.option("--dir", "dirs", multiple=True, help=DIR_HELP)
@click.option("--month", default=None, help="统计月份，写成 2026-11 这样的 年-月（截至当月 20 日）；默认为收到的月报中最近的一个月")
def aggregate_cmd(dirs, month):
    from kc_batch.app.aggregate import run_aggregate
    from kc_batch.calendar import normalise_month
    check_option(normalise_month, month)
    for_each_dir(dirs_of(dirs), lambda d: run_aggregate(d, month))
