"""forms.py on real files (SPEC §3, §3.5): one small test per kind of file people actually send.

Every workbook is written in the test by the same code path Excel/WPS/LibreOffice/xlwt/CSV use
(tests/xlsx_styles.py), read with readers.read_file and parsed with forms.parse_file.
"""
from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from xlsx_styles import (write_csv, write_excel_style, write_libreoffice_style, write_wps_style,
                         write_xls)

from kc_batch.calendar import SchoolCalendar
from kc_batch.config import CalendarConfig
from kc_batch.read.forms import CHANGE, CHECK, ROSTER, parse_file
from kc_batch.read.files import read_file

CAL = SchoolCalendar(CalendarConfig())  # 学年初 2026-09-01, Monday–Friday


def valid_id(birth: dt.date, seq: int, male: bool) -> str:
    body = f"450923{birth:%Y%m%d}{seq * 2 + (1 if male else 0):03d}"
    number = body + ric.calc_check_digit(body + "?")  # stdnum drops the last char
    assert ric.is_valid(number)
    return number


B1, B2, B3 = dt.date(2014, 5, 3), dt.date(2014, 6, 7), dt.date(2015, 1, 20)
ID1, ID2, ID3 = valid_id(B1, 1, False), valid_id(B2, 2, True), valid_id(B3, 3, True)
ID_X = next(i for i in (valid_id(B2, n, True) for n in range(1, 200)) if i.endswith("X"))


def parse(tmp_path, writer, sheets, name="表.xlsx", **kw):
    path = writer(tmp_path / name, sheets, **kw)
    return parse_file(read_file(path, tmp_path), CAL)


def parse_csv(tmp_path, rows, encoding, name="表.csv"):
    path = write_csv(tmp_path / name, rows, encoding=encoding)
    return parse_file(read_file(path, tmp_path), CAL)


def records(parsed):
    return [r for t in parsed.tables for r in t.records]


ROSTER_ROWS = [
    ["三年级(2)班学生花名册", None, None, None, None],
    ["学籍号", "身份证号", "姓名", "性别", "出生日期"],
    ["G" + ID1, ID1, "王芳", "女", B1],
    ["G" + ID2, ID2, "李明", "男", B2],
]


# ---------------------------------------------------------------- file formats

@pytest.mark.parametrize("writer, name", [
    (write_excel_style, "excel.xlsx"), (write_wps_style, "wps.xlsx"),
    (write_libreoffice_style, "libreoffice.xlsx"), (write_xls, "old.xls"),
])
def test_workbook_from_each_program(tmp_path, writer, name):
    parsed = parse(tmp_path, writer, {"三(2)": ROSTER_ROWS}, name=name)
    (table,) = parsed.tables
    assert (table.form, table.grade, table.class_no, table.header_row, table.rows_read) == (ROSTER, 3, "2", 2, 2)
    got = [(r.key, r.name, r.grade, r.class_no, r.attrs["sex"], r.attrs["birth"]) for r in table.records]
    assert got == [(ID1, "王芳", 3, "2", "女", "2014-05-03"), (ID2, "李明", 3, "2", "男", "2014-06-07")]
    assert parsed.errors == [] and parsed.notices == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_each_encoding(tmp_path, encoding):
    rows = [["学籍号", "姓名", "年级", "班级", "出生日期", "家庭住址"],
            ["G" + ID1, "王芳", "四年级", "1班", "2014/5/3", "杉树村三组"],
            ["G" + ID2, "李明", "四年级", "2班", "2014/6/7", "杉树村五组"]]
    parsed = parse_csv(tmp_path, rows, encoding)
    got = [(r.key, r.name, r.grade, r.class_no, r.attrs["birth"], r.attrs["address"]) for r in records(parsed)]
    assert got == [(ID1, "王芳", 4, "1", "2014-05-03", "杉树村三组"), (ID2, "李明", 4, "2", "2014-06-07", "杉树村五组")]
    assert parsed.errors == []


# ---------------------------------------------------------------- layout

def test_title_rows_above_the_header_give_grade_and_class(tmp_path):
    rows = [["杉树完小2026年秋季学期"], ["五年级（1）班学生花名册"], [None], ["学籍号", "姓名"], ["G" + ID1, "王芳"]]
    (table,) = parse(tmp_path, write_excel_style, {"Sheet1": rows}).tables
    assert (table.header_row, table.grade, table.class_no) == (4, 5, "1")
    assert [(r.key, r.grade, r.class_no) for r in table.records] == [(ID1, 5, "1")]


def test_grade_and_class_from_the_sheet_name_when_no_title(tmp_path):
    (table,) = parse(tmp_path, write_excel_style, {"六年级(2)班": [["学籍号", "姓名"], ["G" + ID1, "王芳"]]}).tables
    assert (table.grade, table.class_no) == (6, "2")


