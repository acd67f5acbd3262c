"""kc term (SPEC §16): the 学期末 report of the spring term 2027 and the 开学 report of the autumn term
2027, on tests/test_rollover.py's two-year school (one class per grade, 张<grade>甲/乙), with
[policy] suspect_after_days = 5 and these extra files:

  周查表 七年级1班, 2027-W10…W13 (03-08…04-02): 张七乙 旷 03-08…03-16 (7 school days), then present;
    张七甲 present throughout. → 第3级 03-10; 疑似辍学 03-12 (5th day): case opened 03-12 (疑似辍学);
    back 03-17 (观察中), 10th present day 03-30 → 已销号 by the return.
  家访登记表: 2026-11-10 张一甲 (班主任, 入户); 2027-03-11 张七乙 (班主任, 入户); 2027-03-12 张七乙 (班主任, 电话:
    not counted).
  The register of test_rollover: 张三乙 休学 03-01, 张五甲 辍学 05-10 (case opened 05-10, still 在办),
    张四丙 转入 四年级 06-01, 张六乙 留级 06-25, 张八甲 转出 07-01 (回执 07-01); 毕业 张六甲, 张九甲, 张九乙
    at the last school day 2027-07-02 (the rollover's plan before kc rollover, its events after).

学期末 report, 春季学期 2027-02-22…2027-07-02 (opening stock 在读 on 02-21), by hand:
  学期初在校生 18 (2 per grade); 休学 1 (三), 辍学 1 (五), 转入 1 (四), 转出 1 (八), 毕业 3 (六 1, 九 2);
  学期末在校生 18 − 1 − 1 + 1 − 1 − 3 = 13: 一 2, 二 2, 三 1, 四 3, 五 1, 六 1, 七 2, 八 1, 九 0.
  学期辍学率: 五年级 1/2, 小学小计 1/12, 初中小计 0/6, 合计 1/18.
  巩固率 (since 学年初): 巩固基数 18 + 1 转入 − 1 转出 (回执) − 3 毕业 = 15, 在读 13 → 13/15; 三年级 1/2 (休学
  stays in the base), 五年级 1/2, 九年级 empty (base 0).
  劝返成功率: cases opened in the term 2 (张七乙, 张五甲), closed by return 1 → 合计 1/2; 七年级 1/1, 五年级 0/1,
  小学小计 0/1, 初中小计 1/1, other grades empty.
  劝返台账: 2 cases; “本学期新增 2 件，销号 1 件，仍在办（含观察中）1 件”. 辍学学生名单: 张五甲.
  家访统计 (as of 07-02; 学期 quota counts the spring term's visits only): 一年级1班 学年普访 应访 2 已访 1,
  学期 应访 1 已访 0; 七年级1班 学年普访 2/1, 学期 1/1. 家访记录 3 rows (电话 not counted).
  责任落实 (period 02-22…07-02): 五年级1班 辍学 1, 七年级1班 疑似辍学 1; 无辍学班 7/9 on the 校长 row.
  预警回顾 (学年初…07-02): 第3级 1 flag (张七乙 03-10) → 返校; 疑似辍学 1 (03-12) → 返校; 准确率 0 for both.

开学 report, 秋季学期 2027 (starts Wed 09-01; 5th school day Tue 09-07), with partial 周查表:
  二年级1班 W35 (09-01…03) + W36 (09-06, 09-07): 张一甲 present; 张一乙 旷 all 5 days → 疑似辍学 on 09-07.
  五年级1班 W35 + W36: 张四乙 旷 09-01, else present; 张四甲, 张四丙 present.  家访 09-03 张一乙 (入户).
  上学期末在校生 (在读 at 2027-07-02, in the new grade): 二 2, 三 2, 四 1, 五 3, 六 2, 八 2, 九 1 → 13.
  学期间新增: 一年级 2 (the new roster); 减少 0; 应返校 15.
  本学期返校: 二 1 (张一甲), 五 3 → 4; 未返校 11 (一 2, 二 1, 三 2, 四 1, 六 2, 八 2, 九 1); 其中疑似辍学 1 (张一乙).
  辍学学生名单: 张五甲 (2027-05-10, 厌学, 学籍状态 辍学, 往年辍学).
The same figures whether the files come week by week (with kc weekly / kc daily runs between) or all at
once (one year's files, kc rollover, the spring report with --year 2026; then the next year's files).
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from school import change_sheet, check_sheet, roster_sheet, write
from test_rollover import (BY_NAME, GRADES, KIDS, TOML, D, change, kc, new_roster, rollover, year_one_late_files)

TERM_TOML = TOML + "\n[policy]\nsuspect_after_days = 5\n"
SPRING = [dt.date.fromisocalendar(2027, w, d) for w in (10, 11, 12, 13) for d in range(1, 6)]
ABSENT_7 = SPRING[:7]     # 03-08 … 03-16
AUTUMN = {35: [D(2027, 9, 1), D(2027, 9, 2), D(2027, 9, 3)], 36: [D(2027, 9, 6), D(2027, 9, 7)]}
END_BOOK = "out/term/2026-2027学年_春季学期_期末报告_示例学校.xlsx"
START_BOOK = "out/term/2027-2028学年_秋季学期_开学报告_示例学校.xlsx"


def workdir(root):
    wd = root / "示例学校"
    (wd / "inbox").mkdir(parents=True)
    (wd / "kc.toml").write_text(TERM_TOML, encoding="utf-8")
    return wd


def roster(inbox):
    write(inbox / "花名册2026.xlsx", {f"{GRADES[g - 1]}年级1班": roster_sheet(f"示例学校{GRADES[g - 1]}年级(1)班学生花名册",
                                                                       KIDS[g]) for g in range(1, 10)})


def register_a(inbox):
    write(inbox / "变动A.xlsx", {"变动": change_sheet([
        change("张三乙", 3, "休学", "2027-03-01", reason="病"),
        change("张五甲", 5, "辍学", "2027-05-10", reason="厌学"),
        change("张四丙", 4, "转入", "2027-06-01", other="外县小学")])})


def spring_week(inbox, week):
    days = [d for d in SPRING if d.isocalendar()[1] == week]
    marks = {"张七乙": {d: "旷" for d in days if d in ABSENT_7}}
    write(inbox / f"周查表七年级{week}.xlsx", {"七年级1班": check_sheet(f"七年级(1)班周查表（2027年第{week}周）", days, marks,
                                                                   KIDS[7])})


def visit_row(day, name, grade, teacher, way, why, result=""):
    s = BY_NAME[name]
    return [day, "G" + s["id"], name, GRADES[grade - 1] + "年级", "1班", teacher, "班主任", way, why, result]


VISIT_HEADER = ["家访日期", "学籍号", "姓名", "年级", "班级", "家访教师", "教师身份", "方式", "家访原因", "结果"]


def visits_one(inbox):
    write(inbox / "家访2027春.xlsx", {"家访": [["家访登记表"], VISIT_HEADER,
                                            visit_row("2026-11-10", "张一甲", 1, "王老师", "入户", "普访"),
                                            visit_row("2027-03-11", "张七乙", 7, "李老师", "入户", "旷课", "家长答应送回"),
                                            visit_row("2027-03-12", "张七乙", 7, "李老师", "电话", "旷课")]})


def autumn_week(inbox, week):
    days = AUTUMN[week]
    g2 = [BY_NAME["张一甲"], BY_NAME["张一乙"]]
    g5 = [BY_NAME[n] for n in ("张四甲", "张四乙", "张四丙")]
    write(inbox / f"周查表{week}.xlsx", {
        "二年级1班": check_sheet(f"二年级(1)班周查表（2027年第{week}周）", days, {"张一乙": {d: "旷" for d in days}}, g2),
        "五年级1班": check_sheet(f"五年级(1)班周查表（2027年第{week}周）", days, {"张四乙": {D(2027, 9, 1): "旷"}}, g5)})


def visits_two(inbox):
    write(inbox / "家访2027秋.xlsx", {"家访": [["家访登记表"], VISIT_HEADER,
                                            visit_row("2027-09-03", "张一乙", 2, "王老师", "入户", "未返校", "孩子在外婆家")]})


def ok(*args):
    res = kc(*args)
    assert res.exit_code == 0, res.output
    return res.output


def week_by_week(root, run_day):
    wd = workdir(root / "step")
    inbox = wd / "inbox"
    roster(inbox)
    visits_one(inbox)
    for week in (10, 11, 12, 13):
        spring_week(inbox, week)
        run_day(dt.date.fromisocalendar(2027, week, 5))
        ok("weekly", "--dir", wd, "--week", f"2027-W{week}")
    register_a(inbox)
    run_day(D(2027, 6, 25))
    ok("monthly", "--dir", wd, "--month", "2027-06")
    year_one_late_files(inbox)
    run_day(D(2027, 7, 2))
    end_out = ok("term", "--dir", wd, "--term", "春季学期", "--kind", "end")
    run_day(D(2027, 7, 5))
    rollover(wd)
    run_day(D(2027, 8, 31))
    new_roster(inbox)
    autumn_week(inbox, 35)
    visits_two(inbox)
    run_day(D(2027, 9, 3))
    ok("daily", "--dir", wd, "--date", "2027-09-03")
    autumn_week(inbox, 36)
    run_day(D(2027, 9, 7))
    start_out = ok("term", "--dir", wd, "--term", "秋季学期", "--kind", "start")
    return wd, end_out, start_out


def all_at_once(root, run_day):
    wd = workdir(root / "once")
    inbox = wd / "inbox"
    for files in (roster, visits_one, register_a, year_one_late_files):
        files(inbox)
    for week in (10, 11, 12, 13):
        spring_week(inbox, week)
    run_day(D(2027, 9, 25))
    rollover(wd)
    end_out = ok("term", "--dir", wd, "--year", 2026, "--term", "春季学期", "--kind", "end")
    for files in (new_roster, visits_two, lambda i: autumn_week(i, 35), lambda i: autumn_week(i, 36)):
        files(inbox)
    start_out = ok("term", "--dir", wd, "--term", "秋季学期", "--kind", "start")
    return wd, end_out, start_out


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """Both ways of importing, run once for the module (kc's run day set by hand, as the run_day fixture does)."""
    import kc_batch.calendar
    saved = kc_batch.calendar.today
    root = tmp_path_factory.mktemp("term")

    def run_day(day):
        kc_batch.calendar.today = lambda: day
    try:
        return week_by_week(root, run_day), all_at_once(root, run_day)
    finally:
        kc_batch.calendar.today = saved


def grid(path, sheet):
    return [list(r) for r in openpyxl.load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True)]


