"""`kc census-province`: 人籍比对 at province scale (SPEC §23) — ten million population rows against the
rosters of every county, out of core in a DuckDB database file, the 适龄未入学 children written per county
(one sheet per township). The matching is the county census's (reconcile/census_scale.py); the county
census itself (`kc census`, app/census.py) is unchanged.

Population: one or more CSV files (适龄儿童名册 with the §3.4 columns and 县区, 乡镇 columns naming where
the child is registered). Rosters, each --rosters path one of:
  * a county (or school) work folder (kc.toml): the rosters of its store of the as-of date's 学年, the
    same rows as `kc census` reads there (app/loading.load_roster, census.roster_students);
  * a roster CSV file (学籍号/身份证号, 姓名, 年级, …; the 学籍系统 export);
  * a folder holding such work folders and CSV files (searched below, a work folder is not entered).
A child enrolled in any county is enrolled: rosters are matched province-wide, the result split by the
child's 县区.
"""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from kc_batch.app.jobs import RunOutcome, open_workspace
from kc_batch.app.loading import load_roster, school_year_of
from kc_batch.errors import NoInputError, UsageError
from kc_batch.model import InputError
from kc_batch.read import duck
from kc_batch.reconcile import census_scale
from kc_batch.reconcile.census import roster_students
from kc_batch.reports.province_book import write_county_book, write_province_summary

TABLE_ROWS = 10_000_000_000


def run_province_census(population_files: list[Path], roster_paths: list[Path], out_dir: Path, as_of: dt.date,
                        unit: str = "全省", memory_limit: str = "4GB", threads: int | None = None) -> RunOutcome:
    population_files = [Path(p) for p in population_files]
    roster_paths = [Path(p) for p in roster_paths]
    _check_paths(population_files, roster_paths)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".kc_province_", dir=out_dir))
    timings: list[str] = []
    try:
        con = duck.connect(work / "census.duckdb", memory_limit, threads)
        try:
            children = _timed(timings, "读入适龄儿童名册", lambda: load_population(con, population_files, work))
            students = _timed(timings, "读入花名册", lambda: load_rosters(con, roster_paths, as_of, work))
            _timed(timings, "比对", lambda: census_scale.match(con, as_of))
            outputs = _timed(timings, "写出各县工作簿", lambda: write_books(con, out_dir, unit, as_of))
            out = RunOutcome(outputs=outputs, errors=[])
            out.lines = summary_lines(con, unit, children, students, as_of) + ["用时：" + "，".join(timings) + "。"]
        finally:
            con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _timed(timings: list[str], label: str, fn):
    t0 = time.perf_counter()
    try:
        value = fn()
    except duck.database_error() as exc:   # a malformed CSV, a full disk: say at which step
        raise NoInputError(f"省级人籍比对在“{label}”时出错（DuckDB：{str(exc).splitlines()[0]}）。") from None
    timings.append(f"{label} {time.perf_counter() - t0:.1f} 秒")
    return value


def _check_paths(population_files: list[Path], roster_paths: list[Path]) -> None:
    if not population_files:
        raise UsageError("请给出适龄儿童名册（CSV 文件）。")
    if not roster_paths:
        raise UsageError("请用 --rosters 给出花名册：县的工作目录、花名册 CSV 文件，或存放它们的文件夹。")
    for p in population_files:
        if not p.is_file():
            raise UsageError(f"找不到适龄儿童名册文件 {p}。")
    for p in roster_paths:
        if not p.exists():
            raise UsageError(f"找不到花名册 {p}（--rosters 应为工作目录、CSV 文件或文件夹）。")


# ---------------------------------------------------------------- loading

def load_population(con, files: list[Path], work: Path) -> int:
    tables, names, first_rows = [], [], []
    for i, path in enumerate(files):
        layout = duck.csv_layout(path, work, duck.POPULATION_REQUIRED, "适龄儿童名册，须含 县区 列")
        duck.load_population_file(con, layout, f"pop_file_{i}")
        tables.append(f"pop_file_{i}")
        names.append(path.name)
        first_rows.append(layout.header_line + 2)   # record 0 is on the line after the header (1-based)
    duck.finish_population(con, tables, names, first_rows)
    return con.execute("SELECT count(*) FROM pop_all").fetchone()[0]


