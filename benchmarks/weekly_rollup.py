"""The county's weekly roll-up of 150 schools (SPEC §21.1, §21.4; issue 17), timed as whole processes.

    python benchmarks/weekly_rollup.py --work /tmp/kc-rollup                  # everything, 5 runs each
    python benchmarks/weekly_rollup.py --work /tmp/kc-rollup --repeat 7 --townships 10 --direct 15

1. The county of benchmarks/county.py (seeded: the same arguments give the same files) under WORK/gen,
   unless it is there already.
2. `kc weekly --week 2026-W47` for every school in one command (WORK/schools/sNNN): the real §9.1
   周查汇总 workbooks the roll-up reads. Skipped when every school's workbook is already there.
3. The schools are dealt (seeded) into TOWNSHIPS townships of varying size and DIRECT schools that report
   to the county themselves; each township folder (level township, [[units]] its schools) receives its
   schools' workbooks, the county folder (level county, [[units]] the townships and the direct schools)
   receives the direct schools' workbooks and each township's 周报汇总.
4. Timed, each --repeat times after one warm-up run, a fresh process each (start-up included):
     township  `kc aggregate --dir <乡镇> --week W` for each township
     townships `kc aggregate --dir <乡镇1> … --dir <乡镇N> --week W`: the whole township tier in one command
     county    `kc aggregate --dir <县> --week W` over the township workbooks and the direct schools
     flat      (for comparison) the county reading all 150 school workbooks with no township in between
   Wall, CPU (user + sys) and peak RSS (of the kc process, from wait4) as min / median / max.
5. Checked before anything is timed: the county's 周报汇总 合计 row and every 乡镇小计 equal the sums
   worked out here from the schools' own workbooks, read with openpyxl (not kc_batch's reader): 在册人数,
   应出勤人次, 实出勤人次, 旷课人次, 疑似辍学人数 from each school's 周汇总 合计 row, the 缺勤预警 rows counted by
   预警级别, 台账 rows not 已销号 (在办台账) and opened this week (本周新增台账); every school has its line and
   no unit is 未报. A mismatch stops the benchmark (exit 1), so a broken run is never timed; the last
   timed run's county workbook is checked again at the end.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import statistics
import sys
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace

import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import county as county_gen
import run as bench  # run_timed, fresh_copy, check_ok, machine

WEEK = county_gen.WEEK
KC = bench.KC
TOWNSHIP_NAMES = ["城关镇", "大安乡", "石门镇", "新民乡", "河口镇", "龙潭乡", "白沙镇", "青山乡", "平安镇", "红星乡",
                  "长坡镇", "那隆乡", "板桥镇", "东兰乡", "西山镇", "南屏乡"]
COUNT_COLUMNS = ["在册人数", "应出勤人次", "实出勤人次", "旷课人次", "疑似辍学人数"]
LEVEL_RE = re.compile(r"第\s*(\d+)\s*级")


# ---------------------------------------------------------------- the county and its schools' weekly books

def school_book(work: Path, folder: str, name: str) -> Path:
    return work / "schools" / folder / "out" / WEEK / f"周查汇总_{name}_{WEEK}.xlsx"


def prepare_schools(gen: Path, work: Path, args) -> dict:
    if not (gen / "manifest.json").exists():
        print(f"生成模拟县（{args.schools} 所学校、{args.students} 名学生，种子 {args.seed}）：{gen}", flush=True)
        county_gen.generate_county(gen, args.schools, args.students, args.seed)
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    if all(school_book(work, s["folder"], s["name"]).exists() for s in manifest["schools"]):
        print(f"各校周查汇总已在 {work / 'schools'}，不再运行 kc weekly", flush=True)
        return manifest
    dirs = [bench.fresh_copy(gen / s["folder"], work / "schools" / s["folder"]) for s in manifest["schools"]]
    print(f"kc weekly：{len(dirs)} 所学校（一条命令）…", flush=True)
    wall, cpu, peak, done = bench.run_timed(KC + ["weekly", *[a for d in dirs for a in ("--dir", str(d))],
                                                  "--week", WEEK])
    bench.check_ok(done, "全县 kc weekly")
    print(f"  墙钟 {wall:.1f} s，CPU {cpu:.1f} s，峰值内存 {peak:.0f} MB", flush=True)
    missing = [s["name"] for s in manifest["schools"] if not school_book(work, s["folder"], s["name"]).exists()]
    if missing:
        sys.exit(f"kc weekly 没有写出这些学校的周查汇总：{'、'.join(missing)}")
    return manifest


def school_units(gen: Path, manifest: dict) -> list[SimpleNamespace]:
    out = []
    for s in manifest["schools"]:
        unit = tomllib.loads((gen / s["folder"] / "kc.toml").read_text(encoding="utf-8"))["unit"]
        out.append(SimpleNamespace(folder=s["folder"], name=unit["name"], code=unit["code"], stages=unit["stages"]))
    return out


def deal(schools: list, townships: int, direct: int, seed: int) -> tuple[dict[str, list], list]:
    """Seeded: `direct` schools report to the county, the rest go to `townships` townships of varying size."""
    if townships > len(TOWNSHIP_NAMES) or townships < 1 or direct + townships > len(schools):
        sys.exit(f"乡镇数应在 1–{len(TOWNSHIP_NAMES)} 之间，且乡镇数 + 直属学校数不超过学校数")
    rng = random.Random(seed)
    order = list(schools)
    rng.shuffle(order)
    direct_schools, rest = order[:direct], order[direct:]
    cuts = sorted(rng.sample(range(1, len(rest)), townships - 1))
    parts = [rest[a:b] for a, b in zip([0] + cuts, cuts + [len(rest)])]
    by_town = {TOWNSHIP_NAMES[i]: sorted(part, key=lambda u: u.folder) for i, part in enumerate(parts)}
    return by_town, sorted(direct_schools, key=lambda u: u.folder)


def build_folders(work: Path, by_town: dict, direct: list, seed: int) -> tuple[list[Path], Path]:
    """Township folders with their schools' workbooks, a county folder with the direct schools' workbooks."""
    rng = random.Random(seed)
    root = work / "rollup"
    if root.exists():
        shutil.rmtree(root)
    towns = []
    for i, (town, units) in enumerate(by_town.items(), start=1):
        folder = root / f"t{i:02d}"
        county_gen.write_toml(folder, town, f"4509231{i:02d}", "township", ["小学", "初中"], rng, units)
        (folder / "inbox").mkdir()
        for u in units:
            shutil.copy2(school_book(work, u.folder, u.name), folder / "inbox")
        towns.append(folder)
    town_units = [SimpleNamespace(name=t, code=f"4509231{i:02d}", stages=["小学", "初中"])
                  for i, t in enumerate(by_town, start=1)]
    county = root / "county"
    county_gen.write_toml(county, "示例县教育局", "450923", "county", ["小学", "初中"], rng, town_units + direct)
    (county / "inbox").mkdir()
    for u in direct:
        shutil.copy2(school_book(work, u.folder, u.name), county / "inbox")
    return towns, county


def rollup_book(folder: Path, unit: str) -> Path:
    return folder / "out" / WEEK / f"控辍保学周报汇总_{unit}_{WEEK}.xlsx"


def flat_county(work: Path, county: Path, schools: list) -> Path:
    """The same county with every school a direct unit: 150 school workbooks, no township in between."""
    flat = work / "rollup" / "flat"
    county_gen.write_toml(flat, "示例县教育局", "450923", "county", ["小学", "初中"], random.Random(0), schools)
    (flat / "inbox").mkdir()
    for u in schools:
        shutil.copy2(school_book(work, u.folder, u.name), flat / "inbox")
    return flat


# ---------------------------------------------------------------- the independent check (openpyxl)

def _rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)] if sheet in wb.sheetnames else []
    finally:
        wb.close()


def _text(v) -> str:
    return "" if v is None else re.sub(r"\s+", "", str(v))


def _header(rows: list[tuple], needed: str) -> tuple[int, dict[str, int]]:
    """The header row holding `needed` → (first data row, {column text: column}). A second header row
    under it (leaves such as 第1级 under a merged 缺勤预警 group) has an empty first cell and no number;
    a column's text is then the lower cell's, else the upper one's."""
    for r, row in enumerate(rows[:15]):
        texts = [_text(v) for v in row]
        if needed not in texts:
            continue
        below = rows[r + 1] if r + 1 < len(rows) else ()
        two_rows = bool(below) and not _text(below[0]) and any(_text(v) for v in below) \
            and not any(_is_number(v) for v in below)
        labels: dict[str, int] = {}
        for c, t in enumerate(texts):
            leaf = _text(below[c]) if two_rows and c < len(below) else ""
            if leaf or t:
                labels.setdefault(leaf or t, c)
        return r + 1 + two_rows, labels
    raise SystemExit(f"校验：找不到含“{needed}”的表头")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _records(path: Path, sheet: str, needed: str) -> list[dict]:
    rows = _rows(path, sheet)
    if not rows:
        return []
    first, labels = _header(rows, needed)
    out = []
    for row in rows[first:]:
        rec = {name: row[c] if c < len(row) else None for name, c in labels.items() if name}
        if _text(rec.get(needed)):
            out.append(rec)
    return out


