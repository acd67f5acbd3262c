"""A synthetic county for the benchmarks (SPEC §10.4): N school work folders and one county folder.

    python benchmarks/county.py --schools 150 --students 100000 --out /tmp/county

Each school folder gets kc.toml and inbox/ with
  花名册.xlsx          one sheet per class, a title row, 13 columns (学籍号 … 包保教师)
  第12周周查表.xlsx     one sheet per class, date headers 11月16日 … 11月20日 (ISO 2026-W47)
  学籍变动登记表.xlsx   a few 转出/转入/休学 rows; a 转出 here is often a 转入 in another school
The county folder (level county, [[units]] listing every school) has an empty inbox; the benchmark
copies the schools' monthly workbooks into it before `kc aggregate`.

Deterministic: the same arguments give byte-identical inputs (random.Random(seed), fixed dates).
Written with xlsxwriter for speed; python-calamine reads it like any Excel file.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

WEEK = "2026-W47"                       # 第12周 of 2026-2027
WEEK_DAYS = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
YEAR_START = dt.date(2026, 9, 1)
CLASS_SIZE = 45
MIN_SCHOOL, MAX_SCHOOL = 200, 1500
GRADE_NAMES = ["", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾韦"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏飞浩然子轩梓涵欣怡宇航雨桐思远佳怡俊杰嘉豪诗琪"
VILLAGES = ["城关镇", "大安乡", "石门村", "新民村", "河口村", "龙潭村", "红星社区", "白沙村", "青山村", "平安村"]
TEACHERS = "覃黎蒙莫韦陆黄"

ROSTER_HEADER = ["学籍号", "身份证号", "姓名", "性别", "出生日期", "年级", "班级", "监护人", "联系电话", "家庭住址",
                 "建档立卡", "留守儿童", "包保教师"]
CHANGE_HEADER = ["学籍号", "身份证号", "姓名", "年级", "班级", "变动类型", "变动日期", "对方学校", "回执日期", "原因",
                 "责任人", "备注"]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MARK_WEIGHTS = [("旷", 0.006), ("病", 0.01), ("事", 0.008), ("迟", 0.005)]

KC_TOML = """\
[unit]
name = "{name}"
code = "{code}"
level = "{level}"
stages = [{stages}]
principal = "{principal}"
clerk = "{clerk}"
phone = "0775-{phone}"