def test_merged_title_and_two_row_header_guardian_over_name_and_phone(tmp_path):
    rows = [
        ["二年级(1)班学生花名册", None, None, None, None],
        ["学籍号", "姓名", "监护人", None, "出生日期"],
        [None, None, "姓名", "联系电话", None],
        ["G" + ID1, "王芳", "王大山", "13800000001", B1],
        ["G" + ID2, "李明", "李大海", "13800000002", B2],
    ]
    merges = {"二(1)": ["A1:E1", "A2:A3", "B2:B3", "C2:D2", "E2:E3"]}
    parsed = parse(tmp_path, write_excel_style, {"二(1)": rows}, merges=merges)
    (table,) = parsed.tables
    assert (table.grade, table.class_no, table.header_row, table.rows_read) == (2, "1", 3, 2)
    got = [(r.name, r.attrs["guardian"], r.attrs["phone"], r.attrs["birth"]) for r in table.records]
    assert got == [("王芳", "王大山", "13800000001", "2014-05-03"), ("李明", "李大海", "13800000002", "2014-06-07")]
    assert parsed.errors == []


def test_blank_rows_and_columns(tmp_path):
    rows = [
        [None, None, None, None, None],
        [None, "学籍号", None, "姓名", "性别"],
        [None, "G" + ID1, None, "王芳", "女"],
        [None, None, None, None, None],
        [None, None, None, None, None],
        [None, "G" + ID2, None, "李明", "男"],
    ]
    parsed = parse(tmp_path, write_excel_style, {"三年级(2)班": rows})
    (table,) = parsed.tables
    assert table.rows_read == 2
    assert [(r.key, r.name, r.source.row) for r in table.records] == [(ID1, "王芳", 3), (ID2, "李明", 6)]
    assert parsed.errors == []


@pytest.mark.parametrize("footer", [
    [["合计", "2人", None]],
    [["制表人：张老师", None, "审核人：李校长"]],
    [["合计：2人", None, None], ["制表人：张老师", None, "2026年9月5日"]],
])
def test_footer_lines_are_neither_records_nor_errors(tmp_path, footer):
    rows = [["三年级(2)班"], ["学籍号", "姓名", "性别"], ["G" + ID1, "王芳", "女"], ["G" + ID2, "李明", "男"]] + footer
    parsed = parse(tmp_path, write_excel_style, {"S": rows})
    (table,) = parsed.tables
    assert table.rows_read == 2 and [r.name for r in table.records] == ["王芳", "李明"]
    assert parsed.errors == []


def test_hidden_sheets_are_ignored_and_said_so(tmp_path):
    old = [["三年级(2)班"], ["学籍号", "姓名"], ["G" + ID3, "赵六"]]
    parsed = parse(tmp_path, write_excel_style, {"三(2)": ROSTER_ROWS, "旧名单": old}, hidden=["旧名单"])
    assert [t.sheet for t in parsed.tables] == ["三(2)"]
    assert ID3 not in {r.key for r in records(parsed)}
    assert len(parsed.skipped_sheets) == 1
    sheet, why = parsed.skipped_sheets[0]
    assert sheet == "旧名单" and "隐藏" in why


def test_several_class_tables_on_one_sheet(tmp_path):
    rows = [
        ["三年级(1)班学生名单", None],
        ["学籍号", "姓名"],
        ["G" + ID1, "王芳"],
        [None, None],
        ["三年级(2)班学生名单", None],
        ["学籍号", "姓名"],
        ["G" + ID2, "李明"],
        ["G" + ID3, "赵六"],
    ]
    parsed = parse(tmp_path, write_wps_style, {"三年级": rows})
    assert [(t.grade, t.class_no, t.header_row, t.rows_read) for t in parsed.tables] == [(3, "1", 2, 1), (3, "2", 6, 2)]
    assert [(r.name, r.grade, r.class_no) for r in records(parsed)] == [("王芳", 3, "1"), ("李明", 3, "2"), ("赵六", 3, "2")]
    assert parsed.errors == []


def test_header_text_with_spaces_line_breaks_full_width_and_bracketed_suffix(tmp_path):
    rows = [["学 籍 号", "姓名\n", "年级", "班级（1）", "联系电话（手机）", "出生日期(公历)", "家庭\n住址"],
            ["G" + ID1, "王芳", "三年级", "2", "13800000001", "2014-05-03", "杉树村"]]
    (rec,) = records(parse(tmp_path, write_excel_style, {"S": rows}))
    assert (rec.key, rec.name, rec.grade, rec.class_no) == (ID1, "王芳", 3, "2")
    assert (rec.attrs["phone"], rec.attrs["birth"], rec.attrs["address"]) == ("13800000001", "2014-05-03", "杉树村")


