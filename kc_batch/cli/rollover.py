"""`kc rollover` (SPEC §15.2): the click command, registered on the main group by cli/__init__.py."""
from __future__ import annotations

import click

from kc_batch.cli.chinese import ChineseCommand
from kc_batch.cli.common import CONTEXT, dir_option, dirs_of, for_each_dir


@click.command("rollover", cls=ChineseCommand, context_settings=CONTEXT,
               short_help="学年升级：结束上一学年，六年级、九年级毕业，其余学生升一个年级，在办案件转入新学年。",
               help="结束 YYYY−1 学年、开始 YYYY 学年（同一个数据库保存各学年）：上学年最后一个教学日，"
                    "六年级（小学）和九年级在读学生毕业（学籍变动登记表中登记“留级”的除外），其余在读学生升一个年级、"
                    "班号不变；休学、辍学学生保留原年级；在办案件转入新学年。kc.toml 的 year_start 和 terms 推后一年，"
                    "原文件保存为 kc.toml.YYYY−1。同一学年只能运行一次，上学年最后一个学期结束前不能运行（--force 可强制）。")
@dir_option
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="新学年（开始的年份，如 2027）")
@click.option("--dry-run", is_flag=True, help="只列出谁毕业、谁升级、哪些案件转入新学年，不改动任何数据")
@click.option("--force", is_flag=True, help="同一学年再次运行（按现有数据重做升级），或在上学年结束前运行")
def rollover_cmd(dirs, year, dry_run, force):
    from kc_batch.app.rollover import run_rollover
    for_each_dir(dirs_of(dirs), lambda d: run_rollover(d, year, dry_run=dry_run, force=force))
