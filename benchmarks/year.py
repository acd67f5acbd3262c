"""A whole 学年 imported one week at a time, as a clerk does (issue 18, SPEC §23). Benchmark, not a test.

    python benchmarks/year.py --students 708 --weeks 38 --out /tmp/kc-year            # one school
    python benchmarks/year.py --schools 20 --students 6000 --weeks 38 --out /tmp/kc-year-county

For each teaching week 1…N it drops that week's 周查表 (one sheet per class, date headers) and the
updated 学籍变动登记表 into each school's inbox/, then runs `kc weekly --week <that week>` once — one
command over every school folder (`--dir` repeated) — and prints the wall and CPU time of that run;
after the week that holds a month's cutoff (the 20th; February's falls in the winter break: after the
first week of the spring term) it runs `kc monthly --month <that month>`, as a clerk does. At the end,
the size of kc.sqlite. `--repeat R` does the whole year R times in fresh folders and prints, per week
and per month, the median of the R runs (the machine is shared: one run's figures are noisy).

`--paired K` answers the question of issue 18 (does week N cost more than week 2?) without the drift of a
shared machine between September and June: the year's run keeps a copy of the school folders just before
the runs it compares (week 2's and the last week's `kc weekly`, the first and the last month's
`kc monthly`); after the year it runs each of them again K times from those copies, alternating
(2, last, 2, last, …), and prints the minimum and the median of each and their ratios. Each repeat is the
same command on the same files and store as in the year (the week's new files imported, a backup made).

The calendar has both terms of 2026—2027, 国庆 and the winter break
(days between terms are not school days); every week about 0.2 % of students change status (转出 with or
without 回执, 休学) and a few students are absent without leave for 12 school days in a row.

Deterministic: the same arguments give the same files (random.Random(seed)).
"""
from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import random
import resource
import shutil
import statistics
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


def compiled() -> None:
    """kc_batch's bytecode written before timing, as `pip install` writes it: with PYTHONDONTWRITEBYTECODE
    set (as on the project machine) and no __pycache__, every kc process would compile every module from
    source, a constant ~0.3 s that would make the later weeks look closer to week 2 than they are."""
    compileall.compile_dir(ROOT / "kc_batch", quiet=1)