# ---------------------------------------------------------------- IDs as people type them

def test_id_stored_as_a_number_is_an_error_naming_the_cell(tmp_path):
    as_number = float(ID1[:15] + "000")  # what Excel keeps of an 18-digit number: 15 digits
    rows = [["三年级(2)班"], ["学籍号", "身份证号", "姓名"],
            ["L450923201405030011", as_number, "王芳"],     # other ID usable → kept
            [None, float(ID2[:15] + "000"), "李明"]]         # nothing else usable → not kept
    parsed = parse(tmp_path, write_excel_style, {"S": rows})
    (rec,) = records(parsed)
    assert (rec.name, rec.key, rec.sfz) == ("王芳", "XJH:L450923201405030011", None)
    assert [(e.sheet, e.row, e.column) for e in parsed.errors] == [("S", 3, "B列（身份证号）"), ("S", 4, "B列（身份证号）")]
    assert all("数字" in e.reason for e in parsed.errors)
    assert "未导入" in parsed.errors[1].reason
    assert parsed.tables[0].rows_read == 2


def test_xjh_stored_as_a_number_with_a_usable_id_keeps_the_row(tmp_path):
    rows = [["三年级(2)班"], ["学籍号", "身份证号", "姓名"], [4.50923201405030e17, ID1, "王芳"]]
    parsed = parse(tmp_path, write_excel_style, {"S": rows})
    assert [r.key for r in records(parsed)] == [ID1]
    assert [(e.row, e.column) for e in parsed.errors] == [(3, "A列（学籍号）")]


def test_id_with_apostrophe_spaces_and_lower_case_x_in_csv(tmp_path):
    spaced = f" {ID2[:6]} {ID2[6:14]} {ID2[14:]} "
    rows = [["身份证号", "姓名", "年级", "班级"],
            ["'" + ID1, "王芳", "3", "2"],
            [spaced, "李明", "3", "2"],
            [ID_X[:-1] + "x", "赵六", "3", "2"]]
    parsed = parse_csv(tmp_path, rows, "gbk")
    assert [(r.name, r.sfz, r.key) for r in records(parsed)] == [("王芳", ID1, ID1), ("李明", ID2, ID2), ("赵六", ID_X, ID_X)]
    assert parsed.errors == [] and parsed.notices == []


def test_apostrophe_text_id_in_xlsx(tmp_path):
    # Excel stores '450923… as the text 450923… (the apostrophe only marks it as text)
    rows = [["三年级(2)班"], ["身份证号", "姓名"], ["'" + ID1, "王芳"]]
    assert [r.key for r in records(parse(tmp_path, write_excel_style, {"S": rows}))] == [ID1]


# ---------------------------------------------------------------- dates, names, grades, classes

def test_birth_dates_in_every_form(tmp_path):
    serial = 41762  # 2014-05-03
    forms_of_may3 = [serial, B1, "2014-05-03", "2014/5/3", "2014.5.3", "2014年5月3日", "20140503"]
    rows = [["三年级(2)班"], ["学籍号", "姓名", "出生日期"]]
    rows += [[f"L4509232014050300{i:02d}", f"学生{i}", v] for i, v in enumerate(forms_of_may3)]
    parsed = parse(tmp_path, write_excel_style, {"S": rows})
    assert [r.attrs["birth"] for r in records(parsed)] == ["2014-05-03"] * len(forms_of_may3)
    assert parsed.errors == []


def test_unreadable_birth_date_is_a_cell_error_and_the_row_is_kept(tmp_path):
    rows = [["三年级(2)班"], ["学籍号", "姓名", "出生日期"], ["G" + ID1, "王芳", "五月三日"]]
    parsed = parse(tmp_path, write_excel_style, {"S": rows})
    assert [r.key for r in records(parsed)] == [ID1]
    assert [(e.row, e.column, e.value) for e in parsed.errors] == [(3, "C列（出生日期）", "五月三日")]


def test_names_with_inner_full_width_and_trailing_spaces_are_the_same_student(tmp_path):
    # a 周查表 without IDs: 姓名 is matched within the class (§3.2), so the names must agree
    rows = [["三年级(2)班 第12周周查表"], ["姓名", "周一", "周二", "周三", "周四", "周五"],
            ["王 芳", None, None, None, None, None],
            ["王芳 ", None, None, None, None, None],
            ["王　芳", None, None, None, None, None],
            ["ＡＢ 丽", None, None, None, None, None]]
    recs = records(parse(tmp_path, write_excel_style, {"S": rows}))
    assert [r.key for r in recs] == ["NAME:3:2:王芳"] * 3 + ["NAME:3:2:AB丽"]


