"""The rolling backups of kc.sqlite made before each import (issue 12 item 12), kept apart from store.py so
that each stays a small module: check the store (`PRAGMA quick_check`), copy it as committed to
kc-backup-1.sqlite (the older ones move one place down) and make the copy durable before the import
commits.

The copy's `fsync` waits for the disk and grows with the store (issue 18, SPEC §23): it and the renames
run in a thread while the import is applied (`backup(wait=False)`; `commit` waits for them, so an import is
never committed before its backup is on disk). The check stays in the calling thread: a check running in
a thread while the reader forks its workers (read/worker.py) can hold SQLite's memory lock at the fork, and
the worker then hangs as soon as it frees an old connection (seen in CI).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from pathlib import Path

from kc_batch.errors import StoreError
from kc_batch.store_guard import BACKUP_NAME, BACKUPS_KEPT, restore_hint, wal_of


class Background:
    """`fn(*args)` in a daemon thread; `result()` waits for it and raises what it raised."""

    def __init__(self, fn, *args):
        self._value = self._error = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self._thread.start()

    def _run(self, fn, args):
        try:
            self._value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            self._error = exc

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


class Backups:
    """Mixed into store.Store (self.db, self.path)."""

    _durable: Background | None = None

    def backup(self, kept: int = BACKUPS_KEPT, wait: bool = True) -> Path | None:
        """Copy the store as committed (_copy_committed) to kc-backup-1.sqlite, after moving the older
        backups one place down (kc-backup-3 is dropped). With wait=False the copy is synced and renamed
        into place in the background; wait_for_backup() (called by commit) waits for it."""
        if not self._has_files():
            return None  # nothing imported yet: nothing to keep
        verdict = self.db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":  # a damaged store is neither written into nor rolled over the good backups
            raise StoreError(f"数据库文件 {self.path} 已损坏（{verdict}），kc 没有改动它。" + restore_hint(self.path))
        folder = self.path.parent
        fresh = folder / ".kc-backup.sqlite.tmp"
        fresh.unlink(missing_ok=True)
        self._copy_committed(fresh)
        self._durable = Background(_make_durable, fresh, folder, kept)
        if wait:
            self.wait_for_backup()
        return folder / BACKUP_NAME.format(n=1)

    def wait_for_backup(self) -> None:
        """Return once the last backup is on disk under its name (raises what went wrong making it)."""
        durable, self._durable = self._durable, None
        if durable is not None:
            durable.result()

    def wait_for_background(self) -> None:
        """Before the store closes: let a backup still being made finish (its error is not the caller's
        any more: the import it was for has not committed)."""
        try:
            self.wait_for_backup()
        except BaseException:  # noqa: BLE001, S110
            pass

    def _has_files(self) -> bool:
        return self.db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is not None

    def _copy_committed(self, target: Path) -> None:
        """The store as committed, byte for byte, to `target`. After a full checkpoint the main file holds
        every committed page; a read transaction begun on the then empty WAL keeps any checkpoint from
        writing into the main file while it is copied. A kernel file copy, since SQLite's online backup
        API (page by page through two pagers) cost 0.16–0.18 s of a week-38 run at 25 MB and grew with the
        store (issue 18, §23). When the WAL could not be emptied (another program is reading the store),
        the online backup API."""
        busy = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        wal = wal_of(self.path)
        self.db.execute("BEGIN")
        try:
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()   # the read snapshot starts here
            if busy or (wal.exists() and wal.stat().st_size):
                copy = sqlite3.connect(target)
                try:
                    self.db.backup(copy)
                finally:
                    copy.close()
                return
            shutil.copyfile(self.path, target)
        finally:
            self.db.execute("COMMIT")


def _make_durable(fresh: Path, folder: Path, kept: int) -> None:
    """fsync the fresh copy, then move the older backups one place down and the copy to kc-backup-1."""
    fd = os.open(fresh, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    for n in range(kept - 1, 0, -1):
        older = folder / BACKUP_NAME.format(n=n)
        if older.exists():
            os.replace(older, folder / BACKUP_NAME.format(n=n + 1))
    os.replace(fresh, folder / BACKUP_NAME.format(n=1))
