"""`kc` — the command line (SPEC §11). Thin: parse options, call one library function, print Chinese
messages, map errors to exit codes (§10.1): 0 outputs written, 1 --strict with input errors,
2 usage/configuration error, 3 no input could be read."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import KcError

CONTEXT = dict(help_option_names=["-h", "--help"], max_content_width=100)

# click's own words (Usage:, Options, errors) in Chinese too (§11: every --help is Chinese)
CLICK_WORDS = {
    "Usage:": "用法：", "Options": "选项", "Commands": "命令", "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。", "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "可运行 '{command} {option}' 查看帮助。",
    "Missing option": "缺少选项", "Missing argument": "缺少参数", "Missing parameter": "缺少参数",
    "No such option {name!r}.": "没有选项 {name!r}。", "No such command {name!r}.": "没有命令 {name!r}。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}", "Missing command.": "缺少命令。", "Aborted!": "已中止。",
    "default: {default}": "默认：{default}", "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
}


def _chinese_click():
    import click.core, click.decorators, click.exceptions, click.formatting, click.parser  # noqa: E401
    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser):
        module._ = lambda text: CLICK_WORDS.get(text, text)


_chinese_click()
DIR_HELP = "工作目录（可重复给出，多个目录逐个处理；默认当前目录）"


class KcExit(click.ClickException):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.exit_code = code

    def show(self, file=None):
        click.echo(f"错误：{self.format_message()}", err=True)


def _fail(exc: KcError):
    raise KcExit(str(exc), exc.exit_code)


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


def _report(outcome, strict: bool, echo_errors: bool = False):
    for line in outcome.unreadable:
        click.echo(f"无法读取：{line}", err=True)
    for line in outcome.replaced:
        click.echo(line)
    for line in outcome.lines:
        click.echo(line)
    if echo_errors:
        for e in outcome.errors:
            where = " / ".join(str(x) for x in (e.file, e.sheet, f"第{e.row}行" if e.row else "", e.column) if x)
            click.echo(f"输入错误：{where}：{e.reason}" + (f"（原值“{e.value}”）" if e.value else ""))
    for path in outcome.outputs:
        click.echo(f"已生成：{path}")
    if outcome.errors:
        click.echo(f"输入错误 {outcome.error_count} 处（详见工作簿“输入错误”表）。")
        if strict:
            raise KcExit(f"使用了 --strict，且有 {outcome.error_count} 处输入错误。", 1)


def _dirs(dirs: tuple[str, ...]) -> list[Path]:
    return [Path(d) for d in dirs] or [Path(".")]


def _for_each_dir(dirs, fn, strict=False, echo_errors=False):
    """Run fn(dir) for each folder; a failing folder does not stop the others (§11)."""
    results = []
    for d in dirs:
        try:
            results.append((d, fn(d), None))
        except KcError as exc:
            results.append((d, None, exc))
    _print_results(results, len(dirs) > 1, strict, echo_errors)


def _run_command(name: str, dirs, strict=False, echo_errors=False, **kwargs):
    """weekly/monthly/check over one or several folders (several run two at a time, jobs.run_many)."""
    from .jobs import run_many
    if len(dirs) == 1 and name != "check":
        kwargs["progress"] = _progress_factory()  # a live line on a terminal; not across processes
    _print_results(run_many(name, dirs, **kwargs), len(dirs) > 1, strict, echo_errors)


def _print_results(results, many: bool, strict: bool, echo_errors: bool):
    worst = 0
    for d, outcome, exc in results:
        if many:
            click.echo(f"== {d} ==")
        try:
            if exc is not None:
                raise exc
            _report(outcome, strict, echo_errors)
        except KcError as err:
            if not many:
                _fail(err)
            click.echo(f"错误：{err}", err=True)
            worst = max(worst, err.exit_code)
        except KcExit as err:
            if not many:
                raise
            worst = max(worst, err.exit_code)
    if worst:
        raise KcExit("部分工作目录处理失败（见上）。", worst)


@click.group(context_settings=CONTEXT, help="kc — 控辍保学周报、月报、汇总批处理工具。\n\n"
             "常用流程：kc init 目录 → 把花名册、周查表、学籍变动登记表放入 目录/inbox → "
             "kc weekly --dir 目录（每周）→ kc monthly --dir 目录（每月20日后）→ kc send --dir 目录。")
@click.version_option(package_name="kc_batch", message="kc_batch %(version)s")
def main():
    pass


@main.command("init", context_settings=CONTEXT, help="新建工作目录：生成带说明的 kc.toml 和 inbox/、out/、outbox/ 目录。")
@click.argument("directory", metavar="目录")
@click.option("--name", default="未命名单位", show_default=True, help="填报单位名称")
@click.option("--level", default="school", show_default=True, help="单位级别：school 学校、township 乡镇、county 县")
@click.option("--stages", default="小学", show_default=True, help="学段，逗号分隔：小学,初中")
def init_cmd(directory, name, level, stages):
    from .workdir import init_workdir
    try:
        for line in init_workdir(Path(directory), name, level,
                                 [s.strip() for s in stages.replace("，", ",").split(",") if s.strip()]):
            click.echo(line)
    except KcError as exc:
        _fail(exc)


@main.command("forms", context_settings=CONTEXT, help="生成空白的花名册、周查表、学籍变动登记表（带下拉选项），放在 out/forms/ 下。")
@click.option("--dir", "dirs", multiple=True, help=DIR_HELP)
@click.option("--week", default=None, help="周查表的周次（ISO 周，如 2026-W47；默认本周）")
def forms_cmd(dirs, week):
    from .blank_forms import write_blank_forms

    def run(d):
        from .jobs import RunOutcome
        return RunOutcome(outputs=write_blank_forms(d, week))
    _for_each_dir(_dirs(dirs), run)


@main.command("check", context_settings=CONTEXT, help="读取 inbox，逐个文件、工作表列出识别结果和全部输入错误；不改动任何数据。")
@click.option("--dir", "dirs", multiple=True, help=DIR_HELP)
@click.option("--week", default=None, help="周查表表头只有“周一…周五”且标题无周次时使用的周（如 2026-W47）")
@click.option("--strict", is_flag=True, help="有输入错误时以退出码 1 结束")
def check_cmd(dirs, week, strict):
    _run_command("check", _dirs(dirs), strict, echo_errors=True, week=week)


@main.command("weekly", context_settings=CONTEXT, help="导入新文件，核对本周在籍与出勤，跟踪连续旷课和疑似辍学，生成周查汇总工作簿。")
@click.option("--dir", "dirs", multiple=True, help=DIR_HELP)
@click.option("--week", default=None, help="统计周（ISO 周，如 2026-W47）；默认为有周查表数据的最近一周")
@click.option("--strict", is_flag=True, help="有输入错误时以退出码 1 结束")
def weekly_cmd(dirs, week, strict):
    from .jobs import normalise_week
    try:
        normalise_week(week)
    except KcError as exc:
        _fail(exc)
    _run_command("weekly", _dirs(dirs), strict, week=week)


@main.command("monthly", context_settings=CONTEXT, help="导入新文件，按每月截止日（默认20日）生成控辍保学动态管理月报表工作簿。")
@click.option("--dir", "dirs", multiple=True, help=DIR_HELP)
@click.option("--month", default=None, help="统计月份（如 2026-11，统计 10月21日至11月20日）；默认为最近一个已过截止日的月份")
@click.option("--strict", is_flag=True, help="有输入错误时以退出码 1 结束")
def monthly_cmd(dirs, month, strict):
    from .jobs import normalise_month
    try:
        normalise_month(month)
    except KcError as exc:
        _fail(exc)
    _run_command("monthly", _dirs(dirs), strict, month=month)


@main.command("send", context_settings=CONTEXT, help="把本月的月报（或汇总）工作簿做成邮件：默认生成 outbox/*.eml；加 --smtp 直接发送。")
@click.option("--dir", "dirs", multiple=True, help=DIR_HELP)
@click.option("--month", required=True, help="月份，如 2026-11")
@click.option("--smtp", is_flag=True, help="通过 SMTP 发送（SSL 465 或 STARTTLS），密码从 kc.toml 指定的环境变量读取")
@click.option("--resend", is_flag=True, help="同一月份已发送过时仍再次发送")
def send_cmd(dirs, month, smtp, resend):
    from .jobs import RunOutcome, normalise_month
    from .send import run_send
    try:
        normalise_month(month)
    except KcError as exc:
        _fail(exc)
    _for_each_dir(_dirs(dirs), lambda d: RunOutcome(lines=run_send(d, month, smtp, resend)))


def _register_optional_commands():
    """Commands that live in their own modules (aggregate, census, transition)."""
    import importlib
    for module, names in (("cli_aggregate", ["aggregate_cmd"]), ("cli_matching", ["census_cmd", "transition_cmd"])):
        try:
            mod = importlib.import_module(f"kc_batch.{module}")
        except ImportError:
            continue
        for name in names:
            if hasattr(mod, name):
                main.add_command(getattr(mod, name))


_register_optional_commands()


def _chinese_metavars():
    """[OPTIONS], COMMAND and TEXT in usage lines, in Chinese like the rest of the help (§11)."""
    main.options_metavar, main.subcommand_metavar = "[选项]", "命令 [参数]..."
    for command in main.commands.values():
        command.options_metavar = "[选项]"
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag and param.metavar is None:
                param.metavar = "值"


_chinese_metavars()


if __name__ == "__main__":  # pragma: no cover
    main()
