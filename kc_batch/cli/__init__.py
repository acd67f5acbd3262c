"""`kc` — the command line (SPEC §11). Thin: parse options, call one library function, print Chinese
messages, map errors to exit codes (§10.1): 0 outputs written, 1 --strict with input errors,
2 usage/configuration error, 3 no input could be read."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from kc_batch.cli.chinese import ChineseGroup
from kc_batch.cli.common import (CONTEXT, check_option, dir_option, dirs_of, fail, for_each_dir,
                              period_force_option, print_results, strict_option)
from kc_batch.errors import KcError, UsageError

def _progress_factory():
    """A progress bar on a terminal (rich); nothing otherwise: plain lines are printed at the end."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    bar = Progress(TextColumn("读取新文件"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                   transient=True)
    task = None

    def progress(rel: str, done: int, total: int):
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task("", total=total)
        bar.update(task, completed=done, description=rel[-40:])
        if done >= total:
            bar.stop()
    return progress


def _run_command(name: str, dirs, strict=False, echo_errors=False, **kwargs):
    """weekly/monthly/check over one or several folders (several run two at a time, jobs.run_many)."""
    from kc_batch.app.jobs import run_many
    if len(dirs) == 1 and name != "check":
        kwargs["progress"] = _progress_factory()  # a live line on a terminal; not across processes
    print_results(run_many(name, dirs, **kwargs), len(dirs) > 1, strict, echo_errors)


@click.group(cls=ChineseGroup, context_settings=CONTEXT, help="kc — 控辍保学周报、月报、汇总批处理工具。\n\n"
             "常用流程：kc init 目录 → 把花名册、周查表、学籍变动登记表放入 目录/inbox → "
             "kc weekly --dir 目录（每周）→ kc monthly --dir 目录（每月20日后）→ kc send --dir 目录"
             "（发送最近一个月的月报；也可加 --month 2026-11）。")
@click.version_option(package_name="kc_batch", message="kc_batch %(version)s", help="显示版本并退出。")
def main():
    pass


@main.command("init", context_settings=CONTEXT, help="新建工作目录：生成带说明的 kc.toml 和 inbox/、out/、outbox/ 目录。")
@click.argument("directory", metavar="目录")
@click.option("--name", default="未命名单位", show_default=True, help="填报单位名称")
@click.option("--level", default="school", show_default=True, help="单位级别：school 学校、township 乡镇、county 县")
@click.option("--stages", default="小学", show_default=True, help="学段，逗号分隔：小学,初中")
def init_cmd(directory, name, level, stages):
    from kc_batch.app.workdir import init_workdir
    try:
        for line in init_workdir(Path(directory), name, level,
                                 [s.strip() for s in stages.replace("，", ",").split(",") if s.strip()]):
            click.echo(line)
    except KcError as exc:
        fail(exc)


@main.command("forms", context_settings=CONTEXT,
              help="生成表格，放在 out/forms/ 下：空白的花名册、周查表、学籍变动登记表（带下拉选项）；"
                   "已导入花名册时，另生成按班预填好学籍号、姓名和本周日期的周查表、家访登记表，"
                   "以及带本校年级、班级下拉的学籍变动登记表。")
@dir_option
@click.option("--week", default=None, help="周查表的周次（ISO 周，如 2026-W47；默认本周）")
@click.option("--per-class", is_flag=True, help="每个班单独一个工作簿（便于分别发给各班主任），放在 out/forms/<周>/ 下")
def forms_cmd(dirs, week, per_class):
    from kc_batch.app.forms import run_forms
    from kc_batch.calendar import normalise_week
    check_option(normalise_week, week)
    for_each_dir(dirs_of(dirs), lambda d: run_forms(d, week, per_class))


@main.command("check", context_settings=CONTEXT, help="读取 inbox，逐个文件、工作表列出识别结果和全部输入错误；不改动任何数据。")
@dir_option
@click.option("--week", default=None, help="周查表表头只有“周一…周五”且标题无周次时使用的周（如 2026-W47）")
@strict_option
def check_cmd(dirs, week, strict):
    _run_command("check", dirs_of(dirs), strict, echo_errors=True, week=week)


