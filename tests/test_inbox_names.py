"""Issue 12 items 10, 16, 17 (SPEC §10.1, §10.3): file names that are not UTF-8, the mode of written
workbooks, and links, loops and FIFOs in the inbox — each named in one line, none crashing the run."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl

from accounting import accounting
from school import make_workdir, roster_sheet, write
from test_hostile import WEEK, enrolled_total, students

ROOT = Path(__file__).resolve().parent.parent
BOOK = f"周查汇总_示例小学_{WEEK}.xlsx"


def kc(*args, umask: int | None = None):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    pre = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, "-m", "kc_batch.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120, preexec_fn=pre)


def weekly(wd: Path, **kw):
    return kc("weekly", "--dir", str(wd), "--week", WEEK, **kw)


def error_rows(wd: Path) -> list[tuple]:
    """The data rows of the 输入错误 sheet (below its header row 文件 | 工作表 | 行号 …)."""
    rows = list(openpyxl.load_workbook(wd / "out" / WEEK / BOOK, read_only=True)["输入错误"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "文件")
    table = []
    for r in rows[header + 1:]:
        if not r or not r[0]:
            break  # the table ends at the blank row above the footer (单位负责人 …, issue 13)
        table.append(r)
    return table


def roster(path: Path, first_seq: int, count: int = 3) -> Path:
    kids = students(count, first_seq)
    return write(path, {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", kids)})


def test_file_names_that_are_not_utf8_are_decoded_or_escaped(tmp_path):
    """A GBK name (a Windows zip unpacked on Linux) is shown decoded; bytes valid in neither UTF-8 nor GBK
    are shown escaped. Both files' rows are stored (3 + 2 students), and a second run changes nothing."""
    wd = make_workdir(tmp_path / "s")
    inbox = os.fsencode(wd / "inbox")
    gbk_name = "三年级花名册.xlsx".encode("gbk")
    roster(Path(os.fsdecode(inbox + b"/" + gbk_name)), 1, 3)
    roster(Path(os.fsdecode(inbox + b"/\xff\xfe\x80.xlsx")), 10, 2)
    done = weekly(wd)
    assert done.returncode == 0, done.stderr
    assert enrolled_total(wd) == 5
    acc = accounting(wd / "kc.sqlite")
    assert acc == {"三年级花名册.xlsx": (3, 3, 0), "\\xff\\xfe\\x80.xlsx": (2, 2, 0)}
    again = weekly(wd)
    assert again.returncode == 0, again.stderr
    assert accounting(wd / "kc.sqlite") == acc


def test_written_workbooks_follow_the_umask(tmp_path):
    """mkstemp creates 0600; the published workbook has 0666 & ~umask: 0644 under umask 022, 0660 under 007."""
    wd = make_workdir(tmp_path / "s")
    roster(wd / "inbox" / "花名册.xlsx", 1)
    assert weekly(wd, umask=0o022).returncode == 0
    assert stat.S_IMODE((wd / "out" / WEEK / BOOK).stat().st_mode) == 0o644
    assert weekly(wd, umask=0o007).returncode == 0
    assert stat.S_IMODE((wd / "out" / WEEK / BOOK).stat().st_mode) == 0o660


def test_links_leaving_the_inbox_loops_dangling_links_and_fifos_are_named(tmp_path):
    """Inside: one real roster (3 students) and a link to it inside the inbox (read once: same content).
    Outside: another school's roster (4 students) reached by a file link and by a folder link — neither
    is read. A dangling link, a link loop and a FIFO: one line each. Exit 0; 3 students."""
    wd = make_workdir(tmp_path / "s")
    inbox = wd / "inbox"
    roster(inbox / "花名册.xlsx", 1, 3)
    other = tmp_path / "其他学校"
    roster(other / "别校花名册.xlsx", 50, 4)
    (inbox / "外校.xlsx").symlink_to(other / "别校花名册.xlsx")
    (inbox / "外校目录").symlink_to(other, target_is_directory=True)
    (inbox / "失效.xlsx").symlink_to(tmp_path / "不存在.xlsx")
    (inbox / "环甲.xlsx").symlink_to(inbox / "环乙.xlsx")
    (inbox / "环乙.xlsx").symlink_to(inbox / "环甲.xlsx")
    os.mkfifo(inbox / "管道.xlsx")
    done = weekly(wd)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()

    def line_of(name):
        found = [ln for ln in lines if name in ln]
        assert len(found) == 1, (name, lines)
        return found[0]
    assert "inbox 之外" in line_of("外校.xlsx") and "inbox 之外" in line_of("外校目录")
    assert "失效" in line_of("失效.xlsx")
    assert "循环" in line_of("环甲.xlsx") and "循环" in line_of("环乙.xlsx")
    assert "不是普通文件" in line_of("管道.xlsx")
    assert enrolled_total(wd) == 3
    assert accounting(wd / "kc.sqlite") == {"花名册.xlsx": (3, 3, 0)}
    named = {r[0] for r in error_rows(wd)}
    assert {"外校.xlsx", "外校目录", "失效.xlsx", "环甲.xlsx", "环乙.xlsx", "管道.xlsx"} <= named
