"""`kc forms --week W` with a roster in the store: forms the 班主任 only has to fill in (issue 14),
written by the one form writer (reports/xlsxform.py) so that they print like every report: title,
填报单位 line, header rows repeated, footer, A4 landscape at ≥ 9 pt (issue 13).

- 周查表: one sheet per class, 学籍号 and 姓名 filled (roster order), the week's days as date
  headers (“11月16日\\n周一”), a holiday or non-school weekday greyed and locked, days a student is not
  在读 pre-marked “—” and locked, drop-down marks, the 班主任 on a line of its own above the header
  (read back by the reader), a few ruled rows for a student missing from the list. Filled in, it is
  read by `kc weekly` like any 周查表 (§3.2).
- 家访登记表: one sheet per class, drop-downs for 姓名 (the class list), 年级, 班级, 教师身份, 方式, 事由.
- 学籍变动登记表: the blank form of reports/blank_forms.py with drop-downs for the school's 年级 and 班级.
The 周查表 is protected without a password only so that the locked cells are not typed over by
mistake; every cell to fill in is unlocked.
"""
from __future__ import annotations

from pathlib import Path

from kc_batch.read.values import GRADE_NAMES, class_label
from kc_batch.reconcile.class_lists import ClassList
from kc_batch.reports.blank_forms import MARKS, MARKS_HELP, WEEKDAYS_CN, change_form, form_column
from kc_batch.reports.xlsxform import ReportMeta, Sheet, safe_filename, write_workbook
from kc_batch.schemas import (CHECK_FORM_LEADING, FIELD_CN, HOME_VISIT_FORM_FIELDS, TEACHER_ROLES, VISIT_PURPOSES,
                              VISIT_WAYS, form_headers)

NO_DATA = "—"
SPARE_ROWS = 5          # ruled rows under a class list, for a student missing from it
VISIT_ROWS = 40
MARK_LEGEND = MARKS_HELP + "；— 表示当天不在本班（已锁定）"
VISIT_HELP = ("每次家访填一行；姓名从下拉列表选择；方式：入户、电话、视频、到校约谈（电话不计入家访定额）；"
              "几位教师同去时用“、”隔开。")
SIGNATURE = "班主任签字：                    日期："


def _sheet_name(cl: ClassList) -> str:
    return class_label(cl.grade, cl.class_no)


def _title_class(cl: ClassList) -> str:
    return f"{GRADE_NAMES.get(cl.grade, '')}({cl.class_no})班"


def _head_teacher_line(cl: ClassList) -> str:
    return f"班主任：{cl.head_teacher}" if cl.head_teacher else "班主任："


def _period(columns) -> str:
    first, last = columns[0][0], columns[-1][0]
    return f"{first.year}年{first.month}月{first.day}日至{last.month}月{last.day}日"


# ---------------------------------------------------------------- 周查表

def check_form(unit: str, cl: ClassList, teaching_week: int | None, columns: list[tuple]) -> Sheet:
    """columns: (day, is a school day) of the week (reconcile.class_lists.week_columns)."""
    day_headers = [f"{d.month}月{d.day}日\n周{WEEKDAYS_CN[d.weekday()]}" + ("" if school else "\n（不上课）")
                   for d, school in columns]
    note = FIELD_CN["note"]
    sheet_columns = ([form_column(h) for h in form_headers(CHECK_FORM_LEADING)]
                     + [form_column(h) for h in day_headers] + [form_column(note)])
    rows, closed = [], set()
    for index, listed in enumerate(cl.students):
        s = listed.student
        marks = []
        for offset, (day, school) in enumerate(columns):
            if school and day in listed.absent_days:
                marks.append(NO_DATA)
                closed.add((index, 2 + offset))
            else:
                marks.append(None)
        rows.append([s.xjh or s.sfz or "", s.name, *marks, None])
    label = f"第{teaching_week}周，" if teaching_week else ""
    school_days = [h for h, (_, school) in zip(day_headers, columns) if school]
    return Sheet(_sheet_name(cl), f"{unit}{_title_class(cl)}周查表（{label}{columns[0][0].isoformat()} 起）",
                 sheet_columns, rows, period=_period(columns), count_unit=None,
                 intro=[_head_teacher_line(cl), MARK_LEGEND], notes=[SIGNATURE], blank_rows=SPARE_ROWS,
                 choices={h: MARKS + [NO_DATA] for h in school_days}, fill_in=(*day_headers, note), closed=closed,
                 closed_columns=tuple(h for h, (_, school) in zip(day_headers, columns) if not school), protect=True)


# ---------------------------------------------------------------- 家访登记表

def visit_form(unit: str, cl: ClassList, grade_names: list[str], class_names: list[str]) -> Sheet:
    lists = {"name": [ls.student.name for ls in cl.students], "grade": grade_names, "class": class_names,
             "teacher_role": TEACHER_ROLES, "way": VISIT_WAYS, "purpose": VISIT_PURPOSES}
    teacher = f"班主任：{cl.head_teacher}　" if cl.head_teacher else ""
    return Sheet(_sheet_name(cl), f"{unit}{_title_class(cl)}家访登记表",
                 [form_column(FIELD_CN[f]) for f in HOME_VISIT_FORM_FIELDS], [], count_unit=None,
                 intro=[teacher + VISIT_HELP], blank_rows=VISIT_ROWS,
                 choices={FIELD_CN[f]: choices for f, choices in lists.items() if choices})


# ---------------------------------------------------------------- the workbooks

def write_prefilled(out: Path, meta: ReportMeta, week: str, teaching_week: int | None, columns,
                    lists: list[ClassList], grade_names: list[str], per_class: bool) -> list[Path]:
    """→ the paths written: 周查表, 家访登记表 (one sheet per class, or one workbook per class with
    --per-class) and the 学籍变动登记表. meta: the school's, without 填表人 and 报出日期 (the form is
    signed by whoever fills it in)."""
    unit = meta.unit_name
    class_names = sorted({f"{cl.class_no}班" for cl in lists}, key=lambda c: (len(c), c))
    safe_unit = safe_filename(unit)
    paths = []
    groups = [[cl] for cl in lists] if per_class else [lists]
    for group in groups:
        prefix = (f"{safe_filename(class_label(group[0].grade, group[0].class_no))}_" if per_class else "")
        folder = out / week if per_class else out
        paths.append(write_workbook(folder / f"{prefix}周查表_{safe_unit}_{week}.xlsx",
                                    [check_form(unit, cl, teaching_week, columns) for cl in group], meta))
        paths.append(write_workbook(folder / f"{prefix}家访登记表_{safe_unit}.xlsx",
                                    [visit_form(unit, cl, grade_names, class_names) for cl in group], meta))
    paths.append(write_workbook(out / f"学籍变动登记表_{safe_unit}.xlsx",
                                [change_form(unit, grade_names, class_names)], meta))
    return paths
