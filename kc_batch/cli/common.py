"""What every `kc` command shares: click settings, the Chinese error exit, per-folder runs and the
printing of a command's outcome (SPEC §10.1, §11). No command is defined here, so every command
module may import it."""
from __future__ import annotations

from pathlib import Path

import click

from kc_batch.errors import KcError

CONTEXT = dict(help_option_names=["-h", "--help"], max_content_width=100)
DIR_HELP = "工作目录（可重复给出，多个目录逐个处理；默认当前目录）"
# the options several commands share, declared once
dir_option = click.option("--dir", "dirs", multiple=True, help=DIR_HELP)
strict_option = click.option("--strict", is_flag=True, help="有输入错误时以退出码 1 结束")
period_force_option = click.option("--force", is_flag=True,
                                   help="统计周期在今天之后或不在本学年内时仍然生成（默认拒绝，退出码 2）")


class KcExit(click.ClickException):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.exit_code = code

    def show(self, file=None):
        click.echo(f"错误：{self.format_message()}", err=True)


def fail(exc: KcError):
    raise KcExit(str(exc), exc.exit_code)


def check_option(normalise, value):
    """§13.29: a malformed option (--week, --month, --as-of, --year) is a usage error (exit 2) before
    any folder is read; → the normalised value."""
    try:
        return normalise(value)
    except KcError as exc:
        fail(exc)


def report(outcome, strict: bool, echo_errors: bool = False):
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


def dirs_of(dirs: tuple[str, ...]) -> list[Path]:
    return [Path(d) for d in dirs] or [Path(".")]


def for_each_dir(dirs, fn, strict=False, echo_errors=False):
    """Run fn(dir) for each folder; a failing folder does not stop the others (§11)."""
    results = []
    for d in dirs:
        try:
            results.append((d, fn(d), None))
        except KcError as exc:
            results.append((d, None, exc))
    print_results(results, len(dirs) > 1, strict, echo_errors)


def print_results(results, many: bool, strict: bool, echo_errors: bool):
    worst = 0
    for d, outcome, exc in results:
        if many:
            click.echo(f"== {d} ==")
        try:
            if exc is not None:
                raise exc
            report(outcome, strict, echo_errors)
        except KcError as err:
            if not many:
                fail(err)
            click.echo(f"错误：{err}", err=True)
            worst = max(worst, err.exit_code)
        except KcExit as err:
            if not many:
                raise
            worst = max(worst, err.exit_code)
    if worst:
        raise KcExit("部分工作目录处理失败（见上）。", worst)
