"""Builders of received weekly workbooks (SPEC §9.1) for the roll-up tests.

`write_weekly_workbook` lays a school's 周查汇总 out as `kc weekly` does, with the shared form writer
(merged title with the week, 填报单位/统计时段 line, 小计 per grade, 合计 row, footer with 报出日期);
`write_weekly_by_hand` types the same tables into a fresh openpyxl workbook (no merges, spaced header
texts, an extra blank row, no 疑似辍学名单 sheet — the plain §9.1 layout). The figures are the test's own:
the 合计 row is summed here from the class rows the test gives.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from kc_batch.reports.xlsxform import Column, ReportMeta, Sheet, write_workbook

SUMMARY = ["在册人数", "应出勤人次", "实出勤人次", "出勤率", "迟到人次", "病假人次", "事假人次", "旷课人次",
           "本周转入", "本周转出", "本周休学", "本周复学", "本周辍学", "本周劝返复学", "疑似辍学人数"]
ALERT = ["学籍号", "姓名", "年级", "班级", "连续旷课天数", "首次旷课日期", "累计旷课天数", "缺勤率", "预警级别",
         "应采取措施", "责任人", "截止日期", "监护人", "联系电话", "类别"]
SUSPECT = ["学籍号", "姓名", "年级", "班级", "连续旷课天数", "疑似原因", "监护人", "联系电话"]
LEDGER = ["学籍号", "姓名", "年级", "班级", "开立日期", "类别", "原因", "责任人", "状态", "返校日期", "劝返次数",
          "劝返记录", "监护人", "联系电话"]


def klass(grade: str, name: str, **counts) -> list:
    """One 周汇总 class row: 年级, 班级 and the 15 columns (出勤率 worked out from 实 ÷ 应)."""
    values = [counts.get(c, 0) for c in SUMMARY]
    values[3] = values[2] / values[1] if values[1] else None
    return [grade, name, *values]


def total_of(rows: list[list]) -> list:
    sums = [sum(r[2 + i] or 0 for r in rows) for i in range(len(SUMMARY))]
    sums[3] = sums[2] / sums[1] if sums[1] else None
    return ["合计", "", *sums]


def week_period(week: str) -> str:
    year, number = week.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(number), 1)
    friday = monday + dt.timedelta(days=4)
    return f"{monday.year}年{monday.month}月{monday.day}日至{friday.year}年{friday.month}月{friday.day}日"


def _records(records, headers) -> list[list]:
    return [[r.get(h) for h in headers] for r in records]


def write_weekly_workbook(path: Path, unit: str, week: str, classes: list[list], alerts=(), suspects=(), ledger=(),
                          report_date: dt.date | None = None, total: list | None = None) -> Path:
    period = week_period(week)
    kinds = {"出勤率": "percent", "缺勤率": "percent", "首次旷课日期": "date", "截止日期": "date", "开立日期": "date",
             "返校日期": "date"}
    cols = lambda headers: [Column(h, kinds.get(h, "num" if h.endswith(("人次", "人数", "天数", "次数")) else "text"))
                            for h in headers]
    sheets = [
        Sheet("周汇总", f"{unit}控辍保学周查汇总表（{week}）", [Column("年级"), Column("班级")] + cols(SUMMARY),
              classes, total_row=total or total_of(classes), period=period),
        Sheet("缺勤预警", f"{unit}缺勤预警名单（{week}）", cols(ALERT), _records(alerts, ALERT), period=period,
              empty_text="本周无缺勤预警学生"),
        Sheet("疑似辍学名单", f"{unit}疑似辍学学生名单（{week}）", cols(SUSPECT), _records(suspects, SUSPECT),
              period=period, empty_text="本周无疑似辍学学生"),
        Sheet("台账", f"{unit}辍学学生劝返复学台账（在办、观察中）", cols(LEDGER), _records(ledger, LEDGER), period=period,
              empty_text="目前没有在办或观察中的台账"),
    ]
    meta = ReportMeta(unit, "张校长", "李老师", "0775-1234567", report_date)
    return write_workbook(Path(path), sheets, meta)


def write_weekly_by_hand(path: Path, unit: str, week: str, classes: list[list], alerts=(), ledger=(),
                         report_date: dt.date | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "周汇总"
    ws["C1"] = f"{unit}控辍保学周查汇总表（{week}）"
    ws["A2"] = f"填报单位：{unit}"
    ws["F2"] = f"统计时段：{week_period(week)}"
    ws.append(["年 级", "班 级"] + [h.replace("人次", " 人次") for h in SUMMARY])
    ws.append([])
    for row in classes + [total_of(classes)]:
        ws.append(row)
    ws.append([])
    footer = "单位负责人：王校长    填表人：赵老师"
    if report_date:
        footer += f"    报出日期：{report_date.year}年{report_date.month}月{report_date.day}日"
    ws.append([footer])
    for name, headers, records in (("缺勤预警", ALERT, alerts), ("台账", LEDGER, ledger)):
        sheet = wb.create_sheet(name)
        sheet.append([f"{unit}{name}"])
        sheet.append(headers)
        for r in _records(records, headers):
            sheet.append([v.isoformat() if isinstance(v, dt.date) else v for v in r])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return Path(path)
