"""`kc census-province` (SPEC §23): the province-scale 人籍比对 on small data.

* The SQL forms of the §3.6/§3.5 rules (read/duck.py) give what identity.py / values.py give, value by
  value, on hand-picked and on generated texts; the SQL 适龄 is census.school_stage.
* Independent check: a random county (rosters as .xlsx in a work folder, the population list as .xlsx)
  through `kc census` and the same rows as CSV through `kc census-province` — with the work folder, and
  again with the rosters as CSV files — list the same 适龄未入学 children and the same counts.
* Per-county files, worked by hand (docstring of test_per_county_and_township_books).
* Without DuckDB the command says how to install the extra (exit 2); a CSV without 县区 is named (exit 3).
"""
from __future__ import annotations

import csv
import datetime as dt
import random
import sys

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from school import make_workdir, write
from test_census import list_rows, valid_id

from kc_batch.cli import main
from kc_batch.read import identity
from kc_batch.read.values import parse_date
from kc_batch.reconcile.census import school_stage
from kc_batch.reconcile.census_scale import stage_sql

D = dt.date
AS_OF = "2026-11-20"
duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def con():
    from kc_batch.read import duck
    c = duckdb.connect()
    duck.install_macros(c, dt.date.today())
    yield c
    c.close()


# ---------------------------------------------------------------- one rule, two forms

ID_TEXTS = ["450923201405030012", "45092320140503001x", " 45092320140503001X ", "'450923201405030012",
            "４５０９２３２０１４０５０３００１２", "450923140503001", "450923991332001", "45092320140503001",
            "450923202902300012", "450923180001010014", "450923 2014 0503 0012", "`450923201405030012",
            "‘450923201405030012", "", " ", "abc", "4509232014050300１2", "45092300000101001X", "450923\t201405030012",
            "450923201402300012", "440524188001010014", "G450923201405030012"]
DATE_TEXTS = ["2014-05-03", "2014/5/3", "2014.5.3", "2014年5月3日", "2014年5月3", "20140503", "2014-02-30", "2014-05",
              "2014年5月", "2014-13", "2014-05-03 00:00:00", "2014-05-03T10:20", "２０１４-05-03", " 2014 - 05 - 03 ",
              "0000-01-01", "abc", "5月3日", "2014-5-3 10:20:30.5", "2014/05/03", "14-05-03", ""]
NAME_TEXTS = ["王 芳", " 王芳 ", "艾力·买买提", "艾力.买买提", "艾力•买买提", "艾力・买买提", "王芳\u3000", "Ａｌｉ", "王\t芳",
              "欧阳 娜娜", "", "李\u00a0娜"]


def sql(con, expr, value):
    return con.execute(f"SELECT {expr}", [value]).fetchone()[0]


@pytest.mark.parametrize("text", ID_TEXTS)
def test_id_rule_in_sql_is_the_python_rule(con, text):
    assert sql(con, "kc_clean_id(?)", text) == identity.clean_id_text(text)
    assert sql(con, "kc_valid_id(kc_clean_id(?))", text) == identity.validate_id(text)[0]
    x = "G" + text.strip()
    assert sql(con, "kc_xjh_id(kc_clean_id(?))", x) == identity.parse_xjh(x)[1]


@pytest.mark.parametrize("text", DATE_TEXTS)
def test_date_rule_in_sql_is_the_python_rule(con, text):
    assert sql(con, "kc_date(?)", text) == parse_date(text, allow_month=True)


@pytest.mark.parametrize("text", NAME_TEXTS)
def test_name_rule_in_sql_is_the_python_rule(con, text):
    assert sql(con, "kc_name(?)", text) == identity.normalise_name(text)


ID_CHARS = st.sampled_from(list("0123456789xX '`-") + ["１", "\u3000", "\t", "Ｘ"])
DATE_CHARS = st.sampled_from(list("0123456789-/. :T年月日") + ["２", "\u3000"])
NAME_CHARS = st.sampled_from(list("王李芳娜 .·•A") + ["\u3000", "Ａ", "\t", "丽"])


@settings(max_examples=300, deadline=None)
@given(body=st.text(ID_CHARS, max_size=20), digits=st.integers(0, 10 ** 17 - 1))
def test_id_rule_agrees_on_generated_texts(con, body, digits):
    for text in (body, f"{digits:017d}" + identity.check_char(f"{digits:017d}"), f"{digits:015d}"):
        assert sql(con, "kc_valid_id(kc_clean_id(?))", text) == identity.validate_id(text)[0], text


@settings(max_examples=300, deadline=None)
@given(text=st.text(DATE_CHARS, max_size=14))
def test_date_rule_agrees_on_generated_texts(con, text):
    assert sql(con, "kc_date(?)", text) == parse_date(text, allow_month=True), text