def kc(*args: str) -> tuple[float, float]:
    """One kc command in a new process, as a clerk runs it → (wall seconds, CPU seconds of the process)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), KC_NO_PROGRESS="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "kc_batch.cli", *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode not in (0, 1):
        print(f"  kc {' '.join(args[:1])}: exit {res.returncode}: {res.stderr.strip()[-400:]}", file=sys.stderr)
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def months_after(weeks: list[list[dt.date]]) -> dict[int, list[str]]:
    """Week index → the months whose cutoff (the 20th) falls in that teaching week or in the break
    before it: a clerk runs kc monthly after the week that holds the cutoff."""
    out: dict[int, list[str]] = {}
    y, m = YEAR_START.year, YEAR_START.month
    previous_end = YEAR_START - dt.timedelta(days=1)
    for i, week in enumerate(weeks):
        sunday = week[0] + dt.timedelta(days=6 - week[0].weekday())
        while previous_end < dt.date(y, m, 20) <= sunday:
            out.setdefault(i, []).append(f"{y}-{m:02d}")
            y, m = (y, m + 1) if m < 12 else (y + 1, 1)
        previous_end = sunday
    return out


def build(out: Path, args) -> tuple[list, list[str], int]:
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
    return years, dirs, sum(len(y.school.students) for _, y in years)


def snapshot(folders: list[Path], to: Path) -> None:
    """A copy of the school folders as they are now (the backups hard-linked: kc only renames them)."""
    for folder in folders:
        shutil.copytree(folder, to / folder.name, copy_function=_copy_or_link)


def _copy_or_link(src: str, dst: str) -> None:
    if Path(src).name.startswith("kc-backup-"):
        os.link(src, dst)
    else:
        shutil.copy2(src, dst)


def paired(out: Path, snaps: dict[str, tuple[list[str], Path, list[str]]], pairs: list[tuple[str, str]], k: int) -> None:
    """Re-run each kept command K times from its copy, the two of a pair alternating; print min / median."""
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in snaps}
    scratch = out / "scratch"
    for _ in range(k):
        for a, b in pairs:
            for label in (a, b):
                args, copy, names = snaps[label]
                if scratch.exists():
                    shutil.rmtree(scratch)
                shutil.copytree(copy, scratch, copy_function=_copy_or_link)
                dirs = [x for name in names for x in ("--dir", str(scratch / name))]   # the year's order
                times[label].append(kc(*args[:1], *dirs, *args[1:]))
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"同一命令从保存的副本重跑 {k} 遍，两者交替（墙钟 s / CPU s）")
    print("命令\t最小\t中位数\t与对照之比（最小 / 中位数；墙钟、CPU）")
    for a, b in pairs:
        base, other = _min_median(times[a]), _min_median(times[b])
        print(f"{a}\t{base[0]:.2f} / {base[1]:.2f}\t{base[2]:.2f} / {base[3]:.2f}")
        r = [o / x for o, x in zip(other, base)]
        print(f"{b}\t{other[0]:.2f} / {other[1]:.2f}\t{other[2]:.2f} / {other[3]:.2f}"
              f"\t墙钟 {r[0]:.2f} / {r[2]:.2f}，CPU {r[1]:.2f} / {r[3]:.2f}", flush=True)


def _min_median(runs: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """(min wall, min CPU, median wall, median CPU) of (wall, CPU) runs."""
    wall, cpu = [w for w, _ in runs], [c for _, c in runs]
    return min(wall), min(cpu), statistics.median(wall), statistics.median(cpu)


def one_year(out: Path, args, weeks, months, keep: dict | None = None) -> tuple[dict, dict, float]:
    """The year imported week by week into fresh folders → ({week: (wall, cpu)}, {month: (wall, cpu)}, MB).
    With `keep` ({label: None}), the folders are copied just before the runs named there ("weekly 2",
    "monthly 2026-09", …) and `keep[label]` becomes (the command's arguments without --dir, the copy, the
    school folders' names in the order of the year's --dir)."""
    if out.exists():
        shutil.rmtree(out)
    years, dirs, students = build(out, args)
    print(f"{len(years)} 所学校，{students} 名学生，{len(weeks)} 个教学周（{weeks[0][0]} 至 {weeks[-1][-1]}）", flush=True)
    weekly, monthly = {}, {}
    for n, week in enumerate(weeks, start=1):
        for folder, year in years:
            year.add_week_changes(week)
            year.write_week(folder / "inbox", n, week)
        iso = f"{week[0].isocalendar()[0]}-W{week[0].isocalendar()[1]:02d}"
        _keep(keep, f"weekly {n}", ["weekly", "--week", iso, "--force"], out, years)
        weekly[n] = kc("weekly", *dirs, "--week", iso, "--force")   # the year lies in the future of the run day
        line = f"{n}\t{iso}\t{weekly[n][0]:.2f}\t{weekly[n][1]:.2f}"
        for label in months.get(n - 1, []):
            _keep(keep, f"monthly {label}", ["monthly", "--month", label, "--force"], out, years)
            monthly[label] = kc("monthly", *dirs, "--month", label, "--force")
            line += f"\t（月报 {label}：{monthly[label][0]:.2f} s，CPU {monthly[label][1]:.2f} s）"
        print(line, flush=True)
    size = sum((folder / "kc.sqlite").stat().st_size for folder, _ in years)
    return weekly, monthly, size / 1e6


def _keep(keep: dict | None, label: str, args: list[str], out: Path, years: list) -> None:
    if keep is not None and label in keep:
        copy = out.parent / "kept" / label.replace(" ", "-")
        if copy.exists():
            shutil.rmtree(copy)
        folders = [folder for folder, _ in years]
        snapshot(folders, copy)
        keep[label] = (args, copy, [folder.name for folder in folders])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="一个学年逐周导入的耗时（每周 kc weekly、每月 kc monthly、库大小）。")
    ap.add_argument("--schools", type=int, default=1)
    ap.add_argument("--students", type=int, default=708)
    ap.add_argument("--weeks", type=int, default=38)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--repeat", type=int, default=1, help="整个学年重做几遍，每周、每月取各遍的中位数")
    ap.add_argument("--paired", type=int, default=0, metavar="K",
                    help="第 2 周与最后一周（第一个与最后一个月报）从保存的副本交替各重跑 K 遍")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    compiled()
    weeks = school_days_by_week()[:args.weeks]
    months = months_after(weeks)
    runs = []
    month_labels = [m for n in sorted(months) for m in months[n]]
    pairs = [("weekly 2", f"weekly {len(weeks)}"), (f"monthly {month_labels[0]}", f"monthly {month_labels[-1]}")]
    keep = {label: None for pair in pairs for label in pair} if args.paired else None
    for r in range(args.repeat):
        print(f"第 {r + 1} 遍（周次、ISO 周、kc weekly 墙钟秒、CPU 秒）", flush=True)
        runs.append(one_year(Path(args.out) / f"run{r + 1}", args, weeks, months, keep if r == 0 else None))
    med = lambda xs: statistics.median(xs)  # noqa: E731
    weekly = {n: (med([w[n][0] for w, _, _ in runs]), med([w[n][1] for w, _, _ in runs])) for n in runs[0][0]}
    monthly = {m: (med([mo[m][0] for _, mo, _ in runs]), med([mo[m][1] for _, mo, _ in runs])) for m in runs[0][1]}
    print(f"各遍中位数（{args.repeat} 遍）")
    print("周次\tkc weekly 墙钟 s\tCPU s\t与第 2 周之比（墙钟 / CPU）")
    base = weekly.get(2, weekly[1])
    for n, (wall, cpu) in weekly.items():
        print(f"{n}\t{wall:.2f}\t{cpu:.2f}\t{wall / base[0]:.2f} / {cpu / base[1]:.2f}")
    print("月份\tkc monthly 墙钟 s\tCPU s\t与 9 月之比（墙钟 / CPU）")
    first = next(iter(monthly.values()))
    for label, (wall, cpu) in monthly.items():
        print(f"{label}\t{wall:.2f}\t{cpu:.2f}\t{wall / first[0]:.2f} / {cpu / first[1]:.2f}")
    print(f"kc.sqlite 合计 {med([size for _, _, size in runs]):.1f} MB")
    if keep:
        paired(Path(args.out), keep, pairs, args.paired)


if __name__ == "__main__":
    main()
