"""§17.4 marks in class periods: “旷N节” counts N ÷ periods_per_day of a day 旷课 (the rest present)
in every rate and streak figure.

One class of two students, W42 (Mon 10-12 … Fri 10-16), as of 10-16.
Default periods_per_day 6: 甲 旷3节 on 10-14 → ½ day 旷课 + ½ present; 乙 旷6节 on 10-15 and 旷 on
10-16 → a whole day each: streak 2 (ladder step 2 on 10-16).
  应出勤人次 10; 旷课人次 ½ + 1 + 1 = 2.5; 实出勤人次 10 − 2.5 = 7.5; 出勤率 75.00%.
With periods_per_day = 4: 甲 旷3节 = ¾ day; 乙's 旷6节 is more than a day has, an input error (that day
no data): 应出勤人次 9, 旷课人次 0.75 + 1 = 1.75, 实出勤 9 − 1.75 = 7.25.
An impossible count (旷9节 with 6 periods) is an input error for that cell.
"""
from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from school import check_sheet, make_id, make_workdir, roster_sheet, write
from test_worked_example import by_header, sheet_rows

from kc_batch.cli import main

D = dt.date
W42 = [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)]
KIDS = [dict(name=n, sex="男", birth=D(2017, 3, i), id=make_id(D(2017, 3, i), i, True))
        for i, n in enumerate("甲乙", start=1)]


def run(tmp_path, marks, toml=""):
    wd = make_workdir(tmp_path / "s", extra_toml=toml)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("三年级(1)班学生花名册", KIDS)})
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", W42, marks, KIDS)})
    res = CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", "2026-W42"])
    assert res.exit_code == 0, res.output
    path = wd / "out" / "2026-W42" / "周查汇总_示例小学_2026-W42.xlsx"
    summary = by_header(sheet_rows(path, "周汇总"), "年级")[1][0]
    alerts = {r["姓名"]: r for r in by_header(sheet_rows(path, "缺勤预警"), "学籍号")[1]}
    errors = by_header(sheet_rows(path, "输入错误"), "文件")[1]
    return summary, alerts, errors


MARKS = {"甲": {D(2026, 10, 14): "旷3节"}, "乙": {D(2026, 10, 15): "旷6节", D(2026, 10, 16): "旷"}}


def test_periods_count_as_a_share_of_the_day(tmp_path):
    summary, alerts, _ = run(tmp_path, MARKS)
    assert (summary["应出勤人次"], summary["旷课人次"], summary["实出勤人次"]) == (10, 2.5, 7.5)
    assert summary["出勤率"] == 0.75
    assert alerts["乙"]["连续旷课天数"] == 2 and alerts["乙"]["预警级别"] == "第2级（连续2天）"


def test_periods_per_day_comes_from_kc_toml(tmp_path):
    summary, _, _ = run(tmp_path, MARKS, toml="")
    text = (tmp_path / "s" / "kc.toml").read_text(encoding="utf-8").replace("cutoff_day = 20",
                                                                             "cutoff_day = 20\nperiods_per_day = 4")
    (tmp_path / "s" / "kc.toml").write_text(text, encoding="utf-8")
    (tmp_path / "s" / "kc.sqlite").unlink()
    res = CliRunner().invoke(main, ["weekly", "--dir", str(tmp_path / "s"), "--week", "2026-W42"])
    assert res.exit_code == 0, res.output
    path = tmp_path / "s" / "out" / "2026-W42" / "周查汇总_示例小学_2026-W42.xlsx"
    four = by_header(sheet_rows(path, "周汇总"), "年级")[1][0]
    assert (four["应出勤人次"], four["旷课人次"], four["实出勤人次"]) == (9, 1.75, 7.25)


def test_more_periods_than_the_day_has_is_an_input_error(tmp_path):
    _, _, errors = run(tmp_path, {"甲": {D(2026, 10, 14): "旷9节"}})
    assert [(e["工作表"], e["行号"], e["列"], e["原值"]) for e in errors] == [("三年级1班", 3, "E列（10月14日）", "旷9节")]
