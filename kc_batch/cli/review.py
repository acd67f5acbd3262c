"""`kc review` (SPEC §22.2, issue 19): the click command, registered on the main group by cli/__init__.py."""
from __future__ import annotations

import click

from kc_batch.cli.chinese import ChineseCommand
from kc_batch.cli.common import CONTEXT, check_option, dir_option, dirs_of, for_each_dir


@click.command("review", cls=ChineseCommand, context_settings=CONTEXT,
               short_help="预警回顾：比较不同“疑似辍学”阈值的预警人数和准确率。",
               help="按本学年（学年初至 --date）的考勤和学籍变动，对 --suspect-after 给出的每个连续旷课天数阈值"
                    "（其余预警分级照 kc.toml）计算疑似辍学预警人数、20个教学日内辍学或仍缺勤的人数、准确率和提前天数，"
                    "在屏幕上列表比较，便于修改 kc.toml 之前参考。不生成工作簿。")
@dir_option
@click.option("--suspect-after", "suspect_after", required=True, help="逗号分开的连续旷课天数，如 5,7,10")
@click.option("--date", "date", default=None, help="统计到这一天（如 2026-11-20）；默认今天")
def review_cmd(dirs, suspect_after, date):
    from kc_batch.app.daily import parse_day
    from kc_batch.app.review import parse_choices, run_review
    check_option(parse_choices, suspect_after)
    check_option(parse_day, date)
    for_each_dir(dirs_of(dirs), lambda d: run_review(d, suspect_after, date))