def roster_sources(paths: list[Path]) -> list[Path]:
    """Work folders and CSV files, in the order given (a folder's content in name order)."""
    out: list[Path] = []
    for p in paths:
        if p.is_file() or (p / "kc.toml").is_file():
            out.append(p)
            continue
        out += _walk(p)
    return out


def _walk(folder: Path) -> list[Path]:
    found = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith((".", "~$")):
            continue
        if child.is_dir():
            found += [child] if (child / "kc.toml").is_file() else _walk(child)
        elif child.suffix.lower() == ".csv":
            found.append(child)
    return found


def load_rosters(con, paths: list[Path], as_of: dt.date, work: Path) -> int:
    duck.create_student_rows(con)
    sources = roster_sources(paths)
    if not sources:
        raise NoInputError("--rosters 中没有找到工作目录（含 kc.toml）或花名册 CSV 文件。")
    pending: list = []      # consecutive CSV files of one layout are read together
    for src, path in enumerate(sources):
        if path.is_dir():
            _flush(con, pending)
            _load_work_folder(con, path, as_of, src)
            continue
        layout = duck.csv_layout(path, work, duck.ROSTER_REQUIRED, "花名册")
        if pending and duck.layout_signature(pending[0][0]) != duck.layout_signature(layout):
            _flush(con, pending)
        pending.append((layout, src))
    _flush(con, pending)
    duck.finish_students(con)
    return con.execute("SELECT count(*) FROM students").fetchone()[0]


def _flush(con, pending: list) -> None:
    if pending:
        duck.load_roster_files(con, [lay for lay, _ in pending], [src for _, src in pending])
        pending.clear()


def _load_work_folder(con, folder: Path, as_of: dt.date, src: int) -> None:
    """The roster students of a work folder's store, as `kc census` there reads them (its 学年 of as_of)."""
    ws = open_workspace(folder, "census-province")
    if not (Path(ws.dir) / "kc.sqlite").is_file():
        raise NoInputError(f"工作目录 {folder} 中还没有 kc.sqlite：请先在该目录运行一次 kc weekly 或 kc census 导入花名册。")
    with ws.open_store() as store:
        rows = load_roster(store, school_year_of(as_of))
    frame = roster_students(rows, ws.cfg)[["key", "rid", "name", "birth"]]
    frame = frame.assign(src=src, rec=range(len(frame)))
    con.register("work_folder_rows", frame)
    con.execute("INSERT INTO student_rows SELECT key, rid, name, CAST(birth AS DATE), src, rec FROM work_folder_rows")
    con.unregister("work_folder_rows")


# ---------------------------------------------------------------- output

def errors_of(con, county: str | None) -> list[InputError]:
    cond = "county = ?" if county is not None else "county IS NULL"
    rows = con.execute(f"SELECT file, row, col, value, reason FROM pop_errors WHERE {cond} ORDER BY pid",
                       [county] if county is not None else []).fetchall()
    return [InputError(f, "", int(r), c, v, why) for f, r, c, v, why in rows]


def write_books(con, out_dir: Path, unit: str, as_of: dt.date) -> list[Path]:
    counts = census_scale.township_counts(con)
    paths = []
    for county in census_scale.counties(con):
        frame = census_scale.unenrolled_of(con, county)
        paths.append(write_county_book(out_dir, county, as_of, counts[counts["county"] == county], frame,
                                       errors_of(con, county)))
    paths.append(write_province_summary(out_dir, unit, as_of, counts, errors_of(con, None)))
    return paths


def summary_lines(con, unit: str, children: int, students: int, as_of: dt.date) -> list[str]:
    usable, errors = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("pop", "pop_errors"))
    school_age, on_roster, ambiguous, unenrolled = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE outcome = 'matched'), count(*) FILTER (WHERE outcome = 'ambiguous'), "
        "count(*) FILTER (WHERE outcome = 'unmatched') FROM children WHERE stage IS NOT NULL").fetchone()
    counties = len(census_scale.counties(con))
    return [f"{unit}人籍比对（截至 {as_of.isoformat()}）：适龄儿童名册 {children} 行（可用 {usable} 行，输入错误 {errors} 行），"
            f"花名册学生 {students} 人；适龄儿童 {school_age} 人，在花名册上 {on_roster} 人，重名待核 {ambiguous} 人，"
            f"适龄未入学 {unenrolled} 人，分 {counties} 个县区写出。"]
