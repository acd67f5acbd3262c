"""SPEC §11: Chinese help for `kc` and every command; `kc check` reports what it recognised and every
input error, and changes nothing."""
from __future__ import annotations

import hashlib
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_import import check_table, dump, data_rows_by_hand, roster, run_import
from school import make_workdir

from kc_batch.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
CJK = re.compile(r"[\u4e00-\u9fff]")
COMMANDS = sorted(main.commands)


def test_the_spec_commands_are_registered():
    assert {"init", "forms", "check", "weekly", "monthly", "aggregate", "census", "send"} <= set(COMMANDS)


def test_kc_help_is_chinese():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert CJK.search(main.help)
    # each command's line in the list has Chinese text after its name
    listed = {}
    for line in result.output.splitlines():
        m = re.match(r"^  ([\w-]+)\s{2,}(.*)$", line)
        if m and m.group(1) in main.commands:
            listed[m.group(1)] = m.group(2)
    assert set(listed) == set(COMMANDS)
    assert {name for name, text in listed.items() if not CJK.search(text)} == set()


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_help_is_chinese(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    command = main.commands[name]
    assert CJK.search(command.help or "")
    assert CJK.search(result.output.split("Options:")[0])
    for param in command.params:
        if getattr(param, "help", None) is not None or param.name == "help":
            if param.name != "help":
                assert CJK.search(param.help), f"{name} {param.opts}"


# ---------------------------------------------------------------- kc check

def _tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def sample(tmp_path) -> Path:
    wd = tmp_path / "sample"
    shutil.copytree(SAMPLE, wd, ignore=shutil.ignore_patterns("*.sqlite*", "out", "outbox"))
    return wd


def _blocks(output: str) -> dict[str, list[str]]:
    """The lines printed under each 【file】 heading."""
    blocks, current = {}, None
    for line in output.splitlines():
        m = re.match(r"^【(.+)】$", line)
        if m:
            current = blocks.setdefault(m.group(1), [])
        elif current is not None and line.startswith("  "):
            current.append(line.strip())
    return blocks


def test_check_on_sample_data_reports_each_file_and_sheet(sample):
    before = _tree_digest(sample)
    result = CliRunner().invoke(main, ["check", "--dir", str(sample)])
    assert result.exit_code == 0, result.output
    blocks = _blocks(result.output)
    files = sorted(p.relative_to(sample / "inbox").as_posix() for p in (sample / "inbox").rglob("*") if p.is_file())
    assert sorted(blocks) == files

    # rows per sheet, counted from the grids without forms.py
    expected_rows = Counter((f, s) for f, s, _ in data_rows_by_hand(sample / "inbox"))
    printed_rows = Counter()
    for rel, lines in blocks.items():
        for line in lines:
            m = re.match(r"^(.+?)（第\d+行表头）：(.+)，(\d+) 行$", line)
            if m:
                printed_rows[(rel, m.group(1))] += int(m.group(3))
    assert printed_rows == expected_rows

    # forms, classes and weeks: 第N周 folders are teaching weeks, 第1周 = 2026-W36 (§3.2)
    for rel, lines in blocks.items():
        tables = [line for line in lines if "行表头" in line]
        assert tables, rel
        if rel.startswith("学籍/学籍变动"):
            assert all("学籍变动登记表" in t for t in tables)
        elif rel.startswith("学籍/"):
            assert all("花名册" in t for t in tables)
        elif rel.startswith("家访/"):
            assert all("家访登记表" in t for t in tables)   # §17.1
        else:
            n = int(re.search(r"第(\d+)周", rel).group(1))
            for t in tables:
                assert "周查表" in t and f"2026-W{35 + n}" in t, t
                assert re.search(r"[一二三四五六七八九]年级[12]班", t), t
    assert "Sheet3：空白工作表" in blocks["学籍/2026年秋季学期花名册/一年级学生花名册.xlsx"]

    # every input error (sample_data/README.md: two unknown marks and one 退学 row)
    errors = [line for line in result.output.splitlines() if line.startswith("输入错误：")]
    assert len(errors) == 3
    assert any("一年级周查表_第10周.xlsx" in e and "（原值“？”）" in e for e in errors)
    assert any("八年级第11周周查表" in e and "（原值“出”）" in e for e in errors)
    assert any("学籍变动登记表" in e and "（原值“退学”）" in e for e in errors)
    assert all(re.search(r"第\d+行", e) for e in errors)
    assert "输入错误 3 处" in result.output

    # changes nothing
    assert not (sample / "kc.sqlite").exists()
    assert not (sample / "out").exists()
    assert _tree_digest(sample) == before


def test_check_leaves_an_existing_store_unchanged(tmp_path):
    wd = make_workdir(tmp_path / "school")
    roster(wd / "inbox")
    run_import(wd)
    before = dump(wd / "kc.sqlite")
    check_table(wd / "inbox" / "周查表.xlsx", {"王芳": ["旷"] * 5})
    result = CliRunner().invoke(main, ["check", "--dir", str(wd)])
    assert result.exit_code == 0, result.output
    assert "【周查表.xlsx】" in result.output
    assert "周查表，三年级1班，2026-W47，1 行" in result.output
    assert dump(wd / "kc.sqlite") == before
    assert not (wd / "out").exists() or not any((wd / "out").iterdir())


def test_check_names_a_corrupt_file_and_goes_on(tmp_path):
    wd = make_workdir(tmp_path / "school")
    roster(wd / "inbox")
    (wd / "inbox" / "坏文件.xlsx").write_bytes(b"PK\x03\x04 broken")
    result = CliRunner().invoke(main, ["check", "--dir", str(wd)])
    assert result.exit_code == 0, result.output
    assert "花名册，三年级1班，3 行" in result.output
    assert any("坏文件.xlsx" in line and CJK.search(line) for line in result.output.splitlines())


def test_check_with_no_readable_input_exits_3(tmp_path):
    wd = make_workdir(tmp_path / "school")
    (wd / "inbox" / "坏文件.xlsx").write_bytes(b"not a workbook at all")
    result = CliRunner().invoke(main, ["check", "--dir", str(wd)])
    assert result.exit_code == 3


def test_check_says_a_hidden_sheet_was_ignored(tmp_path):
    from xlsx_styles import write_excel_style
    wd = make_workdir(tmp_path / "school")
    rows = [["三年级(1)班学生花名册"], ["学籍号", "姓名"], ["L450923201703010011", "王芳"]]
    write_excel_style(wd / "inbox" / "花名册.xlsx", {"三(1)": rows, "旧名单": rows}, hidden=["旧名单"])
    result = CliRunner().invoke(main, ["check", "--dir", str(wd)])
    assert result.exit_code == 0, result.output
    assert "  旧名单：隐藏工作表，共 3 行未读取" in result.output.splitlines()  # title, header, 1 row
    assert "花名册，三年级1班，1 行" in result.output



@pytest.mark.parametrize("name", COMMANDS)
def test_no_english_required_marker_in_help(name):
    """§11: --month is optional for send and aggregate; click's English "[required]" never shows."""
    result = CliRunner().invoke(main, [name, "--help"])
    assert "required" not in result.output.lower()


def test_send_and_aggregate_month_is_optional():
    for name in ("send", "aggregate"):
        [month] = [p for p in main.commands[name].params if p.name == "month"]
        assert not month.required, name

def test_click_is_translated_without_patching_its_modules():
    """Issue 10: Chinese through Command/Group subclasses; click's own gettext hook is untouched."""
    import gettext

    import click.core
    import click.exceptions
    assert click.core._ is gettext.gettext and click.exceptions._ is gettext.gettext
    runner = CliRunner()
    for args, words in [(["weekly", "--bogus"], ["没有选项 --bogus"]), (["weekly", "extra"], ["多余的参数：extra"]),
                        (["nosuch"], ["没有命令 nosuch"]), (["census"], ["缺少参数", "适龄儿童名册文件"]),
                        (["weekly", "--week"], ["选项 --week"])]:
        res = runner.invoke(main, args)
        assert res.exit_code == 2, args
        assert all(w in res.output for w in words), (args, res.output)
        assert "Error" not in res.output and "Usage" not in res.output and "Try " not in res.output