def own_figures(book: Path) -> dict[str, float]:
    """One school's week, from its own 周查汇总: the 合计 row, its 缺勤预警 rows by level, its 台账."""
    rows = _rows(book, "周汇总")
    first, labels = _header(rows, "在册人数")
    total = next(r for r in rows[first:] if _text(r[0]) == "合计")
    out = {c: float(total[labels[c]] or 0) for c in COUNT_COLUMNS}
    for rec in _records(book, "缺勤预警", "姓名"):
        m = LEVEL_RE.search(_text(rec.get("预警级别")))
        key = f"第{m.group(1)}级" if m else ("长期缺勤预警" if "长期" in _text(rec.get("预警级别")) else None)
        if key:
            out[key] = out.get(key, 0.0) + 1
    monday = county_gen.WEEK_DAYS[0]
    ledger = _records(book, "台账", "姓名")
    out["在办台账"] = float(sum(1 for r in ledger if _text(r.get("状态")) != "已销号"))
    out["本周新增台账"] = float(sum(1 for r in ledger if _opened_this_week(r.get("开立日期"), monday)))
    return out


def _opened_this_week(value, monday: dt.date) -> bool:
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return False
    return isinstance(value, dt.date) and monday <= value <= monday + dt.timedelta(days=6)


def _add(into: dict, figures: dict) -> None:
    for k, v in figures.items():
        into[k] = into.get(k, 0.0) + v


