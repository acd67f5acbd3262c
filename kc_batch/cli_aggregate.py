"""`kc aggregate` (SPEC §9.3, §11): the click command; the lead registers it with main.add_command.

The cli helpers are imported inside the command so that cli.py may import this module at any point."""
from __future__ import annotations

import click

CONTEXT = dict(help_option_names=["-h", "--help"], max_content_width=100)
DIR_HELP = "工作目录（可重复给出，多个目录逐个处理；默认当前目录）"


@click.command("aggregate", context_settings=CONTEXT,
               help="乡镇、县使用：读取 inbox 中收到的各单位月报工作簿（kc monthly 生成的，或按同样格式手工填写的），"
                    "逐份校验合计、账实和比率，生成月报汇总工作簿：汇总表、辍学学生名单、疑似辍学名单、未报单位、"
                    "跨校核对、报表校验。乡镇的汇总工作簿也可以交给县里再汇总。")
@click.option("--dir", "dirs", multiple=True, help=DIR_HELP)
@click.option("--month", required=True, help="统计月份，写成 2026-11 这样的 年-月（截至当月 20 日）")
def aggregate_cmd(dirs, month):
    from .aggregate import run_aggregate
    from .jobs import normalise_month
    from .cli import _dirs, _fail, _for_each_dir
    from .errors import KcError
    try:
        normalise_month(month)  # §13.29: a bad --month is a usage error before any folder is read
    except KcError as exc:
        _fail(exc)
    _for_each_dir(_dirs(dirs), lambda d: run_aggregate(d, month))
