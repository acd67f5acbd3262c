"""Issue 12 items 4, 18 (SPEC §3.2, §10.1): a student twice on one 周查表, or on two classes' sheets, is
reported naming both rows (the first row read is kept — README 口径); a sheet with two weeks of dates
files each mark under its own week."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from accounting import accounting
from school import check_sheet, make_workdir, roster_sheet, write
from test_hostile import DAYS, WEEK, students

from kc_batch.cli import main

W46 = [d - dt.timedelta(days=7) for d in DAYS]   # 11-09 … 11-13


def weekly(wd: Path, week: str = WEEK):
    return CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", week])


def error_rows(wd: Path, week: str = WEEK) -> list[tuple]:
    book = wd / "out" / week / f"周查汇总_示例小学_{week}.xlsx"
    rows = list(openpyxl.load_workbook(book, read_only=True)["输入错误"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "文件")
    return [r for r in rows[header + 1:] if r and r[0]]


def marks_of(wd: Path) -> dict[tuple, str]:
    db = sqlite3.connect(wd / "kc.sqlite")
    try:
        return {(k, d): (w, raw) for k, d, w, raw in db.execute("SELECT key, day, week, raw FROM marks WHERE raw != ''")}
    finally:
        db.close()


def test_a_student_twice_on_one_sheet_keeps_the_first_row_and_names_both(tmp_path):
    """Rows 3 … 6 are the four students; row 7 repeats student 1 with three 旷 (11-16 … 11-18) where row 3
    has none. Row 3 is kept (no 旷 stored); row 7 is one 输入错误 row naming rows 3 and 7; read 5 = stored 4
    + 1 in 输入错误."""
    wd = make_workdir(tmp_path / "s")
    kids = students(4)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    rows = check_sheet("三年级(1)班 第12周周查表", DAYS, {}, kids)
    rows.append(["G" + kids[0]["id"], kids[0]["name"], "旷", "旷", "旷", None, None, None])
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": rows})
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    [err] = [r for r in error_rows(wd) if r[0] == "周查表.xlsx"]
    assert err[1:3] == ("三年级1班", 7) and "第3行" in err[5] and "第7行" in err[5]
    assert marks_of(wd) == {}
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (5, 4, 1)


def test_a_student_on_two_class_sheets_keeps_the_first_and_names_both(tmp_path):
    """Student 1 (三年级1班) also appears on the 三年级2班 sheet with 旷 on 11-16: the 1班 row (read first) is
    kept, the 2班 row is one 输入错误 row naming both rows; the 旷 is not stored."""
    wd = make_workdir(tmp_path / "s")
    one, two = students(3), students(2, 10)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", one),
                                      "三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", two)})
    write(wd / "inbox" / "周查表.xlsx", {
        "三年级1班": check_sheet("三年级(1)班 第12周周查表", DAYS, {}, one),
        "三年级2班": check_sheet("三年级(2)班 第12周周查表", DAYS, {one[0]["name"]: {DAYS[0]: "旷"}}, two + one[:1])})
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    [err] = [r for r in error_rows(wd) if r[0] == "周查表.xlsx"]
    assert err[1:3] == ("三年级2班", 5) and "三年级1班" in err[5] and "第3行" in err[5]
    assert marks_of(wd) == {}
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (6, 5, 1)


def test_a_sheet_with_two_weeks_files_each_mark_under_its_week(tmp_path):
    """Dates 11-09 … 11-13 and 11-16 … 11-20 on one sheet; 旷 on 11-10 and 11-17: the first is W46, the
    second W47. A later file for W46 alone replaces W46 only; the W47 旷 stays."""
    wd = make_workdir(tmp_path / "s")
    kids = students(3)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    marks = {kids[0]["name"]: {W46[1]: "旷", DAYS[1]: "旷"}}
    write(wd / "inbox" / "a两周.xlsx", {"三年级1班": check_sheet("三年级(1)班周查表", W46 + DAYS, marks, kids)})
    assert weekly(wd).exit_code == 0
    key = next(iter({k for k, _ in marks_of(wd)}))
    assert marks_of(wd) == {(key, "2026-11-10"): ("2026-W46", "旷"), (key, "2026-11-17"): ("2026-W47", "旷")}
    write(wd / "inbox" / "b第11周.xlsx", {"三年级1班": check_sheet("三年级(1)班周查表", W46, {}, kids)})
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert marks_of(wd) == {(key, "2026-11-17"): ("2026-W47", "旷")}
    acc = accounting(wd / "kc.sqlite")
    assert acc["b第11周.xlsx"] == (3, 3, 0)


def test_sheets_that_do_not_name_their_class_take_it_from_their_students(tmp_path):
    """A.xlsx and B.xlsx each hold a 周查表 on 'Sheet1' with no class in the title, sheet name or columns:
    A's students are on the 三年级1班 roster, B's on 三年级2班. Each is filed under its students' class
    (no '替换'); a third sheet of students on no roster and no class is one 输入错误 row for its 2 rows."""
    wd = make_workdir(tmp_path / "s")
    one, two, strangers = students(3), students(2, 10), students(2, 50)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", one),
                                      "三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", two)})
    write(wd / "inbox" / "A.xlsx", {"Sheet1": check_sheet("第12周周查表", DAYS, {one[0]["name"]: {DAYS[0]: "旷"}}, one)})
    write(wd / "inbox" / "B.xlsx", {"Sheet1": check_sheet("第12周周查表", DAYS, {two[0]["name"]: {DAYS[1]: "旷"}}, two)})
    write(wd / "inbox" / "C.xlsx", {"Sheet1": check_sheet("第12周周查表", DAYS, {}, strangers)})
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert "替换" not in res.output and "None" not in res.output
    db = sqlite3.connect(wd / "kc.sqlite")
    assert sorted(db.execute("SELECT grade, class_no, COUNT(*) FROM check_rows GROUP BY grade, class_no")) == [
        (3, "1", 3), (3, "2", 2)]
    assert sorted(db.execute("SELECT grade, class_no FROM class_weeks")) == [(3, "1"), (3, "2")]
    [err] = [r for r in error_rows(wd) if r[0] == "C.xlsx"]
    assert err[1] == "Sheet1" and "班级" in err[5] and "共 2 行" in err[5]
    acc = accounting(wd / "kc.sqlite")
    assert (acc["A.xlsx"], acc["B.xlsx"], acc["C.xlsx"]) == ((3, 3, 0), (2, 2, 0), (2, 0, 2))


HEADER_STYLES = {
    "dash": [f"{d.month}-{d.day}" for d in DAYS],
    "english": ["Mon", "Tue", "Wed", "Thu", "Fri"],
    "serial": [(d - dt.date(1899, 12, 30)).days for d in DAYS],
    "weekday-date": [f"周{'一二三四五'[i]}{d.month}.{d.day}" for i, d in enumerate(DAYS)],
    "weekday-newline-date": [f"周{'一二三四五'[i]}\n{d.month}.{d.day}" for i, d in enumerate(DAYS)],
}


@pytest.mark.parametrize("style", sorted(HEADER_STYLES))
def test_day_headers_of_every_style_are_read_as_a_week(tmp_path, style):
    """Headers 11-16 … / Mon … Fri (title 第12周) / date serials 46342 … as numbers / 周一11.16 / 周一⏎11.16:
    the sheet is a 周查表 of 2026-W47 (not a 花名册): student 1's 旷 on Tue 11-17 is stored, 3 rows, 3 stored."""
    wd = make_workdir(tmp_path / "s")
    kids = students(3)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    rows = [["三年级(1)班 第12周周查表"], ["学籍号", "姓名"] + HEADER_STYLES[style]]
    rows += [["G" + k["id"], k["name"], None, "旷" if i == 0 else None, None, None, None] for i, k in enumerate(kids)]
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": rows})
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert {(d, w) for (_, d), (w, _) in marks_of(wd).items()} == {("2026-11-17", WEEK)}
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (3, 3, 0)
