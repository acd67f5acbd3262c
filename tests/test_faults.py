"""SPEC §10.1, §10.2: kill -9 at random moments, files that change or vanish while being read, and an
out/ folder that cannot be written."""
from __future__ import annotations

import datetime as dt
import errno
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from school import change_sheet, check_sheet, make_id, make_workdir, roster_sheet, write

from kc_batch.app import importer
from kc_batch.cli import main
from kc_batch import atomic
from kc_batch.reports import xlsxform

WEEK = "2026-W47"
DAYS = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
BOOK = f"周查汇总_示例小学_{WEEK}.xlsx"
ROOT = Path(__file__).resolve().parent.parent
VOLATILE = {"imported_at", "at", "started_at", "finished_at", "updated_at"}
CLASSES = [(3, 1), (3, 2), (4, 1)]
GRADE = {3: "三年级", 4: "四年级"}


def students_of(grade: int, class_no: int, count: int) -> list[dict]:
    out = []
    for i in range(count):
        birth = dt.date(2026 - 6 - grade, 1 + i % 12, 1 + i % 28)
        seq = grade * 100 + class_no * 40 + i
        out.append(dict(name=f"生{grade}{class_no}{i:02d}", sex="男" if i % 2 else "女", birth=birth,
                        id=make_id(birth, seq, bool(i % 2))))
    return out


def build_school(root: Path, per_class: int = 34) -> tuple[Path, dict]:
    """About 100 students in three classes: a roster, one week's 周查表, a change register."""
    wd = make_workdir(root)
    classes = {c: students_of(*c, per_class) for c in CLASSES}
    write(wd / "inbox" / "花名册.xlsx",
          {f"{GRADE[g]}{c}班": roster_sheet(f"示例小学{GRADE[g]}({c})班学生花名册", s) for (g, c), s in classes.items()})
    marks = {classes[(3, 1)][0]["name"]: {d: "旷" for d in DAYS}, classes[(4, 1)][5]["name"]: {DAYS[2]: "病"}}
    write(wd / "inbox" / "周查表" / "第12周.xlsx",
          {f"{GRADE[g]}{c}班": check_sheet(f"{GRADE[g]}({c})班 第12周周查表", DAYS, marks, s)
           for (g, c), s in classes.items()})
    leaver = classes[(3, 2)][3]
    write(wd / "inbox" / "学籍变动.xlsx", {"变动": change_sheet([
        ["G" + leaver["id"], leaver["id"], leaver["name"], "三年级", "2班", "转出", "2026-11-18", "城关小学", None,
         "随父母", "", ""]])})
    return wd, classes


def snapshot(db_path: Path):
    """All rows of all tables, sorted, timestamps left out; None when there is no store yet."""
    if not db_path.exists():
        return None
    db = sqlite3.connect(db_path)
    try:
        snap = {}
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] not in VOLATILE]
            snap[table] = sorted(db.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
        return snap
    finally:
        db.close()


def without_run_log(snap):
    """Less the run log and the saved walk states (issue 18): both are written after the import's
    transaction, so a run killed between them has imported everything and logged or saved nothing;
    a saved state never changes a result (tests/test_resume.py)."""
    return None if snap is None else {k: v for k, v in snap.items() if k not in ("runs", "walk_states")}


def kc(*args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "kc_batch.cli", *args], capture_output=True, text=True, env=env, **kw)


def partly_written(wd: Path) -> list[str]:
    """Files under out/ that are not complete workbooks or hidden temp files."""
    bad = []
    for path in (wd / "out").rglob("*") if (wd / "out").exists() else []:
        if path.is_dir():
            continue
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            continue  # a temp file left by the kill: never taken for an output
        if path.suffix != ".xlsx":
            bad.append(path.name)
            continue
        try:
            openpyxl.load_workbook(path, read_only=True).close()
        except Exception:  # noqa: BLE001
            bad.append(path.name)
    return bad


