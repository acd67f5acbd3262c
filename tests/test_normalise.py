"""normalise.py: header texts, grades, classes, dates, names (SPEC §3.5) and attendance marks (§4)."""
from __future__ import annotations

import datetime as dt

import pytest

from kc_batch.read.identity import normalise_name
from kc_batch.read.values import (Mark, grade_class_from_text, norm_header, parse_class, parse_date, parse_grade, parse_mark)

MAY3 = dt.date(2014, 5, 3)


@pytest.mark.parametrize("text, expected", [
    ("学 籍 号", "学籍号"), ("姓名\n", "姓名"), ("班级（1）", "班级"), ("联系电话（手机）", "联系电话"),
    ("出生日期(公历)", "出生日期"), ("ＸＪＨ", "XJH"), ("*姓名", "姓名"), ("　姓　名　", "姓名"),
])
def test_header_text(text, expected):
    assert norm_header(text) == expected


@pytest.mark.parametrize("value", ["一年级", "1年级", "一", "1", 1, 1.0, " 一年级 ", "１年级"])
def test_grade_one(value):
    assert parse_grade(value) == 1


@pytest.mark.parametrize("value, expected", [
    ("初一", 7), ("七年级", 7), ("初二", 8), ("初三", 9), ("九年级", 9), ("6", 6), ("六年级", 6),
])
def test_grades(value, expected):
    assert parse_grade(value) == expected


@pytest.mark.parametrize("value", ["十年级", "0", "高一", "", None, "幼儿园"])
def test_not_a_grade(value):
    assert parse_grade(value) is None


@pytest.mark.parametrize("value", ["1班", "(1)班", "（1）班", "一班", "1", "01", 1, 1.0, " 1 班"])
def test_class_one(value):
    assert parse_class(value) == "1"


def test_class_ten_and_twelve():
    assert parse_class("十班") == "10" and parse_class("(12)班") == "12"


@pytest.mark.parametrize("text, expected", [
    ("三年级(2)班学生花名册", (3, "2")), ("2026—2027学年 初一（3）班 周查表", (7, "3")),
    ("七年级2班", (7, "2")), ("一年级一班", (1, "1")), ("三(2)班", (3, "2")), ("学生名单", (None, None)),
])
def test_grade_and_class_from_a_title(text, expected):
    assert grade_class_from_text(text) == expected


@pytest.mark.parametrize("value", [
    41762, 41762.0, MAY3, dt.datetime(2014, 5, 3, 0, 0), "2014-05-03", "2014/5/3", "2014.5.3",
    "2014年5月3日", "20140503", 20140503, " 2014-5-3 ", "２０１４／５／３",
])
def test_dates(value):
    # 41762 is 2014-05-03 as an Excel serial (day 1 = 1900-01-01, with Excel's 1900 leap-year day)
    assert parse_date(value) == MAY3


@pytest.mark.parametrize("value", ["2014-02-30", "明年", "", None, "2014年5月", 3.5])
def test_not_dates(value):
    assert parse_date(value) is None


def test_year_and_month_only_when_allowed():
    assert parse_date("2014年5月", allow_month=True) == dt.date(2014, 5, 1)
    assert parse_date("2014.05", allow_month=True) == dt.date(2014, 5, 1)


@pytest.mark.parametrize("text", ["王 芳", "王芳 ", " 王芳", "王　芳", "王芳\u3000", "王\t芳"])
def test_names_with_spaces_are_the_same_name(text):
    assert normalise_name(text) == "王芳"


def test_full_width_letters_in_names():
    assert normalise_name("阿依古丽·ＡＢ") == "阿依古丽·AB"


# ---------------------------------------------------------------- §4 marks

FULL_PRESENT = Mark(present=1.0)


@pytest.mark.parametrize("value", [None, "", " ", "√", "✓", "✔", "到", "○"])
def test_present_marks(value):
    assert parse_mark(value) == FULL_PRESENT


def test_late_is_present_and_counted_late():
    assert parse_mark("迟") == Mark(present=1.0, late=1)


@pytest.mark.parametrize("value, kind", [
    ("病", "sick"), ("病假", "sick"), ("事", "personal"), ("事假", "personal"), ("假", "personal"),
    ("旷", "unexcused"), ("旷课", "unexcused"), ("×", "unexcused"), ("✗", "unexcused"), ("缺", "unexcused"),
])
def test_absence_marks(value, kind):
    mark = parse_mark(value)
    assert mark.present == 0
    assert getattr(mark, kind) == 1
    assert mark.absent == 1
    assert mark.late == 0


@pytest.mark.parametrize("value, kind", [
    ("旷半", "unexcused"), ("病½", "sick"), ("病半", "sick"), ("事半", "personal"), ("半天旷课", "unexcused"),
])
def test_half_day_is_half_absent_and_half_present(value, kind):
    # §13.3: ½ day of that kind and ½ day present
    mark = parse_mark(value)
    assert mark.present == 0.5
    assert getattr(mark, kind) == 0.5
    assert mark.absent == 0.5


@pytest.mark.parametrize("value", ["？", "出", "abc", "旷旷", 3])
def test_unknown_marks_are_errors(value):
    assert parse_mark(value) == "error"


@pytest.mark.parametrize("value", ["—", "-", "/"])
def test_dash_means_no_data(value):
    assert parse_mark(value) is None
