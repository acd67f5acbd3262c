"""Issue 12 items 11, 12 (SPEC §10.1, §10.2): two runs on one folder at once, and a kc.sqlite that is
damaged, read-only or on a full disk — a Chinese message naming the file and what to do, never a
traceback; a damaged store is never overwritten; a rolling backup is made before each import."""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from accounting import accounting
from school import check_sheet, make_workdir, roster_sheet, write
from test_hostile import DAYS, WEEK, enrolled_total, students

from kc_batch.cli import main
from kc_batch import store as store_module

ROOT = Path(__file__).resolve().parent.parent


def school(root: Path, count: int = 5) -> Path:
    wd = make_workdir(root)
    kids = students(count)
    write(wd / "inbox" / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})
    write(wd / "inbox" / "周查表.xlsx", {"三年级1班": check_sheet("三年级(1)班 第12周周查表", DAYS,
                                                                {kids[0]["name"]: {DAYS[0]: "旷"}}, kids)})
    return wd


def weekly(wd: Path):
    return CliRunner().invoke(main, ["weekly", "--dir", str(wd), "--week", WEEK])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kc_process(wd: Path, env_extra: dict | None = None) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "kc_batch.cli", "weekly", "--dir", str(wd), "--week", WEEK],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


# ---------------------------------------------------------------- item 11: the folder lock


def test_two_runs_at_once_one_waits_then_both_succeed(tmp_path):
    """Two `kc weekly` started together on one folder: the second waits for the first; both exit 0 and
    the store holds each row once (5 roster + 5 周查表 rows), no IntegrityError, no 'database is locked'."""
    wd = school(tmp_path / "s")
    for _ in range(3):  # a bounded loop: three rounds of two processes at once
        first, second = kc_process(wd), kc_process(wd)
        outs = [p.communicate(timeout=120) for p in (first, second)]
        for proc, (out, err) in zip((first, second), outs):
            assert proc.returncode == 0, err
            assert "Traceback" not in err and "locked" not in err
        assert accounting(wd / "kc.sqlite") == {"花名册.xlsx": (5, 5, 0), "周查表.xlsx": (5, 5, 0)}
        for extra in ("kc.sqlite", "kc.sqlite-wal", "kc.sqlite-shm"):
            (wd / extra).unlink(missing_ok=True)


def test_a_run_that_cannot_get_the_folder_says_so_in_chinese(tmp_path):
    """While another run holds the folder longer than lock_wait_seconds, the second gives up with a
    Chinese sentence (exit 1) and changes nothing."""
    wd = school(tmp_path / "s")
    assert weekly(wd).exit_code == 0
    before = digest(wd / "kc.sqlite")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, sys.argv[1]);\n"
        "from kc_batch.store import FolderLock\n"
        "with FolderLock(sys.argv[2], wait_seconds=0, command='weekly'):\n"
        "    print('held', flush=True); time.sleep(30)\n"), str(ROOT), str(wd)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        (wd / "kc.toml").write_text((wd / "kc.toml").read_text(encoding="utf-8")
                                    + "\n[limits]\nlock_wait_seconds = 1\n", encoding="utf-8")
        res = weekly(wd)
        assert time.monotonic() - started < 15
    finally:
        holder.kill()
        holder.wait()
    assert res.exit_code == 1, res.output
    assert "另一个 kc" in res.output and str(wd) in res.output and "Traceback" not in res.output
    assert digest(wd / "kc.sqlite") == before


# ---------------------------------------------------------------- item 12: SQLite errors


DAMAGE = {
    "garbage": lambda p: p.write_bytes(os.urandom(8192)),
    "zeroed": lambda p: p.write_bytes(b"\0" * p.stat().st_size),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:p.stat().st_size // 3]),
}