def table(path, sheet, first="年级"):
    """Rows of a per-grade sheet keyed by their first cell, as {header: value}."""
    rows = grid(path, sheet)
    header_at = next(i for i, r in enumerate(rows) if r[0] == first)
    header = rows[header_at]
    if header_at + 1 < len(rows) and rows[header_at + 1][0] is None:   # two header rows: the leaves below
        header = [b or a for a, b in zip(header, rows[header_at + 1])]
    return {r[0]: dict(zip(header, r)) for r in rows[header_at + 1:] if r[0] and str(r[0]).endswith(("年级", "小计", "合计"))}


def test_spring_term_end_by_hand(both):
    (wd, out, _), _ = both
    assert "学期初在校生 18，学期末在校生 13，本学期辍学 1、毕业 3" in out and "劝返成功率 50.00%（1/2）" in out
    book = wd / END_BOOK
    rows = table(book, "学期末报告")
    total = rows["合计"]
    assert [total[c] for c in ("学期初在校生", "新生入学", "转入", "复学", "劝返复学", "转出", "休学", "死亡", "辍学", "毕业",
                               "学期末在校生")] == [18, 0, 1, 0, 0, 1, 1, 0, 1, 3, 13]
    closing = {g: r["学期末在校生"] for g, r in rows.items() if g.endswith("年级")}
    assert closing == {"一年级": 2, "二年级": 2, "三年级": 1, "四年级": 3, "五年级": 1, "六年级": 1, "七年级": 2, "八年级": 1,
                       "九年级": 0}
    for label, r in rows.items():
        assert (r["学期初在校生"] + sum(r[c] for c in ("新生入学", "转入", "复学", "劝返复学"))
                - sum(r[c] for c in ("转出", "休学", "死亡", "辍学", "毕业"))) == r["学期末在校生"], label
    assert rows["六年级"]["毕业"] == 1 and rows["九年级"]["毕业"] == 2
    rate = {g: r["学期辍学率"] for g, r in rows.items()}
    assert rate["五年级"] == pytest.approx(0.5) and rate["小学小计"] == pytest.approx(1 / 12)
    assert rate["初中小计"] == 0 and rate["合计"] == pytest.approx(1 / 18)
    keep = {g: r["巩固率"] for g, r in rows.items()}
    assert keep["合计"] == pytest.approx(13 / 15) and keep["三年级"] == pytest.approx(0.5)
    assert keep["五年级"] == pytest.approx(0.5) and keep["九年级"] is None and keep["八年级"] == 1
    won = {g: r["劝返成功率"] for g, r in rows.items()}
    assert won["合计"] == pytest.approx(0.5) and won["七年级"] == 1 and won["五年级"] == 0
    assert won["小学小计"] == 0 and won["初中小计"] == 1 and won["一年级"] is None
    said = [c for r in grid(book, "指标说明") for c in r if isinstance(c, str) and c.startswith("口径：")]
    assert said == ["口径：分母：学年初在校生；休学不计入辍学；截至学期最后一个教学日 2027-07-02"]   # said once below
    notes = " ".join(str(c) for r in grid(book, "学期末报告") for c in r if isinstance(c, str))
    assert "按学年升级的计划计入" in notes  # the step-by-step run is before kc rollover


