"""SPEC §3.6 identity: the GB 11643-1999 checksum, 15→18 conversion, 学籍号 forms, the student key,
and the warnings that keep a row (sex/birth disagreement, invalid ID)."""
from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from xlsx_styles import write_excel_style

from kc_batch.read import identity
from kc_batch.calendar import SchoolCalendar
from kc_batch.config import CalendarConfig
from kc_batch.read.forms import parse_file
from kc_batch.read.files import read_file

CAL = SchoolCalendar(CalendarConfig())


def valid_id(birth: dt.date, seq: int, male: bool, region: str = "450923") -> str:
    """A checksummed 身份证号 computed by python-stdnum (its calc_check_digit drops the last char)."""
    body = f"{region}{birth:%Y%m%d}{seq * 2 + (1 if male else 0):03d}"
    number = body + ric.calc_check_digit(body + "?")
    assert ric.is_valid(number)
    return number


# ---------------------------------------------------------------- checksum

@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_standard_examples_are_valid(number):
    assert identity.validate_id(number) == (number, None)


def test_check_character_of_the_standard_examples_by_hand():
    # Σ(digit × weight) for 11010519491231002 = 167, 167 mod 11 = 2 → 'X';
    # for 44052418800101001 = 195, 195 mod 11 = 8 → '4'
    assert identity.check_char("11010519491231002") == "X"
    assert identity.check_char("44052418800101001") == "4"


@pytest.mark.parametrize("number", [
    "110105194912310021",   # wrong check digit (should be X)
    "440524188001010015",   # wrong check digit (should be 4)
    "11010519491331002X",   # month 13 (checksum recomputed below would not help)
    "11010519491231002",    # 17 characters
    "1101051949123100212",  # 19 characters
    "11010519491231002Y",   # last character not a digit or X
])
def test_wrong_numbers_are_refused_with_a_chinese_reason(number):
    normalised, problem = identity.validate_id(number)
    assert normalised is None
    assert problem and "身份证号" in problem


def test_lower_case_x_apostrophe_and_spaces_are_cleaned():
    assert identity.validate_id("'11010519491231002x") == ("11010519491231002X", None)
    assert identity.validate_id(" 110105 19491231 002X ") == ("11010519491231002X", None)
    assert identity.validate_id("１１０１０５１９４９１２３１００２Ｘ") == ("11010519491231002X", None)


def test_future_birth_date_is_invalid():
    body = f"450923{dt.date.today().year + 1}0101001"
    _, problem = identity.validate_id(body + identity.check_char(body))
    assert problem and "出生日期" in problem


# ---------------------------------------------------------------- 15 → 18

def test_fifteen_digit_number_is_converted():
    # 110105 491231 002 → insert 19 → 11010519491231002 + check X (the standard example)
    assert identity.validate_id("110105491231002") == ("11010519491231002X", None)
    # 44052419800101001: Σ = 196, 196 mod 11 = 9 → '3'
    assert identity.convert_15_to_18("440524800101001") == "440524198001010013"


def test_fifteen_digit_number_with_bad_date_is_invalid():
    normalised, problem = identity.validate_id("110105491331002")
    assert normalised is None and problem


# ---------------------------------------------------------------- 学籍号

def test_g_and_j_xjh_carry_their_id():
    number = "11010519491231002X"
    assert identity.parse_xjh("G" + number) == ("G" + number, number, None)
    assert identity.parse_xjh("j" + number.lower()) == ("J" + number, number, None)


def test_g_xjh_with_bad_checksum_is_kept_as_an_opaque_string_with_a_problem():
    xjh, carried, problem = identity.parse_xjh("G110105194912310021")
    assert xjh == "G110105194912310021" and carried is None and "校验位" in problem


def test_l_xjh_has_no_checksum():
    assert identity.parse_xjh("L110105194912310021") == ("L110105194912310021", None, None)
    xjh, carried, problem = identity.parse_xjh("L11010519491231002X")
    assert carried is None and problem  # L + 18 digits only


def test_other_local_xjh_is_an_opaque_string():
    assert identity.parse_xjh("4509230001-0123") == ("4509230001-0123", None, None)


def test_student_key_order():
    number = "11010519491231002X"
    assert identity.student_key(number, "L110105194912310021", None, "王芳", 3, "2") == number
    assert identity.student_key(None, "G" + number, number, "王芳", 3, "2") == number
    assert identity.student_key(None, "L110105194912310021", None, "王芳", 3, "2") == "XJH:L110105194912310021"
    assert identity.student_key(None, None, None, "王芳", 3, "2") == "NAME:3:2:王芳"
    assert identity.student_key(None, None, None, "王芳", None, None) is None


def test_sex_comes_from_the_order_code():
    assert identity.id_sex(valid_id(dt.date(2014, 5, 3), 4, male=True)) == "男"
    assert identity.id_sex(valid_id(dt.date(2014, 5, 3), 4, male=False)) == "女"
    assert identity.id_birth("11010519491231002X") == dt.date(1949, 12, 31)


# ---------------------------------------------------------------- on real rows

def _parse(tmp_path, rows):
    path = write_excel_style(tmp_path / "花名册.xlsx", {"三(2)": rows})
    return parse_file(read_file(path, tmp_path), CAL)


def test_a_g_xjh_row_and_an_id_only_row_get_the_same_key(tmp_path):
    number = valid_id(dt.date(2015, 3, 9), 7, male=False)
    parsed = _parse(tmp_path, [
        ["三年级(2)班学生花名册"],
        ["学籍号", "身份证号", "姓名"],
        ["G" + number, None, "王芳"],
        [None, number, "王芳"],
    ])
    records = parsed.tables[0].records
    assert [r.key for r in records] == [number, number]
    assert parsed.errors == [] and parsed.notices == []


def test_sex_and_birth_disagreement_is_a_notice_and_the_row_is_kept(tmp_path):
    number = valid_id(dt.date(2015, 3, 9), 7, male=False)
    parsed = _parse(tmp_path, [
        ["三年级(2)班学生花名册"],
        ["学籍号", "身份证号", "姓名", "性别", "出生日期"],
        ["G" + number, number, "王芳", "男", "2015-03-10"],
    ])
    (record,) = parsed.tables[0].records
    assert record.key == number
    messages = [n.message for n in parsed.notices]
    assert len(messages) == 2
    assert any("性别" in m for m in messages) and any("出生日期" in m for m in messages)
    assert all(n.key == number and n.source.row == 3 for n in parsed.notices)
    assert parsed.errors == []


def test_agreeing_sex_and_birth_give_no_notice(tmp_path):
    number = valid_id(dt.date(2015, 3, 9), 7, male=True)
    parsed = _parse(tmp_path, [
        ["三年级(2)班学生花名册"],
        ["身份证号", "姓名", "性别", "出生日期"],
        [number, "李明", "男", dt.date(2015, 3, 9)],
    ])
    assert parsed.notices == [] and len(parsed.tables[0].records) == 1


def test_an_invalid_id_keeps_the_row_with_a_notice_and_is_not_used_for_matching(tmp_path):
    parsed = _parse(tmp_path, [
        ["三年级(2)班学生花名册"],
        ["学籍号", "身份证号", "姓名"],
        ["L450923201503090001", "110105194912310021", "王芳"],
    ])
    (record,) = parsed.tables[0].records
    assert record.sfz is None
    assert record.key == "XJH:L450923201503090001"
    assert parsed.errors == []
    (notice,) = parsed.notices
    assert "校验位" in notice.message and notice.source.row == 3
