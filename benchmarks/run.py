"""Benchmarks of SPEC §10.4 and the kill -9 fault run of §10.2.

    python benchmarks/run.py --county /tmp/kc-county            # generate if missing, time everything
    python benchmarks/run.py --county /tmp/kc-county --faults 50 # also 50 kill -9 runs
    python benchmarks/run.py --only read,school --repeat 5       # a subset

Timed, each `--repeat` times (median reported):
  read-kc       every county input file with kc_batch.readers.read_files (as the importer reads)
  read-fastexcel  the same files with fastexcel (calamine → Arrow): the floor
  read-pandas   the same files with pandas.read_excel(engine="openpyxl", sheet_name=None)
  school        `kc weekly` for one ~700-student school in a fresh process (start-up included)
  county        `kc weekly --dir s001 … --dir s150` on fresh copies: one process for the county
  monthly       `kc monthly` for every school in one command (when the command exists)
  aggregate     `kc aggregate` for the county folder (when the command exists)
  rollup        `kc aggregate --week` for the county folder: the 150 schools' 周查汇总 workbooks (§21.1)
Seconds are wall-clock; CPU seconds are also shown because a shared machine makes wall time noisy.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import county as county_gen  # noqa: E402

KC = [sys.executable, "-m", "kc_batch.cli"]
WEEK, MONTH = county_gen.WEEK, "2026-11"
VOLATILE_COLUMNS = {"imported_at", "at", "started_at", "finished_at", "updated_at"}


@dataclass
class Result:
    name: str
    cells: int = 0
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    floor: float | None = None        # median seconds of fastexcel on the same files
    peak_mb: float | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    def row(self) -> list[str]:
        cps = f"{self.cells / self.median:,.0f}" if self.cells and self.wall else "—"
        ratio = f"{self.median / self.floor:.2f}×" if self.floor else "—"
        cpu = f"{statistics.median(self.cpu):.2f}" if self.cpu else "—"
        peak = f"{self.peak_mb:,.0f}" if self.peak_mb else "—"
        runs = " / ".join(f"{w:.2f}" for w in self.wall)
        return [self.name, f"{self.median:.2f}", cpu, cps, ratio, peak, runs, self.note]


# ---------------------------------------------------------------- helpers

def kc_commands() -> set[str]:
    from kc_batch.cli import main
    return set(main.commands)


# A small launcher measures the command: a child forked straight from this (big) process would
# report this process's memory as its own peak (ru_maxrss counts the pages shared before exec).
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=sys.stdout, stderr=sys.stderr)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as f:
    json.dump([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)], f)
"""


