"""Layouts of the matching workbooks (SPEC §8 入学率, §11 kc census, §12 小升初):
out/census/人籍比对_<单位>_<date>.xlsx and out/transition/小升初对接_<单位>_<year>.xlsx."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kc_batch.calendar import chinese_date
from kc_batch.reconcile.census import NO_HUKOU, TAXONOMY, CensusResult, check_answer, school_year_start
from kc_batch.config import Config
from kc_batch.read.values import GRADE_NAMES
from kc_batch.reconcile.transition import AWAY, ENROLLED, MISSING, TRANSITION_TAXONOMY, TransitionResult
from kc_batch.reports.weekly_book import error_sheet  # the one 输入错误 sheet (§9.1)
from kc_batch.reports.xlsxform import Sheet, report_meta, safe_filename, write_workbook
from kc_batch.schemas import (ANSWER_COLUMN, DESTINATION_COLUMN, JUNIOR, PRIMARY, AMBIGUOUS_COLUMNS, ENROLMENT_RATE_COLUMNS, GRADUATE_LIST_COLUMNS, MATCHED_COLUMNS,
                              NOT_LISTED_COLUMNS, PROMOTED_COLUMNS, TRANSITION_RATE_COLUMNS, UNENROLLED_COLUMNS)

ANSWER_HINT = ("“{column}”请填：{terms}；可在分类后加说明，如“省外就读无学籍：广东东莞”。请直接在本工作簿中填写并保存，"
               "下次运行时读回并保留。")




def period_text(day: dt.date) -> str:
    return f"截至{chinese_date(day)}"


def grade_text(grade) -> str:
    return GRADE_NAMES.get(int(grade), str(grade)) if not _missing(grade) else ""


def class_text(class_no) -> str:
    return f"{class_no}班" if not _missing(class_no) and class_no else ""


def birth_value(birth):
    return dt.date.fromisoformat(birth) if isinstance(birth, str) and birth else None


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NA


def text(v) -> str:
    return "" if _missing(v) else str(v)


def remarks(*parts: str) -> str:
    return "；".join(p for p in parts if p)


def answer_remark(answer: str, taxonomy) -> str:
    return check_answer(answer, taxonomy) if answer else ""


# ---------------------------------------------------------------- 人籍比对

RATE_COLUMNS = ENROLMENT_RATE_COLUMNS


def hukou_of(children: pd.DataFrame) -> pd.Series:
    return children["hukou"].fillna("").replace("", NO_HUKOU)


def unenrolled_sheet(res: CensusResult, period: str) -> Sheet:
    c = res.children.assign(village=hukou_of(res.children))
    rows_df = c[c["stage"].notna() & c["key"].isna() & ~c["ambiguous"]].sort_values(["village", "pid"], kind="stable")
    rows = []
    for i, r in enumerate(rows_df.itertuples(index=False), start=1):
        rows.append([i, r.village, r.name, text(r.id_text), text(r.sex), birth_value(r.birth), r.stage,
                     text(r.guardian), text(r.phone), text(r.status), r.answer,
                     remarks(text(r.note), answer_remark(r.answer, TAXONOMY))])
    return Sheet("适龄未入学", f"{res.unit}适龄未入学儿童名单（不在任何学校花名册上）", UNENROLLED_COLUMNS, rows,
                 period=period, empty_text="没有适龄未入学儿童",
                 notes=[ANSWER_HINT.format(column=ANSWER_COLUMN, terms="、".join(TAXONOMY))])


def _student_lookup(res: CensusResult) -> pd.DataFrame:
    return res.students.set_index("key")


def matched_sheet(res: CensusResult, period: str) -> Sheet:
    roster = res.students[["key", "school", "grade", "class_no", "xjh"]].rename(columns={"xjh": "roster_xjh"})
    m = res.children[res.children["key"].notna()].merge(roster, on="key", how="left")
    rows = []
    for i, r in enumerate(m.itertuples(index=False), start=1):
        rows.append([i, r.name, text(r.id_text), birth_value(r.birth), text(r.hukou), text(r.stage) or "非适龄",
                     r.school, grade_text(r.grade), class_text(r.class_no), text(r.roster_xjh),
                     text(r.status_now) or "未在籍", r.method])
    return Sheet("在籍学生", f"{res.unit}适龄儿童名册与花名册比对上的学生", MATCHED_COLUMNS, rows, period=period,
                 empty_text="没有比对上的学生")


def not_listed_sheet(res: CensusResult, period: str) -> Sheet:
    n = res.not_listed.sort_values(["school", "grade", "class_no", "file_id", "seq"], kind="stable")
    rows = []
    for i, s in enumerate(n.itertuples(index=False), start=1):
        rows.append([i, s.school, grade_text(s.grade), class_text(s.class_no), text(s.xjh), text(s.rid), s.name,
                     text(s.sex), birth_value(s.birth), text(s.hukou), text(s.address), text(s.guardian),
                     text(s.phone), s.answer])
    return Sheet("在籍不在册", f"{res.unit}在籍不在册学生（在读，但不在适龄儿童名册上）", NOT_LISTED_COLUMNS, rows,
                 period=period, empty_text="没有在籍不在册的学生",
                 notes=["多为户籍不在本辖区（随迁、跨区就读）或户籍登记有误；“核查情况”请填写核实结果，下次运行时读回并保留。"])


def candidate_text(s) -> str:
    ident = text(s["xjh"]) or text(s["rid"])
    return f"{s['school']} {grade_text(s['grade'])}{class_text(s['class_no'])} {s['name']} {ident}".strip()


def ambiguous_sheet(res: CensusResult, period: str) -> Sheet:
    st = _student_lookup(res)
    c = res.children.assign(village=hukou_of(res.children))
    amb = c[c["ambiguous"]].sort_values(["village", "pid"], kind="stable")
    keys_of = res.ambiguous.groupby("pid")["key"].apply(list)
    rows = []
    for i, r in enumerate(amb.itertuples(index=False), start=1):
        keys = keys_of[r.pid]
        cands = "；".join(sorted(candidate_text(st.loc[k]) for k in keys))
        shared = "" if len(keys) > 1 else "该学生与名册中另一名儿童姓名、出生日期都相同"
        rows.append([i, r.village, r.name, text(r.id_text), birth_value(r.birth), text(r.stage) or "非适龄", len(keys),
                     cands, r.answer, remarks(shared, text(r.note), answer_remark(r.answer, TAXONOMY))])
    return Sheet("重名待核", f"{res.unit}重名待核（姓名、出生日期相同的候选不止一个）", AMBIGUOUS_COLUMNS, rows,
                 period=period, empty_text="没有重名待核的儿童",
                 notes=["请核实后在花名册或适龄儿童名册中补正身份证号；未能比对的儿童" +
                        ANSWER_HINT.format(column=ANSWER_COLUMN, terms="、".join(TAXONOMY))])


def _rate_cells(part: pd.DataFrame) -> list:
    cells = []
    for stage in (PRIMARY, JUNIOR, None):
        group = part[part["stage"] == stage] if stage else part
        school_age = len(group)
        in_school = int(group["in_school"].sum())
        unenrolled = int((group["key"].isna() & ~group["ambiguous"]).sum())
        cells += [school_age, in_school, unenrolled, in_school / school_age if school_age else None]
    return cells


def rate_sheet(res: CensusResult, period: str) -> Sheet:
    c = res.children[res.children["stage"].notna()].assign(village=hukou_of(res.children))
    rows = [[village, *_rate_cells(part)] for village, part in c.groupby("village", sort=True)]
    y = school_year_start(res.as_of)
    notes = ["入学率 = 在校 ÷ 适龄儿童（按学段、按户籍所在地；“合计”行为全名册）。",
             f"适龄儿童：按入学年龄规则，当学年8月31日满6周岁起6年为小学适龄、其后3年为初中适龄；本次为 {y}—{y + 1} 学年，"
             f"按 {y}年8月31日 的周岁：小学 6–11 岁，初中 12–14 岁。",
             "在校：按身份证号、或姓名+出生日期与花名册唯一比对上，且统计日学籍状态为“在读”（含随班就读、送教上门）。",
             "未入学：不在任何学校的花名册上。重名待核的儿童计入适龄儿童，不计入在校和未入学；比对上但已休学、辍学、转出的计入适龄儿童，不计入在校。"]
    return Sheet("入学率", f"{res.unit}适龄儿童入学率", RATE_COLUMNS, rows, total_row=["合计", *_rate_cells(c)],
                 period=period, notes=notes)


def write_census(work_dir: Path, cfg: Config, res: CensusResult) -> Path:
    period = period_text(res.as_of)
    sheets = [unenrolled_sheet(res, period), matched_sheet(res, period), not_listed_sheet(res, period),
              ambiguous_sheet(res, period), rate_sheet(res, period),
              error_sheet(res.errors, res.unit, f"人籍比对 {res.as_of.isoformat()}", period)]
    meta = report_meta(cfg, res.as_of, res.unit)
    return write_workbook(census_path(work_dir, res.unit, res.as_of), sheets, meta)


# ---------------------------------------------------------------- 小升初对接

RATE_BY_SCHOOL_COLUMNS, ENROLLED_COLUMNS = TRANSITION_RATE_COLUMNS, PROMOTED_COLUMNS



def _school_counts(g: pd.DataFrame) -> list:
    total = len(g)
    n_in, n_away, n_missing = (int((g["outcome"] == o).sum()) for o in (ENROLLED, AWAY, MISSING))
    return [total, n_in, n_away, n_missing, n_in / total if total else None]


def transition_rate_sheet(res: TransitionResult, period: str) -> Sheet:
    rows = [[school, *_school_counts(part)]
            for school, part in res.graduates.groupby("school", sort=True)]
    notes = ["升学率 = 已升学 ÷ 毕业生。已升学：在本学年任一初中的七年级花名册上（按身份证号/学籍号，或姓名+出生日期比对）。",
             "外地就读：未在七年级花名册上、经核实在外地就读（“去向”填写“外地就读”），单独统计，不计入已升学。",
             "未升学 = 毕业生 − 已升学 − 外地就读。", f"毕业生来源：{res.source}。"]
    return Sheet("升学率", f"{res.unit}小学毕业生升学率（{res.year - 1}—{res.year}学年毕业生）", RATE_BY_SCHOOL_COLUMNS,
                 rows, total_row=["合计", *_school_counts(res.graduates)], period=period,
                 notes=notes)


def _graduate_rows(part: pd.DataFrame) -> list[list]:
    rows = []
    ordered = part.sort_values(["school", "gid"], kind="stable")
    for i, r in enumerate(ordered.itertuples(index=False), start=1):
        cls = f"六年级{class_text(r.class_no)}" if class_text(r.class_no) else ""
        rows.append([i, text(r.school), cls, text(r.xjh), text(r.sfz), r.name, text(r.sex), birth_value(r.birth),
                     text(r.guardian), text(r.phone), text(r.address), r.answer, r.remark])
    return rows


def graduate_list_sheet(res: TransitionResult, outcome: str, name: str, title: str, empty: str,
                        period: str) -> Sheet:
    hint = ANSWER_HINT.format(column=DESTINATION_COLUMN, terms="、".join(TRANSITION_TAXONOMY)).replace(
        "省外就读无学籍：广东东莞", "外地就读：广东东莞某中学")
    return Sheet(name, title, GRADUATE_LIST_COLUMNS, _graduate_rows(res.of(outcome)), period=period,
                 empty_text=empty, notes=[hint])


def enrolled_sheet(res: TransitionResult, period: str) -> Sheet:
    rows = []
    ordered = res.of(ENROLLED).sort_values(["school", "gid"], kind="stable")
    for i, r in enumerate(ordered.itertuples(index=False), start=1):
        rows.append([i, text(r.school), text(r.xjh), text(r.sfz), r.name, birth_value(r.birth), text(r.to_school),
                     text(r.to_class), text(r.method)])
    return Sheet("已升学", f"{res.unit}已升入七年级的小学毕业生", ENROLLED_COLUMNS, rows, period=period,
                 empty_text="没有已升学的毕业生")


def write_transition(work_dir: Path, cfg: Config, res: TransitionResult) -> Path:
    period = f"{res.year - 1}—{res.year}学年毕业生 → {res.year}—{res.year + 1}学年七年级"
    sheets = [transition_rate_sheet(res, period),
              graduate_list_sheet(res, MISSING, "未升学", f"{res.unit}未升学的小学毕业生名单", "所有毕业生均已升学或已落实去向", period),
              graduate_list_sheet(res, AWAY, "外地就读", f"{res.unit}外地就读的小学毕业生名单", "没有外地就读的毕业生", period),
              enrolled_sheet(res, period),
              error_sheet(res.errors, res.unit, f"小升初对接 {res.year}", period)]
    meta = report_meta(cfg, str(res.year), res.unit)
    return write_workbook(transition_path(work_dir, res.unit, res.year), sheets, meta)


def census_path(work_dir: Path, unit: str, as_of: dt.date) -> Path:
    return Path(work_dir) / "out" / "census" / f"人籍比对_{safe_filename(unit)}_{as_of.isoformat()}.xlsx"


def transition_path(work_dir: Path, unit: str, year: int) -> Path:
    return Path(work_dir) / "out" / "transition" / f"小升初对接_{safe_filename(unit)}_{year}.xlsx"
