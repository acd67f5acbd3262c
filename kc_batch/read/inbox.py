"""Which files of the inbox are read (SPEC §10.1, §10.3, §13.13): sorted by relative path; lock files,
our own temp files and hidden names skipped; links that leave the inbox, dangling links, link loops,
FIFOs and devices named in one line each and not read; names that are not UTF-8 shown decoded (GBK)
or escaped."""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

LOCK_PREFIXES = ("~$", ".~lock.")
SKIPPED_NAMES = {"thumbs.db", "desktop.ini"}
OWN_TEMP_SUFFIXES = (".tmp", ".kc-tmp", ".part", ".crdownload")  # our atomic writes, partial downloads


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in 1 MiB blocks (files are known by it, §10.2)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def list_inbox(inbox: Path) -> list[Path]:
    """Every input file under `inbox`, sorted by relative posix path (§13.13)."""
    return inbox_entries(inbox)[0]


INBOX_REFUSALS = {
    "outside": "{rel} 是指向 inbox 之外（{target}）的链接，未读取；如需导入，请把文件本身复制到 inbox。",
    "dangling": "{rel} 是失效的链接（指向的文件不存在），未读取。",
    "loop": "{rel} 是循环链接（链接最终又指向自己），未读取。",
    "special": "{rel} 不是普通文件（管道、设备或套接字），未读取。",
}


def inbox_entries(inbox: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """(input files sorted by relative path, [(rel, Chinese line)] for what is not read: links that
    leave the inbox, dangling links, link loops, FIFOs and devices — §10.1, §10.3)."""
    inbox = Path(inbox)
    root = os.path.realpath(inbox)
    found: list[tuple[str, Path]] = []
    refused: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(inbox):
        for name in [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            dirnames.remove(name)  # never followed; named when it leads out or nowhere
            why = _link_problem(Path(dirpath) / name, root)
            if why:
                refused.append(_refusal(Path(dirpath) / name, inbox, *why))
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if _is_skipped(name):
                continue
            path = Path(dirpath) / name
            why = _link_problem(path, root) if path.is_symlink() else None
            if why is None and not_regular(path):
                why = ("special", "")
            if why:
                refused.append(_refusal(path, inbox, *why))
            else:
                found.append((shown_name(path.relative_to(inbox).as_posix()), path))
    found.sort(key=lambda item: item[0])
    return [path for _, path in found], sorted(refused)


def _link_problem(path: Path, root: str) -> tuple[str, str] | None:
    """('outside' | 'dangling' | 'loop', target) for a link not to be followed, else None."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return "dangling", ""
    except OSError as exc:
        return ("loop", "") if exc.errno == errno.ELOOP else ("dangling", "")
    target = os.path.realpath(path)
    if os.path.commonpath([root, target]) != root:
        return "outside", shown_name(target)
    return None


def not_regular(path: Path) -> bool:
    """True for a FIFO, device or socket (opening a FIFO would wait forever)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _refusal(path: Path, inbox: Path, key: str, target: str) -> tuple[str, str]:
    rel = shown_name(path.relative_to(inbox).as_posix())
    return rel, INBOX_REFUSALS[key].format(rel=rel, target=target)


def shown_name(name: str) -> str:
    """A file name as it can be stored and shown: names that are not UTF-8 (a Windows zip unpacked on
    Linux) arrive with surrogate escapes and are decoded as GBK, or else shown as \\xNN escapes."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def _is_skipped(name: str) -> bool:
    lower = name.lower()
    return (name.startswith(".") or name.startswith(LOCK_PREFIXES)
            or lower in SKIPPED_NAMES or lower.endswith(OWN_TEMP_SUFFIXES) or name.endswith("~"))


def relative_name(path: Path, inbox: Path) -> str:
    try:
        return shown_name(Path(path).resolve().relative_to(Path(inbox).resolve()).as_posix())
    except ValueError:
        return shown_name(Path(path).name)