def check_county(work: Path, county: Path, by_town: dict, direct: list) -> str:
    """Stop (exit 1) unless the county's 周报汇总 equals the schools' own figures, summed here."""
    own = {u.name: own_figures(school_book(work, u.folder, u.name))
           for units in list(by_town.values()) + [direct] for u in units}
    book = rollup_book(county, "示例县教育局")
    rows = _rows(book, "周报汇总")
    first, labels = _header(rows, "在册人数")
    lines = {}
    for row in rows[first:]:
        label = _text(row[labels["单位"]])
        if label:
            lines[label] = {name: row[c] for name, c in labels.items() if name and name != "单位"}
        if label == "合计":
            break
    wrong = []

    def compare(what: str, got: dict, expected: dict) -> None:
        for name in set(expected) | {k for k in got if k in COUNT_COLUMNS or k.startswith("第") or k.endswith("台账")
                                     or k == "长期缺勤预警"}:
            if abs(float(got.get(name) or 0) - expected.get(name, 0.0)) > 1e-9:
                wrong.append(f"{what}“{name}”：汇总表 {got.get(name)}，各校相加 {expected.get(name, 0.0):g}")
        rate = got.get("出勤率")
        if expected.get("应出勤人次") and (rate is None or abs(rate - expected["实出勤人次"] / expected["应出勤人次"]) > 1e-9):
            wrong.append(f"{what}“出勤率”：汇总表 {rate}，Σ实出勤÷Σ应出勤 {expected['实出勤人次'] / expected['应出勤人次']}")

    for name in own:
        if name not in lines:
            wrong.append(f"学校“{name}”不在县周报汇总表中")
    everyone: dict = {}
    for town, units in by_town.items():
        subtotal: dict = {}
        for u in units:
            _add(subtotal, own[u.name])
        if f"{town}小计" not in lines:
            wrong.append(f"没有“{town}小计”行")
        else:
            compare(f"{town}小计", lines[f"{town}小计"], subtotal)
        _add(everyone, subtotal)
    for u in direct:
        _add(everyone, own[u.name])
        if u.name in lines:
            compare(u.name, lines[u.name], own[u.name])
    compare("合计", lines.get("合计", {}), everyone)
    states = _records(book, "未报单位", "单位名称")
    late_or_missing = [r for r in states if _text(r.get("报送情况")) == "未报"]
    if late_or_missing:
        wrong.append(f"未报单位中有 {len(late_or_missing)} 个“未报”：" + "、".join(_text(r["单位名称"]) for r in late_or_missing))
    if wrong:
        sys.exit("县周报汇总与各校自己的周查汇总不符，不计时：\n" + "\n".join(wrong[:30]))
    return (f"校验通过：{len(own)} 所学校、{len(by_town)} 个乡镇小计、合计行 {len(everyone)} 项与各校周查汇总（openpyxl 读）"
            f"相加一致；在册 {everyone['在册人数']:,.0f} 人，应出勤 {everyone['应出勤人次']:,.0f} 人次，"
            f"实出勤 {everyone['实出勤人次']:,.0f} 人次，旷课 {everyone['旷课人次']:,.0f} 人次")


