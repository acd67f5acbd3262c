"""kc.toml (SPEC §2.1, §13.19; issue 12 items 7 and 13): one key table, checked with the key and the line."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from click.testing import CliRunner

from kc_batch.cli import main
from kc_batch.config import Config, config_from_dict, load_config, render_toml
from kc_batch.config_keys import SECTIONS
from kc_batch.errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

BASE = '[unit]\nname = "杉树完小"\n'


def run_check(tmp_path, toml_text: str | bytes):
    (tmp_path / "inbox").mkdir(exist_ok=True)
    data = toml_text if isinstance(toml_text, bytes) else toml_text.encode("utf-8")
    (tmp_path / "kc.toml").write_bytes(data)
    return CliRunner().invoke(main, ["check", "--dir", str(tmp_path)])


def test_kc_init_text_loads_back_to_the_defaults():
    """The kc.toml `kc init` writes holds every shown key; loaded back it gives the dataclass defaults
    (but for the values kc init fills in: name, level, stages, year_start, holidays of that year)."""
    text = render_toml("杉树完小", "school", ["小学"], 2027)
    cfg = config_from_dict(tomllib.loads(text))
    default = Config()
    assert cfg.unit.name == "杉树完小" and cfg.calendar.year_start == dt.date(2027, 9, 1)
    assert cfg.calendar.holidays == [dt.date(2027, 10, d) for d in (1, 2, 3, 5, 6, 7)]
    assert cfg.policy == dataclasses.replace(default.policy)
    assert cfg.mail == default.mail and cfg.limits == default.limits
    for section in SECTIONS:
        for key in section.keys:
            if key.shown:
                assert f"\n{key.name} = " in text, (section.name, key.name)


def test_misspelt_section_names_the_nearest(tmp_path):
    res = run_check(tmp_path, BASE + "\n[calender]\nyear_start = 2026-09-01\n")
    assert res.exit_code == 2
    assert "第 4 行" in res.output and "[calender]" in res.output and "是否应为 [calendar]？" in res.output


def test_misspelt_key_names_the_nearest(tmp_path):
    res = run_check(tmp_path, BASE + "\n[policy]\nsuspect_after_day = 5\n")
    assert res.exit_code == 2
    assert "第 5 行" in res.output and "[policy] 中没有 suspect_after_day" in res.output
    assert "是否应为 suspect_after_days？" in res.output


@pytest.mark.parametrize("text, line, key", [
    ("escalation = [1, 2, 3]", 5, "[policy] escalation"),
    ("rates = 5", 5, "[policy] rates"),
])
def test_policy_tables_of_the_wrong_shape(tmp_path, text, line, key):
    res = run_check(tmp_path, BASE + "\n[policy]\n" + text + "\n")
    assert res.exit_code == 2
    assert f"第 {line} 行" in res.output and key in res.output


@pytest.mark.parametrize("text, key", [("calendar = 5", "calendar"), ("mail = 5", "mail"), ("units = [1]", "units"),
                                       ("policy = \"x\"", "policy")])
def test_top_level_tables_of_the_wrong_shape(tmp_path, text, key):
    res = run_check(tmp_path, text + "\n" + BASE)
    assert res.exit_code == 2, res.output
    assert "第 1 行" in res.output and key in res.output and "应为" in res.output
    assert "Traceback" not in res.output


def test_gbk_file_is_read_with_a_notice(tmp_path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "kc.toml").write_bytes((BASE.replace("杉树完小", "石门村小学") + "clerk = \"覃丽\"\n").encode("gbk"))
    cfg = load_config(tmp_path)
    assert cfg.unit.name == "石门村小学" and cfg.unit.clerk == "覃丽"
    assert any("GBK" in n for n in cfg.notices)
    (tmp_path / "inbox" / "花名册.csv").write_text("学籍号,姓名,年级,班级\nL20140101000000001,甲,三年级,1班\n",
                                                encoding="utf-8")
    res = CliRunner().invoke(main, ["check", "--dir", str(tmp_path)])
    assert "GBK 编码" in res.output


def test_utf8_with_bom_reads_silently(tmp_path):
    (tmp_path / "kc.toml").write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    cfg = load_config(tmp_path)
    assert cfg.unit.name == "杉树完小" and cfg.notices == []


def test_value_of_the_wrong_type_names_key_and_line(tmp_path):
    with pytest.raises(ConfigError) as exc:
        config_from_dict(tomllib.loads(BASE + "\n[calendar]\ncutoff_day = 31\n"))
    assert "[calendar] cutoff_day" in str(exc.value) and "1 到 28" in str(exc.value)
    res = run_check(tmp_path, BASE + "\n[calendar]\ncutoff_day = \"20\"\n")
    assert res.exit_code == 2 and "第 5 行" in res.output and "cutoff_day" in res.output


def test_inline_rates_table_and_escalation_steps(tmp_path):
    text = (BASE + '\n[policy]\nrates = { denominator = "调整基数" }\n'
            '[[policy.escalation]]\ndays = 3\naction = "告知家长"\n[[policy.escalation]]\ndays = 1\n')
    cfg = config_from_dict(tomllib.loads(text))
    assert cfg.policy.rates.denominator == "调整基数" and cfg.policy.rates.count_xiuxue_as_dropout is False
    assert [s.days for s in cfg.policy.escalation] == [1, 3]
    assert cfg.policy.escalation[1].action == "告知家长" and cfg.policy.escalation[0].deadline_days == 0
    with pytest.raises(ConfigError) as exc:
        config_from_dict(tomllib.loads(BASE + "\n[[policy.escalation]]\ndays = 0\n"))
    assert "大于 0" in str(exc.value)


# ---------------------------------------------------------------- §15.1 terms, ranges, 月末

TERMS = ('[calendar]\nyear_start = 2026-09-01\nterms = [\n'
         '  { name = "秋季学期", start = 2026-09-01, end = 2027-01-22 },\n'
         '  { name = "春季学期", start = 2027-02-22, end = 2027-07-02 },\n]\n')


def test_terms_and_holiday_ranges_make_the_school_days():
    """2027-01-22 (Fri) is the last day of 秋季学期; 01-25 (Mon) … 02-19 (Fri) lie between the terms;
    02-22 (Mon) opens 春季学期. The range "2026-10-01..2026-10-07" is 7 holidays; 10-08 (Thu) is a school day."""
    from kc_batch.calendar import SchoolCalendar
    cfg = config_from_dict(tomllib.loads(BASE + TERMS.replace("terms", 'holidays = ["2026-10-01..2026-10-07"]\nterms')))
    assert cfg.calendar.holidays == [dt.date(2026, 10, d) for d in range(1, 8)]
    cal = SchoolCalendar(cfg.calendar)
    assert not cal.is_school_day(dt.date(2026, 10, 7)) and cal.is_school_day(dt.date(2026, 10, 8))
    assert cal.is_school_day(dt.date(2027, 1, 22)) and not cal.is_school_day(dt.date(2027, 1, 25))
    assert cal.school_days_between(dt.date(2027, 1, 18), dt.date(2027, 2, 26)) == (
        [dt.date(2027, 1, d) for d in range(18, 23)] + [dt.date(2027, 2, d) for d in range(22, 27)])
    assert cal.term_of(dt.date(2027, 3, 1)).name == "春季学期" and cal.term_of(dt.date(2027, 2, 1)) is None
    assert cal.term_named("秋季学期").end == dt.date(2027, 1, 22)


@pytest.mark.parametrize("terms, words", [
    ('{ name = "秋季学期", start = 2026-09-01, end = 2027-01-22 }, { name = "春季学期", start = 2027-01-20, end = 2027-07-02 }',
     "日期不重叠"),
    ('{ name = "秋季学期", start = 2026-09-01, end = 2027-01-22 }, { name = "春季学期", start = 2027-02-22, end = 2027-09-02 }',
     "“春季学期”为 2027-02-22 至 2027-09-02"),
    ('{ name = "秋季学期", start = 2026-09-01 }', "学期列表"),
])
def test_bad_terms_name_the_key_and_line(tmp_path, terms, words):
    res = run_check(tmp_path, BASE + f"\n[calendar]\nyear_start = 2026-09-01\nterms = [{terms}]\n")
    assert res.exit_code == 2
    assert "第 6 行" in res.output and "[calendar] terms" in res.output and words in res.output


def test_month_end_cutoff():
    """cutoff_day = "月末": 2026-11 covers 11-01 … 11-30; 2027-02 covers 02-01 … 02-28; September starts at
    学年初 (2026-09-01, a Tuesday) and ends 09-30; a day on the 30th belongs to its own month."""
    from kc_batch.calendar import SchoolCalendar
    cal = SchoolCalendar(config_from_dict(tomllib.loads(BASE + '\n[calendar]\ncutoff_day = "月末"\n')).calendar)
    assert cal.month_period("2026-11") == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert cal.month_period("2027-02") == (dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    assert cal.month_period("2026-09") == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert cal.month_of(dt.date(2026, 11, 30)) == "2026-11" and cal.month_of(dt.date(2026, 12, 1)) == "2026-12"
    with pytest.raises(ConfigError) as exc:
        config_from_dict(tomllib.loads(BASE + '\n[calendar]\ncutoff_day = "月底"\n'))
    assert "月末" in str(exc.value)


def test_a_ladder_step_in_periods():
    """§17.4: `periods = 4` instead of days; sorted as 4 ÷ periods_per_day (6) = ⅔ day, before days = 1."""
    text = (BASE + "\n[[policy.escalation]]\ndays = 1\naction = \"家访\"\n"
            "[[policy.escalation]]\nperiods = 4\naction = \"告知家长\"\n")
    cfg = config_from_dict(tomllib.loads(text))
    assert [(s.days, s.periods) for s in cfg.policy.escalation] == [(None, 4), (1.0, None)]
    with pytest.raises(ConfigError) as exc:
        config_from_dict(tomllib.loads(BASE + "\n[[policy.escalation]]\ndays = 1\nperiods = 4\n"))
    assert "二者只写一个" in str(exc.value)
