"""`kc census` and `kc transition` read the rosters of one 学年 (issue 15 gap; §15.2: the store keeps
every year, each report is of one 学年). The two-year school of test_rollover, rolled over to 2027.

By hand (test_rollover's docstring): 张六甲 (六年级, born 2014-03-xx) graduates on 2027-07-02 and is on no
roster of 学年 2027 — the promotion file holds everyone else; 张五乙 moves up to 六年级. A population
list naming both, in the census:
  * as of 2027-09-25 (学年 2027, age on 2027-08-31: 张六甲 13 → 初中, 张五乙 12 → 初中): 张六甲 is on no
    roster of the year → 适龄未入学; 张五乙 matched, 在读, 六年级. (Reading every year's rosters, 张六甲
    would match his old 六年级 row and show as 毕业 in 在籍学生 instead.)
  * as of 2027-06-10 (学年 2026): both on the old roster, 在读 → no 适龄未入学.
The transition to 2027 with a graduates file naming 张七甲 (on the old year's 七年级 roster, promoted to
八年级): a 七年级 row of 学年 2026 is no arrival in 学年 2027's 七年级 → 未升学 (all years' rows: 已升学).
"""
from __future__ import annotations

import datetime as dt

from test_census import list_rows
from test_rollover import BY_NAME, kc, new_roster, rollover, workdir, year_one_files, year_one_late_files
from school import write

D = dt.date
POP_HEADER = ["姓名", "身份证号", "出生日期", "性别", "户籍所在地"]


def rolled_over(tmp_path, run_day):
    wd = workdir(tmp_path)
    year_one_files(wd / "inbox")
    year_one_late_files(wd / "inbox")
    run_day(D(2027, 7, 5))
    rollover(wd)
    new_roster(wd / "inbox")
    pop = tmp_path / "适龄儿童名册.xlsx"
    write(pop, {"名册": [POP_HEADER] + [[BY_NAME[n]["name"], BY_NAME[n]["id"], BY_NAME[n]["birth"], BY_NAME[n]["sex"],
                                        "示例村"] for n in ("张六甲", "张五乙")]})
    return wd, pop


def census(wd, pop, as_of):
    res = kc("census", pop, "--dir", wd, "--as-of", as_of)
    assert res.exit_code == 0, res.output
    return wd / "out" / "census" / f"人籍比对_示例学校_{as_of}.xlsx"


def test_census_reads_the_rosters_of_the_as_of_school_year(tmp_path, run_day):
    wd, pop = rolled_over(tmp_path, run_day)
    run_day(D(2027, 9, 25))
    new_year = census(wd, pop, "2027-09-25")
    assert [(r["姓名"], r["应在学段"]) for r in list_rows(new_year, "适龄未入学")] == [("张六甲", "初中")]
    assert [(r["姓名"], r["年级"], r["学籍状态"]) for r in list_rows(new_year, "在籍学生")] == [("张五乙", "六年级", "在读")]

    old_year = census(wd, pop, "2027-06-10")
    assert list_rows(old_year, "适龄未入学") == []
    assert [(r["姓名"], r["年级"], r["学籍状态"]) for r in list_rows(old_year, "在籍学生")] == [
        ("张六甲", "六年级", "在读"), ("张五乙", "五年级", "在读")]


def test_transition_counts_this_school_years_seventh_grade_only(tmp_path, run_day):
    wd, _ = rolled_over(tmp_path, run_day)
    run_day(D(2027, 9, 25))
    s = BY_NAME["张七甲"]
    grads = tmp_path / "毕业生名册.xlsx"
    write(grads, {"Sheet1": [["学籍号", "身份证号", "姓名", "性别", "出生日期"],
                             ["G" + s["id"], s["id"], s["name"], s["sex"], s["birth"]]]})
    res = kc("transition", "--year", 2027, "--graduates", grads, "--dir", wd)
    assert res.exit_code == 0, res.output
    path = wd / "out" / "transition" / "小升初对接_示例学校_2027.xlsx"
    assert [r["姓名"] for r in list_rows(path, "未升学")] == ["张七甲"]
    assert list_rows(path, "已升学") == []
