"""`kc census` and `kc transition` (SPEC §11, §12): thin click commands over kc_batch.census and
kc_batch.transition. Registered on the main group by cli.py (`main.add_command(census_cmd)`).

Exit codes (§10.1): 0 outputs written (input errors are counted), 2 usage/configuration error,
3 no input could be read. `--dir` may be given several times; each folder is processed alone."""
from __future__ import annotations

from pathlib import Path

import click

from kc_batch.cli.chinese import ChineseCommand
from kc_batch.cli.common import CONTEXT, KcExit, check_option, dir_option, dirs_of, fail, for_each_dir, report
from kc_batch.errors import KcError, UsageError


@click.command("census", cls=ChineseCommand, context_settings=CONTEXT, short_help="人籍比对：适龄儿童名册与花名册比对，列出适龄未入学，计算入学率。",
               help="人籍比对：把适龄儿童名册与全部花名册比对（先按身份证号，再按姓名+出生日期），列出适龄未入学、"
                    "在籍不在册、重名待核的儿童，计算入学率，生成 out/census/人籍比对_<单位>_<日期>.xlsx。")
@click.argument("file", metavar="适龄儿童名册文件")
@dir_option
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="统计日期（默认今天），决定适龄和学籍状态")
def census_cmd(file, dirs, as_of):
    from kc_batch.app.census import run_census
    from kc_batch.reconcile.census import parse_as_of
    day = check_option(parse_as_of, as_of)
    if not Path(file).is_file():
        raise KcExit(f"找不到适龄儿童名册文件 {file}。", UsageError.exit_code)
    for_each_dir(dirs_of(dirs), lambda d: run_census(d, Path(file), day))


@click.command("transition", cls=ChineseCommand, context_settings=CONTEXT,
               short_help="小升初对接：六年级毕业生与七年级花名册比对，列出未升学学生和各小学升学率。",
               help="小升初对接：把上一学年六年级毕业生与本学年各初中七年级花名册比对，列出未升学学生，"
                    "按小学计算升学率，生成 out/transition/小升初对接_<单位>_<年份>.xlsx。")
@click.option("--year", type=str, default=None, metavar="YYYY",
              help="新学年开始的年份：2027 表示 2026—2027 学年的毕业生升入 2027—2028 学年七年级（默认 kc.toml 的学年）")
@click.option("--graduates", default=None, metavar="文件",
              help="毕业生名册（每校一个工作表，或带“学校”列）；不给出时取库中登记了“毕业”变动的六年级学生")
@dir_option
def transition_cmd(year, graduates, dirs):
    from kc_batch.app.transition import run_transition
    from kc_batch.reconcile.transition import parse_year
    target = check_option(parse_year, year)
    if graduates is not None and not Path(graduates).is_file():
        raise KcExit(f"找不到毕业生名册文件 {graduates}。", UsageError.exit_code)
    for_each_dir(dirs_of(dirs), lambda d: run_transition(d, target, Path(graduates) if graduates else None))


@click.command("census-province", cls=ChineseCommand, context_settings=CONTEXT,
               short_help="省级人籍比对：千万级适龄儿童名册（CSV）与全省花名册比对，按县区写出适龄未入学名单。",
               help="省级人籍比对（SPEC §23）：把全省适龄儿童名册（一个或多个 CSV 文件，须含 县区 列，可含 乡镇 列）"
                    "与各县工作目录中的花名册或花名册 CSV 比对（规则与 kc census 相同：先按身份证号，再按姓名+出生日期），"
                    "按县区各写一个“适龄未入学_<县区>_<日期>.xlsx”（每个乡镇一张表），另写“人籍比对汇总_<日期>.xlsx”。"
                    "需要可选组件：pip install 'kc_batch[scale]'。")
@click.argument("files", nargs=-1, required=True, metavar="适龄儿童名册CSV...")
@click.option("--rosters", "rosters", multiple=True, required=True, metavar="路径",
              help="花名册：县的工作目录（含 kc.toml）、花名册 CSV 文件，或存放它们的文件夹（可重复给出）")
@click.option("--out", "out", default="人籍比对_全省", show_default=True, metavar="目录", help="输出目录")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="统计日期（默认今天），决定适龄和读哪个学年的花名册")
@click.option("--unit", default="全省", show_default=True, help="填报单位（汇总工作簿的单位名称）")
@click.option("--memory", default="4GB", show_default=True, help="DuckDB 可用内存上限（超出部分写入临时文件）")
def census_province_cmd(files, rosters, out, as_of, unit, memory):
    from kc_batch.reconcile.census import parse_as_of
    day = check_option(parse_as_of, as_of)
    try:
        from kc_batch.app.province import run_province_census
        outcome = run_province_census([Path(f) for f in files], [Path(r) for r in rosters], Path(out), day, unit, memory)
    except KcError as exc:
        fail(exc)
    report(outcome, strict=False)


__all__ = ["census_cmd", "census_province_cmd", "transition_cmd"]
