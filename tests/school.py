"""Builders for scripted schools in tests: valid IDs (check digit from python-stdnum, independent of
our own code), a kc.toml, and the three input forms written as real workbooks."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import openpyxl
from stdnum.cn import ric

from xlsx_styles import write_excel_style


def make_id(birth: dt.date, seq: int, male: bool, region: str = "450923") -> str:
    """An 18-digit 身份证号 whose 顺序码 parity gives the sex (odd = 男)."""
    order = seq * 2 + (1 if male else 0)
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    # stdnum drops the last character (the check digit slot) before computing
    return body + ric.calc_check_digit(body + "0")


KC_TOML = """\
[unit]
name = "{name}"
level = "school"
stages = [{stages}]
principal = "张校长"
clerk = "李老师"
phone = "0775-1234567"

[calendar]
year_start = 2026-09-01
holidays = [2026-10-01, 2026-10-02, 2026-10-03, 2026-10-04, 2026-10-05, 2026-10-06, 2026-10-07]
extra_school_days = [2026-10-10]
cutoff_day = 20

[mail]
to = ["zxx@example.cn"]
"""


def make_workdir(root: Path, name: str = "示例小学", stages=("小学",), extra_toml: str = "") -> Path:
    d = Path(root)
    (d / "inbox").mkdir(parents=True, exist_ok=True)
    (d / "kc.toml").write_text(KC_TOML.format(name=name, stages=", ".join(f'"{s}"' for s in stages))
                               + textwrap.dedent(extra_toml), encoding="utf-8")
    return d


def roster_sheet(title: str, students: list[dict]) -> list[list]:
    rows = [[title], ["学籍号", "身份证号", "姓名", "性别", "出生日期", "监护人", "联系电话", "建档立卡", "包保教师"]]
    for s in students:
        rows.append(["G" + s["id"], s["id"], s["name"], s["sex"], s["birth"], s.get("guardian", "家长"),
                     s.get("phone", "13800000000"), s.get("poor", "否"), s.get("teacher", "")])
    return rows


def check_sheet(title: str, days: list[dt.date], marks: dict[str, dict[dt.date, str]], students: list[dict]):
    """Date-headed 周查表: marks[name][day] is the cell text (missing → blank = present)."""
    rows = [[title], ["学籍号", "姓名"] + [f"{d.month}月{d.day}日" for d in days] + ["备注"]]
    for s in students:
        row = ["G" + s["id"], s["name"]]
        for d in days:
            row.append(marks.get(s["name"], {}).get(d))
        rows.append(row + [None])
    return rows


CHANGE_HEADER = ["学籍号", "身份证号", "姓名", "年级", "班级", "变动类型", "变动日期", "对方学校", "回执日期", "原因",
                 "责任人", "备注"]


def change_sheet(rows: list[list]) -> list[list]:
    return [["学籍变动登记表"], CHANGE_HEADER] + rows


def write(path: Path, sheets: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_excel_style(path, sheets)


def out_cells(folder: Path) -> dict:
    """Every cell value of every workbook under folder/out, by relative path and sheet (to compare two runs)."""
    out = {}
    for path in sorted((folder / "out").rglob("*.xlsx")):
        book = openpyxl.load_workbook(path, data_only=True)
        out[path.relative_to(folder).as_posix()] = {
            ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    return out
