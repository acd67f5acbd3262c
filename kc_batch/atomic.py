"""Atomic output files (SPEC §9, §10.2, §10.3), the one home for every file kc writes: a workbook, a
letter, an .eml, kc.toml after kc rollover is built under a temp name beside its target, fsynced, given
the umask's mode and renamed into place, so a crash never leaves half a file; file names made from unit
names cannot leave their folder. Lowest layer: reports, mail and app all write through it."""
from __future__ import annotations

import errno
import os
import re
import tempfile
import unicodedata
from glob import escape as glob_escape
from pathlib import Path
from typing import Callable

from xlsxwriter.exceptions import XlsxFileError

from kc_batch.errors import OutputError


def write_atomically(path: Path, build: Callable[[str], None]) -> Path:
    """Build a file at a temp name beside `path`, fsync it, give it the umask's mode and rename it into
    place (§10.2: never a half-written file); OSError becomes OutputError naming the path."""
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(path)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".tmp")
        os.close(fd)
        build(tmp_name)
        _fsync_file(tmp_name)
        os.chmod(tmp_name, new_file_mode())  # mkstemp's 0600 would survive the rename
        _replace(tmp_name, path)
        tmp_name = None
        _fsync_dir(path.parent)
    except OutputError:
        raise
    except (OSError, XlsxFileError) as exc:
        raise OutputError(f"无法写入 {path}：磁盘已满或目录只读（{_reason(exc)}）") from exc
    finally:
        if tmp_name is not None:
            _remove_quietly(tmp_name)
    return path


def write_bytes_atomically(path: Path, data: bytes) -> Path:
    """`data` as the file `path`, atomically (write_atomically)."""
    return write_atomically(Path(path), lambda tmp_name: Path(tmp_name).write_bytes(data))


IN_USE_ERRNOS = {errno.EPERM, errno.EACCES, errno.EBUSY, errno.ETXTBSY}


def _replace(tmp_name: str, path: Path) -> None:
    """Put the finished file in place; a target that cannot be replaced is open elsewhere (issue 12)."""
    try:
        os.replace(tmp_name, path)
    except OSError as exc:
        if exc.errno in IN_USE_ERRNOS and path.exists():
            raise OutputError(f"无法替换 {path}：该文件可能正被其他程序（如 Excel、WPS）打开，或被设为只读；"
                              "请关闭该文件（或取消只读）后重新运行。") from exc
        raise


def new_file_mode() -> int:
    """The mode a new file gets under the current umask (0666 & ~umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _remove_stale_temps(path: Path) -> None:
    """Temp files of this same workbook left by a run that was killed (§10.2) are removed."""
    for stale in path.parent.glob("." + glob_escape(path.name) + ".*.tmp"):
        _remove_quietly(str(stale))


_UNSAFE_FILENAME_CHARS = re.compile(r'[/\\:*?"<>|]')


def safe_filename(text: str) -> str:
    """A file-name part that cannot leave its folder (§10.3): never empty, no separators, no '..'."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE_FILENAME_CHARS.sub("_", text)
    text = text.replace("..", "_")
    text = text.strip().strip(".").strip()
    return text or "_"


def _reason(exc: BaseException) -> str:
    inner = exc.args[0] if isinstance(exc, XlsxFileError) and exc.args else exc
    return getattr(inner, "strerror", None) or str(inner)


def _fsync_file(name: str) -> None:
    with open(name, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(name: str) -> None:
    try:
        os.remove(name)
    except OSError:
        pass
