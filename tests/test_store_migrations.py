"""`PRAGMA user_version` migrations of kc.sqlite (SPEC §10.2).

tests/fixtures/kc_ac5a16a.sqlite.gz is the kc.sqlite that the code of commit ac5a16a (the last one
before the restructure, no migrations: CREATE TABLE IF NOT EXISTS only, user_version 0) wrote for
sample_data/, made with

    git worktree add /tmp/old ac5a16a
    cp -r sample_data /tmp/s && cd /tmp/s && PYTHONPATH=/tmp/old python -m kc_batch.cli weekly
    sqlite3 kc.sqlite 'PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; VACUUM' && gzip -9 kc.sqlite

(if sample_data/inbox changes, remake it the same way: the test needs the stored files to be the
inbox's files). Opening it with today's code must upgrade it in place, and weekly/monthly on it
must give the same workbooks as on a fresh store.
"""
from __future__ import annotations

import datetime as dt
import gzip
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from school import out_cells

from kc_batch.cli import main
from kc_batch.errors import StoreError
from kc_batch.read.files import file_sha256, list_inbox
from kc_batch.store import MIGRATIONS, SCHEMA_VERSION, Store

REPO = Path(__file__).resolve().parent.parent
D = dt.date
OLD_STORE = Path(__file__).parent / "fixtures" / "kc_ac5a16a.sqlite.gz"


def _sample(tmp_path: Path, name: str, old_store: bool) -> Path:
    target = tmp_path / name
    shutil.copytree(REPO / "sample_data", target, ignore=shutil.ignore_patterns("out", "outbox", "kc.sqlite*"))
    if old_store:
        (target / "kc.sqlite").write_bytes(gzip.decompress(OLD_STORE.read_bytes()))
    return target


