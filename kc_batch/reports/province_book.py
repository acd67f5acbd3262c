"""Workbooks of the province-scale 人籍比对 (SPEC §23): one per county,
<out>/适龄未入学_<县区>_<date>.xlsx — 汇总 by township, then one sheet per township listing its 适龄未入学
children (the columns of the county census's 适龄未入学 sheet, reports/census_book.py), 输入错误 —, and
<out>/人籍比对汇总_<date>.xlsx with one row per county."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kc_batch.reconcile.census import ANSWER_COLUMN, TAXONOMY
from kc_batch.reports.census_book import UNENROLLED_COLUMNS, period_text, text
from kc_batch.reports.weekly_book import error_sheet
from kc_batch.reports.xlsxform import Column, ReportMeta, Sheet, safe_filename, write_workbook

COUNT_FIELDS = [("school_age_primary", "小学", "适龄儿童"), ("school_age_junior", "初中", "适龄儿童"),
                ("school_age", "合计", "适龄儿童"), ("on_roster", "在花名册上", None), ("ambiguous", "重名待核", None),
                ("unenrolled_primary", "小学", "适龄未入学"), ("unenrolled_junior", "初中", "适龄未入学"),
                ("unenrolled", "合计", "适龄未入学")]
PROVINCE_HINT = ("“{column}”供县、乡镇核查时填写，分类：{terms}。省级比对不读回本表中填写的内容："
                 "核查结果请在本县 kc census 的人籍比对工作簿中填写，在那里逐次保留。")
NOTES = ["适龄：按入学年龄规则（与县级人籍比对相同），当学年8月31日满6周岁起6年为小学适龄、其后3年为初中适龄。",
         "比对：先按身份证号，再按姓名+出生日期，与全省各县的花名册比对（在任何一个县的花名册上即不算未入学）；"
         "姓名+出生日期相同的候选不止一个的计为重名待核，请在县级人籍比对中核实。",
         "在花名册上 + 重名待核 + 适龄未入学 = 适龄儿童合计。入学率要用学籍状态（在读），请以各县 kc census 的结果为准。"]


def _count_columns(first: str) -> list[Column]:
    return [Column(first)] + [Column(leaf, "int", group=group) for _, leaf, group in COUNT_FIELDS]


def _count_cells(part: pd.DataFrame) -> list[int]:
    return [int(part[f].sum()) for f, _, _ in COUNT_FIELDS]


def township_sheet(county: str, township: str, frame: pd.DataFrame, period: str) -> Sheet:
    rows = []
    for i, r in enumerate(frame.itertuples(index=False), start=1):
        birth = r.birth.date() if hasattr(r.birth, "date") else r.birth
        rows.append([i, r.hukou, r.name, text(r.id_text), text(r.sex), birth, r.stage, text(r.guardian),
                     text(r.phone), text(r.status), "", ""])
    return Sheet(township, f"{county}{township}适龄未入学儿童名单（不在任何学校花名册上）", UNENROLLED_COLUMNS, rows,
                 period=period, empty_text="没有适龄未入学儿童",
                 notes=[PROVINCE_HINT.format(column=ANSWER_COLUMN, terms="、".join(TAXONOMY))])


def summary_sheet(county: str, counts: pd.DataFrame, period: str) -> Sheet:
    rows = [[t, *_count_cells(part)] for t, part in counts.groupby("township", sort=True)]
    return Sheet("汇总", f"{county}人籍比对汇总（按乡镇）", _count_columns("乡镇"), rows,
                 total_row=["合计", *_count_cells(counts)], period=period, notes=NOTES)


def write_county_book(out_dir: Path, county: str, as_of: dt.date, counts: pd.DataFrame, unenrolled: pd.DataFrame,
                      errors) -> Path:
    period = period_text(as_of)
    sheets = [summary_sheet(county, counts, period)]
    for township in sorted(counts["township"].unique()):
        sheets.append(township_sheet(county, township, unenrolled[unenrolled["township"] == township], period))
    sheets.append(error_sheet(errors, county, f"省级人籍比对 {as_of.isoformat()}", period))
    return write_workbook(county_path(out_dir, county, as_of), sheets, ReportMeta(county, report_date=as_of))


def write_province_summary(out_dir: Path, unit: str, as_of: dt.date, counts: pd.DataFrame, errors) -> Path:
    period = period_text(as_of)
    rows = [[c, *_count_cells(part)] for c, part in counts.groupby("county", sort=True)]
    sheets = [Sheet("汇总", f"{unit}人籍比对汇总（按县区）", _count_columns("县区"), rows, total_row=["合计", *_count_cells(counts)],
                    period=period, notes=NOTES + ["各县区的名单见同一文件夹中的“适龄未入学_<县区>_<日期>.xlsx”。"]),
              error_sheet(errors, unit, f"未填县区的行 {as_of.isoformat()}", period)]
    return write_workbook(Path(out_dir) / f"人籍比对汇总_{as_of.isoformat()}.xlsx", sheets,
                          ReportMeta(unit, report_date=as_of))


def county_path(out_dir: Path, county: str, as_of: dt.date) -> Path:
    return Path(out_dir) / f"适龄未入学_{safe_filename(county)}_{as_of.isoformat()}.xlsx"
