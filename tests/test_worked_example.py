"""SPEC §14, the worked example: every figure below is the spec's own, worked out by hand there."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner

from school import change_sheet, check_sheet, make_id, make_workdir, roster_sheet, write

from kc_batch.cli import main

D = dt.date
W41 = [D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10)]
W42 = [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)]
W43 = [D(2026, 10, 19), D(2026, 10, 20)]

STUDENTS = [
    dict(name="甲", sex="男", birth=D(2017, 3, 1), id=make_id(D(2017, 3, 1), 1, True)),
    dict(name="乙", sex="女", birth=D(2017, 4, 2), id=make_id(D(2017, 4, 2), 2, False)),
    dict(name="丙", sex="男", birth=D(2017, 5, 3), id=make_id(D(2017, 5, 3), 3, True)),
    dict(name="丁", sex="女", birth=D(2017, 6, 4), id=make_id(D(2017, 6, 4), 4, False), poor="是"),
    dict(name="戊", sex="男", birth=D(2017, 7, 5), id=make_id(D(2017, 7, 5), 5, True)),
]
DASH = "—"
MARKS = {
    "乙": {d: "旷" for d in W41[1:] + W42 + W43},
    "丙": {D(2026, 10, 8): "病", D(2026, 10, 9): "旷", D(2026, 10, 15): "旷", D(2026, 10, 16): "旷"},
    "丁": {D(2026, 10, 12): "事", D(2026, 10, 13): "事"},
    "戊": {d: DASH for d in W42[2:] + W43},
}


def build(tmp_path):
    wd = make_workdir(tmp_path / "school")
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", STUDENTS)})
    for label, days in (("W41", W41), ("W42", W42), ("W43", W43)):
        write(inbox / f"周查表_{label}.xlsx",
              {"三年级1班": check_sheet("三年级(1)班 周查表", days, MARKS, STUDENTS)})
    wu = STUDENTS[4]
    write(inbox / "学籍变动.xlsx", {"变动": change_sheet([
        ["G" + wu["id"], wu["id"], "戊", "三年级", "1班", "转出", "2026-10-14", "城关小学", "2026-10-20", "随父母", "", ""]])})
    return wd


def sheet_rows(path, name):
    ws = openpyxl.load_workbook(path, data_only=True)[name]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def header_index(rows, first_header):
    for i, r in enumerate(rows):
        if r and r[0] == first_header:
            return i
    raise AssertionError(f"no header row starting {first_header}")


def by_header(rows, first_header):
    i = header_index(rows, first_header)
    header, out = rows[i], []
    for r in rows[i + 1:]:
        if all(v in (None, "") for v in r):
            break  # the table ends at the blank row above the footer
        out.append(dict(zip(header, r)))
    return header, out


def run_weekly(wd, week):
    res = CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", week])
    assert res.exit_code == 0, res.output
    return wd / "out" / week / f"周查汇总_示例小学_{week}.xlsx"


def test_weekly_w42_matches_spec_14(tmp_path):
    wd = build(tmp_path)
    path = run_weekly(wd, "2026-W42")
    header, rows = by_header(sheet_rows(path, "周汇总"), "年级")
    cls = rows[0]
    assert (cls["年级"], cls["班级"]) == ("三年级", "1班")
    assert cls["在册人数"] == 4
    assert cls["应出勤人次"] == 22
    assert cls["实出勤人次"] == 13
    assert cls["出勤率"] == pytest.approx(13 / 22)
    assert (cls["迟到人次"], cls["病假人次"], cls["事假人次"], cls["旷课人次"]) == (0, 0, 2, 7)
    assert cls["本周转出"] == 1 and cls["本周转入"] == 0
    assert cls["疑似辍学人数"] == 1

    _, alerts = by_header(sheet_rows(path, "缺勤预警"), "学籍号")
    by_name = {a["姓名"]: a for a in alerts}
    assert set(by_name) == {"乙", "丙", "丁"}
    yi = by_name["乙"]
    assert yi["连续旷课天数"] == 7
    assert yi["首次旷课日期"].date() == D(2026, 10, 9)
    assert yi["累计旷课天数"] == 7
    assert yi["缺勤率"] == pytest.approx(7 / 8)
    assert yi["预警级别"] == "第4级（连续7天）"
    assert yi["截止日期"].date() == D(2026, 10, 19)
    bing = by_name["丙"]
    assert (bing["连续旷课天数"], bing["累计旷课天数"]) == (2, 3)
    assert bing["首次旷课日期"].date() == D(2026, 10, 15)
    assert bing["缺勤率"] == pytest.approx(4 / 8)
    assert bing["预警级别"] == "第2级（连续2天）"
    assert bing["截止日期"].date() == D(2026, 10, 16)
    ding = by_name["丁"]
    assert ding["预警级别"] == "长期缺勤预警"
    assert ding["缺勤率"] == pytest.approx(2 / 8)
    assert ding["类别"] == "建档立卡"

    _, cases = by_header(sheet_rows(path, "台账"), "学籍号")
    assert [(c["姓名"], c["开立日期"].date(), c["类别"], c["状态"]) for c in cases] == [
        ("乙", D(2026, 10, 16), "疑似辍学", "在办")]


def test_weekly_rerun_changes_nothing(tmp_path):
    wd = build(tmp_path)
    first = sheet_rows(run_weekly(wd, "2026-W42"), "周汇总")
    store_before = (wd / "kc.sqlite").stat().st_size
    second = sheet_rows(run_weekly(wd, "2026-W42"), "周汇总")
    assert first == second
    import sqlite3
    db = sqlite3.connect(wd / "kc.sqlite")
    assert db.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 5
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1
    assert store_before > 0
