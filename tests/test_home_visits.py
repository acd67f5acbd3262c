"""家访登记 (SPEC §17): the 家访登记表 read from messy files, 家访统计 and 缺勤预警 处理情况, worked
out by hand over two weeks, and the bad rows that go to 输入错误.

School 示例小学, one class 三年级1班 (班主任 王老师 from [[classes]]), four students 甲 乙 丙 丁.
Ladder (kc.toml): step 1 days 1 “记录并告知家长” deadline 0; step 2 days 2 “班主任家访” deadline 2;
step 3 days 10 “报告校长” deadline 0. Quotas: the defaults (入户、视频 count; 班主任 全班 per 学年
and half per 学期; 科任教师 10 人次).

School days: W42 Mon 10-12 … Fri 10-16, W43 Mon 10-19 … Fri 10-23.
Marks (旷 = 旷课, blank present):
  甲: 旷 10-14, 10-15, 10-16 and all of W43   → step 1 on 10-14, step 2 on 10-15, deadline 10-15 + 2
      school days = 10-19. Visit 入户 10-16 (王老师): in the window → 已家访 10-16（王老师）in both weeks
      (streak 8 by 10-23 < 10: still step 2). Also 视频 10-20 by 赵老师 (科任教师).
  乙: 旷 10-15, 10-16 and all of W43          → step 2 on 10-16, deadline 10-20. W42 (as of 10-16 ≤ 10-20):
      待处理. Visit 入户 10-21 (王老师) is late: W43 (as of 10-23 > 10-20, nothing in [10-16, 10-20]):
      逾期未家访 — the late visit still counts in 家访统计.
  丙: 旷 10-16 and all of W43                 → W42: step 1 on 10-16 (告知家长, not a 家访 step), deadline
      10-16; a 电话 10-16 (王老师) is a visit in the window → 已处理 10-16（王老师）. W43: step 2 on 10-19,
      deadline 10-21; only a 电话 on 10-20, which does not count for a 家访 step → 逾期未家访.
  丁: present; a 劝返记录 row 10-22 (责任人 赵老师) in the 学籍变动登记表 — a visit (入户, 事由 劝返) for
      a student with no case, kept and shown.
家访统计 as of 10-16 (W42): 王老师 学年普访 应访 4, 已访 1 (甲), 未完成 3, 25%; 学期一半 应访 ⌈0.5×4⌉ = 2,
  已访 1, 未完成 1, 50%; no 科任教师 visit yet. 未家访学生: 乙, 丙 (电话 only), 丁. 家访记录: 2 rows.
家访统计 as of 10-23 (W43): 王老师 学年 应访 4, 已访 2 (甲, 乙), 未完成 2, 50%; 学期 应访 2, 已访 2,
  未完成 0, 100%; 赵老师 科任教师 应访 10, 已访 1 (视频 10-20; the 劝返记录 has no 教师身份), 未完成 9, 10%.
  未家访学生: 丙 only (丁's 劝返记录 counts as 入户). 家访记录: 6 rows, the 电话 ones with 计入定额 否.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

import openpyxl
from click.testing import CliRunner

from school import change_sheet, check_sheet, make_id, make_workdir, roster_sheet, write
from test_worked_example import by_header, sheet_rows

from kc_batch.cli import main

D = dt.date
W42 = [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)]
W43 = [D(2026, 10, 19) + dt.timedelta(days=i) for i in range(5)]
K = "旷"

LADDER = """
[[classes]]
name = "三年级1班"
teacher = "王老师"

[[policy.escalation]]
days = 1
action = "记录并告知家长，问清未到校原因"
responsible = "班主任"
deadline_days = 0

[[policy.escalation]]
days = 2
action = "班主任家访，核查离校原因"
responsible = "班主任"
deadline_days = 2

