"""`kc daily` (SPEC §16): the click command, registered on the main group by cli/__init__.py."""
from __future__ import annotations

import click

from kc_batch.cli.chinese import ChineseCommand
from kc_batch.cli.common import CONTEXT, check_option, dir_option, dirs_of, for_each_dir


@click.command("daily", cls=ChineseCommand, context_settings=CONTEXT,
               short_help="开学一周日报：各班应到、实到、未到，未返校名单和家访情况。",
               help="每学期开学一周期间实行日报制度：导入新文件（周查表可以只填到当天），按截至 --date 当天统计各班"
                    "应到、实到、未到，列出开学以来一天也没有到校的在读学生（未返校名单）及其家访情况。"
                    "结果在 out/daily/开学日报_<单位>_<日期>.xlsx。")
@dir_option
@click.option("--date", "date", default=None, help="统计到这一天（如 2027-09-03）；默认今天")
@click.option("--force", is_flag=True, help="日期在今天之后也生成")
def daily_cmd(dirs, date, force):
    from kc_batch.app.daily import parse_day, run_daily
    check_option(parse_day, date)
    for_each_dir(dirs_of(dirs), lambda d: run_daily(d, date, force=force))
