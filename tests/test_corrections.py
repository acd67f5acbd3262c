"""Corrections that go backwards (issue 12 item 3; SPEC §10.1, §10.2): the newest file for a class-week
wins whatever its content hash — "newest" in import order, the order in which kc sees a file arrive in
the inbox (README 口径与取舍) — and a class-week's marks are rebuilt from the files still in the inbox
when the file that held them leaves it. All through `kc weekly` on real .xlsx files.

The school: 三年级1班, 学生1…学生5 on one roster. Figures are read from the class's row of 周汇总
(病假人次, 旷课人次: one per marked day).
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from accounting import accounting, superseded
from school import check_sheet, make_id, make_workdir, roster_sheet, write

from kc_batch.cli import main

W47 = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]   # 第12周
W48 = [dt.date(2026, 11, 23) + dt.timedelta(days=i) for i in range(5)]   # 第13周
SHEET = "三年级1班"
KIDS = [dict(name=f"学生{i}", sex="男" if i % 2 else "女", birth=dt.date(2017, i, 1),
             id=make_id(dt.date(2017, i, 1), i, bool(i % 2))) for i in range(1, 6)]


def school(root: Path) -> Path:
    wd = make_workdir(root)
    write(wd / "inbox" / "花名册.xlsx", {SHEET: roster_sheet("示例小学三年级(1)班学生花名册", KIDS)})
    return wd


def check_file(path: Path, title: str, days: list[dt.date], marks: dict) -> bytes:
    write(path, {SHEET: check_sheet(title, days, marks, KIDS)})
    return path.read_bytes()


def weekly(wd: Path, week: str = "2026-W47"):
    return CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", week])


def class_row(wd: Path, week: str = "2026-W47") -> dict:
    """The 三年级1班 row of 周汇总: {header: value}."""
    book = wd / "out" / week / f"周查汇总_示例小学_{week}.xlsx"
    rows = list(openpyxl.load_workbook(book, read_only=True)["周汇总"].iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "年级")
    row = next(r for r in rows if r[0] == "三年级" and r[1] == "1班")
    return dict(zip(header, row))


def sick_unexcused(wd: Path, week: str = "2026-W47") -> tuple:
    row = class_row(wd, week)
    return row["病假人次"], row["旷课人次"]


def query(wd: Path, sql: str):
    con = sqlite3.connect(wd / "kc.sqlite")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def store_dump(wd: Path) -> dict:
    """Every table but the run log, sorted."""
    con = sqlite3.connect(wd / "kc.sqlite")
    try:
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'") if n != "runs"]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()


def assert_rerun_changes_nothing(wd: Path, week: str = "2026-W47"):
    """§10.2 / §13.18: the same inbox again — no table changes, no replacement line, the same figures."""
    before, figures = store_dump(wd), class_row(wd, week)
    res = weekly(wd, week)
    assert res.exit_code == 0, res.output
    assert "替换" not in res.output and "重建" not in res.output
    assert store_dump(wd) == before
    assert class_row(wd, week) == figures


# v1: 学生1 旷 Mon–Wed, 学生2 病 Mon → 病假 1, 旷课 3.  v2 (the "correction"): 学生1 旷 Mon only → 0, 1.
V1 = {"学生1": {W47[0]: "旷", W47[1]: "旷", W47[2]: "旷"}, "学生2": {W47[0]: "病"}}
V2 = {"学生1": {W47[0]: "旷"}}
TITLE = "三年级(1)班第12周周查表"


def test_an_earlier_version_put_back_at_the_same_path_wins_again(tmp_path):
    """v1, then v2 over it, then v1's very bytes over v2: v1's marks (1, 3) are what the workbook shows,
    the console and the store's replacement log say v1 replaced v2, and a re-run changes nothing."""
    wd = school(tmp_path / "s")
    path = wd / "inbox" / "周查表.xlsx"
    v1 = check_file(path, TITLE, W47, V1)
    assert weekly(wd).exit_code == 0
    assert sick_unexcused(wd) == (1, 3)

    check_file(path, TITLE, W47, V2)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert sick_unexcused(wd) == (0, 1)

    path.write_bytes(v1)  # byte-identical: its hash is already in the store
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert sick_unexcused(wd) == (1, 3)
    line = next(x for x in res.output.splitlines() if "替换" in x)
    assert line.startswith("三年级1班 2026-W47 的周查表已由 周查表.xlsx / 三年级1班 替换")
    assert "早先导入过的版本" in line and "以最后放入收件箱的为准" in line
    log = query(wd, "SELECT week, old_file, new_file, note FROM replacements ORDER BY rowid")
    assert [(w, o, n) for w, o, n, _ in log] == [("2026-W47", "周查表.xlsx / 三年级1班", "周查表.xlsx / 三年级1班")] * 2
    assert log[-1][3] == line
    assert accounting(wd / "kc.sqlite")["花名册.xlsx"] == (5, 5, 0)
    v1_id = query(wd, "SELECT id FROM files WHERE rel='周查表.xlsx' ORDER BY id LIMIT 1")[0][0]
    assert query(wd, f"SELECT COUNT(*), COUNT(DISTINCT key) FROM check_rows WHERE file_id={v1_id}") == [(5, 5)]
    assert query(wd, "SELECT COUNT(*), SUM(unexcused), SUM(sick) FROM marks") == [(25, 3.0, 1.0)]
    assert_rerun_changes_nothing(wd)