def run_timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, float, subprocess.CompletedProcess]:
    """Run a command; → (wall s, CPU s, peak RSS MB, completed process)."""
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "stats.json"
        done = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(stats), *cmd], cwd=cwd, env=_env(),
                              capture_output=True)
        wall, cpu, peak, code = json.loads(stats.read_text())
    done = subprocess.CompletedProcess(cmd, code, done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))
    return wall, cpu, peak, done


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def check_ok(done: subprocess.CompletedProcess, what: str) -> None:
    if done.returncode != 0:
        sys.exit(f"{what} 失败（退出码 {done.returncode}）：\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def fresh_copy(src: Path, dst: Path) -> Path:
    """A work folder as a clerk has it before the week's run: kc.toml and inbox only."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    shutil.copy2(src / "kc.toml", dst / "kc.toml")
    shutil.copytree(src / "inbox", dst / "inbox")
    return dst


def input_files(county: Path) -> list[Path]:
    return sorted(county.glob("s[0-9][0-9][0-9]/inbox/*.xlsx"))


def timed_in_process(fn) -> tuple[float, float]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


# ---------------------------------------------------------------- readers

def read_with_kc(files: list[Path]) -> int:
    """The project's reading path as the importer uses it: readers.read_files (two files at a time)."""
    from kc_batch.read import files as readers
    root = Path(os.path.commonpath([str(f.parent) for f in files]))
    cells = 0
    for raw in readers.read_files(files, root):
        cells += sum(len(s.rows) * (len(s.rows[0]) if s.rows else 0) for s in raw.sheets)
    return cells


def read_with_fastexcel(files: list[Path]) -> int:
    import fastexcel
    cells = 0
    for f in files:
        book = fastexcel.read_excel(str(f))
        for name in book.sheet_names:
            table = book.load_sheet(name, header_row=None).to_arrow()
            cells += table.num_rows * table.num_columns
    return cells


def read_with_pandas(files: list[Path]) -> int:
    import pandas as pd
    cells = 0
    for f in files:
        for frame in pd.read_excel(f, sheet_name=None, header=None, engine="openpyxl").values():
            cells += frame.shape[0] * frame.shape[1]
    return cells


def bench_readers(files: list[Path], repeat: int, pandas_repeat: int) -> list[Result]:
    kinds = [("读取：kc_batch.readers", read_with_kc, repeat), ("读取：fastexcel（下限）", read_with_fastexcel, repeat),
             ("读取：pandas.read_excel(openpyxl)", read_with_pandas, pandas_repeat)]
    results = {name: Result(name) for name, _, _ in kinds}
    for _, fn, _ in kinds:  # imports and first-call set-up are not part of the reading
        fn(files[:1])
    for i in range(repeat):  # interleaved, so that a busy moment of the machine hits all of them
        for name, fn, times in kinds:
            if i >= times:
                continue
            box = {}
            wall, cpu = timed_in_process(lambda: box.update(cells=fn(files)))
            results[name].wall.append(wall)
            results[name].cpu.append(cpu)
            results[name].cells = box["cells"]
            print(f"  {name}: {wall:.2f} s", flush=True)
    floor = results["读取：fastexcel（下限）"].median
    for r in results.values():
        r.floor = floor
    return list(results.values())


# ---------------------------------------------------------------- commands

def typical_school(manifest: dict) -> dict:
    return min(manifest["schools"], key=lambda s: abs(s["students"] - 700))


def bench_school(county: Path, manifest: dict, work: Path, repeat: int) -> list[Result]:
    school = typical_school(manifest)
    files = sorted((county / school["folder"] / "inbox").glob("*.xlsx"))
    read_with_fastexcel(files[:1])
    floor = statistics.median(timed_in_process(lambda: read_with_fastexcel(files))[0] for _ in range(repeat))
    first = Result(f"kc weekly：一所学校（{school['students']} 人，首次导入）", cells=school["cells"], floor=floor)
    again = Result("kc weekly：同一学校再次运行（无新文件）", cells=school["cells"], floor=floor)
    for _ in range(repeat):
        wd = fresh_copy(county / school["folder"], work / "school")
        for res in (first, again):
            wall, cpu, peak, done = run_timed(KC + ["weekly", "--dir", str(wd), "--week", WEEK])
            check_ok(done, "kc weekly")
            res.wall.append(wall), res.cpu.append(cpu)
            res.peak_mb = max(res.peak_mb or 0, peak)
        print(f"  一所学校：{first.wall[-1]:.2f} s，再次：{again.wall[-1]:.2f} s", flush=True)
    wall, cpu, peak, done = run_timed([sys.executable, "-c", "import kc_batch.cli"])
    startup = Result("启动：python -c 'import kc_batch.cli'", wall=[wall], cpu=[cpu], peak_mb=peak)
    return [first, again, startup]


def bench_county(county: Path, manifest: dict, work: Path, repeat: int, commands: set[str],
                 read_floor: float | None) -> list[Result]:
    cells = manifest["cells"]
    weekly = Result(f"kc weekly：全县 {len(manifest['schools'])} 所学校（一条命令）", cells=cells, floor=read_floor)
    monthly = Result("kc monthly：全县各校（一条命令）", cells=cells, floor=read_floor)
    aggregate = Result("kc aggregate：县汇总")
    rollup = Result("kc aggregate --week：县周报汇总")
    for _ in range(repeat):
        base = work / "county"
        dirs = [fresh_copy(county / s["folder"], base / s["folder"]) for s in manifest["schools"]]
        dir_args = [a for d in dirs for a in ("--dir", str(d))]
        wall, cpu, peak, done = run_timed(KC + ["weekly", *dir_args, "--week", WEEK])
        check_ok(done, "全县 kc weekly")
        _add(weekly, wall, cpu, peak)
        print(f"  全县周报：{wall:.1f} s，峰值内存 {peak:.0f} MB", flush=True)
        county_dir = receive(county, base, dirs, WEEK)
        rollup.note = f"{len(list((county_dir / 'inbox').iterdir()))} 份周报"
        wall, cpu, peak, done = run_timed(KC + ["aggregate", "--dir", str(county_dir), "--week", WEEK])
        check_ok(done, "kc aggregate --week")
        _add(rollup, wall, cpu, peak)
        print(f"  县周报汇总：{wall:.2f} s", flush=True)
        if "monthly" in commands:
            wall, cpu, peak, done = run_timed(KC + ["monthly", *dir_args, "--month", MONTH])
            check_ok(done, "全县 kc monthly")
            _add(monthly, wall, cpu, peak)
            print(f"  全县月报：{wall:.1f} s", flush=True)
        if "monthly" in commands and "aggregate" in commands:
            county_dir = receive(county, base, dirs, MONTH)
            aggregate.note = f"{len(list((county_dir / 'inbox').iterdir()))} 份月报"
            wall, cpu, peak, done = run_timed(KC + ["aggregate", "--dir", str(county_dir), "--month", MONTH])
            check_ok(done, "kc aggregate")
            _add(aggregate, wall, cpu, peak)
            print(f"  县汇总：{wall:.1f} s", flush=True)
    out = [weekly, rollup]
    for res, cmd in ((monthly, "monthly"), (aggregate, "aggregate")):
        if res.wall:
            out.append(res)
        else:
            print(f"  （kc {cmd} 尚不存在，跳过）")
    return out


def receive(county: Path, base: Path, dirs: list[Path], period: str) -> Path:
    """A fresh county work folder whose inbox holds every school's workbooks of `period` (out/<period>/)."""
    county_dir = base / "county"
    if county_dir.exists():
        shutil.rmtree(county_dir)
    shutil.copytree(county / "county", county_dir)
    for d in dirs:
        for book in (d / "out" / period).glob("*.xlsx"):
            shutil.copy2(book, county_dir / "inbox" / book.name)
    return county_dir


def _add(res: Result, wall: float, cpu: float, peak: float) -> None:
    res.wall.append(wall)
    res.cpu.append(cpu)
    res.peak_mb = max(res.peak_mb or 0, peak)


# ---------------------------------------------------------------- kill -9 (§10.2)

def store_snapshot(db_path: Path) -> dict | None:
    """Every table's rows, sorted, without timestamp columns; None when there is no store."""
    if not db_path.exists():
        return None
    db = sqlite3.connect(f"file:{db_path}?mode=rw", uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        snap = {}
        for t in tables:
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
            keep = [c for c in cols if c not in VOLATILE_COLUMNS]
            rows = db.execute(f"SELECT {', '.join(keep)} FROM {t}").fetchall()
            snap[t] = sorted(rows, key=repr)
        return snap
    finally:
        db.close()


def without_runs(snap: dict | None) -> dict | None:
    """The run log is written after the workbook; a kill between the two is 'after' minus that line."""
    return None if snap is None else {k: v for k, v in snap.items() if k != "runs"}


def out_problems(work_dir: Path) -> list[str]:
    """Partly written workbooks under out/: every .xlsx must open; leftovers must be hidden .tmp files."""
    import openpyxl
    problems = []
    out = work_dir / "out"
    for path in sorted(out.rglob("*")) if out.exists() else []:
        if path.is_dir():
            continue
        if path.suffix == ".xlsx" and not path.name.startswith("."):
            try:
                openpyxl.load_workbook(path, read_only=True).close()
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{path.name}: 打不开（{type(exc).__name__}）")
        elif not (path.name.startswith(".") and path.name.endswith(".tmp")):
            problems.append(f"{path.name}: 不应出现在 out/ 下")
    return problems


def prepare_fault_school(root: Path) -> Path:
    """A 100-student school: roster already imported (store 'before'), 周查表 and changes new."""
    src = root / "gen"
    if not src.exists():
        county_gen.generate_county(src, schools=1, students=100, seed=7)
    return src / "s001"


def seed_store(src: Path, dst: Path) -> Path:
    """A work folder whose store holds the roster only; the 周查表 and changes wait in the inbox."""
    wd = fresh_copy(src, dst)
    held = dst.parent / (dst.name + "-held")
    held.mkdir(exist_ok=True)
    for name in ("第12周周查表.xlsx", "学籍变动登记表.xlsx"):
        shutil.move(wd / "inbox" / name, held / name)
    done = subprocess.run(KC + ["weekly", "--dir", str(wd), "--week", WEEK], capture_output=True, text=True, env=_env())
    check_ok(done, "准备故障注入用的学校")
    for name in ("第12周周查表.xlsx", "学籍变动登记表.xlsx"):
        shutil.move(held / name, wd / "inbox" / name)
    held.rmdir()
    return wd


def kill_run(wd: Path, moment: str, delay: float) -> bool:
    """Start `kc weekly` and SIGKILL it at `moment`: 'time' (after `delay` s), 'store' (as soon as the
    store's WAL file holds data: a transaction is being written) or 'workbook' (as soon as the
    workbook's temp file exists). → whether it was killed before it ended."""
    proc = subprocess.Popen(KC + ["weekly", "--dir", str(wd), "--week", WEEK], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=_env())
    started = time.monotonic()
    wal, out = wd / "kc.sqlite-wal", wd / "out"
    happened = {
        "time": lambda: time.monotonic() - started >= delay,
        "store": lambda: wal.exists() and wal.stat().st_size > 0,
        "workbook": lambda: out.exists() and any(out.rglob(".*.tmp")),
    }[moment]
    while proc.poll() is None and time.monotonic() - started < 120:
        if happened():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.0005)
    proc.wait()
    return False


def bench_faults(work: Path, runs: int, seed: int = 1) -> Result:
    rng = random.Random(seed)
    src = prepare_fault_school(work / "faults")
    template = seed_store(src, work / "faults" / "template")
    before = store_snapshot(template / "kc.sqlite")
    after_dir = shutil.copytree(template, work / "faults" / "after", dirs_exist_ok=False)
    wall, _, _, done = run_timed(KC + ["weekly", "--dir", str(after_dir), "--week", WEEK])
    check_ok(done, "完整运行")
    after = store_snapshot(after_dir / "kc.sqlite")
    assert before != after, "the run must change the store, or the test proves nothing"
    outcome = {"before": 0, "after": 0, "after-no-log": 0, "finished": 0}
    failures = []
    for i in range(runs):
        wd = work / "faults" / "run"
        if wd.exists():
            shutil.rmtree(wd)
        shutil.copytree(template, wd)
        moment = "store" if i % 7 == 3 else "workbook" if i % 7 == 5 else "time"
        killed = kill_run(wd, moment, rng.uniform(0, wall * 1.2))
        snap = store_snapshot(wd / "kc.sqlite")
        if not killed:
            outcome["finished"] += 1
        if snap == before:
            outcome["before"] += 1
        elif snap == after:
            outcome["after"] += 1
        elif without_runs(snap) == without_runs(after):
            outcome["after-no-log"] += 1
        else:
            failures.append(f"第 {i + 1} 次：数据库既不是运行前也不是运行后的状态")
        failures += [f"第 {i + 1} 次：{p}" for p in out_problems(wd)]
        again = subprocess.run(KC + ["weekly", "--dir", str(wd), "--week", WEEK], capture_output=True, text=True,
                               env=_env())
        if again.returncode != 0:
            failures.append(f"第 {i + 1} 次：再次运行失败（退出码 {again.returncode}）{again.stderr[-300:]}")
        elif without_runs(store_snapshot(wd / "kc.sqlite")) != without_runs(after):
            failures.append(f"第 {i + 1} 次：再次运行后数据库与完整运行不同")
        failures += [f"第 {i + 1} 次（再次运行后）：{p}" for p in out_problems(wd)]
        if not list((wd / "out" / WEEK).glob("周查汇总_*.xlsx")):
            failures.append(f"第 {i + 1} 次：再次运行后没有周查汇总工作簿")
    res = Result(f"kill -9 故障注入（{runs} 次）", wall=[wall])
    res.note = (f"运行前 {outcome['before']}，运行后 {outcome['after']}，导入已提交而运行日志未写 "
                f"{outcome['after-no-log']}，未被杀（已结束）{outcome['finished']}；违规 {len(failures)}")
    for f in failures:
        print("  ✗ " + f)
    if failures:
        res.note += "（见上）"
    return res


# ---------------------------------------------------------------- report

HEADER = ["项目", "中位数 s", "CPU s", "单元格/s", "与下限之比", "峰值内存 MB", "各次 s", "说明"]


def table(results: list[Result]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r.row()) + " |" for r in results]
    return "\n".join(lines)


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1048576:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU ({cpu}), {mem}, Python {platform.python_version()}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="kc_batch 基准测试（SPEC §10.4）与 kill -9 故障注入（§10.2）。")
    ap.add_argument("--county", default=str(Path(tempfile.gettempdir()) / "kc-county"), help="模拟县目录（不存在则生成）")
    ap.add_argument("--schools", type=int, default=150)
    ap.add_argument("--students", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="每项重复次数，取中位数（默认 3）")
    ap.add_argument("--pandas-repeat", type=int, default=None, help="pandas 读取的重复次数（默认同 --repeat）")
    ap.add_argument("--only", default="read,school,county", help="要运行的项目：read,school,county（逗号分隔）")
    ap.add_argument("--faults", type=int, default=0, help="kill -9 故障注入次数（0 = 不做）")
    ap.add_argument("--work", default=None, help="运行用的临时目录（默认自动创建并在结束后删除）")
    ap.add_argument("--json", default=None, help="把结果另存为 JSON")
    args = ap.parse_args(argv)

    county = Path(args.county)
    if not (county / "manifest.json").exists():
        print(f"生成模拟县：{county}", flush=True)
        county_gen.generate_county(county, args.schools, args.students)
    manifest = json.loads((county / "manifest.json").read_text(encoding="utf-8"))
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="kc-bench-"))
    commands = kc_commands()
    results: list[Result] = []
    read_floor = None
    try:
        if "read" in only:
            print("读取对比 …", flush=True)
            files = input_files(county)
            reads = bench_readers(files, args.repeat, args.pandas_repeat or args.repeat)
            read_floor = reads[1].median
            results += reads
        if "school" in only:
            print("一所学校的 kc weekly …", flush=True)
            results += bench_school(county, manifest, work, args.repeat)
        if "county" in only:
            print("全县 …", flush=True)
            results += bench_county(county, manifest, work, args.repeat, commands, read_floor)
        if args.faults:
            print(f"kill -9 故障注入 {args.faults} 次 …", flush=True)
            results.append(bench_faults(work, args.faults))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"机器：{machine()}")
    print(f"数据：{len(manifest['schools'])} 所学校，{manifest['students']} 名学生，{manifest['cells']:,} 个单元格（{county}）")
    print(f"命令：python benchmarks/run.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print()
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps([vars(r) for r in results], ensure_ascii=False, indent=1),
                                   encoding="utf-8")


if __name__ == "__main__":
    main()
