"""§20 village rule and the §3.1 category columns (建档立卡, 残疾, 就读方式) read from every messy form."""
from __future__ import annotations

import pytest

from kc_batch.read.values import (NO_VILLAGE, disability_kind, parse_study_mode, student_village,
                                  village_of)


@pytest.mark.parametrize("address, village", [
    # the messy forms of the issue: the same village written three ways
    ("广西北流市新圩镇河村村3队", "河村"),   # first 村 after the township 新圩镇: 河村 (村3队 follows)
    ("新圩镇河村", "河村"),
    ("河村村委会", "河村"),
    ("新圩镇河村村民委员会六组", "河村"),
    (" 新圩镇 河村 ", "河村"),                # spaces inside
    ("城南街道城南社区居委会", "城南社区"),     # 社区 counts like 村
    ("北流市新村镇大坡村", "大坡村"),           # 新村镇 is a township, not a village
    ("北流市市场村", "市场村"),                 # 市 at the start of the village name is not cut off
    ("广东省广州市天河区石牌村", "石牌村"),
    ("新圩镇街上", None),                       # no village in the address
    ("", None),
])
def test_village_of(address, village):
    assert village_of(address) == village


def test_hukou_first_then_address():
    assert student_village("北流市新圩镇河村", "县城幸福小区") == "河村"
    assert student_village("北流市", "新圩镇大坡村5组") == "大坡村"   # 户籍 without a village: 家庭住址
    assert student_village("", "县城幸福小区") is None
    assert NO_VILLAGE == "未注明村"


@pytest.mark.parametrize("cell, kind", [
    ("是", "未注明类型"), ("✓", "未注明类型"), ("1", "未注明类型"), ("视力", "视力残疾"), ("听力残疾", "听力残疾"),
    ("肢体残疾二级", "肢体残疾二级"), ("不详", "不详"),  # neither 是/否 nor a known type: kept as text
    ("否", None), ("无", None), ("0", None), ("", None), (None, None),
])
def test_disability_kind(cell, kind):
    assert disability_kind(cell) == kind


@pytest.mark.parametrize("cell, mode", [
    ("送教上门", "送教上门"), ("送教", "送教上门"), ("随班就读", "随班就读"), ("是", "随班就读"), ("否", "普通"),
    ("普通", "普通"), ("特教学校", "特教学校"), ("", ""),
])
def test_study_mode(cell, mode):
    assert parse_study_mode(cell) == mode
