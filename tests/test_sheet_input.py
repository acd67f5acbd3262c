"""Issue 12 items 6, 15, 19 (SPEC §3.5, §10.1): hidden sheets are said and counted in 输入错误; 变动日期
with a time or without a year are dates; the dots inside 维吾尔族 names are one character for matching."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from accounting import accounting
from school import change_sheet, make_workdir, roster_sheet, write
from test_hostile import DAYS, WEEK, enrolled_total, students
from xlsx_styles import write_excel_style

from kc_batch.cli import main

BOOK = f"周查汇总_示例小学_{WEEK}.xlsx"


def weekly(wd: Path):
    return CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", WEEK])


def error_rows(wd: Path) -> list[tuple]:
    rows = list(openpyxl.load_workbook(wd / "out" / WEEK / BOOK, read_only=True)["输入错误"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "文件")
    return [r for r in rows[header + 1:] if r and r[0]]


def test_hidden_sheet_is_said_and_counted(tmp_path):
    """花名册.xlsx: a visible sheet of 3 students and a hidden one of 4 (title + header + 4 rows = 6
    non-blank rows). The 3 are stored; the hidden sheet is one 输入错误 row naming it and its 6 rows, and
    one console line; read 3 + 6 = stored 3 + in 输入错误 6."""
    wd = make_workdir(tmp_path / "s")
    write_excel_style(wd / "inbox" / "花名册.xlsx", {
        "三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", students(3)),
        "旧表": roster_sheet("示例小学三年级(2)班学生花名册", students(4, 10))}, hidden=("旧表",))
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "旧表" in ln)
    assert "花名册.xlsx" in line and "隐藏" in line and "6 行" in line
    [row] = [r for r in error_rows(wd) if r[1] == "旧表"]
    assert row[0] == "花名册.xlsx" and row[2] is None and "隐藏" in row[5] and "6 行" in row[5]
    assert enrolled_total(wd) == 3
    assert accounting(wd / "kc.sqlite") == {"花名册.xlsx": (3 + 6, 3, 6)}


def change_row(kid: dict, kind: str, date) -> list:
    return ["G" + kid["id"], kid["id"], kid["name"], "三年级", "1班", kind, date, "城关小学", None, "随父母", "", ""]


def test_change_dates_with_a_time_or_without_a_year(tmp_path):
    """变动日期 '2026-11-03 00:00:00' (text) → 2026-11-03; '11月3日' → 2026-11-03 (学年 2026-09-01 …
    2027-08-31: November is in 2026); '3月5日' → 2027-03-05. All three rows stored, none in 输入错误."""
    wd = make_workdir(tmp_path / "s")
    kids = students(3)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    write(wd / "inbox" / "学籍变动.xlsx", {"变动": change_sheet([
        change_row(kids[0], "转出", "2026-11-03 00:00:00"),
        change_row(kids[1], "转出", "11月3日"),
        change_row(kids[2], "休学", "3月5日")])})
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert [r for r in error_rows(wd) if r[0] == "学籍变动.xlsx"] == []
    db = sqlite3.connect(wd / "kc.sqlite")
    dates = dict(db.execute("SELECT name, date FROM events"))
    assert dates == {kids[0]["name"]: "2026-11-03", kids[1]["name"]: "2026-11-03", kids[2]["name"]: "2027-03-05"}
    assert accounting(wd / "kc.sqlite")["学籍变动.xlsx"] == (3, 3, 0)


def test_middle_dots_in_names_are_one_character(tmp_path):
    """The roster writes 艾力·买买提 (U+00B7); the 周查表 rows give only names, typed with •, ・, ． and '.':
    each finds the same student (matched by name within the class), so 旷 on 11-16 counts for them."""
    wd = make_workdir(tmp_path / "s")
    kids = students(4)
    for kid, given in zip(kids, ["艾力", "古丽", "买买提", "阿依"]):
        kid["name"] = given + "·吐尔逊"
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    typed = [kids[0]["name"].replace("·", "•"), kids[1]["name"].replace("·", "・"),
             kids[2]["name"].replace("·", "．"), kids[3]["name"].replace("·", ".")]
    rows = [["三年级(1)班 第12周周查表"], ["姓名"] + [f"{d.month}月{d.day}日" for d in DAYS]]
    rows += [[name, "旷"] + [None] * 4 for name in typed]
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": rows})
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    db = sqlite3.connect(wd / "kc.sqlite")
    roster_keys = {k for (k,) in db.execute("SELECT key FROM roster_rows")}
    marked = {k for (k,) in db.execute("SELECT key FROM marks WHERE day='2026-11-16' AND unexcused=1")}
    assert marked == roster_keys and len(marked) == 4


def test_formula_without_a_cached_value_is_an_input_error_not_present(tmp_path):
    """A 周查表 written by a script (openpyxl): C3, student 1's 11-16 cell, holds =IF(…) with no cached value
    (Excel never opened it). It is an input error for that cell and that day has no data — not 'present':
    student 1 has 4 days with data (not 5); the other 4 students 5 each → 应出勤 24 student-days."""
    from openpyxl import Workbook
    wd = make_workdir(tmp_path / "s")
    kids = students(5)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    wb = Workbook()
    ws = wb.active
    ws.title = "三年级1班"
    ws.append(["三年级(1)班 第12周周查表"])
    ws.append(["学籍号", "姓名"] + [f"{d.month}月{d.day}日" for d in DAYS])
    for kid in kids:
        ws.append(["G" + kid["id"], kid["name"]])
    ws["C3"] = '=IF(A1="x","旷","")'
    wb.save(wd / "inbox" / "周查表.xlsx")
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    [row] = [r for r in error_rows(wd) if r[0] == "周查表.xlsx"]
    assert row[1:4] == ("三年级1班", 3, "C列（11月16日）") and "公式没有计算结果" in row[5]
    db = sqlite3.connect(wd / "kc.sqlite")
    days = dict(db.execute("SELECT key, COUNT(*) FROM marks GROUP BY key"))
    assert days == {kids[0]["id"]: 4, **{k["id"]: 5 for k in kids[1:]}}
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (5, 5, 0)


def test_an_immutable_target_workbook_is_said_to_be_in_use(tmp_path):
    """out/…/周查汇总….xlsx made immutable (as a file held open on Windows is): the message says the file
    is open in another program or read-only — not that the disk is full; exit 1."""
    import subprocess
    wd = make_workdir(tmp_path / "s")
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", students(3))})
    assert weekly(wd).exit_code == 0
    book = wd / "out" / WEEK / BOOK
    if subprocess.run(["chattr", "+i", str(book)], capture_output=True).returncode != 0:
        import pytest
        pytest.skip("chattr +i is not available here")
    try:
        write(wd / "inbox" / "花名册2.xlsx", {"三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", students(2, 9))})
        res = weekly(wd)
    finally:
        subprocess.run(["chattr", "-i", str(book)])
    assert res.exit_code == 1, res.output
    assert str(book) in res.output and "其他程序" in res.output and "磁盘已满" not in res.output


def test_utf8_csv_with_one_gbk_cell_is_read_and_the_cell_flagged(tmp_path):
    """A UTF-8 roster CSV whose row 3 姓名 was typed in a GBK program: the file is read (3 students stored),
    the cell is decoded as GBK and flagged as one 输入错误 row naming file, row 3 and column C."""
    wd = make_workdir(tmp_path / "s")
    kids = students(3)
    lines = ["学籍号,身份证号,姓名,性别".encode("utf-8")]
    for i, k in enumerate(kids):
        name = k["name"].encode("gbk") if i == 1 else k["name"].encode("utf-8")
        lines.append(b",".join([("G" + k["id"]).encode(), k["id"].encode(), name, k["sex"].encode("utf-8")]))
    (wd / "inbox" / "三年级1班花名册.csv").write_bytes(b"\r\n".join(lines) + b"\r\n")
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    [row] = [r for r in error_rows(wd) if r[0] == "三年级1班花名册.csv"]
    assert row[1:4] == ("三年级1班花名册", 3, "C列") and "GBK" in row[5] and row[4] == kids[1]["name"]
    db = sqlite3.connect(wd / "kc.sqlite")
    assert sorted(n for (n,) in db.execute("SELECT name FROM roster_rows")) == sorted(k["name"] for k in kids)
    assert accounting(wd / "kc.sqlite") == {"三年级1班花名册.csv": (3, 3, 0)}


def test_a_week_that_cannot_be_told_is_said_with_how_to_give_it(tmp_path):
    """A 周查表 headed 周一…周五 with no 第N周 or date in its title: exit 2, the message names the file and
    sheet and says to write the week in the title or give --week; its 3 rows are one 输入错误 row."""
    wd = make_workdir(tmp_path / "s")
    kids = students(3)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    rows = [["三年级(1)班周查表"], ["学籍号", "姓名", "周一", "周二", "周三", "周四", "周五"]]
    rows += [["G" + k["id"], k["name"], "旷", None, None, None, None] for k in kids]
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": rows})
    res = CliRunner().invoke(main, ["weekly", "--dir", str(wd)])
    assert res.exit_code == 2, res.output
    assert "周查表.xlsx" in res.output and "三年级1班" in res.output and "--week" in res.output
    assert "没有找到任何周查表" not in res.output
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (3, 0, 3)
