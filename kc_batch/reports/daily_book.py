"""Layout of the 开学一周日报 workbook out/daily/开学日报_<单位>_<date>.xlsx (SPEC §16)."""
from __future__ import annotations

from pathlib import Path

from kc_batch.calendar import chinese_date
from kc_batch.config import Config
from kc_batch.model import InputError
from kc_batch.read.values import GRADE_NAMES
from kc_batch.reconcile.daily import DailyResult
from kc_batch.reports.weekly_book import error_sheet, student_cells
from kc_batch.reports.xlsxform import Sheet, report_meta, safe_filename, write_workbook
from kc_batch.schemas import DAILY_COLUMNS, NOT_BACK_COLUMNS

MISSING_COLUMNS = NOT_BACK_COLUMNS


def daily_path(work_dir: Path, unit: str, day) -> Path:
    return Path(work_dir) / "out" / "daily" / f"开学日报_{safe_filename(unit)}_{day.isoformat()}.xlsx"


def write_daily(work_dir: Path, cfg: Config, res: DailyResult, errors: list[InputError]) -> Path:
    unit = cfg.unit.name
    period = f"{res.term_name}，截至{chinese_date(res.day)}（开学 {chinese_date(res.term_start)}）"
    rows = [[GRADE_NAMES.get(c.grade, ""), f"{c.class_no}班" if c.class_no else "", c.expected,
             c.present if c.reported else None, c.absent, None if c.reported else "本日未收到周查表"] for c in res.classes]
    reported = [c for c in res.classes if c.reported]
    total = ["合计", "", sum(c.expected for c in res.classes), sum(c.present for c in reported),
             sum(c.absent for c in reported), f"{len(res.classes) - len(reported)} 个班未报" if len(reported) < len(res.classes)
             else None]
    daily = Sheet("开学日报", f"{unit}开学一周日报（{chinese_date(res.day)}）", DAILY_COLUMNS, rows, total_row=total,
                  period=period, empty_text="本日没有在读学生")
    missing = Sheet("未返校名单", f"{unit}未返校学生名单（{chinese_date(res.day)}）", MISSING_COLUMNS,
                    [[i, *student_cells(s), s.attrs.get("guardian", ""), s.attrs.get("phone", ""), visits, why]
                     for i, (s, visits, why) in enumerate(res.missing, start=1)],
                    period=period, empty_text="全部学生已返校")
    sheets = [daily, missing, error_sheet(errors, unit, res.day.isoformat())]
    return write_workbook(daily_path(work_dir, unit, res.day), sheets, report_meta(cfg, res.day, unit))