def test_spring_term_end_lists_visits_duties_and_warnings(both):
    (wd, _, _), _ = both
    book = wd / END_BOOK
    dropouts = [r for r in grid(book, "辍学学生名单") if isinstance(r[0], int)]
    assert [r[2] for r in dropouts] == ["张五甲"]
    ledger = grid(book, "劝返台账")
    assert [r[1] for r in ledger if r[1] in ("张七乙", "张五甲")] == ["张七乙", "张五甲"]  # by 开立日期
    assert any("本学期新增 2 件，销号 1 件，仍在办（含观察中）1 件。" in r for r in ledger)
    quotas = {(r[2], r[3][:3]): (r[4], r[5]) for r in grid(book, "家访统计") if r[1] == "班主任"}
    assert quotas[("一年级1班", "一学年")] == (2, 1) and quotas[("一年级1班", "一学期")] == (1, 0)
    assert quotas[("七年级1班", "一学年")] == (2, 1) and quotas[("七年级1班", "一学期")] == (1, 1)
    log = [r for r in grid(book, "家访记录") if r[2] in ("张一甲", "张七乙")]
    assert [r[10] for r in log] == ["是", "是", "否"]
    duty = {r[1]: r for r in grid(book, "责任落实") if r[0] in ("校长", "班主任")}
    assert duty["全校"][9] == "7/9"
    assert duty["五年级1班"][5:7] == [1, 0] and duty["七年级1班"][5:7] == [0, 1]
    assert duty["五年级1班"][9] == "否" and duty["一年级1班"][9] == "是"
    review = {r[0]: r for r in grid(book, "预警回顾") if r[0] in ("第3级", "疑似辍学")}
    assert review["第3级"][1:3] == [1, 1] and review["疑似辍学"][1:3] == [1, 1]
    assert review["第3级"][8] == 0 and review["疑似辍学"][8] == 0
    flags = [r for r in grid(book, "预警回顾名单") if r[1] == "张七乙"]
    assert [(r[4], r[5].date(), r[6]) for r in flags] == [("第3级", D(2027, 3, 10), "返校"),
                                                          ("疑似辍学", D(2027, 3, 12), "返校")]


