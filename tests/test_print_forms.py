"""Printed reports that read like official 统计报表 (SPEC §9, issue 13), checked on the workbooks of the
sample school (sample_data/) with the [report] keys set, and on the small county of test_aggregate.
The print geometry itself (≥ 9 pt, nothing cut) is checked through LibreOffice in test_render.py."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import test_aggregate as agg
from school import make_workdir

from kc_batch.cli import main
from kc_batch.reports.charts import percent_axis

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
UNIT = "杉树九年一贯制学校"
REPORT_KEYS = """
[report]
form_no = "教基控辍1表"
issuer = "示例县教育体育局"
approver = "示例县统计局"
approval_no = "示统字〔2026〕3号"
valid_until = "2027年12月"
reviewer = "覃审核"
"""
FORM_BLOCK = ["表号：教基控辍1表", "制表机关：示例县教育体育局", "批准机关：示例县统计局", "批准文号：示统字〔2026〕3号",
              "有效期至：2027年12月"]


def invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)], env={"KC_NO_PROGRESS": "1"})


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    wd = tmp_path_factory.mktemp("print") / "school"
    shutil.copytree(SAMPLE, wd, ignore=shutil.ignore_patterns("out", "kc.sqlite*", "outbox"))
    (wd / "kc.toml").write_text((wd / "kc.toml").read_text(encoding="utf-8") + REPORT_KEYS, encoding="utf-8")
    for args in (["weekly", "--week", "2026-W47"], ["monthly", "--month", "2026-11"]):
        res = invoke(*args, "--dir", wd)
        assert res.exit_code == 0, res.output
    return dict(wd=wd, weekly=wd / "out" / "2026-W47" / f"周查汇总_{UNIT}_2026-W47.xlsx",
                monthly=wd / "out" / "2026-11" / f"控辍保学月报_{UNIT}_2026-11.xlsx")


def texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_form_block_unit_code_and_reviewer_on_every_sheet(school):
    """kc.toml [report] keys print at the top right, in this order, between the title and 填报单位; the
    unit line names 单位代码 (sample kc.toml: 4509230001); every sheet ends with the footer naming 审核人."""
    for book in (school["weekly"], school["monthly"]):
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            column_a = [ws.cell(r, 1).value for r in range(1, 12)]
            block = [v for row in ws.iter_rows(min_row=2, max_row=6) for v in (c.value for c in row)
                     if isinstance(v, str) and v.split("：")[0] in ("表号", "制表机关", "批准机关", "批准文号", "有效期至")]
            assert block == FORM_BLOCK, (book.name, ws.title)
            assert any(isinstance(v, str) and v.startswith(f"填报单位：{UNIT}    单位代码：4509230001") for v in column_a), ws.title
            footer = [t for t in texts(ws) if t.startswith("单位负责人：")]
            assert len(footer) == 1 and "审核人：覃审核" in footer[0], (book.name, ws.title)


def test_form_block_does_not_confuse_the_aggregate_reader(school, tmp_path):
    """A county reads the school's monthly workbook with the form block: the unit comes from 填报单位 (not
    the 单位代码 after it) and the period end from 统计时段 (2026-11-20), not from 有效期至."""
    county = agg.aggregator(tmp_path, "示例县教育局", "county", {UNIT: ("小学", "初中")})
    shutil.copy(school["monthly"], county / "inbox")
    res = invoke("aggregate", "--dir", county, "--month", "2026-11")
    assert res.exit_code == 0, res.output
    out = county / "out" / "2026-11" / "控辍保学月报汇总_示例县教育局_2026-11.xlsx"
    summary = agg.read_sheet(out, "汇总表", "学年初在校生")
    # a 九年一贯制 school: a 小学 and an 初中 row (§21.4), the 学段 subtotals, 合计
    assert [(r["单位"], r["学段"]) for r in summary] == [(UNIT, "小学"), (UNIT, "初中"), ("小学小计", "小学"),
                                                       ("初中小计", "初中"), ("合计", None)]
    assert summary[-1]["学年初在校生"] == 600          # sample_data/README.md
    assert summary[0]["学年初在校生"] + summary[1]["学年初在校生"] == 600
    problems = agg.read_sheet(out, "报表校验", "单位")
    assert not [p for p in problems if p.get("单位") == UNIT], problems


def test_weekly_titles_name_the_school_week(school):
    """2026-W47 starts Monday 2026-11-16; 学年初 2026-09-01 lies in the week of Monday 08-31, which is
    第1周, so 11-16 is (11-16 − 08-31) / 7 + 1 = 77 / 7 + 1 = 第12周, school days 11-16 … 11-20."""
    wb = openpyxl.load_workbook(school["weekly"])
    assert wb["周汇总"]["A1"].value == f"{UNIT}控辍保学周查汇总表（第12周，11月16日—11月20日）"
    alert_title = next(c.value for c in wb["缺勤预警"][1] if c.value)  # printed two pages wide: not over 学籍号, 姓名
    assert alert_title.endswith("（第12周，11月16日—11月20日）")
    info = [t for t in texts(wb["输入错误"]) if t.startswith("统计时段：")]
    assert info == ["统计时段：2026年11月16日至2026年11月20日"]


def test_suspect_list_heads_its_date_column_as_start_date(school):
    """疑似辍学名单: the date is when the suspicion began, not a 辍学日期 (the students are still 在读)."""
    ws = openpyxl.load_workbook(school["monthly"])["疑似辍学名单"]
    header = next(row for row in ws.iter_rows(values_only=True) if row[0] == "序号")
    assert "疑似开始日期" in header and "辍学日期" not in header
    ws = openpyxl.load_workbook(school["monthly"])["辍学学生名单"]
    header = next(row for row in ws.iter_rows(values_only=True) if row[0] == "序号")
    assert "辍学日期" in header


def test_aggregate_reads_old_and_new_suspect_date_headers(tmp_path):
    """test_aggregate's 红星初中 lists 刘二 in an older 疑似辍学名单 headed 辍学日期 = 2026-11-10; the merged
    list heads it 疑似开始日期 and keeps the date."""
    county = agg.aggregator(tmp_path, "示例县教育局", "county", agg.UNITS)
    for write in (agg.write_a, agg.write_b, agg.write_c, agg.write_d):
        write(county / "inbox")
    res = invoke("aggregate", "--dir", county, "--month", agg.MONTH)
    assert res.exit_code == 0, res.output
    rows = agg.read_sheet(agg.output_path(county), "疑似辍学名单", "序号")
    liu = next(r for r in rows if r["姓名"] == "刘二")
    assert liu["疑似开始日期"] == dt.datetime(2026, 11, 10) and "辍学日期" not in liu


def test_basis_said_once_below_the_indicator_table_and_read_back(school, tmp_path):
    """指标说明 no longer repeats one 口径 sentence on each of its rows: the column is gone and one note
    says it; a county reading the workbook takes that note as every row's 口径."""
    ws = openpyxl.load_workbook(school["monthly"])["指标说明"]
    header = next(row for row in ws.iter_rows(values_only=True) if row[0] == "范围")
    assert "口径" not in header
    notes = [t for t in texts(ws) if t.startswith("口径：")]
    assert len(notes) == 1 and "学年初在校生" in notes[0]
    county = agg.aggregator(tmp_path, "示例县教育局", "county", {UNIT: ("小学", "初中")})
    shutil.copy(school["monthly"], county / "inbox")
    assert invoke("aggregate", "--dir", county, "--month", "2026-11").exit_code == 0
    out = county / "out" / "2026-11" / "控辍保学月报汇总_示例县教育局_2026-11.xlsx"
    county_notes = [t for t in texts(openpyxl.load_workbook(out)["指标说明"]) if t.startswith("口径：")]
    assert county_notes == notes


