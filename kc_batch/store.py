"""The embedded store DIR/kc.sqlite (SPEC §2, §10.2).

Holds every imported row: roster rows (snapshots, never deleted), attendance marks by student and
day, change events, input errors and identity notices, and the import log with each file's content
hash. All of one run's imports are applied in ONE transaction, so a run killed at any moment leaves
the store as before or as after it. A file already imported (same SHA-256) is not imported again; which
file's marks a class-week holds is decided in app/class_weeks.py (the newest arrival in the inbox wins),
and every replacement is logged.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from kc_batch.store_guard import FolderLock, refuse_cut_store, store_error
from kc_batch.model import CheckRow, DayMark, Event, InputError, Notice, RosterRow, Source, Visit
from kc_batch.store_schema import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version  # noqa: F401
from kc_batch.store_walk import WalkStates
from kc_batch.store_backup import Backups


class Store(WalkStates, Backups):
    """kc.sqlite of a work folder, opened under the folder lock. Every sqlite3 error raised while it is
    open becomes a StoreError naming the file and what to do (issue 12 item 12)."""

    def __init__(self, path: Path, command: str = "kc", lock_wait: float | None = None):
        self.path = Path(path)
        self.db = None
        self.lock = FolderLock(self.path.parent, wait_seconds=lock_wait, command=command).__enter__()
        try:
            refuse_cut_store(self.path)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=OFF")
            self.migrated = migrate(self.db, self.path)
        except sqlite3.Error as exc:
            self._close_quietly()
            raise store_error(self.path, exc) from None
        except BaseException:
            self._close_quietly()
            raise

    def _close_quietly(self):
        if self.db is not None:
            self.db.close()
        self.lock.__exit__()

    def close(self):
        try:
            self.wait_for_background()
            self.db.close()
        finally:
            self.lock.__exit__()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if isinstance(exc, sqlite3.Error) and self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        self.close()
        if isinstance(exc, sqlite3.Error):
            raise store_error(self.path, exc) from None
        return False

    # ---- transactions
    def begin(self):
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self):
        self.wait_for_backup()   # an import commits only once the backup of the store before it is on disk
        self.db.execute("COMMIT")

    def rollback(self):
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    # ---- files
    def known_file(self, sha256: str) -> int | None:
        row = self.db.execute("SELECT id FROM files WHERE sha256=?", (sha256,)).fetchone()
        return row[0] if row else None

    def add_file(self, rel: str, sha256: str, size: int, fmt: str, summary: str) -> int:
        cur = self.db.execute(
            "INSERT INTO files(rel, sha256, size, fmt, imported_at, summary) VALUES (?,?,?,?,?,?)",
            (rel, sha256, size, fmt, dt.datetime.now().isoformat(timespec="seconds"), summary))
        return cur.lastrowid

    def file_rel(self, file_id: int) -> str:
        row = self.db.execute("SELECT rel FROM files WHERE id=?", (file_id,)).fetchone()
        return row[0] if row else ""

    # ---- rows
    def add_table(self, file_id, sheet, tbl, table):
        self.db.execute("INSERT INTO tables_seen VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (file_id, sheet, tbl, table.form, table.grade, table.class_no, table.week,
                         table.header_row, table.rows_read, table.head_teacher))

    def add_roster_rows(self, file_id: int, tbl: int, sheet_index: int, records):
        rows = []
        for r in records:
            rows.append((file_id, sheet_index * 10_000_000 + r.source.row, tbl, r.source.sheet, r.source.row,
                         r.key, r.sfz, r.xjh, r.name, r.grade, r.class_no,
                         json.dumps(r.attrs, ensure_ascii=False, sort_keys=True)))
        self.db.executemany("INSERT INTO roster_rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def add_aliases(self, pairs: list[tuple[str, str]], replace: bool) -> None:
        """(lookup, student key) pairs (read.identity.lookups); replace=False keeps an existing one."""
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        self.db.executemany(f"{verb} INTO aliases VALUES (?,?)", pairs)

    def resolve_keys(self, keys: set[str]) -> dict[str, str]:
        """Lookups (XJH:/NAME:/IDTEXT:, §3.6) → the key of the student they lead to."""
        wanted = [k for k in keys if ":" in k]
        out = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            q = "SELECT alias, key FROM aliases WHERE alias IN (%s)" % ",".join("?" * len(chunk))
            out.update(dict(self.db.execute(q, chunk).fetchall()))
        return out

    # ---- which file holds each class-week (§10.2, issue 12 item 3; app/class_weeks.py decides)
    def set_inbox_files(self, file_ids: list[int], complete: bool = True) -> tuple[list[int], list[int]]:
        """The files in the inbox now, in sorted path order; → (arrived, left). A file not in the inbox at
        the last import arrives with the next arrival number (in the given order); files no longer there
        leave — unless the listing is not complete (a file could not be hashed), when none leave."""
        before = dict(self.db.execute("SELECT file_id, arrival FROM inbox_files"))
        now = list(dict.fromkeys(file_ids))
        arrived = [fid for fid in now if fid not in before]
        left = [fid for fid in before if fid not in set(now)] if complete else []
        top = max(before.values(), default=0)
        self.db.executemany("INSERT INTO inbox_files VALUES (?,?)",
                            [(fid, top + n) for n, fid in enumerate(arrived, start=1)])
        self.db.executemany("DELETE FROM inbox_files WHERE file_id=?", [(fid,) for fid in left])
        return arrived, left

    def inbox_file_ids(self) -> set[int]:
        return {fid for fid, in self.db.execute("SELECT file_id FROM inbox_files")}

    def add_claim(self, file_id: int, sheet: str, tbl: int, grade, class_no, week: str) -> None:
        """A 周查表 table of a file holds marks of a class-week (whether or not it wins it)."""
        self.db.execute("INSERT OR IGNORE INTO check_claims VALUES (?,?,?,?,?,?)",
                        (file_id, sheet, tbl, grade, class_no, week))

    def class_weeks_of(self, file_ids, held: bool = False) -> set[tuple]:
        """(grade, class_no, week) of every class-week these files' sheets hold marks of (held=True:
        whose marks come from these files now)."""
        table = "class_weeks" if held else "check_claims"
        return {cw for fid in file_ids for cw in self.db.execute(
            f"SELECT grade, class_no, week FROM {table} WHERE file_id=?", (fid,))}

    def class_week_holder(self, grade, class_no, week) -> tuple[int, str] | None:
        """(file_id, sheet) whose marks the class-week holds now."""
        row = self.db.execute("SELECT file_id, sheet FROM class_weeks WHERE grade IS ? AND class_no IS ? AND week=?",
                              (grade, class_no, week)).fetchone()
        return (row[0], row[1]) if row else None

    def class_week_claimants(self, grade, class_no, week) -> list[tuple[int, str, list[int], int]]:
        """(file_id, sheet, tables, arrival) of each sheet in the inbox holding the class-week, newest
        first: the latest arrival, then (within one file) the later sheet."""
        rows = self.db.execute(
            "SELECT c.file_id, c.sheet, GROUP_CONCAT(c.tbl), MAX(c.tbl), p.arrival FROM check_claims c "
            "JOIN inbox_files p ON p.file_id = c.file_id WHERE c.grade IS ? AND c.class_no IS ? AND c.week=? "
            "GROUP BY c.file_id, c.sheet ORDER BY p.arrival DESC, MAX(c.tbl) DESC", (grade, class_no, week))
        return [(fid, sheet, sorted(int(t) for t in tbls.split(",")), arrival)
                for fid, sheet, tbls, _, arrival in rows]

    def unsettled_class_weeks(self) -> set[tuple]:
        """(grade, class_no, week) of the class-weeks not held by their newest sheet in the inbox (a file
        that could not be read again when it should have taken one over)."""
        return set(self.db.execute(
            "WITH ranked AS (SELECT c.grade, c.class_no, c.week, c.file_id, c.sheet, ROW_NUMBER() OVER ("
            "PARTITION BY c.grade, c.class_no, c.week ORDER BY p.arrival DESC, c.tbl DESC) AS n "
            "FROM check_claims c JOIN inbox_files p ON p.file_id = c.file_id) "
            "SELECT r.grade, r.class_no, r.week FROM ranked r JOIN class_weeks w ON w.grade IS r.grade "
            "AND w.class_no IS r.class_no AND w.week = r.week WHERE r.n = 1 AND (w.file_id, w.sheet) != (r.file_id, r.sheet)"))

    def replace_class_week(self, grade, class_no, week, file_id, sheet) -> tuple[int, str] | None:
        """THE one place a class-week's marks are (re)built: the marks and 周查表 rows it holds now are
        removed and (file_id, sheet) holds it; the caller then stores that sheet's rows. → the
        (file_id, sheet) it held before, or None. (A carried per-week state must be dropped from this
        week on here.)"""
        old = self.class_week_holder(grade, class_no, week)
        if old is not None:
            self.db.execute("DELETE FROM marks WHERE grade IS ? AND class_no IS ? AND week=?", (grade, class_no, week))
            self.db.execute("DELETE FROM check_rows WHERE grade IS ? AND class_no IS ? AND week=?",
                            (grade, class_no, week))
        self.db.execute("INSERT OR REPLACE INTO class_weeks VALUES (?,?,?,?,?)", (grade, class_no, week, file_id, sheet))
        return old

    def log_replacement(self, grade, class_no, week, old: str, new: str, note: str) -> None:
        """The 导入记录 of a replaced class-week: which file and sheet replaced which, and the line shown."""
        self.db.execute("INSERT INTO replacements VALUES (?,?,?,?,?,?,?)",
                        (dt.datetime.now().isoformat(timespec="seconds"), grade, class_no, week, old, new, note))

    def add_check_rows(self, file_id, week, records):
        self.db.executemany("INSERT INTO check_rows VALUES (?,?,?,?,?,?,?,?,?)",
                            [(file_id, r.source.sheet, r.source.row, r.key, r.name, r.grade, r.class_no, week, r.note)
                             for r in records])
        marks = []
        for r in records:
            for day, (raw, m) in r.marks.items():
                marks.append((r.key, day.isoformat(), r.grade, r.class_no, week, raw, m.present, m.late,
                              m.sick, m.personal, m.unexcused, file_id, r.source.sheet, r.source.row))
        self.db.executemany("INSERT OR REPLACE INTO marks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", marks)

    def add_events(self, file_id, records):
        """Upsert: a cumulative register re-sent with a 回执日期 filled in updates the event."""
        self.db.executemany(
            """INSERT INTO events(key,name,sfz,xjh,type,date,grade,class_no,other_school,receipt_date,
                                  reason,responsible,note,file_id,sheet,row)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(key,type,date) DO UPDATE SET
                 receipt_date=COALESCE(excluded.receipt_date, events.receipt_date),
                 other_school=COALESCE(NULLIF(excluded.other_school,''), events.other_school),
                 reason=COALESCE(NULLIF(excluded.reason,''), events.reason),
                 responsible=COALESCE(NULLIF(excluded.responsible,''), events.responsible),
                 note=COALESCE(NULLIF(excluded.note,''), events.note),
                 grade=COALESCE(excluded.grade, events.grade),
                 class_no=COALESCE(excluded.class_no, events.class_no)""",
            [(r.key, r.name, r.sfz, r.xjh, r.change_type, r.date.isoformat(), r.grade, r.class_no,
              r.other_school, r.receipt_date.isoformat() if r.receipt_date else None, r.reason,
              r.responsible, r.note, file_id, r.source.sheet, r.source.row) for r in records])

    def add_errors(self, file_id, errors, once: bool = False):
        """Input errors of a file; once=True leaves out those already stored for it (a file read again)."""
        rows = [(file_id, e.file, e.sheet, e.row, e.column, e.value, e.reason) for e in errors]
        if once:
            rows = [r for r in rows if self.db.execute(
                "SELECT 1 FROM input_errors WHERE file_id=? AND sheet IS ? AND row IS ? AND col IS ? AND value IS ? "
                "AND reason IS ?", (r[0], *r[2:])).fetchone() is None]
        self.db.executemany("INSERT INTO input_errors VALUES (?,?,?,?,?,?,?)", rows)

    def add_notices(self, file_id, notices):
        self.db.executemany("INSERT INTO notices VALUES (?,?,?,?,?,?)",
                            [(file_id, n.source.file, n.source.sheet, n.source.row, n.key, n.message)
                             for n in notices])

    # ---- 家访登记 (§17.1)
    def known_keys(self, keys: set[str]) -> set[str]:
        """The keys among `keys` of students the store knows (on a roster or in a change register)."""
        out, wanted = set(), sorted(keys)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(k for (k,) in self.db.execute(
                f"SELECT key FROM roster_rows WHERE key IN ({marks}) UNION "
                f"SELECT key FROM events WHERE key IN ({marks})", chunk + chunk))
        return out

    def add_home_visits(self, file_id: int, records):
        """Upsert: a cumulative 家访登记表 re-sent with more rows adds only the new visits; a visit
        already stored keeps its first source and takes the newer 方式/事由/结果 when given."""
        self.db.executemany(
            """INSERT INTO home_visits VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(key, date, teachers) DO UPDATE SET
                 role=COALESCE(NULLIF(excluded.role,''), home_visits.role),
                 way=excluded.way,
                 purpose=COALESCE(NULLIF(excluded.purpose,''), home_visits.purpose),
                 result=COALESCE(NULLIF(excluded.result,''), home_visits.result)""",
            [(r.key, r.name, r.grade, r.class_no, r.date.isoformat(), "、".join(r.teachers), r.role, r.way,
              r.purpose, r.result, file_id, r.source.sheet, r.source.row) for r in records])

    def home_visits(self, until: dt.date) -> list[Visit]:
        """The stored 家访登记表 rows up to a date, in date order (then file, sheet, row)."""
        rows = self.db.execute(
            "SELECT v.key, v.date, v.teachers, v.role, v.way, v.purpose, v.result, COALESCE(f.rel, ''), v.sheet, "
            "v.row FROM home_visits v LEFT JOIN files f ON f.id = v.file_id WHERE v.date <= ? "
            "ORDER BY v.date, f.rel, v.sheet, v.row", (until.isoformat(),))
        return [Visit(key, dt.date.fromisoformat(day), teachers.split("、"), role or "", way, purpose or "",
                      result or "", Source(rel, sheet, row))
                for key, day, teachers, role, way, purpose, result, rel, sheet, row in rows]

    # ---- letter numbers (§18): one per (文书, student, episode), kept across runs
    def letter_numbers(self) -> dict[tuple, str]:
        return {(k, key, ep): n for k, key, ep, n in self.db.execute("SELECT kind, key, episode, number FROM letters")}

    def next_letter_seq(self, kind: str, school_year: int) -> int:
        row = self.db.execute("SELECT MAX(seq) FROM letters WHERE kind=? AND school_year=?",
                              (kind, school_year)).fetchone()
        return (row[0] or 0) + 1

    def add_letter(self, kind: str, key: str, episode: str, school_year: int, seq: int, number: str):
        self.db.execute("INSERT INTO letters VALUES (?,?,?,?,?,?,?)",
                        (kind, key, episode, school_year, seq, number,
                         dt.datetime.now().isoformat(timespec="seconds")))

    # ---- the newest census's children on no roster (§20)
    CENSUS_CHILD_FIELDS = ("as_of", "name", "sfz", "id_text", "birth", "sex", "stage", "hukou", "guardian", "phone",
                           "status", "poor", "disability", "answer", "file", "sheet", "row")

    def replace_census_children(self, children: list[dict]):
        """Keep only these children (one kc census run's 适龄未入学), in one transaction."""
        self.begin()
        try:
            self.db.execute("DELETE FROM census_children")
            self.db.executemany(f"INSERT INTO census_children VALUES ({','.join('?' * len(self.CENSUS_CHILD_FIELDS))})",
                                [tuple(c.get(f) for f in self.CENSUS_CHILD_FIELDS) for c in children])
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def census_children(self) -> list[dict]:
        rows = self.db.execute(f"SELECT {', '.join(self.CENSUS_CHILD_FIELDS)} FROM census_children ORDER BY rowid")
        return [dict(zip(self.CENSUS_CHILD_FIELDS, r)) for r in rows]

    # ---- 学年 rollovers (§15.2)
    def rollovers(self) -> list[tuple[int, int, dt.date]]:
        """(year, file_id, old year's last school day) of every rollover, oldest first."""
        return [(y, fid, dt.date.fromisoformat(d)) for y, fid, d in
                self.db.execute("SELECT year, file_id, last_day FROM rollovers ORDER BY year")]

    def drop_rollover(self, year: int) -> None:
        """Undo a rollover's promotion (kc rollover --force runs it again)."""
        row = self.db.execute("SELECT file_id FROM rollovers WHERE year=?", (year,)).fetchone()
        if row:
            for table in ("roster_rows", "events", "files"):
                column = "id" if table == "files" else "file_id"
                self.db.execute(f"DELETE FROM {table} WHERE {column}=?", (row[0],))
            self.db.execute("DELETE FROM rollovers WHERE year=?", (year,))

    def add_rollover(self, year: int, last_day: dt.date, promoted: list[RosterRow], graduations: list[Event],
                     forced: bool) -> int:
        """Store a rollover: one file row holding the promoted roster rows and the 毕业 events."""
        file_id = self.add_file(f"kc rollover {year}", f"rollover:{year}", 0, "rollover",
                                f"升级 {len(promoted)} 人，毕业 {len(graduations)} 人")
        self.db.executemany("INSERT INTO roster_rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [
            (file_id, seq, 0, r.source.sheet, seq, r.key, r.sfz, r.xjh, r.name, r.grade, r.class_no,
             json.dumps(r.attrs, ensure_ascii=False, sort_keys=True)) for seq, r in enumerate(promoted, start=1)])
        self.db.executemany(
            "INSERT OR IGNORE INTO events(key,name,sfz,xjh,type,date,grade,class_no,other_school,receipt_date,"
            "reason,responsible,note,file_id,sheet,row) VALUES (?,?,?,?,?,?,?,?,'',NULL,'','',?,?,?,?)",
            [(e.key, e.name, e.sfz, e.xjh, e.type, e.date.isoformat(), e.grade, e.class_no, e.note, file_id,
              e.source.sheet, seq) for seq, e in enumerate(graduations, start=1)])
        self.db.execute("INSERT INTO rollovers VALUES (?,?,?,?,?)",
                        (year, file_id, last_day.isoformat(), dt.datetime.now().isoformat(timespec="seconds"),
                         int(forced)))
        return file_id

    # ---- answers kept across runs (处置, 外地就读)
    def set_answer(self, kind: str, key: str, value: str, note: str = ""):
        self.db.execute("INSERT OR REPLACE INTO answers VALUES (?,?,?,?,?)",
                        (kind, key, value, note, dt.datetime.now().isoformat(timespec="seconds")))

    def answers(self, kind: str) -> dict[str, tuple[str, str]]:
        return {k: (v, n) for k, v, n in
                self.db.execute("SELECT key, value, note FROM answers WHERE kind=?", (kind,))}

    # ---- typed reads (nothing outside this module writes SQL)
    def has_files(self) -> bool:
        return self.db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is not None

    def roster_rows(self, grades: tuple[int, ...] | None = None) -> list[RosterRow]:
        """Every stored roster row (optionally of some grades only), in import order (file, then sheet
        and Excel row)."""
        where = f"WHERE r.grade IN ({','.join('?' * len(grades))}) " if grades else ""
        rows = self.db.execute(
            "SELECT r.file_id, r.seq, r.tbl, COALESCE(f.rel, ''), r.sheet, r.row, r.key, r.grade, r.class_no, "
            "r.name, r.sfz, r.xjh, r.attrs FROM roster_rows r LEFT JOIN files f ON f.id = r.file_id "
            f"{where}ORDER BY r.file_id, r.seq", tuple(grades or ()))
        return [RosterRow(fid, seq, tbl, Source(rel, sheet, row), key, g, c, name, sfz, xjh, json.loads(a or "{}"))
                for fid, seq, tbl, rel, sheet, row, key, g, c, name, sfz, xjh, a in rows]

    def events(self, of_type: str | None = None, since: dt.date | None = None,
               until: dt.date | None = None) -> list[Event]:
        """Stored change events (optionally of one 变动类型, dated since…until), in date order, then
        file, sheet, row; events of one type in date, file, row order (as kc transition lists them)."""
        where, params = [], []
        for clause, value in (("e.type = ?", of_type), ("e.date >= ?", since), ("e.date <= ?", until)):
            if value is not None:
                where.append(clause)
                params.append(value.isoformat() if isinstance(value, dt.date) else value)
        order = "e.date, e.file_id, e.row" if of_type else "e.date, e.file_id, e.sheet, e.row"
        rows = self.db.execute(
            "SELECT e.id, e.key, e.type, e.date, e.name, e.grade, e.class_no, e.other_school, e.receipt_date, "
            "e.reason, e.responsible, e.note, COALESCE(f.rel, ''), e.sheet, e.row, e.sfz, e.xjh "
            "FROM events e LEFT JOIN files f ON f.id = e.file_id "
            + ("WHERE " + " AND ".join(where) + " " if where else "") + f"ORDER BY {order}", params)
        return [Event(eid, key, typ, dt.date.fromisoformat(date), name, g, c, other or "",
                      dt.date.fromisoformat(receipt) if receipt else None, reason or "", resp or "", note or "",
                      Source(rel, sheet, row), sfz, xjh)
                for eid, key, typ, date, name, g, c, other, receipt, reason, resp, note, rel, sheet, row, sfz, xjh
                in rows]

    def marks(self, until: dt.date, since: dt.date | None = None, keys=None) -> dict[str, list[DayMark]]:
        """Every stored mark up to a day (after `since`; of these students only), by student key, in
        day order."""
        files = dict(self.db.execute("SELECT id, rel FROM files"))
        out: dict[str, list[DayMark]] = {}
        select = ("SELECT key, day, grade, class_no, week, raw, present, late, sick, personal, unexcused, "
                  "file_id, sheet, row FROM marks WHERE day <= ?" + (" AND day > ?" if since else ""))
        head = [until.isoformat()] + ([since.isoformat()] if since else [])
        if keys is None:
            queries = [(select, head)]
        else:   # the primary key is (day, key) (store_schema step 8): the day range, these students' rows
            keys = sorted(keys)
            queries = [(select + " AND key IN (%s)" % ",".join("?" * len(chunk)), head + chunk)
                       for chunk in (keys[i:i + 500] for i in range(0, len(keys), 500))]
        for q, params in queries:
            for (key, day, g, c, week, raw, present, late, sick, personal, unexcused, fid, sheet, row) in \
                    self.db.execute(q + " ORDER BY key, day", params):
                out.setdefault(key, []).append(DayMark(dt.date.fromisoformat(day), present, late, sick, personal,
                                                       unexcused, raw or "", g, c, week,
                                                       Source(files.get(fid, ""), sheet, row)))
        return out


    def file_ids(self, sha256s) -> set[int]:
        """Ids of the stored files with these contents."""
        return {fid for sha in sha256s for fid, in self.db.execute("SELECT id FROM files WHERE sha256=?", (sha,))}

    def answers_of(self, *kinds: str) -> dict[str, dict[str, str]]:
        """Stored answers by kind: kind → key → value."""
        return {kind: {k: v for k, (v, _) in self.answers(kind).items()} for kind in kinds}

    def head_teachers(self, until_week: str) -> dict[tuple, str]:
        """(grade, class) → 班主任 named on the newest 周查表 up to a week."""
        return {(g, c): t for g, c, t in self.db.execute(
            "SELECT grade, class_no, head_teacher FROM tables_seen WHERE head_teacher != '' AND week <= ? "
            "ORDER BY week, file_id", (until_week,))}

    def check_rows(self, week: str) -> list[CheckRow]:
        """The 周查表 rows of a week, in import order."""
        files = dict(self.db.execute("SELECT id, rel FROM files"))
        return [CheckRow(key, name, g, c, Source(files.get(fid, ""), sheet, row)) for fid, sheet, row, key, name, g, c
                in self.db.execute("SELECT file_id, sheet, row, key, name, grade, class_no FROM check_rows "
                                   "WHERE week=? ORDER BY rowid", (week,))]

    def reported_classes(self, week: str) -> set[tuple]:
        """(grade, class) of every class with a 周查表 for a week."""
        return set(self.db.execute("SELECT DISTINCT grade, class_no FROM class_weeks WHERE week=?", (week,)))

    def latest_week(self) -> str | None:
        """The newest week any 周查表 was stored for."""
        row = self.db.execute("SELECT MAX(week) FROM class_weeks").fetchone()
        return row[0] if row and row[0] else None

    def notices(self) -> list[Notice]:
        """Identity warnings (R08), in import order."""
        return [Notice(Source(rel, sheet, row), key, message) for rel, sheet, row, key, message in self.db.execute(
            "SELECT rel, sheet, row, key, message FROM notices ORDER BY file_id, rowid")]

    def input_errors(self, file_ids: list[int]) -> list[InputError]:
        """Input errors of some files, in file then row order (§13.18)."""
        if not file_ids:
            return []
        marks = ",".join("?" * len(file_ids))
        return [InputError(*r) for r in self.db.execute(
            f"SELECT rel, sheet, row, col, value, reason FROM input_errors WHERE file_id IN ({marks}) "
            f"ORDER BY rel, rowid", file_ids)]

    def query(self, sql: str, params=()):
        """Raw rows, for tests that inspect the store."""
        return self.db.execute(sql, params).fetchall()

    def log_run(self, command: str, started: dt.datetime, files_new: int, errors: int) -> str | None:
        """Log a finished run; → None, or the Chinese warning when the log could not be written (the
        run's outputs are already written by then, so this does not fail the command)."""
        try:
            self.db.execute("INSERT INTO runs(command, started_at, finished_at, files_new, errors) VALUES (?,?,?,?,?)",
                            (command, started.isoformat(timespec="seconds"),
                             dt.datetime.now().isoformat(timespec="seconds"), files_new, errors))
        except sqlite3.Error as exc:
            return f"注意：本次的运行记录未能写入 {self.path}（{store_error(self.path, exc)}）报表已生成，不受影响。"
        return None

    # ---- kc send log (§12)
    def previous_sends(self, period: str, unit: str, report: str) -> list[tuple[str, str]]:
        """(sent_at, workbook_sha256) of earlier sends of this report, oldest first."""
        return self.db.execute(
            "SELECT sent_at, workbook_sha256 FROM sent_mail WHERE period=? AND unit=? AND report=? "
            "ORDER BY sent_at", (period, unit, report)).fetchall()

    def log_sent(self, period: str, unit: str, report: str, sha256: str, recipients: list[str],
                 message_id: str, sent_at: dt.datetime) -> None:
        self.db.execute("INSERT INTO sent_mail(period, unit, report, workbook_sha256, recipients, "
                        "message_id, sent_at) VALUES (?,?,?,?,?,?,?)",
                        (period, unit, report, sha256, ", ".join(recipients), message_id,
                         sent_at.isoformat(timespec="seconds")))