def test_removing_the_correction_rebuilds_the_class_week_from_the_file_still_in_the_inbox(tmp_path):
    """v1 in 周查表.xlsx, v2 in 周查表_更正.xlsx (v2 wins: 0, 1); 周查表_更正.xlsx deleted → the class-week
    is rebuilt from 周查表.xlsx (read again from the inbox): 1, 3."""
    wd = school(tmp_path / "s")
    check_file(wd / "inbox" / "周查表.xlsx", TITLE, W47, V1)
    check_file(wd / "inbox" / "周查表_更正.xlsx", TITLE, W47, V2)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert sick_unexcused(wd) == (0, 1)
    assert "三年级1班 2026-W47 的周查表已由 周查表_更正.xlsx / 三年级1班 替换（原为 周查表.xlsx / 三年级1班）" in res.output
    assert accounting(wd / "kc.sqlite")["周查表.xlsx"] == (5, 0, 0)
    assert superseded(wd / "kc.sqlite") == {"花名册.xlsx": 0, "周查表.xlsx": 5, "周查表_更正.xlsx": 0}

    (wd / "inbox" / "周查表_更正.xlsx").unlink()
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert sick_unexcused(wd) == (1, 3)
    line = next(x for x in res.output.splitlines() if "重建" in x)
    assert line == ("三年级1班 2026-W47 的周查表已按收件箱中的 周查表.xlsx / 三年级1班 重建"
                    "（原为 周查表_更正.xlsx / 三年级1班，该文件已不在收件箱中）")
    acc = accounting(wd / "kc.sqlite")
    assert acc["周查表.xlsx"] == (5, 5, 0) and acc["花名册.xlsx"] == (5, 5, 0)
    assert_rerun_changes_nothing(wd)


def test_a_file_that_cannot_be_read_again_now_leaves_the_marks_and_says_so(tmp_path, monkeypatch):
    """The correction removed while 周查表.xlsx cannot be read (locked): the class-week keeps v2's marks
    (0, 1) and the console says why, each run; once it can be read, it is rebuilt (1, 3)."""
    from kc_batch.app import importer
    wd = school(tmp_path / "s")
    check_file(wd / "inbox" / "周查表.xlsx", TITLE, W47, V1)
    check_file(wd / "inbox" / "周查表_更正.xlsx", TITLE, W47, V2)
    assert weekly(wd).exit_code == 0
    (wd / "inbox" / "周查表_更正.xlsx").unlink()
    monkeypatch.setattr(importer, "_reread", lambda *args: (None, None))
    said = ("三年级1班 2026-W47 的周查表应按收件箱中的 周查表.xlsx / 三年级1班 重新读取，但该文件现在无法读取"
            "（可能正被其他程序占用），本次暂用原有考勤；请关闭该文件后重新运行")
    for _ in range(2):
        res = weekly(wd)
        assert res.exit_code == 0, res.output
        assert said in res.output.splitlines()
        assert sick_unexcused(wd) == (0, 1)
    monkeypatch.undo()
    res = weekly(wd)
    assert res.exit_code == 0 and "重建" in res.output
    assert sick_unexcused(wd) == (1, 3)


def test_a_copy_of_a_file_already_in_the_inbox_is_no_new_arrival(tmp_path):
    """README 口径: a file already in the inbox copied under another name is not "newer" — v2 stays."""
    wd = school(tmp_path / "s")
    v1 = check_file(wd / "inbox" / "周查表.xlsx", TITLE, W47, V1)
    check_file(wd / "inbox" / "周查表_更正.xlsx", TITLE, W47, V2)
    assert weekly(wd).exit_code == 0
    (wd / "inbox" / "周查表 - 副本.xlsx").write_bytes(v1)
    assert_rerun_changes_nothing(wd)
    assert sick_unexcused(wd) == (0, 1)


# the real 第12周 file: 学生1 旷 Mon, Tue → 0, 2.  The 第13周 file made from it with the dates left at
# 第12周's: 学生3 旷 all week, 学生4 病 Tue → 1, 5 (filed under 2026-W47: date headers win, §13.23).
REAL_W47 = {"学生1": {W47[0]: "旷", W47[1]: "旷"}}
W48_MARKS = {"学生3": dict.fromkeys(range(5), "旷"), "学生4": {1: "病"}}


