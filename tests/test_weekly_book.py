"""The weekly workbook as a user opens it (SPEC §9, §9.1, §10.1, §13.18, §13.20, §13.26), and the
figures of sample_data/README.md for 2026-W46/W47 (worked out by hand there, from §4–§13)."""
from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from school import check_sheet, make_workdir, roster_sheet, write
from test_streaks import W42, day, student, table
from test_worked_example import sheet_rows

from kc_batch.cli import main

D = dt.date
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
UNIT = "杉树九年一贯制学校"

LEAF_HEADERS = {  # §9.1, in this order
    "周汇总": ["年级", "班级", "在册人数", "应出勤人次", "实出勤人次", "出勤率", "迟到人次", "病假人次", "事假人次",
             "旷课人次", "本周转入", "本周转出", "本周休学", "本周复学", "本周辍学", "本周劝返复学", "疑似辍学人数"],
    "缺勤预警": ["学籍号", "姓名", "年级", "班级", "连续旷课天数", "首次旷课日期", "累计旷课天数", "缺勤率", "预警级别",
             "应采取措施", "责任人", "截止日期", "监护人", "联系电话", "类别", "处理情况"],
    "核对异常": ["代码", "问题", "学籍号", "姓名", "年级", "班级", "说明", "来源"],
    "输入错误": ["文件", "工作表", "行号", "列", "原值", "错误说明"],
}
COUNT_COLUMNS = LEAF_HEADERS["周汇总"][2:5] + LEAF_HEADERS["周汇总"][6:]


def invoke(wd, week, *extra):
    return CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", week, *extra])


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    wd = tmp_path_factory.mktemp("sample") / "sample_data"
    shutil.copytree(SAMPLE, wd, ignore=shutil.ignore_patterns("out", "kc.sqlite*", "outbox"))
    books = {}
    for week in ("2026-W46", "2026-W47"):
        res = invoke(wd, week)
        assert res.exit_code == 0, res.output
        books[week] = wd / "out" / week / f"周查汇总_{UNIT}_{week}.xlsx"
    return dict(wd=wd, **books)


def header_row(path, sheet, first):
    return next(r for r in sheet_rows(path, sheet) if r and r[0] == first)


def class_rows(path):
    rows = table(path, "周汇总", "年级")
    return {(r["年级"], r["班级"]): r for r in rows if r["班级"] not in ("小计", "")}


# ---------------------------------------------------------------- layout

def test_sheet_names_and_leaf_headers(sample):
    path = sample["2026-W47"]
    assert openpyxl.load_workbook(path).sheetnames == ["周汇总", "缺勤预警", "疑似辍学名单", "核对异常", "输入错误", "台账",
                                                          "家访统计", "未家访学生", "家访记录"]  # §17.2
    for sheet, headers in LEAF_HEADERS.items():
        assert [h for h in header_row(path, sheet, headers[0]) if h is not None] == headers
    ledger = header_row(path, "台账", "学籍号")
    for needed in ("姓名", "开立日期", "类别", "原因", "责任人", "状态", "劝返次数", "劝返记录"):  # §6.4
        assert needed in ledger


def test_totals_are_the_sums_of_the_rows(sample):
    rows = table(sample["2026-W47"], "周汇总", "年级")
    classes = [r for r in rows if r["班级"] not in ("小计", "")]
    total = next(r for r in rows if r["年级"] == "合计")
    assert len(classes) == 18                              # 9 grades × 2 classes
    for col in COUNT_COLUMNS:  # a class without a 周查表 reads 未报 and adds nothing to the totals
        assert total[col] == pytest.approx(sum(r[col] for r in classes if r[col] != "未报")), col
    assert total["出勤率"] == pytest.approx(total["实出勤人次"] / total["应出勤人次"])
    for sub in (r for r in rows if r["班级"] == "小计"):
        grade = [r for r in classes if r["年级"] == sub["年级"]]
        for col in COUNT_COLUMNS:
            assert sub[col] == pytest.approx(sum(r[col] for r in grade if r[col] != "未报")), (sub["年级"], col)
    # README: 600 on the rosters − 2 转出 + 1 转入 = 599 在读 at 11-20; 2 疑似辍学.
    assert (total["在册人数"], total["疑似辍学人数"]) == (599, 2)


