"""kc daily --date (SPEC §16): the 开学一周日报 of the second 学年 of tests/test_rollover.py's school.

秋季学期 2027 starts Wed 2027-09-01. Partial 周查表 (only 9月1日 and 9月2日) from two classes:
  二年级1班 (promoted 一年级): 张一甲 present both days; 张一乙 旷 both days.
  五年级1班: 张四甲 present; 张四乙 旷 on 9/1, present 9/2; 张四丙 present; 张五甲 辍学 since May (not 在读).
家访登记表: 张一乙 2027-09-02 王老师 入户, 结果 “家长承诺明日返校”.
By hand, as of 2027-09-02:
  应到 (在读 on the day): 一年级 2, 二年级 2, 三年级 2 (张三乙 休学 is not), 四年级 1, 五年级 3, 六年级 2,
       八年级 2, 九年级 1 → 15.
  实到: 二年级 1, 五年级 3; 未到: 二年级 1, 五年级 0; the other 6 classes sent nothing (实到/未到 blank).
  合计: 应到 15, 实到 4, 未到 1, “6 个班未报”.
  未返校名单: 张一乙 (家访 “2027-09-02 王老师 入户：家长承诺明日返校”) and the 10 students of the classes
       without data (说明 本班无考勤数据) → 11; 张四乙 is back (present on 9/2).
"""
from __future__ import annotations

import datetime as dt

import openpyxl

from school import check_sheet, write
from test_rollover import BY_NAME, D, kc, step_by_step

DAYS = [D(2027, 9, 1), D(2027, 9, 2)]


def first_days(wd):
    inbox = wd / "inbox"
    g2 = [BY_NAME["张一甲"], BY_NAME["张一乙"]]
    g5 = [BY_NAME[n] for n in ("张四甲", "张四乙", "张四丙")]
    write(inbox / "周查表0901.xlsx", {
        "二年级1班": check_sheet("二年级(1)班周查表", DAYS, {"张一乙": {d: "旷" for d in DAYS}}, g2),
        "五年级1班": check_sheet("五年级(1)班周查表", DAYS, {"张四乙": {DAYS[0]: "旷"}}, g5)})
    s = BY_NAME["张一乙"]
    write(inbox / "家访0902.xlsx", {"家访": [["家访登记表"],
                                          ["家访日期", "学籍号", "姓名", "年级", "班级", "家访教师", "教师身份", "方式", "家访原因", "结果"],
                                          ["2027-09-02", "G" + s["id"], "张一乙", "二年级", "1班", "王老师", "班主任", "入户",
                                           "未返校", "家长承诺明日返校"]]})


def grid(path, sheet):
    return [list(r) for r in openpyxl.load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True)]


def test_daily_report_by_hand(tmp_path, run_day):
    wd, *_ = step_by_step(tmp_path, run_day)
    first_days(wd)
    run_day(D(2027, 9, 2))
    res = kc("daily", "--dir", wd, "--date", "2027-09-02")
    assert res.exit_code == 0, res.output
    assert "应到 15，实到 4（2/8 个班已报），未返校 11 人" in res.output
    path = wd / "out" / "daily" / "开学日报_示例学校_2027-09-02.xlsx"
    rows = {(r[0], r[1]): r[2:6] for r in grid(path, "开学日报") if r[0] and str(r[0]).endswith(("年级", "合计"))}
    assert rows[("二年级", "1班")] == [2, 1, 1, None]
    assert rows[("五年级", "1班")] == [3, 3, 0, None]
    assert rows[("三年级", "1班")] == [2, None, None, "本日未收到周查表"]
    assert rows[("合计", "")] == [15, 4, 1, "6 个班未报"]
    missing = [r for r in grid(path, "未返校名单") if isinstance(r[0], int)]
    assert len(missing) == 11
    one = next(r for r in missing if r[2] == "张一乙")
    assert one[7] == "2027-09-02 王老师 入户：家长承诺明日返校" and one[8] in (None, "")
    assert {r[2] for r in missing if r[8] == "本班无考勤数据"} == {
        "张新甲", "张新乙", "张二甲", "张二乙", "张三甲", "张五乙", "张六乙", "张七甲", "张七乙", "张八乙"}


def test_daily_refuses_a_day_outside_the_terms(tmp_path, run_day):
    wd, *_ = step_by_step(tmp_path, run_day)
    res = kc("daily", "--dir", wd, "--date", "2027-09-04")  # a Saturday
    assert res.exit_code == 2 and "2027年9月4日不是教学日" in res.output
    res = kc("daily", "--dir", wd, "--date", "2027-9-x")
    assert res.exit_code == 2 and "日期“2027-9-x”格式不对" in res.output
