"""`kc term` (SPEC §16): the click command, registered on the main group by cli/__init__.py."""
from __future__ import annotations

import click

from kc_batch.cli.chinese import ChineseCommand
from kc_batch.cli.common import CONTEXT, dir_option, dirs_of, for_each_dir


@click.command("term", cls=ChineseCommand, context_settings=CONTEXT,
               short_help="学期报告：开学辍学报告（--kind start）或学期末全面报告（--kind end）。",
               help="--kind start（春秋两季辍学报告）：截至开学第5个教学日，各年级上学期末在校生、应返校、已返校、未返校"
                    "（其中疑似辍学），未返校名单和全部辍学学生（含往年辍学）。--kind end（学期末全面报告）：截至学期最后一个"
                    "教学日，各年级学期初、学期末在校生和本学期各类变动，学期辍学率、巩固率、劝返成功率，辍学学生名单、劝返台账、"
                    "家访完成情况、责任落实和预警回顾。学期名称取 kc.toml 的 [calendar] terms。"
                    "结果在 out/term/<学年>_<学期>_<开学|期末>报告_<单位>.xlsx。")
@dir_option
@click.option("--term", "term", required=True, help="学期名称，如 秋季学期（kc.toml [calendar] terms 中的 name）")
@click.option("--kind", type=click.Choice(["start", "end"]), default=None,
              help="start 开学报告，end 学期末报告；默认：学期最后一个教学日之前为 start，之后为 end")
@click.option("--year", type=click.IntRange(2000, 2100), default=None,
              help="学年（开始的年份，如 2026）；默认 kc.toml 的学年，早于它时用 kc rollover 保存的 kc.toml.YYYY")
@click.option("--force", is_flag=True, help="统计日在今天之后也生成")
def term_cmd(dirs, term, kind, year, force):
    from kc_batch.app.term import run_term
    for_each_dir(dirs_of(dirs), lambda d: run_term(d, term, kind, year=year, force=force))