def test_class_without_a_check_table_reads_not_reported(sample):
    """五年级1班 sent no 周查表 for 2026-W47 (sample_data/README.md): its attendance cells say 未报 instead
    of a perfect week of zeros; its roster and change figures stay numbers."""
    row = class_rows(sample["2026-W47"])[("五年级", "1班")]
    for col in ("应出勤人次", "实出勤人次", "出勤率", "迟到人次", "病假人次", "事假人次", "旷课人次"):
        assert row[col] == "未报", col
    assert isinstance(row["在册人数"], int) and row["在册人数"] > 0
    assert all(row[c] == "未报" or isinstance(row[c], (int, float)) for c in COUNT_COLUMNS)


def test_numbers_are_numbers_with_percent_format_and_no_formulas(sample):
    path = sample["2026-W47"]
    ws = openpyxl.load_workbook(path)["周汇总"]
    header = [c.value for c in next(r for r in ws.iter_rows() if r[0].value == "年级")]
    rate_col = header.index("出勤率")
    total = next(r for r in ws.iter_rows() if r[0].value == "合计")
    assert total[rate_col].data_type == "n" and "%" in total[rate_col].number_format
    assert all(total[header.index(c)].data_type == "n" for c in COUNT_COLUMNS)
    with zipfile.ZipFile(path) as z:                       # §13.20: values, not formulas
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


# ---------------------------------------------------------------- sample_data figures

def test_sample_w47_alerts(sample):
    alerts = {a["姓名"]: a for a in table(sample["2026-W47"], "缺勤预警", "学籍号")}
    assert len(alerts) == 7
    got = {n: (a["预警级别"], a["连续旷课天数"], day(a["首次旷课日期"])) for n, a in alerts.items()}
    assert got == {
        "谢宇泽": ("第4级（连续7天）", 8, D(2026, 11, 11)),     # 11-11 … 11-20, 8 school days
        "庞鹏俊": ("第3级（连续3天）", 3, D(2026, 11, 18)),
        "莫月颖": ("第2级（连续2天）", 2, D(2026, 11, 19)),
        "冯琳思": ("第1级（连续1天）", 1, D(2026, 11, 20)),
        "吴杰鑫": ("长期缺勤预警", 0, None),
        "刘航辰": ("长期缺勤预警", 0, None),
        "杨宇鹏": ("长期缺勤预警", 0, None),
    }
    xie = alerts["谢宇泽"]
    assert day(xie["截止日期"]) == D(2026, 11, 20)          # step 4 reached 11-19, + 1 school day
    assert xie["学籍号"] == "G450923201211255192"
    assert alerts["吴杰鑫"]["缺勤率"] == pytest.approx(6 / 20)
    assert alerts["刘航辰"]["缺勤率"] == pytest.approx(8 / 20)
    assert alerts["刘航辰"]["累计旷课天数"] == 8
    assert alerts["杨宇鹏"]["缺勤率"] == pytest.approx(2 / 10)  # 10 days 在读 with data, 2 旷


def test_sample_w47_findings_and_errors(sample):
    path = sample["2026-W47"]
    found = sorted((f["代码"], f["姓名"] or f["年级"] + f["班级"]) for f in table(path, "核对异常", "代码"))
    assert found == [
        ("R01", "林芳"), ("R02", "钟婷琪"), ("R03", "五年级1班"), ("R06", "庞锦皓"),
        ("R09", "吴悦丹"), ("R09", "廖锦明"),
    ]
    errors = table(path, "输入错误", "文件")
    assert sorted(e["原值"] for e in errors) == sorted(["？", "出", "退学"])
    cases = {c["姓名"]: (c["类别"], c["状态"]) for c in table(path, "台账", "学籍号")}
    assert cases == {"谢宇泽": ("疑似辍学", "在办"), "庞锦皓": ("疑似辍学", "在办"), "杨宇鹏": ("辍学", "观察中")}


