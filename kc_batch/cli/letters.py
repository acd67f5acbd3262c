"""`kc letters` (SPEC §18): the click command, registered on the main group by cli/__init__.py."""
from __future__ import annotations

import click

from kc_batch.cli.chinese import ChineseCommand
from kc_batch.cli.common import CONTEXT, check_option, dir_option, dirs_of, for_each_dir


@click.command("letters", cls=ChineseCommand, context_settings=CONTEXT,
               short_help="生成家长通知书、辍学报告单、辍学生返校通知书（Word 文档，每班一份，每页一封）。",
               help="按截至某日的缺勤和台账情况生成可打印的信函：连续旷课达到第2级及以上的学生发家长通知书；"
                    "疑似辍学或辍学的学生填辍学报告单、发辍学生返校通知书（带回执）。每个班每种文书一个 .docx，"
                    "放在 out/letters/<日期>/ 下；模板在 工作目录/templates/ 中，可用 Word 或 WPS 修改。"
                    "每封信有编号，重新运行编号不变。")
@dir_option
@click.option("--week", default=None, help="截至这一周的最后一个教学日（ISO 周，如 2026-W47）；默认为有周查表数据的最近一周")
@click.option("--date", "date", default=None, help="截至这一天（如 2026-11-20），与 --week 二选一")
def letters_cmd(dirs, week, date):
    from kc_batch.app.jobs import normalise_week
    from kc_batch.app.letters import parse_as_of, run_letters
    check_option(normalise_week, week)
    check_option(parse_as_of, date)
    for_each_dir(dirs_of(dirs), lambda d: run_letters(d, week, date))