def _tables(path: Path) -> dict[str, list[str]]:
    db = sqlite3.connect(path)
    try:
        names = [n for n, in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {n: [c[1] for c in db.execute(f"PRAGMA table_info({n})")] for n in names}
    finally:
        db.close()


def _objects(path: Path) -> set[tuple]:
    """Every index and trigger, with its table and, for an index, its columns in order."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('index', 'trigger')").fetchall()
        return {(t, n, tbl, tuple(c[2] for c in db.execute(f"PRAGMA index_info({n})")) if t == "index" else ())
                for t, n, tbl in rows}
    finally:
        db.close()


def _version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def test_fixture_is_an_unmigrated_store_of_the_old_code(tmp_path):
    """The fixture has user_version 0, no sent_mail table, and holds exactly the sample inbox's files
    (by SHA-256), so that a run on it imports nothing new."""
    path = tmp_path / "kc.sqlite"
    path.write_bytes(gzip.decompress(OLD_STORE.read_bytes()))
    assert _version(path) == 0
    assert "sent_mail" not in _tables(path)
    db = sqlite3.connect(path)
    stored = {sha for sha, in db.execute("SELECT sha256 FROM files")}
    db.close()
    # the sample inbox has gained the 家访登记表 (§17.1) since the fixture was written
    inbox = {file_sha256(p) for p in list_inbox(REPO / "sample_data" / "inbox") if not p.parent.name == "家访"}
    assert stored == inbox and len(stored) == 30


def test_old_store_is_upgraded_in_place_to_the_fresh_schema(tmp_path):
    """Opening the old kc.sqlite applies steps 1..N: afterwards it has user_version N and exactly the
    tables and columns of a store created fresh, and its rows are kept (600 roster rows)."""
    old = tmp_path / "old.sqlite"
    old.write_bytes(gzip.decompress(OLD_STORE.read_bytes()))
    with Store(old) as store:
        assert store.migrated == [n for n, _ in MIGRATIONS]
    with Store(tmp_path / "fresh.sqlite") as fresh:
        assert fresh.migrated == [n for n, _ in MIGRATIONS]
    assert _version(old) == SCHEMA_VERSION == _version(tmp_path / "fresh.sqlite")
    assert _tables(old) == _tables(tmp_path / "fresh.sqlite")
    assert _objects(old) == _objects(tmp_path / "fresh.sqlite")
    assert "sent_mail" in _tables(old)
    with Store(old) as store:
        assert store.migrated == []  # a second open changes nothing
        assert store.query("SELECT COUNT(*) FROM roster_rows")[0][0] == 600


def test_weekly_and_monthly_on_the_old_store_match_a_fresh_store(tmp_path):
    """Same inbox, one folder with the old store (every file already imported: nothing new is read)
    and one fresh: every cell of the weekly and monthly workbooks is the same."""
    old, fresh = _sample(tmp_path, "old", True), _sample(tmp_path, "fresh", False)
    for folder in (old, fresh):
        for args in (["weekly"], ["monthly", "--month", "2026-11"]):
            res = CliRunner().invoke(main, [*args, "--dir", str(folder)], env={"KC_NO_PROGRESS": "1"})
            assert res.exit_code == 0, res.output
    with Store(old / "kc.sqlite") as store:
        # the old store's 30 files were not imported again, only the 家访登记表 the sample gained later
        # (one run row from the old code, two new)
        assert store.query("SELECT COUNT(*) FROM files")[0][0] == 31
        assert store.query("SELECT COUNT(*) FROM runs")[0][0] == 3
    old_cells, fresh_cells = out_cells(old), out_cells(fresh)
    assert sorted(old_cells) == sorted(fresh_cells) and len(old_cells) == 3  # weekly, monthly, 台账 (§20)
    assert old_cells == fresh_cells


def test_step_6_takes_the_old_stores_files_as_in_the_inbox_and_its_class_weeks_as_claimed(tmp_path):
    """Issue 12 item 3: the old store's 30 files become the files in the inbox, arriving in import order
    (arrival = id); every class-week it holds is claimed by the sheet holding it; the replacement log
    gains its 说明 column. A weekly run on it then replaces and rebuilds nothing; when
    四年级周查表_第12周.xlsx leaves the inbox, its class-weeks (no other file holds them) keep their marks."""
    folder = _sample(tmp_path, "old", True)
    with Store(folder / "kc.sqlite") as store:
        ids = [fid for fid, in store.query("SELECT id FROM files ORDER BY id")]
        assert store.query("SELECT file_id, arrival FROM inbox_files ORDER BY file_id") == [(i, i) for i in ids]
        held = set(store.query("SELECT file_id, sheet, grade, class_no, week FROM class_weeks"))
        claimed = set(store.query("SELECT file_id, sheet, grade, class_no, week FROM check_claims"))
        assert held and held <= claimed
        assert "note" in _tables(folder / "kc.sqlite")["replacements"]
        marks = store.query("SELECT * FROM marks ORDER BY key, day")
    res = CliRunner().invoke(main, ["weekly", "--dir", str(folder)], env={"KC_NO_PROGRESS": "1"})
    assert res.exit_code == 0, res.output
    assert "替换" not in res.output and "重建" not in res.output
    (folder / "inbox" / "周查表" / "第12周" / "四年级周查表_第12周.xlsx").unlink()
    res = CliRunner().invoke(main, ["weekly", "--dir", str(folder)], env={"KC_NO_PROGRESS": "1"})
    assert res.exit_code == 0, res.output
    assert "替换" not in res.output and "重建" not in res.output
    with Store(folder / "kc.sqlite") as store:
        assert store.query("SELECT * FROM marks ORDER BY key, day") == marks
        assert set(store.query("SELECT file_id, sheet, grade, class_no, week FROM class_weeks")) == held
        assert len(store.query("SELECT * FROM inbox_files")) == 30  # 30 − 1 + the 家访登记表 read now


def test_a_failed_step_leaves_the_store_at_the_last_whole_step(tmp_path, monkeypatch):
    """A step that fails half-way rolls back with its user_version: the store stays at step 1 and a
    later open (with the step fixed) completes it."""
    path = tmp_path / "kc.sqlite"
    path.write_bytes(gzip.decompress(OLD_STORE.read_bytes()))
    broken = [MIGRATIONS[0], (2, "CREATE TABLE sent_mail(x TEXT); CREATE TABLE oops(")]
    monkeypatch.setattr("kc_batch.store_schema.MIGRATIONS", broken)
    with pytest.raises(StoreError, match="kc.sqlite"):  # sqlite3 errors reach the user as Chinese (issue 12)
        Store(path)
    assert _version(path) == 1
    assert "sent_mail" not in _tables(path)
    monkeypatch.undo()
    with Store(path) as store:
        assert store.migrated == [n for n, _ in MIGRATIONS if n >= 2]


def test_a_store_from_a_newer_kc_is_refused(tmp_path):
    path = tmp_path / "kc.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="由更新版本的 kc 写入"):
        Store(path)


def test_step_7_walk_states_are_dropped_from_a_changed_marks_day_on(tmp_path):
    """The old store upgraded through step 7 has the walk_states table and its triggers: a mark
    written, changed or removed drops the states of its day and later, and keeps the earlier ones
    (issue 18: a corrected older 周查表 invalidates the states from its week on)."""
    path = tmp_path / "kc.sqlite"
    path.write_bytes(gzip.decompress(OLD_STORE.read_bytes()))
    with Store(path) as store:
        assert 7 in store.migrated
        db = store.db
        days = ["2026-11-13", "2026-11-20", "2026-11-27"]

        def states() -> list[str]:
            return [d for d, in db.execute("SELECT DISTINCT day FROM walk_states ORDER BY day")]

        def save_all():
            db.executemany("INSERT OR REPLACE INTO walk_states VALUES (?, 'k', 'p', '[1]')", [(d,) for d in days])

        save_all()
        assert states() == days
        mark = ("k", "2026-11-18", 3, "1", "2026-W47", "旷", 0, 0, 0, 0, 1, 1, "s", 3)
        db.execute("INSERT INTO marks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", mark)    # a mark of 11-18
        assert states() == ["2026-11-13"]
        save_all()
        db.execute("UPDATE marks SET unexcused = 0.5 WHERE key = 'k' AND day = '2026-11-18'")
        assert states() == ["2026-11-13"]
        save_all()
        db.execute("DELETE FROM marks WHERE key = 'k' AND day = '2026-11-18'")
        assert states() == ["2026-11-13"]
        save_all()
        db.execute("INSERT INTO marks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (*mark[:1], "2026-11-30", *mark[2:]))
        assert states() == days                                                        # a later mark: none dropped


def test_step_8_keys_the_marks_by_day_and_keeps_every_mark(tmp_path, monkeypatch):
    """Issue 18: step 8 rebuilds marks with the primary key (day, key). The old store at step 7 and after
    step 8 hold the same rows; the marks of a new day are one index range (the query plan searches the
    primary key by day); a mark written again for the same student and day replaces it; the triggers
    of step 7 are there again."""
    path = tmp_path / "kc.sqlite"
    path.write_bytes(gzip.decompress(OLD_STORE.read_bytes()))
    monkeypatch.setattr("kc_batch.store_schema.MIGRATIONS", MIGRATIONS[:7])
    with Store(path) as store:
        before = store.query("SELECT * FROM marks ORDER BY key, day")
    monkeypatch.undo()
    with Store(path) as store:
        assert store.migrated == [n for n, _ in MIGRATIONS if n >= 8]
        assert store.query("SELECT * FROM marks ORDER BY key, day") == before and len(before) > 1000
        db = store.db
        primary = [c[2] for c in db.execute("PRAGMA index_info(sqlite_autoindex_marks_1)")]
        assert primary == ["day", "key"]
        plan = " ".join(r[3] for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM marks WHERE day <= '2026-11-30' AND day > '2026-11-20'"))
        assert "USING INDEX sqlite_autoindex_marks_1 (day>? AND day<?)" in plan
        key, day = before[0][0], before[0][1]
        db.execute("INSERT OR REPLACE INTO marks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   (key, day, *before[0][2:5], "旷", 0, 0, 0, 0, 1, *before[0][11:]))
        assert store.query("SELECT COUNT(*) FROM marks")[0][0] == len(before)
        assert store.query("SELECT raw, unexcused FROM marks WHERE key=? AND day=?", (key, day)) == [("旷", 1)]
        triggers = {n for n, in db.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='marks'")}
        assert {"marks_insert_walk", "marks_update_walk", "marks_delete_walk"} <= triggers


def test_step_9_week_presence_is_dropped_for_a_changed_marks_week_only(tmp_path):
    """Issue 18: a week's saved attendance counts (the monthly's chart) are dropped when a mark of one of
    its days is written, changed or removed, and only that week's."""
    path = tmp_path / "kc.sqlite"
    path.write_bytes(gzip.decompress(OLD_STORE.read_bytes()))
    with Store(path) as store:
        weeks = [("2026-W46", D(2026, 11, 9), D(2026, 11, 15)), ("2026-W47", D(2026, 11, 16), D(2026, 11, 22)),
                 ("2026-W48", D(2026, 11, 23), D(2026, 11, 29))]

        def save_all():
            store.save_week_presence([(w, m, s, "p", 10, 9.5) for w, m, s in weeks])

        def kept() -> list[str]:
            return sorted(store.week_presence())

        save_all()
        assert store.week_presence()["2026-W47"] == ("p", 10, 9.5)
        db = store.db
        mark = ("k", "2026-11-22", 3, "1", "2026-W47", "旷", 0, 0, 0, 0, 1, 1, "s", 3)   # a Sunday: still W47
        db.execute("INSERT INTO marks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", mark)
        assert kept() == ["2026-W46", "2026-W48"]
        save_all()
        db.execute("UPDATE marks SET day = '2026-11-23' WHERE key = 'k' AND day = '2026-11-22'")   # W47 → W48
        assert kept() == ["2026-W46"]
        save_all()
        db.execute("DELETE FROM marks WHERE key = 'k'")
        assert kept() == ["2026-W46", "2026-W47"]
