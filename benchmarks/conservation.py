"""Nothing is lost (SPEC §10.1, issue 12): every file of sample_data/ and of the tests' writers (a roster, a
周查表 and a change register as Excel, WPS, LibreOffice, .xls and CSV write them, plus the hostile
files of tests/test_memory_bombs.py, a hidden sheet and the layouts of tests/test_tables.py) through `kc check` and `kc weekly`, printing per
file the rows read, stored and in 输入错误; exit 1 when any row is unaccounted for.

    python benchmarks/conservation.py            # prints the table; exit 0 when 0 unaccounted
    python benchmarks/conservation.py --keep /tmp/cons   # keep the work folders

Rows read = the non-blank data rows of the recognised tables + the rows of sheets not read at all
(hidden, no header: their one 输入错误 row says how many). Stored = distinct rows in roster_rows,
check_rows, events, home_visits. In 输入错误 = rows with an input error and nothing
stored. A file refused as a whole (bomb, not a spreadsheet) is one 输入错误 line and 0 rows read.
The counts come from SQL on kc.sqlite (tests/accounting.py), not from the importer's own figures.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]   # test_tables imports kc_batch

from accounting import accounting  # noqa: E402
from school import change_sheet, check_sheet, make_id, make_workdir, roster_sheet  # noqa: E402
import xlsx_styles  # noqa: E402

WEEK = "2026-W47"
DAYS = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]


def kc(*args) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "kc_batch.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def kids(grade: int, count: int, first: int) -> list[dict]:
    out = []
    for i in range(count):
        birth = dt.date(2026 - 6 - grade, 1 + i % 12, 1 + i % 28)
        out.append(dict(name=f"学生{grade}{first + i}", sex="男" if i % 2 else "女", birth=birth,
                        id=make_id(birth, first + i, bool(i % 2))))
    return out


def writer_folder(root: Path) -> Path:
    """One school whose inbox holds the same kinds of file as every writer of tests/xlsx_styles.py makes."""
    wd = make_workdir(root)
    inbox = wd / "inbox"
    writers = {"excel": (xlsx_styles.write_excel_style, ".xlsx"), "wps": (xlsx_styles.write_wps_style, ".xlsx"),
               "libreoffice": (xlsx_styles.write_libreoffice_style, ".ods"), "xls": (xlsx_styles.write_xls, ".xls")}
    for n, (name, (write, suffix)) in enumerate(writers.items(), start=1):
        students = kids(3, 6, 10 * n)
        write(inbox / f"{name}_花名册{suffix}", {f"三年级{n}班": roster_sheet(f"三年级({n})班学生花名册", students)})
        marks = {students[0]["name"]: {DAYS[0]: "旷"}, students[1]["name"]: {DAYS[2]: "病"}}
        write(inbox / f"{name}_周查表{suffix}", {f"三年级{n}班": check_sheet(f"三年级({n})班 第12周周查表", DAYS, marks,
                                                                          students)})
    leaver = kids(3, 6, 10)[2]
    xlsx_styles.write_excel_style(inbox / "学籍变动.xlsx", {"变动": change_sheet([
        ["G" + leaver["id"], leaver["id"], leaver["name"], "三年级", "1班", "转出", "2026-11-18", "城关小学", None,
         "随父母", "", ""],
        ["G" + leaver["id"], leaver["id"], leaver["name"], "三年级", "1班", "退学", "2026-11-18", "", None, "", "", ""],
    ])})
    xlsx_styles.write_csv(inbox / "csv_花名册.csv", roster_sheet("三年级(5)班学生花名册", kids(3, 4, 60))[1:])
    xlsx_styles.write_excel_style(inbox / "隐藏表.xlsx", {
        "三年级6班": roster_sheet("三年级(6)班学生花名册", kids(3, 2, 70)),
        "旧": roster_sheet("三年级(6)班学生花名册", kids(3, 3, 80))}, hidden=("旧",))
    (inbox / "说明.txt").write_bytes(b"\x00\x01not a table")
    return wd


def tables_folders(root: Path) -> dict[str, Path]:
    """The sheet layouts of tests/test_tables.py, one school each (a later 周查表 of the same class-week would
    replace an earlier one): tables side by side, stacked with no blank row, days over 上午/下午, 周查表
    columns not understood, a 花名册 with mark-like columns."""
    import test_tables as t
    one, two = kids(3, 4, 1), kids(3, 3, 20)
    layouts = {"并排": lambda p: t.write_side_by_side(p, xlsx_styles.write_wps_style, one, two),
               "上下无空行": lambda p: t.write_stacked(p, xlsx_styles.write_excel_style, one, two),
               "上午下午": lambda p: t.write_half_days(p, xlsx_styles.write_libreoffice_style, one),
               "看不懂的列": lambda p: t.write_unknown_columns(p, one),
               "像周查表的花名册": lambda p: t.write_mark_like_roster(p, kids(4, 3, 40))}
    out = {}
    for n, (name, write) in enumerate(layouts.items()):
        wd = make_workdir(root / str(n))
        xlsx_styles.write_excel_style(wd / "inbox" / "花名册.xlsx", {
            "三年级1班": roster_sheet("三年级(1)班学生花名册", one), "三年级2班": roster_sheet("三年级(2)班学生花名册", two)})
        write(wd / "inbox" / f"{name}.xlsx")
        out[f"tests-tables/{name}"] = wd
    return out


def bomb_folder(root: Path) -> Path:
    from test_memory_bombs import far_cell_book, many_sheets_book
    wd = make_workdir(root)
    roster = kids(3, 5, 1)
    xlsx_styles.write_excel_style(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("三年级(1)班学生花名册", roster)})
    far_cell_book(wd / "inbox" / "XFD150000.xlsx", 149_999, 16_383)
    far_cell_book(wd / "inbox" / "假尺寸.xlsx", 149_999, 16_383, lie_about_dimension=True)
    many_sheets_book(wd / "inbox" / "95张表.xlsx", 95, 12_000, 10)
    return wd


def folders(work: Path) -> dict[str, Path]:
    sample = work / "sample_data"
    shutil.copytree(ROOT / "sample_data", sample, ignore=shutil.ignore_patterns("generate.py", "README.md"))
    return {"sample_data": sample, "tests-writers": writer_folder(work / "writers"), **tables_folders(work / "tables"),
            "tests-bombs": bomb_folder(work / "bombs")}


def refused_files(check: subprocess.CompletedProcess) -> list[str]:
    return [ln for ln in (check.stdout + check.stderr).splitlines() if ln.startswith("无法读取：")]


def main() -> int:
    parser = argparse.ArgumentParser(description="每个输入行都在数据库或“输入错误”中（SPEC §10.1）")
    parser.add_argument("--keep", type=Path, help="保留工作目录于此")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kc-conservation-"))
    work.mkdir(parents=True, exist_ok=True)
    total_unaccounted = 0
    print("| 目录 | 文件 | 读取行 | 入库行 | 输入错误行 | 未说明 |")
    print("|---|---|---:|---:|---:|---:|")
    try:
        for label, wd in folders(work).items():
            check = kc("check", "--dir", str(wd))
            run = kc("weekly", "--dir", str(wd)) if label == "sample_data" else kc("weekly", "--dir", str(wd),
                                                                                    "--week", WEEK)
            if run.returncode != 0:
                print(f"{label}: kc weekly 退出码 {run.returncode}\n{run.stderr}", file=sys.stderr)
                return 2
            for rel, (read, stored, errored) in accounting(wd / "kc.sqlite").items():
                missing = read - stored - errored
                total_unaccounted += abs(missing)
                print(f"| {label} | {rel} | {read} | {stored} | {errored} | {missing} |")
            for line in refused_files(check):
                print(f"| {label} | {line.removeprefix('无法读取：')[:60]}… | 0 | 0 | 1 行（整个文件） | 0 |")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n未说明的行：{total_unaccounted}")
    return 0 if total_unaccounted == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