def test_sample_w46(sample):
    path = sample["2026-W46"]
    alerts = {a["姓名"]: a for a in table(path, "缺勤预警", "学籍号")}
    liu = alerts["刘航辰"]                                  # 旷 11-11, 11-12, 11-13
    assert (liu["预警级别"], liu["连续旷课天数"], day(liu["首次旷课日期"]), liu["累计旷课天数"]) == (
        "第3级（连续3天）", 3, D(2026, 11, 11), 8)
    codes = {f["代码"] for f in table(path, "核对异常", "代码")}
    assert "R06" not in codes and "R03" not in codes       # the 转出 of 11-02 is still 待回执
    total = next(r for r in table(path, "周汇总", "年级") if r["年级"] == "合计")
    # 600 − 休学 1 − 转出 2 + 转入 1 − 辍学 1 = 597; nobody has a 7-day streak, no 转出 is overdue.
    assert (total["在册人数"], total["疑似辍学人数"]) == (597, 0)


def test_sample_balance_identity_per_class(sample):
    """§5.3 over W47: 在册 at the end of W47 = 在册 at the end of W46 + 本周(转入 + 复学 + 劝返复学)
    − 本周(转出 + 休学 + 辍学), for every class (the sample has no 新生入学, 死亡 or 毕业)."""
    before, after = class_rows(sample["2026-W46"]), class_rows(sample["2026-W47"])
    assert before.keys() == after.keys()
    for cls, r in after.items():
        plus = r["本周转入"] + r["本周复学"] + r["本周劝返复学"]
        minus = r["本周转出"] + r["本周休学"] + r["本周辍学"]
        assert r["在册人数"] == before[cls]["在册人数"] + plus - minus, cls
    # the two classes that changed: 颜蕾琳 复学 11-16 (七年级1班), 杨宇鹏 劝返复学 11-16 (九年级1班)
    assert (before[("七年级", "1班")]["在册人数"], after[("七年级", "1班")]["在册人数"]) == (30, 31)
    assert after[("七年级", "1班")]["本周复学"] == 1
    assert (before[("九年级", "1班")]["在册人数"], after[("九年级", "1班")]["在册人数"]) == (32, 33)
    assert after[("九年级", "1班")]["本周劝返复学"] == 1
    codes = {f["代码"] for f in table(sample["2026-W47"], "核对异常", "代码")}
    assert "R07" not in codes


def test_rerun_gives_the_same_workbook(sample):
    """§13.18: every cell of every sheet is the same on a re-run, 输入错误 included."""
    path = sample["2026-W47"]
    wb = openpyxl.load_workbook(path)
    first = {name: sheet_rows(path, name) for name in wb.sheetnames}
    res = invoke(sample["wd"], "2026-W47")
    assert res.exit_code == 0, res.output
    assert "输入错误 3 处" in res.output
    assert {name: sheet_rows(path, name) for name in wb.sheetnames} == first


# ---------------------------------------------------------------- hostile text, --strict

HOSTILE = ["=1+2", "+8613", "-减", "@张"]


def test_input_text_is_never_a_formula(tmp_path):
    wd = make_workdir(tmp_path / "school", name="示例小学")
    kids = [student(name, i) for i, name in enumerate(HOSTILE, start=1)]
    for k in kids:
        k["guardian"] = "=HYPERLINK(\"http://x\")"
    marks = {name: {W42[4]: "旷"} for name in HOSTILE}      # each on the ladder: listed in 缺勤预警
    marks[HOSTILE[0]][W42[0]] = "=SUM(A1)"                  # an unknown mark: an input error
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("三年级(1)班花名册", kids)})
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", W42, marks, kids)})
    res = invoke(wd, "2026-W42")
    assert res.exit_code == 0, res.output
    path = wd / "out" / "2026-W42" / "周查汇总_示例小学_2026-W42.xlsx"
    wb = openpyxl.load_workbook(path)
    texts = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value[:1] in "=+-@":
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    texts.setdefault(ws.title, set()).add(c.value)
    assert set(HOSTILE) | {"=HYPERLINK(\"http://x\")"} <= texts["缺勤预警"]
    assert "=SUM(A1)" in texts["输入错误"]
    with zipfile.ZipFile(path) as z:
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n)
                       for n in z.namelist() if n.startswith("xl/worksheets/"))