@settings(max_examples=200, deadline=None)
@given(text=st.text(NAME_CHARS, max_size=8))
def test_name_rule_agrees_on_generated_texts(con, text):
    assert sql(con, "kc_name(?)", text) == identity.normalise_name(text), text


def test_school_age_in_sql_is_census_school_stage(con):
    as_of = D(2026, 11, 20)
    days = [D(2008, 1, 1) + dt.timedelta(days=n) for n in range(0, 365 * 15, 7)] + [
        D(2014, 8, 31), D(2014, 9, 1), D(2020, 8, 31), D(2020, 9, 1), D(2011, 8, 31), D(2011, 9, 1)]
    got = con.execute(f"SELECT d, {stage_sql('d', as_of)} FROM unnest(?::DATE[]) t(d)", [days]).fetchall()
    assert {d: s for d, s in got} == {d: school_stage(d, as_of) for d in days}


# ---------------------------------------------------------------- an independent check against kc census

SURNAMES, GIVEN = "王李张刘陈", "芳娜伟"
FORMATS = ("{:%Y-%m-%d}", "{:%Y/%-m/%-d}", "{:%Y年%-m月%-d日}", "{:%Y%m%d}", "{:%Y.%m.%d}")
ROSTER_HEADER = ["学籍号", "身份证号", "姓名", "性别", "出生日期", "年级", "班级"]
POP_HEADER = ["姓名", "身份证号", "出生日期", "性别", "户籍所在地", "监护人", "联系电话", "现状"]