[[policy.escalation]]
days = 10
action = "报告校长"
responsible = "校长"
deadline_days = 0
"""


def student(name, n, sex="男"):
    birth = D(2017, 3, n)
    return dict(name=name, sex=sex, birth=birth, id=make_id(birth, n, sex == "男"),
                guardian=f"{name}家长", phone=f"1380000000{n}")


KIDS = [student(n, i) for i, n in enumerate("甲乙丙丁", start=1)]
MARKS = {
    "甲": {d: K for d in W42[2:] + W43},
    "乙": {d: K for d in W42[3:] + W43},
    "丙": {d: K for d in W42[4:] + W43},
}
VISIT_HEADER = ["序号", "家访\n日期", "学 籍 号", "姓名", "家访人", "教师身份", "家访方式", "事由", "家长意见"]


def visit_row(n, day, kid, teacher, role, way, purpose="旷课", result="家长答应送孩子返校"):
    return [n, day, "G" + kid["id"], kid["name"], teacher, role, way, purpose, result]


def build(tmp_path):
    wd = make_workdir(tmp_path / "school", extra_toml=LADDER)
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", KIDS)})
    write(inbox / "周查表_W42.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", W42, MARKS, KIDS)})
    write(inbox / "周查表_W43.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", W43, MARKS, KIDS)})
    jia, yi, bing, ding = KIDS
    write(inbox / "家访" / "家访登记.xlsx", {"家访": [
        ["示例小学三年级(1)班家访登记表"], VISIT_HEADER,
        visit_row(1, D(2026, 10, 16), jia, "王老师", "班主任", "入户"),
        visit_row(2, "2026/10/16", bing, "王老师", "班主任", "电话"),
        visit_row(3, D(2026, 10, 20), jia, "赵老师", "科任教师", "视频"),
        visit_row(4, "2026年10月20日", bing, "王老师", "班主任", "电话家访"),
        # 乙 by name only: the class comes from the title (§17.1: 姓名 within a class)
        [5, D(2026, 10, 21), None, " 乙 ", "王老师", "班主任", "", "旷课", "已返校"],
        ["合计", "", "", "", "", "", "", "", ""],
    ]})
    write(inbox / "学籍变动.xlsx", {"变动": change_sheet([
        ["G" + ding["id"], ding["id"], "丁", "三年级", "1班", "劝返记录", "2026-10-22", "", "", "", "赵老师", "电话后上门"]])})
    return wd


def weekly(wd, week):
    res = CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", week])
    assert res.exit_code == 0, res.output
    return wd / "out" / week / f"周查汇总_示例小学_{week}.xlsx", res


def quota_table(path):
    _, rows = by_header(sheet_rows(path, "家访统计"), "姓名")
    return [(r["姓名"], r["身份"], r["班级"], r["应访"], r["已访"], r["未完成"], r["完成率"]) for r in rows]


def handling(path):
    _, rows = by_header(sheet_rows(path, "缺勤预警"), "学籍号")
    return {r["姓名"]: r["处理情况"] for r in rows}


def not_visited(path):
    _, rows = by_header(sheet_rows(path, "未家访学生"), "年级")
    return [(r["姓名"], r["班主任"], r["监护人"], r["联系电话"]) for r in rows]


def visit_log(path):
    _, rows = by_header(sheet_rows(path, "家访记录"), "家访日期")
    return rows


def test_two_weeks_of_visits_worked_by_hand(tmp_path):
    wd = build(tmp_path)
    w42, _ = weekly(wd, "2026-W42")
    assert handling(w42) == {"甲": "已家访 10-16（王老师）", "乙": "待处理", "丙": "已处理 10-16（王老师）"}
    assert quota_table(w42) == [("王老师", "班主任", "三年级1班", 4, 1, 3, 0.25),
                                ("王老师", "班主任", "三年级1班", 2, 1, 1, 0.5)]
    assert not_visited(w42) == [("乙", "王老师", "乙家长", "13800000002"), ("丙", "王老师", "丙家长", "13800000003"),
                                ("丁", "王老师", "丁家长", "13800000004")]
    assert len(visit_log(w42)) == 2

    w43, _ = weekly(wd, "2026-W43")
    assert handling(w43) == {"甲": "已家访 10-16（王老师）", "乙": "逾期未家访", "丙": "逾期未家访"}
    assert quota_table(w43) == [("王老师", "班主任", "三年级1班", 4, 2, 2, 0.5),
                                ("王老师", "班主任", "三年级1班", 2, 2, 0, 1.0),
                                ("赵老师", "科任教师", "三年级1班", 10, 1, 9, 0.1)]
    assert not_visited(w43) == [("丙", "王老师", "丙家长", "13800000003")]
    log = visit_log(w43)
    assert [(r["姓名"], r["方式"], r["计入定额"]) for r in log] == [
        ("甲", "入户", "是"), ("丙", "电话", "否"), ("甲", "视频", "是"), ("丙", "电话", "否"),
        ("乙", "入户", "是"), ("丁", "入户", "是")]
    ding = log[-1]
    assert (ding["家访教师"], ding["事由"], ding["结果"]) == ("赵老师", "劝返", "电话后上门")
    # the responsible of the ladder step names the 班主任 from kc.toml [[classes]]
    _, alerts = by_header(sheet_rows(w43, "缺勤预警"), "学籍号")
    assert {r["责任人"] for r in alerts} == {"班主任（王老师）"}


def test_rerun_gives_the_same_cells_and_stores_no_visit_twice(tmp_path):
    wd = build(tmp_path)
    first, _ = weekly(wd, "2026-W43")
    before = {n: sheet_rows(first, n) for n in ("家访统计", "未家访学生", "家访记录", "缺勤预警")}
    again, _ = weekly(wd, "2026-W43")
    assert {n: sheet_rows(again, n) for n in before} == before
    # a visit already stored, re-sent in another file, is not stored twice and keeps its source
    write(wd / "inbox" / "家访" / "家访登记_更新.xlsx", {"家访": [
        ["示例小学三年级(1)班家访登记表"], VISIT_HEADER,
        visit_row(1, D(2026, 10, 16), KIDS[0], "王老师", "班主任", "入户"),
    ]})
    third, _ = weekly(wd, "2026-W43")
    assert {n: sheet_rows(third, n) for n in before} == before
    with sqlite3.connect(wd / "kc.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM home_visits").fetchone()[0] == 5


def test_bad_visit_rows_are_input_errors_with_file_sheet_row_and_column(tmp_path):
    """Rows read 4 = stored 1 + in 输入错误 3: an unknown student (row 4), a date before the 学年
    (row 5, column B), no 家访教师 (row 6, column E); row 3 is good."""
    wd = make_workdir(tmp_path / "school", extra_toml=LADDER)
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", KIDS)})
    write(inbox / "周查表.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", W42, MARKS, KIDS)})
    stranger = student("陌生", 9)
    write(inbox / "家访.xlsx", {"登记": [
        ["家访登记表"], VISIT_HEADER,
        visit_row(1, D(2026, 10, 16), KIDS[0], "王老师", "班主任", "入户"),
        visit_row(2, D(2026, 10, 16), stranger, "王老师", "班主任", "入户"),
        visit_row(3, D(2026, 8, 20), KIDS[1], "王老师", "班主任", "入户"),
        visit_row(4, D(2026, 10, 16), KIDS[2], "", "班主任", "入户"),
    ]})
    path, res = weekly(wd, "2026-W42")
    assert "3" in res.output and "输入错误" in res.output
    _, errors = by_header(sheet_rows(path, "输入错误"), "文件")
    mine = {(e["行号"], e["列"]): e["错误说明"] for e in errors if e["文件"] == "家访.xlsx"}
    assert all(e["工作表"] == "登记" for e in errors if e["文件"] == "家访.xlsx")
    assert set(mine) == {(4, "学籍号/姓名"), (5, "B列（家访日期）"), (6, "E列（家访教师）")}
    assert "陌生" in mine[(4, "学籍号/姓名")] and "不在任何花名册" in mine[(4, "学籍号/姓名")]
    assert "2026-08-20" in mine[(5, "B列（家访日期）")] and "不在本学年" in mine[(5, "B列（家访日期）")]
    assert "家访教师为空" in mine[(6, "E列（家访教师）")]
    with sqlite3.connect(wd / "kc.sqlite") as db:
        stored = db.execute("SELECT row FROM home_visits").fetchall()
        read = db.execute("SELECT SUM(rows_read) FROM tables_seen WHERE form='家访登记表'").fetchone()[0]
    assert stored == [(3,)] and read == 4 == len(stored) + len(mine)
    # strict: the same run exits 1
    strict = CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", "2026-W42", "--strict"])
    assert strict.exit_code == 1


def test_the_form_is_recognised_in_csv_and_shown_by_check(tmp_path):
    wd = make_workdir(tmp_path / "school", extra_toml=LADDER)
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", KIDS)})
    text = "家访日期,学生姓名,年级,班级,教师,身份,方式,家访原因,结果\n2026-10-16,甲,三年级,1班,王老师、李老师,班主任,入户,普访,好\n"
    (inbox / "家访.csv").write_bytes(text.encode("gbk"))
    res = CliRunner().invoke(main, ["check", "--dir", str(wd)])
    assert res.exit_code == 0, res.output
    assert "家访登记表" in res.output and "1 行" in res.output
    path, _ = weekly_for(wd)
    log = visit_log(path)
    assert [(r["姓名"], r["家访教师"]) for r in log] == [("甲", "王老师、李老师")]


def weekly_for(wd):
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", W42, {}, KIDS)})
    return weekly(wd, "2026-W42")
