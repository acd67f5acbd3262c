"""kc rollover --year (SPEC §15.2): a two-year school, one class per grade 1–9, two students each.

学年 2026 (kc.toml: 秋季 2026-09-01…2027-01-22, 春季 2027-02-22…2027-07-02; last school day Fri 2027-07-02):
  roster: 一年级…九年级 1班, students 张<grade>甲 and 张<grade>乙 (18).
  register A (up to 06-20): 张三乙 休学 2027-03-01; 张五甲 辍学 2027-05-10 (厌学); 张四丙 转入 四年级 2027-06-01.
  register B (after 06-20): 张六乙 留级 2027-06-25; 张八甲 转出 2027-07-01 (回执 07-01).
Rollover to 2027 at 2027-07-02, by hand:
  毕业 3: 张六甲 (六年级; 张六乙 留级), 张九甲, 张九乙.   留级 1 (张六乙 stays 六年级).
  休学 1 (张三乙 stays 三年级), 辍学 1 (张五甲 stays 五年级, its case 在办 carries over).
  升级 12: 一→二 2, 二→三 2, 三→四 1 (张三甲), 四→五 3 (甲乙丙), 五→六 1 (张五乙), 七→八 2, 八→九 1 (张八乙).
学年 2027: new roster 一年级1班 (张新甲, 张新乙, title “2027学年”); register C: 张二甲 (now 三年级) 转出 2027-09-10.

月报表 by hand (§5.3: 上月末 + increases − decreases = 本月末 on every row):
  2027-06 (05-21…06-20, 上月末 at 05-20): 上月末 16 (18 − 休学 − 辍学), 本月转入 1 (四年级), 本月末 17;
          当前辍学 1, 累计辍学 1.
  2027-07 (06-21…07-20): 上月末 17, 本月转出 1 (八年级), 本月毕业 3 (六年级 1, 九年级 2), 本月末 13.
          巩固基数 = 18 at 学年初 + 1 转入 − 3 毕业 − 1 转出 (回执) = 15; 在读 13 → 巩固率 13/15.
  2027-09 (学年初 09-01…09-20): 学年初在校生 15 = 一 2 + 二 2 + 三 2 (张三乙 休学) + 四 1 + 五 3 (张五甲 辍学)
          + 六 2 + 八 2 + 九 1; 本月转出 1 (三年级), 本月末 14; 当前辍学 1 (往年辍学 张五甲), 累计辍学 0;
          巩固基数 15 − 1 转出 (回执) = 14, 在读 14 → 巩固率 1.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

import openpyxl
from click.testing import CliRunner

from school import change_sheet, make_id, roster_sheet, write
from test_graduation import monthly_table

from kc_batch.cli import main

D = dt.date
GRADES = "一二三四五六七八九"
TOML = """\
# 示例学校的配置（测试）
[unit]
name = "示例学校"   # 填报单位
level = "school"
stages = ["小学", "初中"]