def small_school(root: Path, mark: str) -> Path:
    wd = make_workdir(root)
    kids = [student("甲", 1), student("乙", 2)]
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("三年级(1)班花名册", kids)})
    write(wd / "inbox" / "周查表.xlsx",
          {"三年级1班": check_sheet("三年级(1)班 周查表", W42, {"甲": {W42[0]: mark}}, kids)})
    return wd


def test_strict_exit_codes(tmp_path):
    bad = small_school(tmp_path / "bad", "？")               # not a §4 mark: one input error
    assert invoke(bad, "2026-W42").exit_code == 0            # written, errors counted
    assert invoke(bad, "2026-W42", "--strict").exit_code == 1
    good = small_school(tmp_path / "good", "病")
    assert invoke(good, "2026-W42", "--strict").exit_code == 0
    assert (good / "out" / "2026-W42" / "周查汇总_示例小学_2026-W42.xlsx").exists()


def test_monthly_book_has_the_same_input_error_sheet(sample):
    """Issue 11 item 11: `kc monthly` says “详见工作簿“输入错误”表”, so its 月报 carries that sheet, with
    the §9.1 columns and the same rows as the weekly book: the sample's three errors (“？”, “出”, “退学”),
    each naming file, sheet, row and column."""
    res = CliRunner().invoke(main, ["monthly", "--dir", str(sample["wd"]), "--month", "2026-11"])
    assert res.exit_code == 0, res.output
    assert "输入错误 3 处（详见工作簿“输入错误”表）" in res.output
    monthly = sample["wd"] / "out" / "2026-11" / f"控辍保学月报_{UNIT}_2026-11.xlsx"
    assert "输入错误" in openpyxl.load_workbook(monthly).sheetnames
    in_month, in_week = table(monthly, "输入错误", "文件"), table(sample["2026-W47"], "输入错误", "文件")
    assert list(in_month[0]) == LEAF_HEADERS["输入错误"]
    assert sorted(e["原值"] for e in in_month) == sorted(["？", "出", "退学"])
    assert all(e["文件"] and e["工作表"] and e["行号"] for e in in_month)
    assert all(e["列"] for e in in_month if e["原值"] != "退学")
    key = lambda rows: sorted(tuple(r.values()) for r in rows)
    assert key(in_month) == key(in_week)


def test_suspect_list_matches_the_count_and_the_township_reads_the_workbook_back(sample, tmp_path):
    """§21.1: the school's 疑似辍学名单 lists exactly 合计 疑似辍学人数 students, and a township reading this
    very workbook gets the school's 合计 row as its 周报汇总 line and no 报表校验 row."""
    from kc_batch.read.files import read_file
    from kc_batch.read.weekly_books import read_week_book
    from kc_batch.reconcile.weekly_rollup import check_week_book, school_line
    path = sample["2026-W47"]
    total = next(r for r in table(path, "周汇总", "年级") if r["年级"] == "合计")
    listed = [r for r in table(path, "疑似辍学名单", "学籍号") if r.get("姓名")]
    assert len(listed) == total["疑似辍学人数"] > 0
    book = read_week_book(read_file(path, path.parent), 0.0, [UNIT])
    assert (book.unit, book.week, book.report_date) == (UNIT, "2026-W47", D(2026, 11, 20))
    line = school_line(book, "2026-W47")
    for column in ("在册人数", "应出勤人次", "实出勤人次", "旷课人次", "疑似辍学人数"):
        assert line.counts[column] == total[column], column
    alerts = [r for r in table(path, "缺勤预警", "学籍号") if r.get("姓名")]
    assert sum(v for k, v in line.counts.items() if k.startswith("第") or k == "长期缺勤预警") == len(alerts)
    assert check_week_book(book) == []
