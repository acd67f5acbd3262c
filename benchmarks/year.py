"""A whole 学年 imported one week at a time, as a clerk does (issue 18, SPEC §23). Benchmark, not a test.

    python benchmarks/year.py --students 708 --weeks 38 --out /tmp/kc-year            # one school
    python benchmarks/year.py --schools 20 --students 6000 --weeks 38 --out /tmp/kc-year-county

For each teaching week 1…N it drops that week's 周查表 (one sheet per class, date headers) and the
updated 学籍变动登记表 into each school's inbox/, then runs `kc weekly --week <that week>` once — one
command over every school folder (`--dir` repeated) — and prints the wall time of that run. After the
last week it runs `kc monthly` for every month from September to the last full month and prints each
time, and the size of kc.sqlite. The calendar has both terms of 2026—2027, 国庆 and the winter break
(days between terms are not school days); every week about 0.2 % of students change status (转出 with or
without 回执, 休学) and a few students are absent without leave for 12 school days in a row.

Deterministic: the same arguments give the same files (random.Random(seed)).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import county  # noqa: E402  (the county generator: schools, students, workbook helpers)

ROOT = Path(__file__).resolve().parents[1]
YEAR_START = dt.date(2026, 9, 1)
TERMS = [(dt.date(2026, 9, 1), dt.date(2027, 1, 22)), (dt.date(2027, 2, 22), dt.date(2027, 7, 2))]
HOLIDAYS = [dt.date(2026, 10, d) for d in range(1, 8)] + [dt.date(2027, 4, 5), dt.date(2027, 5, 1),
                                                        dt.date(2027, 6, 14)]
CALENDAR = f"""
[calendar]
year_start = 2026-09-01
terms = [
    {{ name = "秋季学期", start = 2026-09-01, end = 2027-01-22 }},
    {{ name = "春季学期", start = 2027-02-22, end = 2027-07-02 }},
]
holidays = [{", ".join(d.isoformat() for d in HOLIDAYS)}]
cutoff_day = 20
"""


def school_days_by_week() -> list[list[dt.date]]:
    """The school days of each ISO week that has any, in order (the teaching weeks)."""
    weeks: dict[tuple, list[dt.date]] = {}
    for start, end in TERMS:
        d = start
        while d <= end:
            if d.weekday() < 5 and d not in HOLIDAYS:
                weeks.setdefault(d.isocalendar()[:2], []).append(d)
            d += dt.timedelta(days=1)
    return [weeks[k] for k in sorted(weeks)]


def write_toml(folder: Path, school: county.School, rng: random.Random) -> None:
    county.write_toml(folder, school.name, school.code, "school", school.stages, rng)
    text = (folder / "kc.toml").read_text(encoding="utf-8")
    head, _, rest = text.partition("[calendar]")
    rest = rest[rest.index("\n[", 1):] if "\n[" in rest[1:] else ""
    (folder / "kc.toml").write_text(head + CALENDAR.lstrip() + rest, encoding="utf-8")


class YearSchool:
    """One school's year: who is away when, who leaves when."""

    def __init__(self, school: county.School, rng: random.Random, weeks: list[list[dt.date]]):
        self.school, self.rng, self.weeks = school, rng, weeks
        days = [d for w in weeks for d in w]
        self.away: dict[str, set[dt.date]] = {}
        for s in rng.sample(school.students, max(1, len(school.students) // 150)):   # 12-day absences
            first = rng.randrange(len(days) - 12)
            self.away[s.sfz] = set(days[first:first + 12])
        self.left: dict[str, dt.date] = {}
        self.changes: list[list] = []
        self.tick = "√" if rng.random() < 0.5 else None

    def add_week_changes(self, week: list[dt.date]) -> None:
        staying = [s for s in self.school.students if s.sfz not in self.left]
        for s in self.rng.sample(staying, max(1, len(staying) // 500)):
            day = self.rng.choice(week)
            if self.rng.random() < 0.3:
                self.changes.append(county._change_row(s, "休学", day, "", None, "身体原因"))
            else:
                receipt = day + dt.timedelta(days=3) if self.rng.random() < 0.7 else None
                self.changes.append(county._change_row(s, "转出", day, "外县某校", receipt, "随父母务工"))
            self.left[s.sfz] = day

    def write_week(self, inbox: Path, n: int, week: list[dt.date]) -> None:
        wb = county._workbook(inbox / f"第{n}周周查表.xlsx")
        header = ["学籍号", "姓名"] + [f"{d.month}月{d.day}日" for d in week] + ["备注"]
        for (grade, class_no), group in county._by_class(self.school.students).items():
            ws = wb.add_worksheet(f"{county.GRADE_NAMES[grade]}{class_no}班")
            ws.write_string(0, 0, f"{self.school.name}{county.GRADE_NAMES[grade]}({class_no})班 第{n}周周查表")
            for c, h in enumerate(header):
                ws.write_string(1, c, h)
            r = 2
            for s in group:
                gone = self.left.get(s.sfz)
                if gone is not None and gone < week[0]:
                    continue
                ws.write_string(r, 0, s.xjh)
                ws.write_string(r, 1, s.name)
                for c, d in enumerate(week, start=2):
                    if gone is not None and d >= gone:
                        continue
                    mark = "旷" if d in self.away.get(s.sfz, ()) else county._mark(self.rng, self.tick)
                    if mark:
                        ws.write_string(r, c, mark)
                r += 1
        wb.close()
        self.school.changes = self.changes
        county.write_changes(inbox / "学籍变动登记表.xlsx", self.school)


def kc(*args: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "kc_batch.cli", *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if res.returncode not in (0, 1):
        print(f"  kc {' '.join(args[:1])}: exit {res.returncode}: {res.stderr.strip()[-400:]}", file=sys.stderr)
    return took


def month_labels(last_day: dt.date) -> list[str]:
    out, y, m = [], 2026, 9
    while dt.date(y, m, 20) <= last_day:
        if not (y == 2027 and m in (2,)) or dt.date(2027, 2, 20) <= last_day:
            out.append(f"{y}-{m:02d}")
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="一个学年逐周导入的耗时（每周 kc weekly、每月 kc monthly、库大小）。")
    ap.add_argument("--schools", type=int, default=1)
    ap.add_argument("--students", type=int, default=708)
    ap.add_argument("--weeks", type=int, default=38)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    out = Path(args.out)
    rng = random.Random(args.seed)
    weeks = school_days_by_week()[:args.weeks]
    sizes = county.school_sizes(rng, args.schools, args.students) if args.schools > 1 else [args.students]
    years = []
    for i, size in enumerate(sizes):
        school = county.make_school(rng, i + 1, size)
        folder = out / school.folder
        (folder / "inbox").mkdir(parents=True, exist_ok=True)
        write_toml(folder, school, rng)
        county.write_roster(folder / "inbox" / "花名册.xlsx", school)
        years.append((folder, YearSchool(school, random.Random(rng.random()), weeks)))
    dirs = [a for folder, _ in years for a in ("--dir", str(folder))]
    students = sum(len(y.school.students) for _, y in years)
    print(f"{len(years)} 所学校，{students} 名学生，{len(weeks)} 个教学周（{weeks[0][0]} 至 {weeks[-1][-1]}）")
    print("周次\tISO 周\tkc weekly 秒")
    first = None
    for n, week in enumerate(weeks, start=1):
        for folder, year in years:
            year.add_week_changes(week)
            year.write_week(folder / "inbox", n, week)
        iso = f"{week[0].isocalendar()[0]}-W{week[0].isocalendar()[1]:02d}"
        took = kc("weekly", *dirs, "--week", iso, "--force")   # the year lies in the future of the run day
        first = first if first is not None or n < 2 else took
        print(f"{n}\t{iso}\t{took:.2f}" + (f"\t（第 2 周的 {took / first:.2f} 倍）" if first else ""), flush=True)
    print("月份\tkc monthly 秒")
    september = None
    for label in month_labels(weeks[-1][-1]):
        took = kc("monthly", *dirs, "--month", label, "--force")
        september = september or took
        print(f"{label}\t{took:.2f}\t（9 月的 {took / september:.2f} 倍）", flush=True)
    size = sum((folder / "kc.sqlite").stat().st_size for folder, _ in years)
    print(f"kc.sqlite 合计 {size / 1e6:.1f} MB（{len(years)} 个）")


if __name__ == "__main__":
    main()
