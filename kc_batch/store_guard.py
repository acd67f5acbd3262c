"""What keeps kc.sqlite safe (issue 12 items 11, 12; SPEC §10.2): one run per work folder at a time (a
bounded wait for DIR/.kc.lock), sqlite3 errors turned into Chinese sentences that name the file and
say what to do, a truncated store refused before anything is written into it, and how to restore one
of the rolling backups the store makes before each import (kc-backup-1.sqlite is the newest)."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from pathlib import Path

from kc_batch.errors import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux/macOS
    fcntl = None

LOCK_NAME = ".kc.lock"
LOCK_WAIT_SECONDS = 60.0   # [limits] lock_wait_seconds: a second run on one folder waits this long
BACKUPS_KEPT = 3           # kc-backup-1.sqlite (newest) … kc-backup-3.sqlite
BACKUP_NAME = "kc-backup-{n}.sqlite"


class FolderLock:
    """One run per work folder at a time: an exclusive flock on DIR/kc.lock, waited for at most
    `wait_seconds`; the holder writes its pid, command and start time there for the message."""

    def __init__(self, folder: Path, wait_seconds: float | None = None, command: str = "kc"):
        self.folder, self.command = Path(folder), command
        self.wait_seconds = LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
        self.fh = None

    def __enter__(self):
        if fcntl is None:
            return self
        self.fh = open(self.folder / LOCK_NAME, "a+", encoding="utf-8")
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder()
                    self.fh.close()
                    raise StoreError(f"另一个 kc 正在处理工作目录 {self.folder}（{holder}），已等待 "
                                     f"{self.wait_seconds:g} 秒仍未结束；请等它完成后再运行。") from None
                time.sleep(0.1)
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"{os.getpid()} {dt.datetime.now().isoformat(timespec='seconds')} {self.command}\n")
        self.fh.flush()
        return self

    def _holder(self) -> str:
        self.fh.seek(0)
        bits = self.fh.read().split(maxsplit=2)
        if len(bits) < 2:
            return "另一个进程"
        return f"进程 {bits[0]}，{bits[1].replace('T', ' ')} 开始" + (f"，{bits[2].strip()}" if len(bits) > 2 else "")

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()  # closing releases the flock
            self.fh = None



# ---------------------------------------------------------------- what went wrong, in Chinese

def backups(folder: Path) -> list[Path]:
    """The store's backups, newest first."""
    found = [Path(folder) / BACKUP_NAME.format(n=n) for n in range(1, BACKUPS_KEPT + 1)]
    return [p for p in found if p.exists()]


def restore_hint(path: Path) -> str:
    """How to put a backup back (said by every damaged-store message and by kc check)."""
    found = backups(path.parent)
    if not found:
        return (f"没有找到备份：可把 {path.name} 移到别处（不要删除）后重新运行，kc 会从 inbox 中的文件重建数据库"
                "（处置答复等手工录入的内容需重新录入）。")
    newest = found[0]
    when = dt.datetime.fromtimestamp(newest.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return (f"可从备份恢复：确认没有其他 kc 在运行后，把 {path.name} 移到别处（不要删除），再把 {newest.name}"
            f"（{when} 导入前的备份）复制为 {path.name}，然后重新运行；该备份之后导入的文件仍在 inbox 中时会重新导入。")


SQLITE_MAGIC = b"SQLite format 3\0"


def wal_of(path: Path) -> Path:
    """The store's write-ahead log beside it (kc.sqlite-wal)."""
    return path.with_name(path.name + "-wal")


def refuse_cut_store(path: Path) -> None:
    """A kc.sqlite of 0 bytes, or shorter than its header says (truncated), has lost what it held:
    never start a new store over it, never write into it."""
    if not path.exists():
        return
    size = path.stat().st_size
    if size == 0:
        raise StoreError(f"数据库文件 {path} 已损坏（文件为空，0 字节），kc 没有改动它。" + restore_hint(path))
    with open(path, "rb") as fh:
        head = fh.read(100)
    wal = wal_of(path)
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC) or (wal.exists() and wal.stat().st_size):
        return  # not a database at all is said by SQLite itself; with a WAL the header may lag
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    if pages and size < page_size * pages:
        raise StoreError(f"数据库文件 {path} 已损坏（文件被截断：应有 {page_size * pages} 字节，只有 {size} 字节），"
                         "kc 没有改动它。" + restore_hint(path))


def store_health(path: Path) -> str | None:
    """None when kc.sqlite is absent or sound; else the Chinese sentence saying what is wrong and how to
    restore it (kc check, read-only: nothing is written)."""
    if not path.exists():
        return None
    try:
        refuse_cut_store(path)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            db.close()
    except StoreError as exc:
        return str(exc)
    except sqlite3.Error as exc:
        return str(store_error(path, exc))
    if verdict != "ok":
        return f"数据库文件 {path} 已损坏（{verdict}）。" + restore_hint(path)
    return None


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    if "full" in text or code == 13:  # SQLITE_FULL
        return StoreError(f"磁盘空间不足，数据库文件 {path} 无法写入，本次导入未保存（数据库保持运行前的状态）；"
                          "请清理磁盘空间后重新运行。")
    if "readonly" in text or "read-only" in text or "unable to open" in text or code in (8, 14):
        return StoreError(f"数据库文件 {path}（或同目录的 {path.name}-wal、{path.name}-shm，或所在目录）是只读的或无法打开，"
                          "本次导入未保存；请检查这些文件和目录的权限（或关闭正在使用它们的程序）后重新运行。")
    if "not a database" in text or "malformed" in text or "corrupt" in text or code in (11, 26):
        return StoreError(f"数据库文件 {path} 已损坏（{exc}），kc 没有改动它。" + restore_hint(path))
    if "locked" in text or "busy" in text:
        return StoreError(f"数据库文件 {path} 正被其他程序占用；请关闭正在使用它的程序（或等另一个 kc 运行结束）后重新运行。")
    return StoreError(f"数据库文件 {path} 读写出错（{exc}）；请检查磁盘和文件后重新运行。" + restore_hint(path))