# ---------------------------------------------------------------- kill -9


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A school whose store holds its roster (the state 'before'); the 周查表 and changes are new, and
    the store after a clean run of them (the state 'after')."""
    root = tmp_path_factory.mktemp("kill")
    wd, _ = build_school(root / "template")
    held = root / "held"
    held.mkdir()
    for name in ("周查表", "学籍变动.xlsx"):
        shutil.move(wd / "inbox" / name, held / name)
    assert kc("weekly", "--dir", str(wd), "--week", WEEK).returncode == 0
    for name in ("周查表", "学籍变动.xlsx"):
        shutil.move(held / name, wd / "inbox" / name)
    shutil.rmtree(wd / "out")
    before = snapshot(wd / "kc.sqlite")
    clean = shutil.copytree(wd, root / "clean")
    started = time.perf_counter()
    assert kc("weekly", "--dir", str(clean), "--week", WEEK).returncode == 0
    duration = time.perf_counter() - started
    after = snapshot(clean / "kc.sqlite")
    return wd, before, after, duration


def test_clean_run_changes_the_store(seeded):
    """Otherwise 'before or after' below would hold for a run that does nothing."""
    _, before, after, _ = seeded
    assert len(before["check_rows"]) == 0 and len(after["check_rows"]) == 102
    assert len(before["roster_rows"]) == len(after["roster_rows"]) == 102
    assert len(after["events"]) == 1 and len(before["events"]) == 0
    assert len(after["files"]) == len(before["files"]) + 2


def start_weekly(wd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-m", "kc_batch.cli", "weekly", "--dir", str(wd), "--week", WEEK],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def kill_when(proc: subprocess.Popen, happened, limit: float = 60.0) -> bool:
    """SIGKILL the process as soon as `happened()` is true; → whether it was killed before it ended."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if happened():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.0005)
    proc.wait()
    return False


def moments(wd: Path, duration: float) -> dict:
    """When to kill: at random times over the run, while the store is being written (its WAL file
    exists), and while the workbook is being written (its temp file exists)."""
    started = time.monotonic()
    at = lambda fraction: lambda: time.monotonic() - started >= fraction * duration  # noqa: E731
    return {
        "early": at(random.Random(1).uniform(0.0, 0.4)),
        "middle": at(random.Random(2).uniform(0.4, 0.8)),
        "late": at(random.Random(3).uniform(0.8, 1.1)),
        "store-write": lambda: (wd / "kc.sqlite-wal").exists() and (wd / "kc.sqlite-wal").stat().st_size > 0,
        "workbook-write": lambda: any((wd / "out").rglob(".*.tmp")) if (wd / "out").exists() else False,
    }


@pytest.mark.parametrize("moment", ["early", "middle", "late", "store-write", "workbook-write"])
def test_kill_9_leaves_store_before_or_after(seeded, tmp_path, moment):
    template, before, after, duration = seeded
    wd = shutil.copytree(template, tmp_path / "wd")
    when = moments(wd, duration)[moment]
    kill_when(start_weekly(wd), when)

    state = snapshot(wd / "kc.sqlite")
    assert state == before or without_run_log(state) == without_run_log(after)
    assert partly_written(wd) == []

    again = kc("weekly", "--dir", str(wd), "--week", WEEK)
    assert again.returncode == 0, again.stderr
    assert without_run_log(snapshot(wd / "kc.sqlite")) == without_run_log(after)
    assert partly_written(wd) == []
    book = wd / "out" / WEEK / BOOK
    rows = list(openpyxl.load_workbook(book, read_only=True)["周汇总"].iter_rows(values_only=True))
    assert any(r[0] == "合计" and r[2] == 101 for r in rows)  # 102 on the roster, one 转出


# ---------------------------------------------------------------- files that change while read


def invoke(wd: Path):
    return CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", WEEK])


def file_count(wd: Path) -> int:
    db = sqlite3.connect(wd / "kc.sqlite")
    try:
        return db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    finally:
        db.close()