def checkpointed_school(root: Path) -> Path:
    """A folder after one clean run, its WAL folded into kc.sqlite (as after any finished run)."""
    wd = school(root)
    assert weekly(wd).exit_code == 0
    db = sqlite3.connect(wd / "kc.sqlite")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    for extra in ("kc.sqlite-wal", "kc.sqlite-shm"):
        (wd / extra).unlink(missing_ok=True)
    return wd


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_store_is_named_kept_and_restorable(tmp_path, damage):
    """A damaged kc.sqlite: exit 1 with a Chinese message naming it and the backup to restore; the damaged
    file is left byte for byte; `kc check` says how to restore; after the copy the next run works."""
    wd = checkpointed_school(tmp_path / "s")
    (wd / "inbox" / "新花名册.xlsx").parent.mkdir(exist_ok=True)
    write(wd / "inbox" / "新花名册.xlsx", {"三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", students(2, 20))})
    assert weekly(wd).exit_code == 0  # this import made a backup of the store holding the first run
    backup = wd / "kc-backup-1.sqlite"
    assert backup.exists()
    DAMAGE[damage](wd / "kc.sqlite")
    damaged = digest(wd / "kc.sqlite")
    res = weekly(wd)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and "DatabaseError" not in res.output
    assert str(wd / "kc.sqlite") in res.output and "损坏" in res.output and "kc-backup-1.sqlite" in res.output
    assert digest(wd / "kc.sqlite") == damaged
    check = CliRunner().invoke(main, ["check", "--dir", str(wd)])
    assert "kc-backup-1.sqlite" in check.output and "复制为" in check.output and "损坏" in check.output
    shutil.copyfile(backup, wd / "kc.sqlite")
    for extra in ("kc.sqlite-wal", "kc.sqlite-shm"):
        (wd / extra).unlink(missing_ok=True)
    assert weekly(wd).exit_code == 0
    assert enrolled_total(wd) == 7
    assert accounting(wd / "kc.sqlite") == {"花名册.xlsx": (5, 5, 0), "周查表.xlsx": (5, 5, 0), "新花名册.xlsx": (2, 2, 0)}


def test_backups_roll_and_keep_three(tmp_path):
    """Each import with new files backs the store up first (a copy of the committed store; not the first import,
    into an empty store): after four imports kc-backup-1 … 3 exist, the newest holding what the store held
    before the fourth import (the first import's 花名册, 周查表, 加0, then 加1, 加2)."""
    wd = school(tmp_path / "s")
    for i in range(4):
        write(wd / "inbox" / f"加{i}.xlsx", {f"四年级{i + 1}班": roster_sheet(f"示例小学四年级({i + 1})班学生花名册",
                                                                       students(1, 100 + i))})
        assert weekly(wd).exit_code == 0
    assert sorted(p.name for p in wd.glob("kc-backup-*.sqlite")) == [f"kc-backup-{i}.sqlite" for i in (1, 2, 3)]
    db = sqlite3.connect(wd / "kc-backup-1.sqlite")
    assert {r[0] for r in db.execute("SELECT rel FROM files")} == {"花名册.xlsx", "周查表.xlsx", "加0.xlsx", "加1.xlsx",
                                                                  "加2.xlsx"}
    db.close()


def readonly_connect(monkeypatch):
    """kc.sqlite opened as a read-only file would be (tests run as root, for whom chmod does not bite)."""
    real = sqlite3.connect

    def connect(path, *args, uri=False, **kw):
        path = str(path) if uri else f"file:{path}?mode=ro"   # (the backup's check opens read-only already)
        return real(path, *args, uri=True, **kw)
    monkeypatch.setattr(store_module.sqlite3, "connect", connect)


def test_read_only_store_gives_chinese_message(tmp_path, monkeypatch):
    wd = checkpointed_school(tmp_path / "s")
    write(wd / "inbox" / "新花名册.xlsx", {"三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", students(2, 20))})
    before = digest(wd / "kc.sqlite")
    readonly_connect(monkeypatch)
    res = weekly(wd)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert str(wd / "kc.sqlite") in res.output and "只读" in res.output and "权限" in res.output
    assert digest(wd / "kc.sqlite") == before