# ---------------------------------------------------------------- timing

class Figures:
    def __init__(self, name: str, note: str = ""):
        self.name, self.note = name, note
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.peak: list[float] = []

    def add(self, wall: float, cpu: float, peak: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.peak.append(peak)

    def row(self) -> str:
        def mmm(xs, fmt):
            return " / ".join(fmt.format(x) for x in (min(xs), statistics.median(xs), max(xs)))
        return (f"| {self.name} | {len(self.wall)} | {mmm(self.wall, '{:.2f}')} | {mmm(self.cpu, '{:.2f}')} | "
                f"{mmm(self.peak, '{:.0f}')} | {self.note} |")


def timed(cmd: list[str], what: str, figures: Figures | None) -> None:
    wall, cpu, peak, done = bench.run_timed(cmd)
    bench.check_ok(done, what)
    if figures is not None:
        figures.add(wall, cpu, peak)


def aggregate(*dirs: Path) -> list[str]:
    return KC + ["aggregate", *[a for d in dirs for a in ("--dir", str(d))], "--week", WEEK]


def run_benchmark(towns: list[Path], county: Path, flat: Path | None, repeat: int,
                  counts: dict) -> tuple[list[Figures], dict[Path, Figures]]:
    per_town = {t: Figures(t.name) for t in towns}
    tier = Figures(f"乡镇层：一条命令 {len(towns)} 个 --dir", f"{sum(counts['towns'].values())} 份学校周查汇总")
    county_fig = Figures("县汇总（乡镇周报汇总 + 直属学校）",
                         f"{len(towns)} 份乡镇周报汇总 + {counts['direct']} 份学校周查汇总")
    flat_fig = Figures("对照：县直接汇总全部学校（无乡镇层）", f"{counts['schools']} 份学校周查汇总")
    for run in range(repeat + 1):                       # run 0 is the warm-up, not counted
        keep = run > 0
        for t in towns:
            timed(aggregate(t), f"乡镇 kc aggregate --week（{t}）", per_town[t] if keep else None)
        timed(aggregate(*towns), "乡镇层 kc aggregate --week", tier if keep else None)
        timed(aggregate(county), "县 kc aggregate --week", county_fig if keep else None)
        if flat is not None:
            timed(aggregate(flat), "县（无乡镇层）kc aggregate --week", flat_fig if keep else None)
        if keep:
            print(f"  第 {run} 次：县 {county_fig.wall[-1]:.2f} s，乡镇层 {tier.wall[-1]:.2f} s", flush=True)
    each = Figures(f"每个乡镇（{len(towns)} 个，各 {repeat} 次，全部运行合在一起）",
                   f"每乡镇 {min(counts['towns'].values())}–{max(counts['towns'].values())} 所学校")
    for f in per_town.values():
        for w, c, p in zip(f.wall, f.cpu, f.peak):
            each.add(w, c, p)
    out = [each, tier, county_fig]
    return out + ([flat_fig] if flat is not None else []), per_town


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="县周报汇总（150 所学校，经乡镇汇总）基准测试（SPEC §21.1、§21.4）。")
    ap.add_argument("--work", required=True, help="工作目录（生成的县、各校周查汇总可重复使用）")
    ap.add_argument("--schools", type=int, default=150)
    ap.add_argument("--students", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--townships", type=int, default=8, help="乡镇数（默认 8）")
    ap.add_argument("--direct", type=int, default=10, help="县直属学校数（默认 10）")
    ap.add_argument("--repeat", type=int, default=5, help="每项计时次数（另有 1 次预热，默认 5）")
    ap.add_argument("--no-flat", action="store_true", help="不计时“县直接汇总全部学校”的对照项")
    args = ap.parse_args(argv)
    work = Path(args.work)
    gen = work / "gen"
    manifest = prepare_schools(gen, work, args)
    schools = school_units(gen, manifest)
    by_town, direct = deal(schools, args.townships, args.direct, args.seed)
    towns, county = build_folders(work, by_town, direct, args.seed)
    for t in towns:
        timed(aggregate(t), f"乡镇 kc aggregate --week（{t}）", None)
        shutil.copy2(rollup_book(t, tomllib.loads((t / "kc.toml").read_text(encoding="utf-8"))["unit"]["name"]),
                     county / "inbox")
    timed(aggregate(county), "县 kc aggregate --week", None)
    print(check_county(work, county, by_town, direct), flush=True)
    flat = None if args.no_flat else flat_county(work, county, schools)
    counts = {"towns": {t: len(u) for t, u in by_town.items()}, "direct": len(direct), "schools": len(schools)}
    started, load_before = time.perf_counter(), os.getloadavg()
    results, per_town = run_benchmark(towns, county, flat, args.repeat, counts)
    load_after = os.getloadavg()
    check_county(work, county, by_town, direct)        # the last timed run's workbook, too
    print()
    print(f"机器：{bench.machine()}")
    print(f"数据：{len(schools)} 所学校（{len(by_town)} 个乡镇 {sum(counts['towns'].values())} 所、县直属 {len(direct)} 所），"
          f"{manifest['students']:,} 名学生，{WEEK}；计时用时 {time.perf_counter() - started:.0f} s")
    print(f"负载（1/5/15 分钟平均）：计时前 {' / '.join(f'{x:.2f}' for x in load_before)}，"
          f"计时后 {' / '.join(f'{x:.2f}' for x in load_after)}（{os.cpu_count()} 核）")
    print(f"命令：python benchmarks/weekly_rollup.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print()
    print("| 项目 | 次数 | 墙钟 s（最小 / 中位 / 最大） | CPU s（最小 / 中位 / 最大） | 峰值内存 MB（最小 / 中位 / 最大） | 输入 |")
    print("|---|---|---|---|---|---|")
    for f in results:
        print(f.row())
    print()
    print("| 乡镇 | 学校数 | 墙钟中位数 s | CPU 中位数 s | 峰值内存 MB |")
    print("|---|---|---|---|---|")
    for folder, f in per_town.items():
        town = tomllib.loads((folder / "kc.toml").read_text(encoding="utf-8"))["unit"]["name"]
        print(f"| {town} | {counts['towns'][town]} | {statistics.median(f.wall):.2f} | {statistics.median(f.cpu):.2f} | "
              f"{max(f.peak):.0f} |")


if __name__ == "__main__":
    main()