@main.command("weekly", context_settings=CONTEXT, help="导入新文件，核对本周在籍与出勤，跟踪连续旷课和疑似辍学，生成周查汇总工作簿。")
@dir_option
@click.option("--week", default=None, help="统计周（ISO 周，如 2026-W47）；默认为有周查表数据的最近一周")
@strict_option
@period_force_option
def weekly_cmd(dirs, week, strict, force):
    from kc_batch.calendar import normalise_week
    check_option(normalise_week, week)
    _run_command("weekly", dirs_of(dirs), strict, week=week, force=force)


@main.command("monthly", context_settings=CONTEXT, help="导入新文件，按每月截止日（默认20日）生成控辍保学动态管理月报表工作簿。")
@dir_option
@click.option("--month", default=None, help="统计月份（如 2026-11，统计 10月21日至11月20日）；默认为最近一个已过截止日的月份")
@strict_option
@period_force_option
def monthly_cmd(dirs, month, strict, force):
    from kc_batch.calendar import normalise_month
    check_option(normalise_month, month)
    _run_command("monthly", dirs_of(dirs), strict, month=month, force=force)


@main.command("send", context_settings=CONTEXT, help="把本月的月报（或汇总）工作簿做成邮件：默认生成 outbox/*.eml；加 --smtp 直接发送。")
@dir_option
@click.option("--month", default=None, help="月份，如 2026-11；默认为 out/ 下已有本单位报表的最近一个月")
@click.option("--smtp", is_flag=True, help="通过 SMTP 发送（SSL 465 或 STARTTLS），密码从 kc.toml 指定的环境变量读取")
@click.option("--resend", is_flag=True, help="同一月份（周）已发送过时仍再次发送")
@click.option("--week", default=None, help="发送周报（ISO 周，如 2026-W47）：学校的周查汇总，乡镇、县的周报汇总（不能与 --month 同用）")
@click.option("--quarter", default=None, help="发送季评（如 2026-Q4）：乡镇、县的季评表（kc aggregate --quarter 生成）")
def send_cmd(dirs, month, smtp, resend, week, quarter):
    from kc_batch.app.jobs import RunOutcome
    from kc_batch.calendar import normalise_month, normalise_quarter, normalise_week
    from kc_batch.app.send import run_send
    if sum(1 for v in (month, week, quarter) if v) > 1:
        fail(UsageError("kc send 的 --month、--week 与 --quarter 只能给出其一。"))
    if quarter:
        from kc_batch.app.send_quarter import run_send_quarter
        check_option(normalise_quarter, quarter)
        for_each_dir(dirs_of(dirs), lambda d: RunOutcome(lines=run_send_quarter(d, quarter, smtp, resend)))
        return
    if week:
        from kc_batch.app.send_week import run_send_week
        check_option(normalise_week, week)
        for_each_dir(dirs_of(dirs), lambda d: RunOutcome(lines=run_send_week(d, week, smtp, resend)))
        return
    check_option(normalise_month, month)
    for_each_dir(dirs_of(dirs), lambda d: RunOutcome(lines=run_send(d, month, smtp, resend)))


# commands that live in their own modules
from kc_batch.cli.aggregate import aggregate_cmd  # noqa: E402
from kc_batch.cli.matching import census_cmd, census_province_cmd, transition_cmd  # noqa: E402
from kc_batch.cli.letters import letters_cmd  # noqa: E402
from kc_batch.cli.rollover import rollover_cmd  # noqa: E402
from kc_batch.cli.daily import daily_cmd  # noqa: E402
from kc_batch.cli.term import term_cmd  # noqa: E402
from kc_batch.cli.review import review_cmd  # noqa: E402

for _command in (aggregate_cmd, census_cmd, census_province_cmd, transition_cmd, letters_cmd, rollover_cmd, daily_cmd,
                 term_cmd, review_cmd):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
