"""click in Chinese (§11: every --help and every usage error is Chinese), through click's public API only:
Command/Group subclasses override the documented formatting methods (format_usage, format_options,
format_commands, get_help_option), and the group's `main` shows click's usage errors in Chinese from the
exception's own fields. Nothing of click's modules is patched.

Errors that click raises with an English sentence of its own are prevented where the sentence is made:
extra arguments (`parse_args`) and unknown commands (`resolve_command`) fail with our Chinese text.
"""
from __future__ import annotations

import re
import sys

import click

OPTIONS_METAVAR = "[选项]"
HELP_TEXT = "显示本帮助并退出。"
_EXTRAS = [(re.compile(r"\brequired\b"), "必填"), (re.compile(r"\bdefault: "), "默认："),
           (re.compile(r"\benv var: "), "环境变量：")]


def _chinese_extras(text: str) -> str:
    """The bracketed extras click adds to an option's help ([required], [default: x])."""
    for pattern, word in _EXTRAS:
        text = pattern.sub(word, text)
    return text


class ChineseCommand(click.Command):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, click.Option) and not param.is_flag and param.metavar is None:
                param.metavar = "值"

    def parse_args(self, ctx, args):
        """Extra arguments are refused here, in Chinese, rather than by click's English sentence."""
        strict = not ctx.allow_extra_args
        ctx.allow_extra_args = True
        rest = super().parse_args(ctx, args)
        if strict and rest and not ctx.resilient_parsing:
            ctx.fail(f"多余的参数：{' '.join(rest)}。")
        return rest

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="用法：")

    def format_options(self, ctx, formatter):
        records = [r for r in (p.get_help_record(ctx) for p in self.get_params(ctx)) if r is not None]
        if records:
            with formatter.section("选项"):
                formatter.write_dl([(name, _chinese_extras(text)) for name, text in records])

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option


class ChineseGroup(ChineseCommand, click.Group):
    command_class = ChineseCommand

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def format_options(self, ctx, formatter):
        ChineseCommand.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx, formatter):
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("命令"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx, args):
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            ctx.fail(f"没有命令 {args[0]}（可用的命令：{'、'.join(self.list_commands(ctx))}）。")
        return super().resolve_command(ctx, args)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's own main, with its usage errors shown in Chinese (exit 2, §10.1)."""
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.UsageError as exc:
            click.echo(usage_error_text(exc), err=True)
            return _finish(exc.exit_code, standalone_mode)
        except click.exceptions.ClickException as exc:
            exc.show()
            return _finish(exc.exit_code, standalone_mode)
        except click.exceptions.Abort:
            click.echo("已中止。", err=True)
            return _finish(1, standalone_mode)
        return _finish(result if isinstance(result, int) else 0, standalone_mode)


def _finish(code: int, standalone_mode: bool):
    if standalone_mode:
        sys.exit(code)
    return code


def usage_error_text(exc: click.exceptions.UsageError) -> str:
    """A click usage error in Chinese, built from the exception's fields, plus where to find help."""
    ctx = exc.ctx
    usage = ctx.get_usage() + "\n" if ctx is not None else ""
    hint = f"\n可运行 '{ctx.command_path} --help' 查看帮助。" if ctx is not None else ""
    return f"{usage}{hint.lstrip()}\n错误：{_message(exc)}" if hint else f"错误：{_message(exc)}"


def _message(exc: click.exceptions.UsageError) -> str:
    E = click.exceptions
    if isinstance(exc, E.NoSuchOption):
        near = f"（是否应为 {'、'.join(exc.possibilities)}？）" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{near}。"
    if isinstance(exc, E.MissingParameter):
        kind = {"option": "选项", "argument": "参数"}.get(exc.param_type or "", "参数")
        name = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param is not None else "")
        return f"缺少{kind} {name}。"
    if isinstance(exc, E.BadOptionUsage):
        return f"选项 {exc.option_name} 的用法不对（例如缺少它的值）。"
    if isinstance(exc, E.BadParameter):
        name = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param is not None else "参数")
        return f"{name} 的值无效：{exc.message}"
    return exc.message