def sabotage_reader(monkeypatch, target: str, damage):
    """Make `damage(path)` happen to the file named `target` just before the reader opens it."""
    original = importer.readers.read_file

    def read_file(path, inbox, limits=None):
        if Path(path).name == target:
            damage(Path(path))
        return original(path, inbox, limits)
    monkeypatch.setattr(importer.readers, "read_file", read_file)


def error_sheet_files(wd: Path) -> list[str]:
    rows = list(openpyxl.load_workbook(wd / "out" / WEEK / BOOK, read_only=True)["输入错误"].iter_rows(values_only=True))
    return [r[0] for r in rows if r and r[0]]


def test_file_vanishing_while_read_is_named_and_run_goes_on(tmp_path, monkeypatch):
    wd, _ = build_school(tmp_path / "s")
    kept = tmp_path / "kept.xlsx"
    sabotage_reader(monkeypatch, "学籍变动.xlsx", lambda p: shutil.move(p, kept))
    res = invoke(wd)
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "学籍变动.xlsx" in ln)
    assert "删除" in line or "移走" in line
    assert (wd / "out" / WEEK / BOOK).exists()
    assert "学籍变动.xlsx" in error_sheet_files(wd)
    assert file_count(wd) == 2  # roster and 周查表

    monkeypatch.undo()
    shutil.move(kept, wd / "inbox" / "学籍变动.xlsx")
    assert invoke(wd).exit_code == 0
    assert file_count(wd) == 3


def test_file_changing_while_read_is_not_imported_half(tmp_path, monkeypatch):
    wd, classes = build_school(tmp_path / "s")
    inbox = wd / "inbox"
    leaver = classes[(4, 1)][0]
    replacement = change_sheet([["G" + leaver["id"], leaver["id"], leaver["name"], "四年级", "1班", "休学",
                                 "2026-11-17", "", None, "生病", "", ""]])
    sabotage_reader(monkeypatch, "学籍变动.xlsx", lambda p: write(p, {"变动": replacement}))
    res = invoke(wd)
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "学籍变动.xlsx" in ln)
    assert "修改" in line
    assert file_count(wd) == 2
    db = sqlite3.connect(wd / "kc.sqlite")
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    db.close()

    monkeypatch.undo()
    assert invoke(wd).exit_code == 0  # the next run takes the file as it is now
    db = sqlite3.connect(wd / "kc.sqlite")
    assert db.execute("SELECT type, name FROM events").fetchall() == [("休学", leaver["name"])]
    db.close()
    assert (inbox / "学籍变动.xlsx").exists()


# ---------------------------------------------------------------- out/ cannot be written


def test_out_not_writable_gives_chinese_error_and_next_run_succeeds(tmp_path):
    """out/ is a plain file (chmod does not stop root). The import is committed before the workbook is
    written, which §10.2 allows ('as after the run'); the next run imports nothing twice."""
    wd, _ = build_school(tmp_path / "s")
    (wd / "out").write_text("不是目录", encoding="utf-8")
    res = invoke(wd)
    assert res.exit_code not in (0, 2, 3)
    assert "无法写入" in res.output
    assert file_count(wd) == 3

    (wd / "out").unlink()
    res = invoke(wd)
    assert res.exit_code == 0, res.output
    assert file_count(wd) == 3
    assert partly_written(wd) == [] and (wd / "out" / WEEK / BOOK).exists()


def test_disk_full_while_writing_leaves_no_workbook(tmp_path, monkeypatch):
    wd, _ = build_school(tmp_path / "s")

    def full(name):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(atomic, "_fsync_file", full)
    res = invoke(wd)
    assert res.exit_code == 1
    assert "无法写入" in res.output and "磁盘已满" in res.output
    assert list((wd / "out" / WEEK).iterdir()) == []  # neither the workbook nor its temp file

    monkeypatch.undo()
    assert invoke(wd).exit_code == 0
    assert (wd / "out" / WEEK / BOOK).exists()
