"""Issue 12 items 5 and 2 (SPEC §3, §3.2, §3.5, §10.1): how the tables of a sheet are found, and that no
column of marks is lost on the way.

Side-by-side class tables on one sheet are two tables; stacked tables with no blank row between them are
two tables (the second title and header rows are neither students nor marks); a date header merged over
上午/下午 columns reads both halves; a 周查表 column under a header that is not understood is one 输入错误
row; a sheet read as a 花名册 whose extra columns hold marks says which columns were not understood.
Each fixture is a real .xlsx written the way Excel, WPS or LibreOffice write it, run through the CLI.

The week is 2026-W47 (Mon 11-16 … Fri 11-20, all school days of the test calendar).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from accounting import accounting
from school import make_workdir, roster_sheet, write
from test_hostile import DAYS, WEEK, students
from xlsx_styles import write_excel_style, write_libreoffice_style, write_wps_style

from kc_batch.cli import main

DAY_HEADERS = [f"{d.month}月{d.day}日" for d in DAYS]
WRITERS = {"excel": write_excel_style, "wps": write_wps_style, "libreoffice": write_libreoffice_style}


def weekly(wd: Path, *options: str):
    return CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", WEEK, *options])


def error_rows(wd: Path, rel: str) -> list[tuple]:
    """The 输入错误 rows of one file: (文件, 工作表, 行号, 列, 原值, 错误说明)."""
    book = wd / "out" / WEEK / f"周查汇总_示例小学_{WEEK}.xlsx"
    rows = list(openpyxl.load_workbook(book, read_only=True)["输入错误"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "文件")
    return [r for r in rows[header + 1:] if r and r[0] == rel]


def query(wd: Path, sql: str, *args) -> list[tuple]:
    db = sqlite3.connect(wd / "kc.sqlite")
    try:
        return list(db.execute(sql, args))
    finally:
        db.close()


def school(tmp_path: Path, one: list[dict], two: list[dict]) -> Path:
    wd = make_workdir(tmp_path / "s")
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", one),
                                      "三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", two)})
    return wd


def check_rows(kids: list[dict], marks: dict[tuple[int, int], str] | None = None) -> list[list]:
    """One row per student: 学籍号, 姓名, five days; marks[(student index, day index)] is the cell text."""
    marks = marks or {}
    return [["G" + k["id"], k["name"]] + [marks.get((i, d)) for d in range(5)] for i, k in enumerate(kids)]


# ---------------------------------------------------------------- the five workbooks (also run by benchmarks/conservation.py)

def write_side_by_side(path: Path, writer, one: list[dict], two: list[dict]) -> Path:
    """三年级(1)班 in A…G, 三年级(2)班 in I…O (H blank); 2班: student 2 旷 on 11-17 (L4), student 1 “好” on 11-18 (M3)."""
    left = [["三年级(1)班 第12周周查表"], ["学籍号", "姓名"] + DAY_HEADERS] + check_rows(one)
    right = [["三年级(2)班 第12周周查表"], ["学籍号", "姓名"] + DAY_HEADERS] + check_rows(two, {(1, 1): "旷", (0, 2): "好"})
    rows = [(left[i] + [None] * 7)[:7] + [None] + (right[i] if i < len(right) else []) for i in range(len(left))]
    return writer(path, {"三年级": rows}, merges={"三年级": ["A1:G1", "I1:O1"]})


def write_stacked(path: Path, writer, one: list[dict], two: list[dict]) -> Path:
    """1班's title, header and students, then 2班's at once (no blank row); 2班: 旷 on 11-16, “好” on 11-19."""
    rows = ([["三年级(1)班 第12周周查表"], ["学籍号", "姓名"] + DAY_HEADERS] + check_rows(one)
            + [["三年级(2)班 第12周周查表"], ["学籍号", "姓名"] + DAY_HEADERS] + check_rows(two, {(0, 0): "旷", (1, 3): "好"}))
    return writer(path, {"周查表": rows}, merges={"周查表": ["A1:G1", f"A{len(one) + 3}:G{len(one) + 3}"]})


def write_half_days(path: Path, writer, kids: list[dict]) -> Path:
    """Each date merged over 上午/下午 (C2:D2 … K2:L2), 学籍号/姓名 merged down; marks of the half-day test."""
    top = ["学籍号", "姓名"]
    for h in DAY_HEADERS:
        top += [h, None]
    halves = [None, None] + ["上午", "下午"] * 5
    marks = {(0, 0): "旷", (0, 1): "旷", (1, 3): "旷", (2, 4): "病", (2, 7): "好"}
    body = [["G" + k["id"], k["name"]] + [marks.get((i, c)) for c in range(10)] for i, k in enumerate(kids)]
    merges = ["A1:L1", "A2:A3", "B2:B3"] + [f"{a}2:{b}2" for a, b in zip("CEGIK", "DFHJL")]
    return writer(path, {"三年级1班": [["三年级(1)班 第12周周查表"], top, halves] + body}, merges={"三年级1班": merges})


def write_unknown_columns(path: Path, kids: list[dict]) -> Path:
    """Excel: days C…G, 备注 H, 出勤天数 I (5, 4, 5 …), 家长签字 J (已签 but on the 2nd row), 其他 K (empty)."""
    rows = [["三年级(1)班 第12周周查表"], ["学籍号", "姓名"] + DAY_HEADERS + ["备注", "出勤天数", "家长签字", "其他"]]
    for i, row in enumerate(check_rows(kids, {(1, 1): "旷"})):
        rows.append(row + [None, 5 - i % 2, "已签" if i != 1 else None, None])
    return write_excel_style(path, {"三年级1班": rows}, merges={"三年级1班": ["A1:K1"]})


def write_mark_like_roster(path: Path, kids: list[dict]) -> Path:
    """Excel: 学籍号, 姓名, 第一天 … 第五天 with 旷/病 in C, 事 in D, 旷半 in F."""
    rows = [["三年级(1)班"], ["学籍号", "姓名", "第一天", "第二天", "第三天", "第四天", "第五天"]]
    rows += check_rows(kids, {(0, 0): "旷", (1, 0): "病", (2, 1): "事", (0, 3): "旷半"})
    return write_excel_style(path, {"三年级1班": rows})


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_side_by_side_class_tables_are_two_tables(tmp_path, writer):
    """Excel / WPS / LibreOffice file, one sheet 三年级: 三年级(1)班 in A…G (title A1, merged A1:G1; 3 students, rows 3…5) and
    三年级(2)班 in I…O (title I1, merged I1:O1; 2 students, rows 3…4), column H blank. In the right-hand table
    student 2 has 旷 on Tue 11-17 (L4) and student 1 has “好” on Wed 11-18 (M3).
    → 5 check rows, 3 filed under 三年级1班 and 2 under 三年级2班; the 旷 is stored for 2班's student 2; one
    输入错误 row: 周查表.xlsx / 三年级 / row 3 / M列（11月18日）/ 好. Read 5 = stored 5 + 0 rows only in 输入错误."""
    one, two = students(3), students(2, 10)
    wd = school(tmp_path, one, two)
    write_side_by_side(wd / "inbox" / "周查表.xlsx", WRITERS[writer], one, two)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert query(wd, "SELECT grade, class_no, COUNT(*) FROM check_rows GROUP BY grade, class_no ORDER BY 2") == [
        (3, "1", 3), (3, "2", 2)]
    assert query(wd, "SELECT c.name, m.day, m.grade, m.class_no, m.raw, m.unexcused FROM marks m "
                     "JOIN check_rows c ON c.key = m.key AND c.row = m.row WHERE m.raw != ''") == [
        (two[1]["name"], "2026-11-17", 3, "2", "旷", 1.0)]
    [err] = error_rows(wd, "周查表.xlsx")
    assert err[1:5] == ("三年级", 3, "M列（11月18日）", "好") and "考勤符号" in err[5]
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (5, 5, 0)


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_stacked_tables_without_a_blank_row_are_two_tables(tmp_path, writer):
    """WPS / Excel / LibreOffice file, one sheet: 三年级(1)班's title (row 1), header (row 2) and 3 students (rows 3…5), then at once
    三年级(2)班's title (row 6), header (row 7) and 2 students (rows 8…9); 2班's student 1 has 旷 on Mon 11-16
    (C8), student 2 has “好” on Thu 11-19 (F9).
    → no student called 姓名, nothing from rows 6 and 7; 3 rows under 三年级1班, 2 under 三年级2班; the 旷 filed
    under 2班; one 输入错误 row: row 9 / F列（11月19日）. Read 5 = stored 5 + 0."""
    one, two = students(3), students(2, 10)
    wd = school(tmp_path, one, two)
    write_stacked(wd / "inbox" / "周查表.xlsx", WRITERS[writer], one, two)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert query(wd, "SELECT name FROM check_rows WHERE name IN ('姓名', '学籍号') OR row IN (6, 7)") == []
    assert query(wd, "SELECT grade, class_no, COUNT(*) FROM check_rows GROUP BY grade, class_no ORDER BY 2") == [
        (3, "1", 3), (3, "2", 2)]
    assert query(wd, "SELECT day, grade, class_no, row, raw FROM marks WHERE raw != ''") == [
        ("2026-11-16", 3, "2", 8, "旷")]
    [err] = error_rows(wd, "周查表.xlsx")
    assert err[1:5] == ("周查表", 9, "F列（11月19日）", "好")
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (5, 5, 0)


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_date_merged_over_morning_and_afternoon_reads_both_halves(tmp_path, writer):
    """LibreOffice / Excel / WPS file: 学籍号 (A2:A3) and 姓名 (B2:B3) merged down, each date merged over two columns
    (11月16日 C2:D2 … 11月20日 K2:L2) with 上午/下午 under them in row 3; students in rows 4…6.
    Student 1: 旷 上午 and 下午 on 11-16 (C4, D4) → one day 旷 (unexcused 1, present 0).
    Student 2: 旷 下午 only on 11-17 (F5) → unexcused ½, present ½, raw “下午旷”.
    Student 3: 病 上午 on 11-18 (G6) → sick ½, present ½; “好” 下午 on 11-19 (J6) → 输入错误 row 6,
    J列（11月19日下午）, and 11-19 is unknown for student 3 (no mark stored), the other 4 days are.
    Row 3 is header, not a student: read 3 = stored 3 + 0; 5 + 5 + 4 = 14 marks stored."""
    kids = students(3)
    wd = school(tmp_path, kids, [])
    write_half_days(wd / "inbox" / "周查表.xlsx", WRITERS[writer], kids)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    by_name = {k["name"]: i for i, k in enumerate(kids)}
    stored = {(by_name[n], d): (raw, p, s, u) for n, d, raw, p, s, u in query(
        wd, "SELECT c.name, m.day, m.raw, m.present, m.sick, m.unexcused FROM marks m "
            "JOIN check_rows c ON c.key = m.key AND c.row = m.row")}
    assert len(stored) == 14 and (2, "2026-11-19") not in stored
    assert {k: v for k, v in stored.items() if v[0]} == {
        (0, "2026-11-16"): ("旷", 0.0, 0.0, 1.0), (1, "2026-11-17"): ("下午旷", 0.5, 0.0, 0.5),
        (2, "2026-11-18"): ("上午病", 0.5, 0.5, 0.0)}
    [err] = error_rows(wd, "周查表.xlsx")
    assert err[1:5] == ("三年级1班", 6, "J列（11月19日下午）", "好")
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (3, 3, 0)


def test_a_check_column_under_a_header_not_understood_is_one_input_error(tmp_path):
    """Excel file: 学籍号, 姓名, 11月16日 … 11月20日 (C…G), 备注 (H), 出勤天数 (I: 5, 4, 5), 家长签字 (J: 已签 on
    two rows), 其他 (K: empty). → exactly two 输入错误 rows, one per column with content: I列（出勤天数）and
    J列（家长签字）, naming header row 2; the empty column K loses nothing and is not listed. The marks are read
    (student 2's 旷 on 11-17); read 3 = stored 3 + 0. With --strict the exit code is 1."""
    kids = students(3)
    wd = school(tmp_path, kids, [])
    write_unknown_columns(wd / "inbox" / "周查表.xlsx", kids)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    errs = error_rows(wd, "周查表.xlsx")
    assert [(e[1], e[2], e[3], e[4]) for e in errs] == [("三年级1班", None, "I列（出勤天数）", "出勤天数"),
                                                        ("三年级1班", None, "J列（家长签字）", "家长签字")]
    assert all("第2行" in e[5] and "无法识别" in e[5] for e in errs)
    assert "3 个" in errs[0][5] and "2 个" in errs[1][5]
    assert query(wd, "SELECT day, raw FROM marks WHERE raw != ''") == [("2026-11-17", "旷")]
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (3, 3, 0)
    assert weekly(wd, "--strict").exit_code == 1


def test_a_roster_whose_extra_columns_hold_marks_names_those_columns(tmp_path):
    """Excel file: 学籍号, 姓名, then 第一天 … 第五天 (C…G, headers no reader can date) with 旷/病/事 in C, D and F.
    It has an ID and 姓名, so it is read as a 花名册 (3 students stored) — but not silently: one 输入错误 row per
    column holding marks (C, D, F; not E and G, which are empty), naming header row 2 and saying the sheet was
    read as a 花名册. Read 3 = stored 3 + 0; exit 0, and 1 with --strict."""
    kids = students(3)
    wd = make_workdir(tmp_path / "s")
    write_mark_like_roster(wd / "inbox" / "三年级1班.xlsx", kids)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert query(wd, "SELECT grade, class_no, COUNT(*) FROM roster_rows GROUP BY 1, 2") == [(3, "1", 3)]
    errs = error_rows(wd, "三年级1班.xlsx")
    assert [(e[1], e[2], e[3]) for e in errs] == [("三年级1班", None, "C列（第一天）"), ("三年级1班", None, "D列（第二天）"),
                                                  ("三年级1班", None, "F列（第四天）")]
    assert all("第2行" in e[5] and "花名册" in e[5] and "考勤" in e[5] for e in errs)
    assert accounting(wd / "kc.sqlite")["三年级1班.xlsx"] == (3, 3, 0)
    assert weekly(wd, "--strict").exit_code == 1


def test_a_date_merged_over_two_columns_without_half_day_labels_names_the_second_column(tmp_path):
    """WPS file: each date merged over two columns (C2:D2 … K2:L2) but no 上午/下午 line; student 1 has 旷 in
    D3 (the second column of 11-16) and student 2 旷 in C4. The first column of each date is read (student 2's
    旷 on 11-16 is stored); the second columns are not understood: one 输入错误 row for D (the only one of
    D, F, H, J, L holding anything), naming header row 2 and asking for a 上午/下午 line. Read 2 = stored 2 + 0."""
    kids = students(2)
    wd = school(tmp_path, kids, [])
    top = ["学籍号", "姓名"]
    for h in DAY_HEADERS:
        top += [h, None]
    body = [["G" + kids[0]["id"], kids[0]["name"], None, "旷"], ["G" + kids[1]["id"], kids[1]["name"], "旷"]]
    merges = ["A1:L1"] + [f"{a}2:{b}2" for a, b in zip("CEGIK", "DFHJL")]
    write_wps_style(wd / "inbox" / "周查表.xlsx", {"三年级1班": [["三年级(1)班 第12周周查表"], top] + body},
                    merges={"三年级1班": merges})
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert query(wd, "SELECT c.name, m.day FROM marks m JOIN check_rows c ON c.key = m.key WHERE m.raw != ''") == [
        (kids[1]["name"], "2026-11-16")]
    [err] = error_rows(wd, "周查表.xlsx")
    assert err[1:5] == ("三年级1班", None, "D列（表头为空）", "") and "第2行" in err[5] and "上午" in err[5]
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (2, 2, 0)