def test_weekly_home_visit_quota_counts_the_current_term(both):
    """2027-W13 (spring term): 一年级1班's only visit is of 2026-11-10 (autumn) → 学年普访 已访 1, the 学期 quota
    已访 0; 七年级1班's visit of 2027-03-11 counts for both."""
    (wd, _, _), _ = both
    book = wd / "out" / "2027-W13" / "周查汇总_示例学校_2027-W13.xlsx"
    quotas = {(r[2], r[3][:3]): (r[4], r[5]) for r in grid(book, "家访统计") if r[1] == "班主任"}
    assert quotas[("一年级1班", "一学年")] == (2, 1) and quotas[("一年级1班", "一学期")] == (1, 0)
    assert quotas[("七年级1班", "一学年")] == (2, 1) and quotas[("七年级1班", "一学期")] == (1, 1)


def test_autumn_term_start_by_hand(both):
    (wd, _, out), _ = both
    assert "上学期末在校生 13，应返校 15，已返校 4，未返校 11（其中疑似辍学 1），辍学学生 1 人" in out
    assert "开学第5个教学日" in out and "截至 2027-09-07" in out
    book = wd / START_BOOK
    rows = table(book, "开学辍学报告")
    cols = ("上学期末在校生", "学期间新增", "学期间减少", "应返校", "本学期返校", "未返校", "其中疑似辍学")
    got = {g: tuple(r[c] for c in cols) for g, r in rows.items()}
    assert got["合计"] == (13, 2, 0, 15, 4, 11, 1)
    assert got["一年级"] == (0, 2, 0, 2, 0, 2, 0)
    assert got["二年级"] == (2, 0, 0, 2, 1, 1, 1)
    assert got["五年级"] == (3, 0, 0, 3, 3, 0, 0)
    assert {g: r[0] for g, r in got.items() if g.endswith("年级")} == {
        "一年级": 0, "二年级": 2, "三年级": 2, "四年级": 1, "五年级": 3, "六年级": 2, "八年级": 2, "九年级": 1}
    missing = [r for r in grid(book, "未返校名单") if isinstance(r[0], int)]
    assert len(missing) == 11
    one = next(r for r in missing if r[2] == "张一乙")
    assert one[7] == "2027-09-03 王老师 入户：孩子在外婆家"
    dropouts = [r for r in grid(book, "辍学学生名单") if isinstance(r[0], int)]
    assert [(r[2], r[6].date(), r[7], r[8], r[9]) for r in dropouts] == [
        ("张五甲", D(2027, 5, 10), "厌学", "辍学", "往年辍学")]