def w48_marks(days: list[dt.date]) -> dict:
    return {name: {days[i]: mark for i, mark in by_day.items()} for name, by_day in W48_MARKS.items()}


def bad_week_folder(tmp_path: Path) -> Path:
    """第12周 imported, then the 第13周 file with 第12周's dates: it takes 2026-W47's place."""
    wd = school(tmp_path / "s")
    check_file(wd / "inbox" / "三年级1班第12周.xlsx", "三年级(1)班第12周周查表", W47, REAL_W47)
    assert weekly(wd).exit_code == 0
    assert sick_unexcused(wd) == (0, 2)
    check_file(wd / "inbox" / "三年级1班第13周.xlsx", "三年级(1)班第13周周查表", W47, w48_marks(W47))
    res = weekly(wd, "2026-W48")
    assert res.exit_code == 0, res.output
    assert ("三年级1班 2026-W47 的周查表已由 三年级1班第13周.xlsx / 三年级1班 替换"
            "（原为 三年级1班第12周.xlsx / 三年级1班）") in res.output.splitlines()
    assert class_row(wd, "2026-W48")["旷课人次"] == "未报"
    assert weekly(wd).exit_code == 0
    assert sick_unexcused(wd) == (1, 5)
    # the real file's 5 rows are neither stored nor input errors now: they are superseded (and said so)
    assert accounting(wd / "kc.sqlite")["三年级1班第12周.xlsx"] == (5, 0, 0)
    assert superseded(wd / "kc.sqlite")["三年级1班第12周.xlsx"] == 5
    assert accounting(wd / "kc.sqlite")["三年级1班第13周.xlsx"] == (5, 5, 0)
    return wd


REBUILT = ("三年级1班 2026-W47 的周查表已按收件箱中的 三年级1班第12周.xlsx / 三年级1班 重建"
           "（原为 三年级1班第13周.xlsx / 三年级1班，该文件已不在收件箱中）")


def test_fixing_the_dates_of_a_file_with_last_weeks_dates_brings_the_real_week_back(tmp_path):
    """The clerk corrects the dates of 三年级1班第13周.xlsx: 2026-W48 gets its marks (1, 5) and 2026-W47
    is rebuilt from 三年级1班第12周.xlsx, which is still in the inbox (0, 2)."""
    wd = bad_week_folder(tmp_path)
    check_file(wd / "inbox" / "三年级1班第13周.xlsx", "三年级(1)班第13周周查表", W48, w48_marks(W48))
    res = weekly(wd, "2026-W48")
    assert res.exit_code == 0, res.output
    assert REBUILT.replace("，该文件已不在收件箱中", " 的旧版本，收件箱中的该文件已是另一版本") in res.output.splitlines()
    assert sick_unexcused(wd, "2026-W48") == (1, 5)
    assert weekly(wd).exit_code == 0
    assert sick_unexcused(wd) == (0, 2)
    assert query(wd, "SELECT week, SUM(unexcused), SUM(sick), COUNT(*) FROM marks GROUP BY week ORDER BY week") == \
        [("2026-W47", 2.0, 0.0, 25), ("2026-W48", 5.0, 1.0, 25)]
    acc = accounting(wd / "kc.sqlite")  # the newest 三年级1班第13周.xlsx (the fixed one) is the one keyed
    assert acc == {"花名册.xlsx": (5, 5, 0), "三年级1班第12周.xlsx": (5, 5, 0), "三年级1班第13周.xlsx": (5, 5, 0)}
    assert_rerun_changes_nothing(wd, "2026-W48")
    assert_rerun_changes_nothing(wd)


def test_removing_a_file_with_last_weeks_dates_brings_the_real_week_back(tmp_path):
    """The clerk takes the bad file out of the inbox: 2026-W47 is rebuilt from 三年级1班第12周.xlsx."""
    wd = bad_week_folder(tmp_path)
    (wd / "inbox" / "三年级1班第13周.xlsx").unlink()
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert REBUILT in res.output.splitlines()
    assert sick_unexcused(wd) == (0, 2)
    assert accounting(wd / "kc.sqlite")["三年级1班第12周.xlsx"] == (5, 5, 0)
    assert query(wd, "SELECT note FROM replacements ORDER BY rowid")[-1] == (REBUILT,)
    assert_rerun_changes_nothing(wd)


def test_a_class_week_whose_files_all_left_the_inbox_keeps_its_marks(tmp_path):
    """README 口径: clearing old weeks out of the inbox loses nothing — with no file left to rebuild
    from, the marks stored stay (0, 2)."""
    wd = school(tmp_path / "s")
    check_file(wd / "inbox" / "三年级1班第12周.xlsx", "三年级(1)班第12周周查表", W47, REAL_W47)
    assert weekly(wd).exit_code == 0
    (wd / "inbox" / "三年级1班第12周.xlsx").unlink()
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert "重建" not in res.output and "替换" not in res.output
    assert sick_unexcused(wd) == (0, 2)