[calendar]
year_start = 2026-09-01          # 学年初
# 学期（请核对）
terms = [
    { name = "秋季学期", start = 2026-09-01, end = 2027-01-22 },
    { name = "春季学期", start = 2027-02-22, end = 2027-07-02 },
]
holidays = [2026-10-01, 2026-10-02]
cutoff_day = 20
"""
PLUS = ["本月新生入学", "本月转入", "本月复学", "本月劝返复学"]
MINUS = ["本月转出", "本月休学", "本月死亡", "本月辍学", "本月毕业"]


def kid(name, seq, grade):
    birth = D(2020 - grade, 3, 1) + dt.timedelta(days=seq)
    return dict(name=name, sex="男" if seq % 2 else "女", birth=birth, id=make_id(birth, seq, seq % 2 == 1))


KIDS = {g: [kid(f"张{GRADES[g - 1]}{x}", g * 10 + i, g) for i, x in enumerate("甲乙", start=1)] for g in range(1, 10)}
NEWCOMER = kid("张四丙", 99, 4)
FIRST_GRADERS = [kid("张新甲", 101, 1), kid("张新乙", 102, 1)]
BY_NAME = {s["name"]: s for ks in KIDS.values() for s in ks} | {NEWCOMER["name"]: NEWCOMER}


def change(name, grade, kind, day, other="", receipt="", reason=""):
    s = BY_NAME[name]
    return ["G" + s["id"], s["id"], name, GRADES[grade - 1] + "年级", "1班", kind, day, other, receipt, reason, "王老师", ""]


def year_one_files(inbox):
    write(inbox / "花名册2026.xlsx", {f"{GRADES[g - 1]}年级1班": roster_sheet(f"示例学校{GRADES[g - 1]}年级(1)班学生花名册",
                                                                       KIDS[g]) for g in range(1, 10)})
    write(inbox / "变动A.xlsx", {"变动": change_sheet([
        change("张三乙", 3, "休学", "2027-03-01", reason="病"),
        change("张五甲", 5, "辍学", "2027-05-10", reason="厌学"),
        change("张四丙", 4, "转入", "2027-06-01", other="外县小学")])})


def year_one_late_files(inbox):
    write(inbox / "变动B.xlsx", {"变动": change_sheet([
        change("张六乙", 6, "留级", "2027-06-25"),
        change("张八甲", 8, "转出", "2027-07-01", other="外县中学", receipt="2027-07-01")])})


def year_two_files(inbox):
    write(inbox / "变动C.xlsx", {"变动": change_sheet([
        change("张二甲", 3, "转出", "2027-09-10", other="外县小学", receipt="2027-09-12")])})


def new_roster(inbox):
    write(inbox / "花名册2027.xlsx", {"一年级1班": roster_sheet("示例学校2027学年一年级(1)班学生花名册", FIRST_GRADERS)})


def kc(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def workdir(tmp_path):
    wd = tmp_path / "示例学校"
    (wd / "inbox").mkdir(parents=True)
    (wd / "kc.toml").write_text(TOML, encoding="utf-8")
    return wd


def monthly(wd, month):
    res = kc("monthly", "--dir", wd, "--month", month)
    assert res.exit_code == 0, res.output
    return monthly_table(wd / "out" / month / f"控辍保学月报_示例学校_{month}.xlsx")[1]


def rollover(wd, *extra, code=0):
    res = kc("rollover", "--dir", wd, "--year", 2027, *extra)
    assert res.exit_code == code, res.output
    return res.output


def assert_balanced(rows, month):
    for label, r in rows.items():
        assert r["上月末在校生"] + sum(r[c] for c in PLUS) - sum(r[c] for c in MINUS) == r["本月末在校生"], (month, label)


def figures(rows, *columns):
    return {label: tuple(r[c] for c in columns) for label, r in rows.items()}


def step_by_step(tmp_path, run_day):
    """Each file arrives when it would; a report after each."""
    wd = workdir(tmp_path / "step")
    year_one_files(wd / "inbox")
    run_day(D(2027, 6, 25))
    june = monthly(wd, "2027-06")
    year_one_late_files(wd / "inbox")
    run_day(D(2027, 7, 5))
    out = rollover(wd)
    july = monthly(wd, "2027-07")
    run_day(D(2027, 9, 25))
    new_roster(wd / "inbox")
    year_two_files(wd / "inbox")
    sept = monthly(wd, "2027-09")
    return wd, out, june, july, sept


def all_at_once(tmp_path, run_day):
    """Every file in the inbox before the rollover (the new roster is refused then, imported after)."""
    wd = workdir(tmp_path / "once")
    for files in (year_one_files, year_one_late_files, year_two_files, new_roster):
        files(wd / "inbox")
    run_day(D(2027, 9, 25))
    out = rollover(wd)
    sept = monthly(wd, "2027-09")
    return wd, out, monthly(wd, "2027-06"), monthly(wd, "2027-07"), sept


def test_two_years_balance_and_match_by_hand(tmp_path, run_day):
    wd, out, june, july, sept = step_by_step(tmp_path, run_day)
    assert "毕业 3 人，升级 12 人，留级 1 人，休学保留年级 1 人，辍学保留年级 1 人，转入新学年的在办案件 1 件" in out
    for rows, month in ((june, "06"), (july, "07"), (sept, "09")):
        assert_balanced(rows, month)
    total = ("上月末在校生", "本月转入", "本月转出", "本月毕业", "本月末在校生", "当前辍学", "累计辍学")
    assert figures(june, *total)["合计"] == (16, 1, 0, 0, 17, 1, 1)
    assert figures(july, *total)["合计"] == (17, 0, 1, 3, 13, 1, 1)
    assert figures(july, "本月毕业")["六年级"] == (1,) and figures(july, "本月毕业")["九年级"] == (2,)
    assert abs(july["合计"]["巩固率"] - 13 / 15) < 1e-9
    assert sept["合计"]["学年初在校生"] == 15 and figures(sept, *total)["合计"] == (15, 0, 1, 0, 14, 1, 0)
    start = {label: r["学年初在校生"] for label, r in sept.items() if label.endswith("年级")}
    assert start == {"一年级": 2, "二年级": 2, "三年级": 2, "四年级": 1, "五年级": 3, "六年级": 2, "八年级": 2,
                     "九年级": 1}
    assert sept["五年级"]["当前辍学"] == 1 and sept["合计"]["巩固率"] == 1
    book = openpyxl.load_workbook(wd / "out" / "2027-09" / "控辍保学月报_示例学校_2027-09.xlsx")["辍学学生名单"]
    row = next(r for r in book.iter_rows(values_only=True) if "张五甲" in r)
    assert "往年辍学" in row and "五年级" in row


def test_week_by_week_and_all_at_once_agree(tmp_path, run_day):
    _, _, *step = step_by_step(tmp_path, run_day)
    _, _, *once = all_at_once(tmp_path, run_day)
    assert step == once


def test_kc_toml_advanced_with_its_comments_and_the_old_one_kept(tmp_path, run_day):
    wd, *_ = step_by_step(tmp_path, run_day)
    assert (wd / "kc.toml.2026").read_text(encoding="utf-8") == TOML
    new = (wd / "kc.toml").read_text(encoding="utf-8")
    expected = (TOML.replace("year_start = 2026-09-01", "year_start = 2027-09-01")
                .replace("start = 2026-09-01, end = 2027-01-22", "start = 2027-09-01, end = 2028-01-22")
                .replace("start = 2027-02-22, end = 2027-07-02", "start = 2028-02-22, end = 2028-07-02"))
    assert new == expected  # comments, holidays and every other line as they were


def test_refusals_twice_too_early_and_dry_run(tmp_path, run_day):
    wd = workdir(tmp_path)
    year_one_files(wd / "inbox")
    run_day(D(2027, 6, 30))  # 春季学期 ends 2027-07-02
    out = rollover(wd, code=2)
    assert "2026学年的最后一个学期到2027年7月2日才结束" in out and "--force" in out
    assert not (wd / "kc.sqlite").exists() or not sqlite3.connect(wd / "kc.sqlite").execute(
        "SELECT name FROM sqlite_master WHERE name='rollovers'").fetchone() or not _rollovers(wd)
    run_day(D(2027, 7, 5))
    dry = rollover(wd, "--dry-run")
    assert "试运行" in dry and "毕业：六年级1班 张六甲" in dry and "辍学：五年级1班 张五甲" in dry
    assert (wd / "kc.toml").read_text(encoding="utf-8") == TOML and not (wd / "kc.toml.2026").exists()
    rollover(wd)
    assert _rollovers(wd) == [(2027, "2027-07-02")]
    again = rollover(wd, code=2)
    assert "2027学年已经升级过" in again and "--force" in again
    before = _promoted(wd)
    forced = rollover(wd, "--force")
    assert "kc.toml 已是2027学年" in forced and _promoted(wd) == before  # redone from the same data: the same


def test_new_year_roster_before_the_rollover_is_refused(tmp_path, run_day):
    wd = workdir(tmp_path)
    year_one_files(wd / "inbox")
    new_roster(wd / "inbox")
    run_day(D(2027, 6, 25))
    res = kc("monthly", "--dir", wd, "--month", "2027-06")
    assert res.exit_code == 0, res.output
    assert ("花名册2027.xlsx 工作表“一年级1班”是2027学年的花名册，而 kc.toml 仍是2026学年：请先运行 kc rollover --year 2027"
            in res.output)
    db = sqlite3.connect(wd / "kc.sqlite")
    assert db.execute("SELECT COUNT(*) FROM files WHERE rel='花名册2027.xlsx'").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM roster_rows WHERE name IN ('张新甲','张新乙')").fetchone() == (0,)
    errors = openpyxl.load_workbook(wd / "out" / "2027-06" / "控辍保学月报_示例学校_2027-06.xlsx")["输入错误"]
    cells = [r for r in errors.iter_rows(values_only=True) if any("花名册2027.xlsx" in str(c) for c in r)]
    assert len(cells) == 1 and "一年级1班" in cells[0]  # the whole file is one 输入错误 row, nothing stored


def _rollovers(wd):
    return sqlite3.connect(wd / "kc.sqlite").execute("SELECT year, last_day FROM rollovers").fetchall()


def _promoted(wd):
    return sqlite3.connect(wd / "kc.sqlite").execute(
        "SELECT r.key, r.grade, r.class_no FROM roster_rows r JOIN files f ON f.id = r.file_id "
        "WHERE f.fmt = 'rollover' ORDER BY r.key").fetchall()


def test_a_late_week_of_the_old_year_after_the_rollover(tmp_path, run_day):
    """After the rollover kc.toml is 2027's; 2027-W26 (06-28 … 07-02) is still reported with kc.toml.2026
    and the old year's roster (before this, the week was refused as outside kc.toml's 学年). 在册 at the
    week's end 07-02: 一年级 2 (张一甲, 张一乙 — not the new year's 张新甲), 八年级 1 with 本周转出 1 (张八甲
    07-01), 九年级 0 (both graduate on 07-02)."""
    wd, *_ = step_by_step(tmp_path, run_day)
    res = kc("weekly", "--dir", wd, "--week", "2027-W26")
    assert res.exit_code in (0, 3), res.output
    path = wd / "out" / "2027-W26" / "周查汇总_示例学校_2027-W26.xlsx"
    cells = [list(r) for r in openpyxl.load_workbook(path, data_only=True)["周汇总"].iter_rows(values_only=True)]
    rows = {r[0]: r for r in cells if r[0] and str(r[0]).endswith("年级")}
    assert (rows["一年级"][2], rows["八年级"][2], rows["八年级"][11], rows["九年级"][2]) == (2, 1, 1, 0)
    assert not any("张新甲" in str(c) for r in cells for c in r)


def test_graduate_on_this_years_roster_is_a_student_again(tmp_path, run_day):
    """A 九年一贯制 school's 六年级 graduate who goes on to its own 七年级: the rollover writes 张六甲's 毕业
    (2027-07-02, counted in July's 本月毕业 of 六年级), and the clerk's 2027 roster of 七年级1班 lists him.
    On this year's roster he is 在读 again: his earlier 毕业 does not hold in the new 学年 (a 辍学 of
    May would). September by hand: 学年初在校生 15 + 张六甲 (七年级) = 16; 本月转出 1 (张二甲), 本月末 15;
    巩固基数 16 − 1 = 15, 在读 15 → 巩固率 1; 七年级 学年初 1, 本月末 1."""
    wd = workdir(tmp_path)
    year_one_files(wd / "inbox")
    year_one_late_files(wd / "inbox")
    run_day(D(2027, 7, 5))
    rollover(wd)
    july = monthly(wd, "2027-07")
    assert figures(july, "本月毕业")["六年级"] == (1,)
    run_day(D(2027, 9, 25))
    new_roster(wd / "inbox")
    write(wd / "inbox" / "花名册2027七年级.xlsx",
          {"七年级1班": roster_sheet("示例学校2027学年七年级(1)班学生花名册", [BY_NAME["张六甲"]])})
    year_two_files(wd / "inbox")
    sept = monthly(wd, "2027-09")
    assert_balanced(sept, "09")
    assert sept["七年级"]["学年初在校生"] == 1 and sept["七年级"]["本月末在校生"] == 1
    assert sept["合计"]["学年初在校生"] == 16
    assert figures(sept, "本月转出", "本月毕业", "本月末在校生", "当前辍学")["合计"] == (1, 0, 15, 1)
    assert sept["合计"]["巩固率"] == 1
