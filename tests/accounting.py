"""Row accounting from a work folder's store (SPEC §10.1): per file, the rows read (sum of the tables'
non-blank data rows), the rows stored (distinct rows in roster_rows, check_rows and events — a sheet row
holding two tables side by side is two rows, one per student) and the rows only in 输入错误 (distinct rows
with an input error and nothing stored). Computed straight from SQL,
independently of the importer's own counts."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

STORED_TABLES = ("roster_rows", "check_rows", "events", "home_visits")
SHEET_ROWS = re.compile(r"共 (\d+) 行")


def accounting(db_path: Path) -> dict[str, tuple[int, int, int]]:
    """{file rel: (rows read, rows stored, rows only in 输入错误)}."""
    db = sqlite3.connect(db_path)
    try:
        out = {}
        for file_id, rel in db.execute("SELECT id, rel FROM files ORDER BY id"):
            read = db.execute("SELECT COALESCE(SUM(rows_read), 0) FROM tables_seen WHERE file_id=?",
                              (file_id,)).fetchone()[0]
            stored = set()
            present = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            for table in (t for t in STORED_TABLES if t in present):
                stored |= set(db.execute(f"SELECT sheet, row, key FROM {table} WHERE file_id=?", (file_id,)))
            errored = set(db.execute("SELECT sheet, row FROM input_errors WHERE file_id=? AND row IS NOT NULL",
                                     (file_id,))) - {(sheet, row) for sheet, row, _ in stored}
            # a sheet or table not read at all (hidden, no header, week unknown) is one 输入错误 row saying how
            # many rows it has; a sheet without a table adds them to the rows read too
            tabled = {sheet for (sheet,) in db.execute("SELECT sheet FROM tables_seen WHERE file_id=?", (file_id,))}
            unread = [(sheet, int(m.group(1))) for sheet, reason in db.execute(
                "SELECT sheet, reason FROM input_errors WHERE file_id=? AND row IS NULL", (file_id,))
                for m in [SHEET_ROWS.search(reason or "")] if m]
            read += sum(n for sheet, n in unread if sheet not in tabled)
            out[rel] = (read, len(stored), len(errored) + sum(n for _, n in unread))
        return out
    finally:
        db.close()


def unaccounted(db_path: Path) -> dict[str, int]:
    """Files whose rows read ≠ stored + in 输入错误 → the difference."""
    return {rel: r - s - e for rel, (r, s, e) in accounting(db_path).items() if r != s + e}


def superseded(db_path: Path) -> dict[str, int]:
    """{file rel: rows of its 周查表 sheets that hold none of the class-weeks they have, because a newer
    file in the inbox holds each (issue 12 item 3: replaced, said in the console and logged in
    replacements)} — the rows read of such a sheet less its rows in 输入错误. With these,
    rows read = stored + in 输入错误 + superseded for a file whose sheets lost their class-weeks."""
    db = sqlite3.connect(db_path)
    try:
        out = {}
        for file_id, rel in db.execute("SELECT id, rel FROM files ORDER BY id"):
            sheets = [s for (s,) in db.execute(
                "SELECT DISTINCT sheet FROM check_claims c WHERE file_id=? AND NOT EXISTS (SELECT 1 FROM class_weeks w "
                "WHERE w.file_id = c.file_id AND w.sheet = c.sheet)", (file_id,))]
            out[rel] = sum(db.execute("SELECT COALESCE(SUM(rows_read), 0) FROM tables_seen WHERE file_id=? AND sheet=?",
                                      (file_id, s)).fetchone()[0]
                           - len(set(db.execute("SELECT row FROM input_errors WHERE file_id=? AND sheet=? AND row IS NOT "
                                                "NULL", (file_id, s)))) for s in sheets)
        return out
    finally:
        db.close()