def _sheets(path):
    wb = openpyxl.load_workbook(path, data_only=True)
    return {name: [list(r) for r in wb[name].iter_rows(values_only=True)] for name in wb.sheetnames
            if name != "输入错误"}


def test_week_by_week_and_all_at_once_agree(both):
    (step, _, _), (once, once_end, _) = both
    assert "劝返成功率 50.00%（1/2）" in once_end
    for book in (END_BOOK, START_BOOK):
        a, b = _sheets(step / book), _sheets(once / book)
        assert a.keys() == b.keys()
        for name in a:
            if name == "学期末报告":   # the step-by-step run says 毕业 came from the plan (before kc rollover)
                a[name] = [r for r in a[name] if not str(r[0] or "").startswith("本学年尚未运行")]
            assert a[name] == b[name], (book, name)


def test_spring_start_report_and_term_report_due(tmp_path, run_day):
    """春季学期 2027 starts Mon 02-22: its 5th school day is Fri 02-26. Only the roster is in: 上学期末在校生
    (在读 at the autumn term's last school day 2027-01-22) 18, 应返校 18, 返校 0, 未返校 18 (no 周查表 yet).
    term_report_due = ["03-15", "09-25"]: the spring one falls in the term → due 2027-03-15."""
    wd = workdir(tmp_path)
    (wd / "kc.toml").write_text(TERM_TOML + 'term_report_due = ["03-15", "09-25"]\n', encoding="utf-8")
    roster(wd / "inbox")
    run_day(D(2027, 3, 1))
    out = ok("term", "--dir", wd, "--term", "春季学期", "--kind", "start")
    assert "上学期末在校生 18，应返校 18，已返校 0，未返校 18（其中疑似辍学 0）" in out and "报送时限 2027-03-15" in out
    book = wd / "out/term/2026-2027学年_春季学期_开学报告_示例学校.xlsx"
    total = table(book, "开学辍学报告")["合计"]
    assert [total[c] for c in ("上学期末在校生", "学期间新增", "学期间减少", "应返校", "本学期返校", "未返校")] == [18, 0, 0, 18, 0, 18]
    notes = [c for r in grid(book, "开学辍学报告") for c in r if isinstance(c, str)]
    assert "报送时限：2027年3月15日前。" in notes and any("截至开学第5个教学日（2027年2月26日）" in n for n in notes)


