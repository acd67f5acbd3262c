"""`kc forms` (SPEC §3, §11; issue 14): blank forms always; with students in the store (after
importing the inbox), the week's 周查表 and the 家访登记表 pre-filled per class, and a 学籍变动登记表
with the school's classes as drop-downs."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from kc_batch.app.jobs import RunOutcome, import_all, open_workspace
from kc_batch.app.loading import load_school
from kc_batch.calendar import monday_of, normalise_week, week_days, week_of
from kc_batch.read.values import GRADE_NAMES
from kc_batch.reconcile.class_lists import class_lists, week_columns
from kc_batch.reports.blank_forms import write_blank_forms
from kc_batch.reports.prefilled_forms import write_prefilled
from kc_batch.reports.xlsxform import report_meta


def run_forms(work_dir: Path, week: str | None = None, per_class: bool = False,
              today: dt.date | None = None) -> RunOutcome:
    ws = open_workspace(work_dir)
    week = normalise_week(week) or week_of(today or dt.date.today())
    out = RunOutcome(outputs=write_blank_forms(ws.dir, week))
    with ws.open_store() as store:
        result, errors = import_all(ws, store, week)
        lists = class_lists(load_school(store, ws.cal.week_end(week)), ws.cfg, ws.cal, week)
    out.errors, out.new_files = errors, len(result.new_files)
    out.unreadable = [f.message for f in result.unreadable]
    if not lists:
        out.lines.append("尚未导入花名册，只生成了空白表格；把花名册放入 inbox 后再运行，可得到已填好学生名单的周查表。")
        return out
    grades = sorted({cl.grade for cl in lists})
    meta = replace(report_meta(ws.cfg, None), clerk="")  # signed by whoever fills the form in
    out.outputs += write_prefilled(ws.dir / "out" / "forms", meta, week, teaching_week(ws.cal, week),
                                   week_columns(ws.cal, week), lists, [GRADE_NAMES[g] for g in grades], per_class)
    students = sum(len(cl.students) for cl in lists)
    out.lines.append(f"已为 {len(lists)} 个班（{students} 名学生）预填 {week} 的周查表和家访登记表。")
    return out


def teaching_week(cal, week: str) -> int | None:
    """第N周 of an ISO week (week 1 contains 学年初, §3.2); None outside the 学年."""
    monday = week_days(week)[0]
    first = monday_of(cal.first_school_day)
    n = (monday - first).days // 7 + 1
    return n if 1 <= n <= 53 and monday <= cal.year_end else None