def test_grades_and_classes_as_people_write_them(tmp_path):
    grades = ["一年级", "1年级", "一", 1, "初一", "七年级"]
    classes = ["1班", "(1)班", "（1）班", "一班", 1, "01"]
    rows = [["学籍号", "姓名", "年级", "班级"]]
    rows += [[f"L4509232014050300{i:02d}", f"学生{i}", g, c] for i, (g, c) in enumerate(zip(grades, classes))]
    parsed = parse(tmp_path, write_excel_style, {"全校": rows})
    assert [(r.grade, r.class_no) for r in records(parsed)] == [(1, "1")] * 4 + [(7, "1")] * 2
    assert parsed.errors == []


def test_grades_and_classes_in_xls_whole_school_sheet(tmp_path):
    rows = [["初中部学生花名册"], ["学籍号", "姓名", "年级", "班级"],
            ["G" + ID1, "王芳", "初一", "(1)班"], ["G" + ID2, "李明", "七年级", "01"],
            ["G" + ID3, "赵六", "九年级", 2.0]]
    parsed = parse(tmp_path, write_xls, {"初中部": rows}, name="初中.xls")
    assert [(r.key, r.grade, r.class_no) for r in records(parsed)] == [(ID1, 7, "1"), (ID2, 7, "1"), (ID3, 9, "2")]


# ---------------------------------------------------------------- 周查表 and 学籍变动登记表

def test_check_table_with_weekday_headers_takes_the_week_from_the_title(tmp_path):
    rows = [["2026—2027学年第一学期第12周周查表 三年级(2)班"],
            ["学籍号", "姓名", "周一", "周二", "周三", "周四", "周五", "备注"],
            ["G" + ID1, "王芳", "√", "旷半", "病", None, "？", "发烧"]]
    parsed = parse(tmp_path, write_excel_style, {"S": rows})
    (table,) = parsed.tables
    assert (table.form, table.week, table.grade, table.class_no) == (CHECK, "2026-W47", 3, "2")
    (rec,) = table.records
    marks = {d.isoformat(): (raw, m.present, m.unexcused, m.sick) for d, (raw, m) in rec.marks.items()}
    assert marks == {"2026-11-16": ("√", 1, 0, 0), "2026-11-17": ("旷半", 0.5, 0.5, 0),
                     "2026-11-18": ("病", 0, 0, 1), "2026-11-19": ("", 1, 0, 0)}
    assert rec.note == "发烧"
    assert [(e.row, e.column, e.value) for e in parsed.errors] == [(3, "G列（11月20日）", "？")]


def test_check_table_date_headers_win_over_the_title_week(tmp_path):
    rows = [["第3周周查表 三年级(2)班"],
            ["学籍号", "姓名", "11月16日", dt.date(2026, 11, 17), "2026-11-18", "11/19", "20日"],
            ["G" + ID1, "王芳", "旷", None, None, None, "旷"]]
    (table,) = parse(tmp_path, write_excel_style, {"S": rows}).tables
    assert table.week == "2026-W47"
    (rec,) = table.records
    assert sorted(d.day for d in rec.marks) == [16, 17, 18, 19, 20]
    assert rec.marks[dt.date(2026, 11, 20)][1].unexcused == 1


def test_change_register(tmp_path):
    rows = [["学籍变动登记表"],
            ["学籍号", "姓名", "年级", "班级", "变动类型", "变动日期", "对方学校", "回执日期"],
            ["G" + ID1, "王芳", "三年级", "2班", "转出", "2026/10/26", "城关小学", "2026年10月30日"],
            ["G" + ID2, "李明", "三年级", "2班", "退学", "2026-11-10", None, None]]
    parsed = parse(tmp_path, write_excel_style, {"变动": rows})
    (table,) = parsed.tables
    assert table.form == CHANGE and table.rows_read == 2
    (rec,) = table.records
    assert (rec.key, rec.change_type, rec.date, rec.other_school, rec.receipt_date) == \
        (ID1, "转出", dt.date(2026, 10, 26), "城关小学", dt.date(2026, 10, 30))
    assert [(e.row, e.column, e.value) for e in parsed.errors] == [(4, "E列（变动类型）", "退学")]


def test_sheet_without_a_recognisable_header_is_an_error(tmp_path):
    parsed = parse(tmp_path, write_excel_style, {"说明": [["本表由班主任填写"], ["请于周五前上交"]]})
    assert parsed.tables == []
    assert len(parsed.errors) == 1 and parsed.errors[0].sheet == "说明"