[calendar]
year_start = 2026-09-01
holidays = [2026-10-01, 2026-10-02, 2026-10-03, 2026-10-05, 2026-10-06, 2026-10-07]
extra_school_days = [2026-09-27]
cutoff_day = 20
"""


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character (ISO 7064 MOD 11-2)."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


@dataclass
class Student:
    sfz: str
    name: str
    sex: str
    birth: dt.date
    grade: int
    class_no: int
    guardian: str
    phone: str
    address: str
    poor: str
    left_behind: str
    teacher: str

    @property
    def xjh(self) -> str:
        return "G" + self.sfz


@dataclass
class School:
    index: int
    name: str
    code: str
    stages: list[str]
    students: list[Student] = field(default_factory=list)
    changes: list[list] = field(default_factory=list)
    used_ids: set = field(default_factory=set)

    @property
    def folder(self) -> str:
        return f"s{self.index:03d}"

    @property
    def grades(self) -> list[int]:
        return [g for g in range(1, 10) if ("小学" if g <= 6 else "初中") in self.stages]


# ---------------------------------------------------------------- sizes and people

def school_sizes(rng: random.Random, schools: int, students: int) -> list[int]:
    """`schools` sizes in [200, 1500] summing to `students` (when that is possible)."""
    low, high = MIN_SCHOOL, MAX_SCHOOL
    if students < schools * low or students > schools * high:
        low, high = max(1, students // schools // 2), max(2, students // schools * 2)
    sizes = [round(rng.triangular(low, high, low + (high - low) * 0.15)) for _ in range(schools)]
    scale = students / sum(sizes)
    sizes = [min(high, max(low, round(s * scale))) for s in sizes]
    diff = students - sum(sizes)
    i = 0
    while diff and i < 100 * schools:
        k = i % schools
        step = 1 if diff > 0 else -1
        if low <= sizes[k] + step <= high:
            sizes[k] += step
            diff -= step
        i += 1
    return sizes


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def new_student(rng: random.Random, school: School, grade: int, class_no: int) -> Student:
    male = rng.random() < 0.52
    birth_year = 2026 - 6 - grade + (0 if rng.random() < 0.7 else -1)
    while True:
        birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        order = rng.randrange(500) * 2 + (1 if male else 0)
        body = f"45{school.index:04d}{birth:%Y%m%d}{order:03d}"
        if body not in school.used_ids:
            school.used_ids.add(body)
            break
    surname = rng.choice(SURNAMES)
    return Student(
        sfz=body + id_check_char(body), name=surname + person_name(rng)[1:], sex="男" if male else "女",
        birth=birth, grade=grade, class_no=class_no, guardian=surname + rng.choice(GIVEN) + rng.choice(GIVEN),
        phone=f"1{rng.choice('3578')}{rng.randrange(10 ** 9):09d}",
        address=f"{rng.choice(VILLAGES)}{rng.randrange(1, 30)}组{rng.randrange(1, 99)}号",
        poor="是" if rng.random() < 0.08 else "否", left_behind="是" if rng.random() < 0.15 else "否",
        teacher=rng.choice(TEACHERS) + rng.choice(GIVEN))


def make_school(rng: random.Random, index: int, size: int) -> School:
    kind = rng.random()
    if size >= 900 and kind < 0.5:
        stages, label = ["初中"], "中学"
    elif kind < 0.12:
        stages, label = ["小学", "初中"], "九年一贯制学校"
    else:
        stages, label = ["小学"], "小学" if size >= 500 else "完小"
    school = School(index, f"第{index}{label}", f"45092{index:05d}", stages)
    grades = school.grades
    per_grade = [size // len(grades) + (1 if i < size % len(grades) else 0) for i in range(len(grades))]
    for grade, count in zip(grades, per_grade):
        classes = max(1, round(count / CLASS_SIZE))
        for k in range(count):
            school.students.append(new_student(rng, school, grade, k % classes + 1))
    school.students.sort(key=lambda s: (s.grade, s.class_no))
    return school


def add_changes(rng: random.Random, schools: list[School]) -> None:
    """About 0.4 % of students change status in the week; most 转出 arrive as a 转入 elsewhere."""
    for school in schools:
        moving = rng.sample(school.students, max(1, len(school.students) // 250))
        for s in moving:
            day = rng.choice(WEEK_DAYS)
            kind = rng.random()
            if kind < 0.3:
                school.changes.append(_change_row(s, "休学", day, "", None, "身体原因"))
                continue
            target = rng.choice([t for t in schools if t is not school and s.grade in t.grades] or [school])
            school.changes.append(_change_row(s, "转出", day, target.name,
                                              day + dt.timedelta(days=2) if rng.random() < 0.6 else None, "随父母务工"))
            if target is not school and rng.random() < 0.7:
                arrived = Student(**{**vars(s), "class_no": 1})
                target.students.append(arrived)
                target.changes.append(_change_row(arrived, "转入", day + dt.timedelta(days=1), school.name, None, ""))


def _change_row(s: Student, kind: str, day: dt.date, other: str, receipt, reason: str) -> list:
    return [s.xjh, s.sfz, s.name, GRADE_NAMES[s.grade], f"{s.class_no}班", kind, day.isoformat(), other,
            receipt.isoformat() if receipt else None, reason, "班主任", None]


# ---------------------------------------------------------------- workbooks

def _by_class(students: list[Student]) -> dict[tuple[int, int], list[Student]]:
    out: dict[tuple[int, int], list[Student]] = {}
    for s in students:
        out.setdefault((s.grade, s.class_no), []).append(s)
    return dict(sorted(out.items()))


def _workbook(path: Path) -> xlsxwriter.Workbook:
    return xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})


def write_roster(path: Path, school: School) -> int:
    wb = _workbook(path)
    date_fmt = wb.add_format({"num_format": "yyyy/m/d"})
    cells = 0
    for (grade, class_no), group in _by_class(school.students).items():
        ws = wb.add_worksheet(f"{GRADE_NAMES[grade]}{class_no}班")
        ws.write_string(0, 0, f"{school.name}{GRADE_NAMES[grade]}({class_no})班学生花名册")
        for c, h in enumerate(ROSTER_HEADER):
            ws.write_string(1, c, h)
        for r, s in enumerate(group, start=2):
            values = [s.xjh, s.sfz, s.name, s.sex, None, GRADE_NAMES[grade], f"{class_no}班", s.guardian, s.phone,
                      s.address, s.poor, s.left_behind, s.teacher]
            for c, v in enumerate(values):
                if v is not None:
                    ws.write_string(r, c, v)
            ws.write_datetime(r, 4, dt.datetime(s.birth.year, s.birth.month, s.birth.day), date_fmt)
            cells += len(values)
    wb.close()
    return cells


def write_check(path: Path, school: School, rng: random.Random) -> int:
    wb = _workbook(path)
    tick = "√" if rng.random() < 0.5 else None   # some schools tick every present day, some leave it blank
    header = ["学籍号", "姓名"] + [f"{d.month}月{d.day}日" for d in WEEK_DAYS] + ["备注"]
    cells = 0
    for (grade, class_no), group in _by_class(school.students).items():
        ws = wb.add_worksheet(f"{GRADE_NAMES[grade]}{class_no}班")
        ws.write_string(0, 0, f"{school.name}{GRADE_NAMES[grade]}({class_no})班 2026—2027学年第一学期第12周周查表")
        for c, h in enumerate(header):
            ws.write_string(1, c, h)
        for r, s in enumerate(group, start=2):
            ws.write_string(r, 0, s.xjh)
            ws.write_string(r, 1, s.name)
            away = rng.random() < 0.004          # absent the whole week: an alert, a streak
            for c, _ in enumerate(WEEK_DAYS, start=2):
                mark = "旷" if away else _mark(rng, tick)
                if mark:
                    ws.write_string(r, c, mark)
            if away:
                ws.write_string(r, 7, "电话联系不上")
            cells += len(header)
    wb.close()
    return cells


def _mark(rng: random.Random, tick: str | None) -> str | None:
    x = rng.random()
    for mark, p in MARK_WEIGHTS:
        if x < p:
            return mark
        x -= p
    return tick


def write_changes(path: Path, school: School) -> int:
    wb = _workbook(path)
    ws = wb.add_worksheet("学籍变动")
    ws.write_string(0, 0, f"{school.name}学籍变动登记表")
    for c, h in enumerate(CHANGE_HEADER):
        ws.write_string(1, c, h)
    for r, row in enumerate(school.changes, start=2):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, v)
    wb.close()
    return len(school.changes) * len(CHANGE_HEADER)


def write_toml(folder: Path, name: str, code: str, level: str, stages: list[str], rng: random.Random,
               units: list[School] = ()) -> None:
    text = KC_TOML.format(name=name, code=code, level=level, stages=", ".join(f'"{s}"' for s in stages),
                          principal=person_name(rng), clerk=person_name(rng), phone=f"{rng.randrange(10 ** 7):07d}")
    for u in units:
        text += f'\n[[units]]\nname = "{u.name}"\ncode = "{u.code}"\nstages = [{", ".join(chr(34) + s + chr(34) for s in u.stages)}]\n'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kc.toml").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- the county

def generate_county(out: Path, schools: int = 150, students: int = 100_000, seed: int = 2026) -> dict:
    """Write the county under `out`; → a manifest (also saved as out/manifest.json)."""
    out = Path(out)
    rng = random.Random(seed)
    built = [make_school(rng, i + 1, n) for i, n in enumerate(school_sizes(rng, schools, students))]
    add_changes(rng, built)
    manifest = {"week": WEEK, "month": "2026-11", "schools": [], "county": "county", "cells": 0}
    for school in built:
        folder = out / school.folder
        write_toml(folder, school.name, school.code, "school", school.stages, rng)
        inbox = folder / "inbox"
        inbox.mkdir(exist_ok=True)
        cells = write_roster(inbox / "花名册.xlsx", school)
        cells += write_check(inbox / "第12周周查表.xlsx", school, rng)
        cells += write_changes(inbox / "学籍变动登记表.xlsx", school)
        manifest["cells"] += cells
        manifest["schools"].append({"folder": school.folder, "name": school.name,
                                    "students": len(school.students), "cells": cells})
    write_toml(out / "county", "示例县教育局", "450923", "county", ["小学", "初中"], rng, built)
    (out / "county" / "inbox").mkdir(exist_ok=True)
    manifest["students"] = sum(s["students"] for s in manifest["schools"])
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="生成基准测试用的模拟县（多个学校工作目录）。")
    ap.add_argument("--schools", type=int, default=150, help="学校数（默认 150）")
    ap.add_argument("--students", type=int, default=100_000, help="学生总数（默认 100000）")
    ap.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026）")
    ap.add_argument("--out", required=True, help="输出目录")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    m = generate_county(Path(args.out), args.schools, args.students, args.seed)
    print(f"已生成 {len(m['schools'])} 所学校、{m['students']} 名学生、{m['cells']} 个单元格，"
          f"用时 {time.perf_counter() - started:.1f} 秒：{args.out}")


if __name__ == "__main__":
    main()