def random_county(rng: random.Random, n: int = 70):
    """Children of school age and not, few names and birthdays (so that 姓名+出生日期 collide); 3/4 on a
    roster, written with every ID and date variant the two readers must agree on."""
    births = [D(2009, 9, 1) + dt.timedelta(days=rng.randrange(365 * 13)) for _ in range(n // 3)]
    kids = []
    for i in range(n):
        birth = rng.choice(births)
        male = rng.random() < 0.5
        kids.append(dict(name=rng.choice(SURNAMES) + rng.choice(GIVEN), birth=birth, male=male,
                         id=valid_id(birth, i + 1, male), village=rng.choice(("东村", "西村", ""))))
    roster = {"一小": [], "二中": []}
    for k in kids:
        if rng.random() < 0.75:
            roster[rng.choice(list(roster))].append(k)
    return kids, roster


def roster_row(k, rng):
    ident = k["id"] if rng.random() < 0.8 else ""
    xjh = rng.choice(["G" + k["id"], "", "L" + k["id"][:-1] + "0"]) if ident else rng.choice(["G" + k["id"], "L0" + k["id"][1:-1] + "7"])
    birth = "" if ident and rng.random() < 0.2 else rng.choice(FORMATS).format(k["birth"])
    name = k["name"] if rng.random() < 0.8 else k["name"][0] + " " + k["name"][1:]
    return [xjh, ident.lower() if rng.random() < 0.1 else ident, name, "男" if k["male"] else "女", birth,
            f"{max(1, min(9, 2026 - k['birth'].year - 5))}年级", "1班"]


def pop_rows(kids, rng):
    rows = []
    for k in kids:
        r = rng.random()
        ident = k["id"] if r < 0.6 else "" if r < 0.9 else "12345"
        if ident and rng.random() < 0.2:
            ident = " " + ident[:9] + " " + ident[9:].lower()
        birth = "" if ident == k["id"] and rng.random() < 0.3 else rng.choice(FORMATS).format(k["birth"])
        name = k["name"] if rng.random() < 0.8 else " ".join(k["name"])
        rows.append([name, ident, birth, rng.choice(["男", "女", ""]), k["village"], "家长", "139", ""])
    for k in rng.sample(kids, 3):                    # an ID given twice: the second row is an input error
        rows.append([k["name"], k["id"], "", "", k["village"], "", "", ""])
    rows.append([""] * 8)                                    # a blank row: no row at all
    rows.append(["无名氏", "", "", "男", "东村", "", "", ""])   # neither an ID nor a birth date: an input error
    rows.append(["", kids[0]["id"], "", "", "", "", "", ""])   # no name: an input error
    return rows


def write_csv(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def build_random(tmp_path, seed):
    rng = random.Random(seed)
    kids, roster = random_county(rng)
    wd = make_workdir(tmp_path / "县", name="示例县", extra_toml='[[units]]\nname = "一小"\n[[units]]\nname = "二中"\n')
    roster_csvs = []
    for school, members in roster.items():
        rows = [ROSTER_HEADER] + [roster_row(k, rng) for k in members]
        write(wd / "inbox" / school / "花名册.xlsx", {"名册": rows})
        roster_csvs.append(write_csv(tmp_path / "花名册csv" / f"{school}.csv", rows))
    pop = pop_rows(kids, rng)
    write(tmp_path / "适龄儿童名册.xlsx", {"名册": [POP_HEADER] + pop})
    csv_path = write_csv(tmp_path / "全省名册.csv", [["县区", "乡镇"] + POP_HEADER] + [(["示例县", "一乡"] if any(r) else ["", ""]) + r for r in pop])
    return wd, tmp_path / "适龄儿童名册.xlsx", csv_path, tmp_path / "花名册csv"


def kc(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def province(csv_path, rosters, out):
    res = kc("census-province", csv_path, "--rosters", rosters, "--out", out, "--as-of", AS_OF)
    assert res.exit_code == 0, res.output
    return res.output


def listed(rows):
    return sorted((r["户籍所在地"], r["姓名"], r["身份证号"], r["出生日期"], r["应在学段"]) for r in rows)


def error_rows(book, file=None):
    """(行号, 原值, 错误说明) of the 输入错误 sheet, of one file."""
    ws = openpyxl.load_workbook(book)["输入错误"]
    return sorted((r[2], r[4] or "", r[5]) for r in ws.iter_rows(min_row=4, values_only=True)
                  if isinstance(r[2], int) and (file is None or r[0] == file))


def township_counts(book):
    ws = openpyxl.load_workbook(book)["汇总"]
    return {r[0]: r[1:9] for r in ws.iter_rows(min_row=5, values_only=True) if isinstance(r[1], int)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_province_path_equals_county_census(tmp_path, seed):
    wd, pop_xlsx, pop_csv, roster_csvs = build_random(tmp_path, seed)
    res = kc("census", pop_xlsx, "--dir", wd, "--as-of", AS_OF)
    assert res.exit_code == 0, res.output
    county = wd / "out" / "census" / f"人籍比对_示例县_{AS_OF}.xlsx"
    expected = listed(list_rows(county, "适龄未入学"))
    on_roster = sum(1 for r in list_rows(county, "在籍学生") if r["适龄学段"] != "非适龄")
    ambiguous = sum(1 for r in list_rows(county, "重名待核") if r["适龄学段"] != "非适龄")
    assert expected and on_roster      # the random county has both
    county_errors = error_rows(county, "适龄儿童名册.xlsx")
    assert len(county_errors) >= 2     # at least the row without ID or birth and the row without name

    for rosters, out in ((wd, tmp_path / "省_工作目录"), (roster_csvs, tmp_path / "省_csv")):
        output = province(pop_csv, rosters, out)
        book = out / f"适龄未入学_示例县_{AS_OF}.xlsx"
        assert listed(list_rows(book, "一乡")) == expected
        counts = township_counts(book)["合计"]
        assert (counts[3], counts[4], counts[7]) == (on_roster, ambiguous, len(expected))
        assert error_rows(book) == county_errors       # same rows (the CSV has its header on line 1 too)
        assert f"输入错误 {len(county_errors)} 行" in output


# ---------------------------------------------------------------- per county and township, by hand

def hand_example(tmp_path):
    """The two counties of test_per_county_and_township_books (also rendered by tests/test_render.py)."""
    zhao, qian, sun, li, zhou = (dict(name=n, birth=b, id=valid_id(b, i, True)) for i, (n, b) in enumerate(
        [("赵一", D(2016, 3, 1)), ("钱二", D(2013, 5, 5)), ("孙三", D(2021, 1, 1)), ("李四", D(2018, 2, 2)),
         ("周五", D(2015, 7, 7))], start=1))
    pop = write_csv(tmp_path / "人口.csv", [["县区", "乡镇", "姓名", "身份证号", "出生日期", "户籍所在地"],
                                          ["甲县", "东乡", zhao["name"], zhao["id"], "", "东一村"],
                                          ["甲县", "东乡", qian["name"], qian["id"], "", "东二村"],
                                          ["甲县", "东乡", sun["name"], sun["id"], "", "东一村"],
                                          ["甲县", "西镇", li["name"], "", "2018/2/2", ""],
                                          ["乙县", "", zhou["name"], "", "2015年7月7日", "北村"]])
    write_csv(tmp_path / "rosters" / "乙县" / "花名册.csv", [ROSTER_HEADER,
                                                         ["G" + zhao["id"], "", "赵一", "男", "", "五年级", "1班"],
                                                         ["", zhou["id"], "周 五", "男", "", "六年级", "2班"]])
    return pop, tmp_path / "rosters", (zhao, qian, sun, li, zhou)


def test_per_county_and_township_books(tmp_path):
    """Two counties, as of 2026-11-20 (ages on 2026-08-31):
      甲县 东乡: 赵一 2016-03-01 (10, 小学) on 乙县's roster → enrolled (rosters are province-wide)
                 钱二 2013-05-05 (13, 初中) on no roster → 适龄未入学
                 孙三 2021-01-01 (5) too young → not listed
      甲县 西镇: 李四 2018-02-02 (8, 小学), no ID, on no roster → 适龄未入学
      乙县 (no 乡镇): 周五 2015-07-07 (11, 小学) on 乙县's roster by 姓名+出生日期 → enrolled
    → 适龄未入学_甲县: 汇总 东乡 (2 适龄: 1 小学 1 初中; 1 on a roster; 1 未入学, 初中), 西镇 (1, 1 未入学);
      sheets 东乡 [钱二], 西镇 [李四]. 适龄未入学_乙县: one sheet （未填乡镇）, empty. 人籍比对汇总 by county."""
    pop, rosters, (zhao, qian, sun, li, zhou) = hand_example(tmp_path)
    out = tmp_path / "out"
    output = province(pop, rosters, out)
    assert sorted(p.name for p in out.iterdir()) == [f"人籍比对汇总_{AS_OF}.xlsx", f"适龄未入学_乙县_{AS_OF}.xlsx",
                                                     f"适龄未入学_甲县_{AS_OF}.xlsx"]
    jia = out / f"适龄未入学_甲县_{AS_OF}.xlsx"
    assert openpyxl.load_workbook(jia).sheetnames == ["汇总", "东乡", "西镇", "输入错误"]
    assert [(r["姓名"], r["户籍所在地"], r["应在学段"], r["身份证号"]) for r in list_rows(jia, "东乡")] == [
        ("钱二", "东二村", "初中", qian["id"])]
    assert [(r["姓名"], r["户籍所在地"], r["出生日期"]) for r in list_rows(jia, "西镇")] == [
        ("李四", "（未填户籍所在地）", dt.datetime(2018, 2, 2))]
    #                            适龄 小学 初中 合计, 在花名册上, 重名待核, 未入学 小学 初中 合计
    assert township_counts(jia) == {"东乡": (1, 1, 2, 1, 0, 0, 1, 1), "西镇": (1, 0, 1, 0, 0, 1, 0, 1),
                                    "合计": (2, 1, 3, 1, 0, 1, 1, 2)}
    yi = out / f"适龄未入学_乙县_{AS_OF}.xlsx"
    assert openpyxl.load_workbook(yi).sheetnames == ["汇总", "（未填乡镇）", "输入错误"]
    assert list_rows(yi, "（未填乡镇）") == []
    assert township_counts(out / f"人籍比对汇总_{AS_OF}.xlsx") == {
        "乙县": (1, 0, 1, 1, 0, 0, 0, 0), "甲县": (2, 1, 3, 1, 0, 1, 1, 2), "合计": (3, 1, 4, 2, 0, 1, 1, 2)}
    assert "适龄儿童名册 5 行（可用 5 行，输入错误 0 行）" in output and "适龄未入学 2 人" in output


# ---------------------------------------------------------------- refusals

def test_without_duckdb_the_command_says_how_to_install_it(tmp_path, monkeypatch):
    pop = write_csv(tmp_path / "人口.csv", [["县区", "姓名", "身份证号"], ["甲县", "赵一", ""]])
    monkeypatch.setitem(sys.modules, "duckdb", None)     # import duckdb → ImportError
    res = kc("census-province", pop, "--rosters", tmp_path, "--out", tmp_path / "out", "--as-of", AS_OF)
    assert res.exit_code == 2
    assert "pip install 'kc_batch[scale]'" in res.output and "DuckDB" in res.output
    assert not any((tmp_path / "out").glob("*.xlsx"))


def test_population_csv_without_county_column_is_named(tmp_path):
    pop = write_csv(tmp_path / "人口.csv", [["姓名", "身份证号", "出生日期"], ["赵一", "", "2016-03-01"]])
    roster = write_csv(tmp_path / "花名册.csv", [ROSTER_HEADER])
    res = kc("census-province", pop, "--rosters", roster, "--out", tmp_path / "out", "--as-of", AS_OF)
    assert res.exit_code == 3
    assert "人口.csv" in res.output and "县区" in res.output


def test_bad_memory_option_is_a_usage_error(tmp_path):
    pop = write_csv(tmp_path / "人口.csv", [["县区", "姓名", "身份证号"], ["甲县", "赵一", ""]])
    res = kc("census-province", pop, "--rosters", tmp_path, "--out", tmp_path / "out", "--memory", "很多")
    assert res.exit_code == 2 and "--memory" in res.output