def test_unknown_term_is_refused_with_the_defined_names(tmp_path, run_day):
    wd = workdir(tmp_path)
    roster(wd / "inbox")
    res = kc("term", "--dir", wd, "--term", "冬季学期", "--kind", "end")
    assert res.exit_code == 2
    assert "中没有名为“冬季学期”的学期（2026学年）。已定义的学期：秋季学期、春季学期。" in res.output
    assert not (wd / "kc.sqlite").exists() and not (wd / "out").exists()   # refused before anything is read
    res = kc("term", "--dir", wd, "--term", "秋季学期", "--year", 2025)
    assert res.exit_code == 2 and "没有2025学年的配置" in res.output and "kc.toml.2025" in res.output
    run_day(D(2027, 1, 10))
    res = kc("term", "--dir", wd, "--term", "秋季学期", "--kind", "end")   # ends 2027-01-22
    assert res.exit_code == 2 and "统计到2027年1月22日，在今天（2027年1月10日）之后" in res.output and "--force" in res.output


def test_bad_term_report_due_names_key_and_line(tmp_path):
    wd = workdir(tmp_path)
    text = TERM_TOML + 'term_report_due = ["3月15日"]\n'
    (wd / "kc.toml").write_text(text, encoding="utf-8")
    line = text.splitlines().index('term_report_due = ["3月15日"]') + 1
    res = kc("term", "--dir", wd, "--term", "春季学期")
    assert res.exit_code == 2
    assert f"kc.toml 第 {line} 行：[policy] term_report_due 应为“月-日”列表" in res.output


def test_without_terms_the_year_is_one_term(tmp_path):
    """kc.toml without terms: --term must be 本学年 (2026-09-01…2027-08-31, the 学年's last term), and the
    report says the 学年 is one term. Roster only: 18 students, 毕业 from the rollover's plan 4 (六年级 2,
    九年级 2) → 学期末在校生 14."""
    wd = workdir(tmp_path)
    (wd / "kc.toml").write_text(TERM_TOML.split("# 学期")[0] + "holidays = [2026-10-01]\n", encoding="utf-8")
    roster(wd / "inbox")
    res = kc("term", "--dir", wd, "--term", "秋季学期")
    assert res.exit_code == 2 and "没有设置学期" in res.output and "--term 本学年" in res.output
    out = ok("term", "--dir", wd, "--term", "本学年", "--kind", "end")
    assert "学期初在校生 18，学期末在校生 14，本学期辍学 0、毕业 4" in out
    book = wd / "out/term/2026-2027学年_本学年_期末报告_示例学校.xlsx"
    notes = [c for r in grid(book, "学期末报告") for c in r if isinstance(c, str)]
    assert any("整个学年按一个学期" in n for n in notes)
    said = [c for r in grid(book, "家访统计") for c in r if isinstance(c, str)]
    assert any("尚未收到家访登记表" in n for n in said)            # absent parts say so in one line
    assert any("尚未收到周查表" in c for r in grid(book, "预警回顾") for c in r if isinstance(c, str))


def test_help_of_kc_term():
    res = kc("term", "--help")
    assert res.exit_code == 0
    for text in ("--term", "--kind", "start", "end", "春秋两季辍学报告", "学期末全面报告", "out/term/"):
        assert text in res.output
    assert "学期报告" in kc("--help").output


def test_sample_data_term_end_as_its_readme_says(tmp_path):
    """sample_data/README.md: 秋季学期期末报告 — 学期初在校生 600, 转入 1, 复学 1, 劝返复学 1, 转出 2, 休学 1,
    辍学 1, 毕业 0, 学期末在校生 599; 学期辍学率 1/600, 巩固率 599/600, 劝返成功率 0/3."""
    import shutil
    from pathlib import Path
    wd = tmp_path / "sample"
    shutil.copytree(Path(__file__).parent.parent / "sample_data", wd)
    out = ok("term", "--dir", wd, "--term", "秋季学期", "--kind", "end")
    assert "学期初在校生 600，学期末在校生 599，本学期辍学 1、毕业 0" in out and "劝返成功率 0.00%（0/3）" in out
    total = table(wd / "out/term/2026-2027学年_秋季学期_期末报告_杉树九年一贯制学校.xlsx", "学期末报告")["合计"]
    assert [total[c] for c in ("学期初在校生", "新生入学", "转入", "复学", "劝返复学", "转出", "休学", "死亡", "辍学", "毕业",
                               "学期末在校生")] == [600, 0, 1, 1, 1, 2, 1, 0, 1, 0, 599]
    assert total["学期辍学率"] == pytest.approx(1 / 600) and total["巩固率"] == pytest.approx(599 / 600)
    assert total["劝返成功率"] == 0