def fill_disk_at(monkeypatch, method: str, fill_pages: bool = False):
    """SQLITE_FULL from a given store method on: the store may not grow by a page (with `fill_pages`, the
    free room left in its pages is filled first, so that even a one-row insert fails)."""
    original = getattr(store_module.Store, method)

    def full(self, *args, **kw):
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {pages}")
        for size in (4000, 1000, 200, 40, 1) if fill_pages else ():
            try:
                while True:
                    self.db.execute("INSERT INTO runs(command) VALUES (?)", (os.urandom(size).hex(),))
            except sqlite3.OperationalError:
                pass
        return original(self, *args, **kw)
    monkeypatch.setattr(store_module.Store, method, full)


def test_full_disk_during_import_leaves_store_as_before(tmp_path, monkeypatch):
    wd = checkpointed_school(tmp_path / "s")
    write(wd / "inbox" / "新花名册.xlsx", {"三年级2班": roster_sheet("示例小学三年级(2)班学生花名册",
                                                                   students(300, 20))})
    before = accounting(wd / "kc.sqlite")
    fill_disk_at(monkeypatch, "begin")
    res = weekly(wd)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert str(wd / "kc.sqlite") in res.output and "磁盘" in res.output and "空间" in res.output
    assert accounting(wd / "kc.sqlite") == before
    monkeypatch.undo()
    assert weekly(wd).exit_code == 0
    assert accounting(wd / "kc.sqlite")["新花名册.xlsx"] == (300, 300, 0)


def test_full_disk_at_the_run_log_keeps_the_workbook(tmp_path, monkeypatch):
    """The workbook was written; the run log could not be: exit 0, the workbook named, a Chinese warning."""
    wd = checkpointed_school(tmp_path / "s")
    write(wd / "inbox" / "新花名册.xlsx", {"三年级2班": roster_sheet("示例小学三年级(2)班学生花名册", students(2, 20))})
    fill_disk_at(monkeypatch, "log_run", fill_pages=True)
    res = weekly(wd)
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    assert "已生成" in res.output and "运行记录" in res.output and "磁盘" in res.output
    assert enrolled_total(wd) == 7


def test_backup_with_another_reader_holding_the_wal(tmp_path):
    """Issue 18: the backup copies the main file after a full checkpoint; while another program holds a
    read transaction on a WAL with frames in it, the checkpoint cannot empty the WAL and the backup falls
    back to SQLite's online backup API. Both ways the backup holds every committed row."""
    from kc_batch.store import Store
    path = tmp_path / "kc.sqlite"
    with Store(path) as store:
        store.begin()
        store.add_file("a.xlsx", "h1", 1, "xlsx", "")
        store.commit()
        assert store.backup().name == "kc-backup-1.sqlite"          # the file copy
        reader = sqlite3.connect(path)
        try:
            store.begin()
            store.add_file("b.xlsx", "h2", 1, "xlsx", "")
            store.commit()
            reader.execute("BEGIN")
            assert reader.execute("SELECT count(*) FROM files").fetchone() == (2,)   # a snapshot in the WAL
            store.begin()
            store.add_file("c.xlsx", "h3", 1, "xlsx", "")
            store.commit()
            assert store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 1   # busy
            store.backup()
        finally:
            reader.close()
    names = [r[0] for r in sqlite3.connect(tmp_path / "kc-backup-1.sqlite").execute("SELECT rel FROM files ORDER BY id")]
    assert names == ["a.xlsx", "b.xlsx", "c.xlsx"]
    first = [r[0] for r in sqlite3.connect(tmp_path / "kc-backup-2.sqlite").execute("SELECT rel FROM files")]
    assert first == ["a.xlsx"]
    assert sqlite3.connect(tmp_path / "kc-backup-1.sqlite").execute("PRAGMA quick_check").fetchone() == ("ok",)
