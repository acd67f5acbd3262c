"""Layout of sheet 责任落实 (SPEC §19, in the monthly workbook) and of the workbook
out/<YYYY-MM>/控辍保学台账_<单位>_<YYYY-MM>.xlsx (SPEC §20): 贫困家庭适龄子女台账,
不具备学习条件儿童少年台账, 劝返复学台账, 分村名单 and one sheet per village."""
from __future__ import annotations

from pathlib import Path

from kc_batch.config import Config
from kc_batch.reconcile.ledgers import Ledgers
from kc_batch.reconcile.monthly import MonthlyResult
from kc_batch.reconcile.responsibility import PRINCIPAL, Duties
from kc_batch.read.values import NO_VILLAGE
from kc_batch.reports.monthly_book import ledger_sheet, period_text
from kc_batch.reports.weekly_book import student_cells
from kc_batch.reports.xlsxform import Sheet, report_meta, safe_filename, write_workbook
from kc_batch.schemas import (CONTACT_COLUMNS, DUTY_COLUMNS, KIND_DROPOUT, KIND_SUSPECT, KIND_UNENROLLED,  # noqa: F401
                              PERSON_COLUMNS, POOR_COLUMNS, UNABLE_COLUMNS, VILLAGE_COLUMNS, VILLAGE_SUMMARY_COLUMNS)

VISITS_MISSING = "未接入"
VILLAGE_SHEET_PREFIX = "分村_"


def ledger_path(work_dir: Path, unit: str, month: str) -> Path:
    return Path(work_dir) / "out" / month / f"控辍保学台账_{safe_filename(unit)}_{month}.xlsx"


# ---------------------------------------------------------------- 责任落实 (§19)

def duty_sheet(res: MonthlyResult, cfg: Config, duty: Duties, visits_available: bool) -> Sheet:
    rows, bold = [], set()
    for r in duty.rows:
        if r.level == PRINCIPAL:
            bold.add(len(rows))
        visits = r.visit_rate if visits_available else VISITS_MISSING
        rows.append([r.level, r.scope, r.person, r.enrolled, r.warned, r.dropout, r.suspect, r.lost_transfer,
                     r.retention, r.clean_text, visits])
    clean, total = duty.clean_classes
    notes = [f"无辍学班 {clean} 个（共 {total} 个班）：本期（{period_text(res)}）内没有学生辍学或疑似辍学的班级。",
             "辍学、疑似辍学：本期内任何一天处于该状态的学生（辍学者不重复计入疑似辍学）；去向不明转出：截止日转出逾期未回执，"
             "已计入疑似辍学；在册、预警人数：截止日在读的学生；巩固率：自学年初，按学生计算。",
             "责任人：校长、分管领导按本单位的责任分工设置，班主任按班级名单（未填时取周查表上的班主任），"
             "包保教师按花名册的“包保教师”列；（未指定）表示尚未填写。"]
    if not visits_available:
        notes.append("家访完成率：尚未收到家访登记表，暂不统计。")
    return Sheet("责任落实", f"{cfg.unit.name}控辍保学责任落实情况", DUTY_COLUMNS, rows, subtotal_rows=bold,
                 period=period_text(res), notes=notes)


# ---------------------------------------------------------------- the 台账 workbook (§20)

def _person(i, s) -> list:
    xjh, name, grade, class_name = student_cells(s)
    return [i, xjh, name, s.sex, grade, class_name]


def _contact(s) -> list:
    return [s.attrs.get("guardian", ""), s.attrs.get("phone", ""), s.attrs.get("address", "")]


def poor_sheet(res: MonthlyResult, cfg: Config, ledgers: Ledgers) -> Sheet:
    rows = [_person(i, r.student) + [r.status, r.absence_rate, r.warning] + _contact(r.student)
            for i, r in enumerate(ledgers.poor, start=1)]
    in_school = ledgers.counts(res.cutoff)["建档立卡在校"]
    children = sum(1 for r in ledgers.poor if r.status == KIND_UNENROLLED)
    notes = [f"建档立卡（脱贫户）学生 {len(rows) - children} 人，其中截止日在读 {in_school} 人；缺勤率为学年初以来。"]
    if children:
        notes.append(f"另有人籍比对（kc census）中不在任何学校花名册上的适龄建档立卡儿童 {children} 人，学籍状态记“{KIND_UNENROLLED}”。")
    return Sheet("贫困家庭适龄子女台账", f"{cfg.unit.name}贫困家庭适龄子女台账", POOR_COLUMNS, rows,
                 period=period_text(res), notes=notes, empty_text="花名册中没有建档立卡（脱贫户）学生")


def unable_sheet(res: MonthlyResult, cfg: Config, ledgers: Ledgers) -> Sheet:
    rows = [_person(i, r.student) + [r.status, r.disability, r.placement, r.proof] + _contact(r.student)
            for i, r in enumerate(ledgers.unable, start=1)]
    return Sheet("不具备学习条件儿童少年台账", f"{cfg.unit.name}不具备学习条件儿童少年台账", UNABLE_COLUMNS, rows,
                 period=period_text(res), empty_text="没有残疾、送教上门或因病休学的学生")


def village_summary_sheet(res: MonthlyResult, cfg: Config, ledgers: Ledgers) -> Sheet:
    rows = []
    for village, members in ledgers.villages.items():
        n = {k: sum(1 for r in members if r.kind == k) for k in (KIND_DROPOUT, KIND_SUSPECT, KIND_UNENROLLED)}
        rows.append([village, n[KIND_DROPOUT], n[KIND_SUSPECT], n[KIND_UNENROLLED], len(members)])
    total = ["合计"] + [sum(r[j] for r in rows) for j in range(1, 5)] if rows else None
    notes = [f"村（社区）取户籍所在地，未写明村时取家庭住址，截至第一个“村”或“社区”；都没有写明的列入“{NO_VILLAGE}”。"
             f"每个村一张工作表（{VILLAGE_SHEET_PREFIX}村名），供村委会和包村领导使用。"]
    return Sheet("分村名单", f"{cfg.unit.name}辍学、疑似辍学学生分村名单", VILLAGE_SUMMARY_COLUMNS, rows,
                 total_row=total, period=period_text(res), notes=notes, empty_text="本月没有辍学、疑似辍学学生")


def village_sheet(res: MonthlyResult, cfg: Config, village: str, members) -> Sheet:
    rows = [_person(i, r.student) + [r.kind, r.situation, r.student.attrs.get("hukou", ""),
                                     r.student.attrs.get("address", ""), r.student.attrs.get("guardian", ""),
                                     r.student.attrs.get("phone", ""), r.responsible]
            for i, r in enumerate(members, start=1)]
    return Sheet(VILLAGE_SHEET_PREFIX + village, f"{cfg.unit.name}分村名单（{village}）", VILLAGE_COLUMNS, rows,
                 period=period_text(res))


def write_ledgers(work_dir: Path, cfg: Config, res: MonthlyResult, ledgers: Ledgers) -> Path:
    sheets = [poor_sheet(res, cfg, ledgers), unable_sheet(res, cfg, ledgers), ledger_sheet(res, cfg),
              village_summary_sheet(res, cfg, ledgers)]
    sheets[2].name = "劝返复学台账"
    sheets += [village_sheet(res, cfg, v, members) for v, members in ledgers.villages.items()]
    meta = report_meta(cfg, res.month)
    return write_workbook(ledger_path(work_dir, cfg.unit.name, res.month), sheets, meta)