def test_attendance_chart_axis_shows_tenths_of_a_percent(school):
    """Weekly 出勤率 of the sample are 98.9 %–99.4 %: ticks read 0.0 % over a range fitted on 0.5 % steps,
    from floor((min − 0.1 %) × 200) / 200 to ceil((max + 0.1 %) × 200) / 200."""
    assert percent_axis([0.989, 0.994]) == {"num_format": "0.0%", "min": 0.985, "max": 0.995}  # 0.995 is a step
    one = percent_axis([0.5])  # 0.499 → 0.495, 0.501 → 0.505: at least one whole percent shown
    assert one["min"] == pytest.approx(0.495) and one["max"] == pytest.approx(0.505)
    with zipfile.ZipFile(school["monthly"]) as zf:
        charts = [zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/charts/chart")]
    line = next(c for c in charts if "<c:lineChart>" in c)
    assert 'formatCode="0.0%"' in line
    low = float(re.search(r'<c:min val="([\d.]+)"/>', line).group(1))
    assert 0.9 < low < 0.99


def test_chart_sheet_prints_its_charts(school):
    """图表 is laid out for print: both charts side by side on a page of their own (a page break before
    them), inside the print area, under the weekly table."""
    ws = openpyxl.load_workbook(school["monthly"])["图表"]
    last_printed = int(re.findall(r"\d+", ws.print_area.split(":")[-1])[-1])
    with zipfile.ZipFile(school["monthly"]) as zf:
        drawing = next(zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/drawings/drawing"))
    tops = [int(r) for r in re.findall(r"<xdr:from><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)", drawing)]
    assert len(tops) == 2 and tops[0] == tops[1] and tops[0] + 1 < last_printed
    assert [b.id for b in ws.row_breaks.brk] == [tops[0]]
    table_end = max(r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, str)
                    and ws.cell(r, 1).value.startswith("第"))
    assert table_end <= tops[0]


def test_serial_numbers_are_centred(tmp_path):
    county = agg.aggregator(tmp_path, "示例县教育局", "county", agg.UNITS)
    agg.write_c(county / "inbox")
    assert invoke("aggregate", "--dir", county, "--month", agg.MONTH).exit_code == 0
    ws = openpyxl.load_workbook(agg.output_path(county))["辍学学生名单"]
    cells = [row[0] for row in ws.iter_rows() if isinstance(row[0].value, int)]
    assert [c.value for c in cells] == [1, 2] and all(c.alignment.horizontal == "center" for c in cells)


def test_blank_roster_and_change_forms_filled_in_are_read_back(tmp_path):
    """The blank 花名册 and 学籍变动登记表, written by the report writer (title, 填报单位 line, header, ruled
    rows, footer), are read back once a clerk fills the first ruled row: the footer is not a data row."""
    w = make_workdir(tmp_path / "w")
    assert invoke("forms", "--dir", w, "--week", "2026-W47").exit_code == 0
    forms = w / "out" / "forms"
    roster_path = next(forms.glob("空白_学生花名册*"))
    wb = openpyxl.load_workbook(roster_path)
    ws = wb.active
    header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "学籍号")
    values = {"学籍号": "G11010519491231002X", "姓名": "王芳", "性别": "女", "出生日期": "2017-03-01", "年级": "三年级",
              "班级": "2班"}
    for col in range(1, ws.max_column + 1):
        if ws.cell(header_row, col).value in values:
            ws.cell(header_row + 1, col).value = values[ws.cell(header_row, col).value]
    wb.save(w / "inbox" / "花名册.xlsx")
    change_path = next(forms.glob("空白_学籍变动*"))
    wb = openpyxl.load_workbook(change_path)
    ws = wb.active
    header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "学籍号")
    values = {"学籍号": "G11010519491231002X", "姓名": "王芳", "年级": "三年级", "班级": "2班", "变动类型": "转出",
              "变动日期": "2026-11-18", "对方学校": "城关小学"}
    for col in range(1, ws.max_column + 1):
        if ws.cell(header_row, col).value in values:
            ws.cell(header_row + 1, col).value = values[ws.cell(header_row, col).value]
    wb.save(w / "inbox" / "变动.xlsx")
    res = invoke("check", "--dir", w)
    assert res.exit_code == 0, res.output
    assert "输入错误" not in res.output.replace("输入错误 0", ""), res.output
    assert re.search(r"花名册.*1 行", res.output) and re.search(r"学籍变动登记表.*1 行", res.output), res.output


def test_township_rolls_up_a_weekly_book_with_a_class_not_reported(school, tmp_path):
    """The sample's 周汇总 of 2026-W47 reads 未报 for 五年级1班 (no 周查表): a township rolling it up
    (§21.1) counts that class's attendance as none, and does not name 未报 as a bad number. The school's
    合计 row has 在册人数 599 (sample_data/README.md)."""
    township = agg.aggregator(tmp_path, "示例乡", "township", {UNIT: ("小学", "初中")})
    shutil.copy(school["weekly"], township / "inbox")
    res = invoke("aggregate", "--dir", township, "--week", "2026-W47")
    assert res.exit_code == 0, res.output
    out = next((township / "out").rglob("*周报汇总*.xlsx"))
    problems = agg.read_sheet(out, "报表校验", "单元格")
    assert not [p for p in problems if "不是数字" in str(p.get("问题"))], problems
    wb = openpyxl.load_workbook(out)
    names = [ws.title for ws in wb.worksheets]
    first = wb[names[0]]
    header = next(row for row in first.iter_rows(values_only=True) if "在册人数" in row)
    line = next(row for row in first.iter_rows(values_only=True) if row[0] == UNIT)
    assert line[header.index("在册人数")] == 599
