"""The store's schema as numbered migration steps (SPEC §10.2; `PRAGMA user_version`), split from
store.py so that the store's reads and writes stay one module. Imports nothing from kc_batch but errors.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from kc_batch.errors import StoreError


# §10.2: the store's schema grows by numbered steps. `PRAGMA user_version` says which steps a
# kc.sqlite has had; opening it applies the missing ones in order, each inside one transaction.
# A kc.sqlite written before migrations existed (user_version 0) holds exactly the tables of step 1
# (created then with CREATE TABLE IF NOT EXISTS), which is why step 1 keeps IF NOT EXISTS.
# Append new steps; never edit one that has shipped.
SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS files(
    id INTEGER PRIMARY KEY, rel TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, size INTEGER,
    fmt TEXT, imported_at TEXT, summary TEXT);
CREATE TABLE IF NOT EXISTS tables_seen(
    file_id INTEGER, sheet TEXT, tbl INTEGER, form TEXT, grade INTEGER, class_no TEXT, week TEXT,
    header_row INTEGER, rows_read INTEGER, head_teacher TEXT);
CREATE TABLE IF NOT EXISTS roster_rows(
    file_id INTEGER, seq INTEGER, tbl INTEGER, sheet TEXT, row INTEGER, key TEXT, sfz TEXT, xjh TEXT,
    name TEXT, grade INTEGER, class_no TEXT, attrs TEXT);
CREATE INDEX IF NOT EXISTS roster_rows_key ON roster_rows(key);
CREATE TABLE IF NOT EXISTS aliases(alias TEXT PRIMARY KEY, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS check_rows(
    file_id INTEGER, sheet TEXT, row INTEGER, key TEXT, name TEXT, grade INTEGER, class_no TEXT,
    week TEXT, note TEXT);
CREATE INDEX IF NOT EXISTS check_rows_week ON check_rows(week);
CREATE TABLE IF NOT EXISTS marks(
    key TEXT, day TEXT, grade INTEGER, class_no TEXT, week TEXT, raw TEXT, present REAL, late INTEGER,
    sick REAL, personal REAL, unexcused REAL, file_id INTEGER, sheet TEXT, row INTEGER,
    PRIMARY KEY(key, day));
CREATE INDEX IF NOT EXISTS marks_week ON marks(grade, class_no, week);
CREATE TABLE IF NOT EXISTS class_weeks(
    grade INTEGER, class_no TEXT, week TEXT, file_id INTEGER, sheet TEXT,
    PRIMARY KEY(grade, class_no, week));
CREATE TABLE IF NOT EXISTS replacements(
    at TEXT, grade INTEGER, class_no TEXT, week TEXT, old_file TEXT, new_file TEXT);
CREATE TABLE IF NOT EXISTS events(
    id INTEGER PRIMARY KEY, key TEXT, name TEXT, sfz TEXT, xjh TEXT, type TEXT, date TEXT,
    grade INTEGER, class_no TEXT, other_school TEXT, receipt_date TEXT, reason TEXT,
    responsible TEXT, note TEXT, file_id INTEGER, sheet TEXT, row INTEGER,
    UNIQUE(key, type, date));
CREATE TABLE IF NOT EXISTS input_errors(
    file_id INTEGER, rel TEXT, sheet TEXT, row INTEGER, col TEXT, value TEXT, reason TEXT);
CREATE TABLE IF NOT EXISTS notices(
    file_id INTEGER, rel TEXT, sheet TEXT, row INTEGER, key TEXT, message TEXT);
CREATE TABLE IF NOT EXISTS answers(
    kind TEXT, key TEXT, value TEXT, note TEXT, updated_at TEXT, PRIMARY KEY(kind, key));
CREATE TABLE IF NOT EXISTS runs(
    id INTEGER PRIMARY KEY, command TEXT, started_at TEXT, finished_at TEXT, files_new INTEGER,
    errors INTEGER);
"""


# step 2: the kc send log, which mail.py used to create for itself (IF NOT EXISTS: a store that
# logged an SMTP send already has it)
SENT_MAIL_V2 = """
CREATE TABLE IF NOT EXISTS sent_mail(
    period TEXT NOT NULL, unit TEXT NOT NULL, report TEXT NOT NULL, workbook_sha256 TEXT NOT NULL,
    recipients TEXT NOT NULL, message_id TEXT NOT NULL, sent_at TEXT NOT NULL);
"""

# step 3: 家访登记 rows (§17.1) and the letter numbers of kc letters (§18)
HOME_VISITS_LETTERS_V3 = """
CREATE TABLE home_visits(
    key TEXT, name TEXT, grade INTEGER, class_no TEXT, date TEXT, teachers TEXT, role TEXT, way TEXT,
    purpose TEXT, result TEXT, file_id INTEGER, sheet TEXT, row INTEGER,
    UNIQUE(key, date, teachers));
CREATE INDEX home_visits_date ON home_visits(date);
CREATE TABLE letters(
    kind TEXT, key TEXT, episode TEXT, school_year INTEGER, seq INTEGER, number TEXT, issued_at TEXT,
    PRIMARY KEY(kind, key, episode));
"""

# step 4: the school-age children of the newest kc census found on no roster (§20: they join the
# 台账 and the 分村名单 of kc monthly); each census run replaces them
CENSUS_CHILDREN_V4 = """
CREATE TABLE census_children(
    as_of TEXT, name TEXT, sfz TEXT, id_text TEXT, birth TEXT, sex TEXT, stage TEXT, hukou TEXT, guardian TEXT,
    phone TEXT, status TEXT, poor INTEGER, disability TEXT, answer TEXT, file TEXT, sheet TEXT, row INTEGER);
"""

# step 5: the 学年 of the store (§15.2). A rollover to 学年 `year` stored its promotion as the roster
# rows and 毕业 events of file `file_id`; rosters of files from that id on (until the next rollover's)
# are the new year's; `last_day` is the old year's last school day.
ROLLOVERS_V5 = """
CREATE TABLE rollovers(
    year INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, last_day TEXT NOT NULL, rolled_at TEXT,
    forced INTEGER);
"""

# step 6 (issue 12 item 3): the newest file for a class-week wins whatever its hash. inbox_files holds
# the files in the inbox at the last import, each with its arrival number (kc saw it come into the
# inbox: new, or back after being away; a higher number is newer); check_claims holds every class-week
# each 周查表 sheet holds, winning or not, so that a class-week can be rebuilt from the files still in
# the inbox. A store from before holds its files as present in import order (arrival = id), its
# winning claims (class_weeks) and the class-weeks its tables named (tables_seen).
# replacements.note is the Chinese line the console showed.
CORRECTIONS_V6 = """
CREATE TABLE inbox_files(file_id INTEGER PRIMARY KEY, arrival INTEGER NOT NULL);
INSERT INTO inbox_files SELECT id, id FROM files WHERE fmt IS NOT 'rollover';
CREATE TABLE check_claims(
    file_id INTEGER NOT NULL, sheet TEXT NOT NULL, tbl INTEGER NOT NULL, grade INTEGER, class_no TEXT,
    week TEXT NOT NULL, PRIMARY KEY(file_id, sheet, tbl, grade, class_no, week));
CREATE INDEX check_claims_class_week ON check_claims(grade, class_no, week);
INSERT OR IGNORE INTO check_claims
    SELECT c.file_id, c.sheet, COALESCE((SELECT MAX(t.tbl) FROM tables_seen t WHERE t.file_id = c.file_id
                                         AND t.sheet = c.sheet), 0), c.grade, c.class_no, c.week
    FROM class_weeks c;
INSERT OR IGNORE INTO check_claims
    SELECT file_id, sheet, tbl, grade, class_no, week FROM tables_seen
    WHERE form = '周查表' AND grade IS NOT NULL AND class_no IS NOT NULL AND week IS NOT NULL;
ALTER TABLE replacements ADD COLUMN note TEXT;
"""

# step 7: each student's attendance walk at the end of a run (issue 18, SPEC §23; rules/walk_state.py),
# so that the next run goes on from it and reads only the later marks. `print` hashes what else the
# walk read (status timeline, events, calendar, policy). A mark written, changed or removed (a
# re-imported or corrected 周查表) drops every state from its day on: the triggers below, whatever
# code writes the marks.
WALK_STATE_TRIGGERS = """
CREATE TRIGGER marks_insert_walk AFTER INSERT ON marks BEGIN
    DELETE FROM walk_states WHERE day >= NEW.day; END;
CREATE TRIGGER marks_update_walk AFTER UPDATE ON marks BEGIN
    DELETE FROM walk_states WHERE day >= MIN(OLD.day, NEW.day); END;
CREATE TRIGGER marks_delete_walk AFTER DELETE ON marks BEGIN
    DELETE FROM walk_states WHERE day >= OLD.day; END;
"""
WALK_STATES_V7 = """
CREATE TABLE walk_states(
    day TEXT NOT NULL, key TEXT NOT NULL, print TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY(day, key));
""" + WALK_STATE_TRIGGERS

# step 8 (issue 18): marks keyed by (day, key) instead of (key, day). Each week adds every student's
# marks of the new days; under (key, day) those land in a different index page per student (about
# 700 pages written per run at week 38 of a 708-student school, against about 70 at week 2), under
# (day, key) at the end of the index, so a run writes the same few pages whatever the week. The
# reads go by day too (the marks after a saved walk state); the rare walk of a student from 学年初
# scans the year's index. The marks table is rebuilt (its triggers and index with it).
MARKS_BY_DAY_V8 = """
CREATE TABLE marks_by_day(
    key TEXT, day TEXT, grade INTEGER, class_no TEXT, week TEXT, raw TEXT, present REAL, late INTEGER,
    sick REAL, personal REAL, unexcused REAL, file_id INTEGER, sheet TEXT, row INTEGER,
    PRIMARY KEY(day, key));
INSERT INTO marks_by_day SELECT * FROM marks ORDER BY day, key;
DROP TABLE marks;
ALTER TABLE marks_by_day RENAME TO marks;
CREATE INDEX marks_week ON marks(grade, class_no, week);
""" + WALK_STATE_TRIGGERS   # dropped with the old table: the same triggers as step 7's

# step 9 (issue 18): each complete ISO week's attendance while 在读 (days marked, present), for the
# monthly's chart of weekly attendance since 学年初, so that a run reads the weeks already counted
# instead of every mark of the year. `print` hashes the status timelines the count read
# (rules/walk_state.week_prints); a mark written, changed or removed on one of the week's days drops
# the week (the triggers below).
WEEK_PRESENCE_V9 = """
CREATE TABLE week_presence(
    week TEXT PRIMARY KEY, monday TEXT NOT NULL, sunday TEXT NOT NULL, print TEXT NOT NULL,
    marked REAL NOT NULL, present REAL NOT NULL);
CREATE TRIGGER marks_insert_presence AFTER INSERT ON marks BEGIN
    DELETE FROM week_presence WHERE NEW.day BETWEEN monday AND sunday; END;
CREATE TRIGGER marks_update_presence AFTER UPDATE ON marks BEGIN
    DELETE FROM week_presence WHERE OLD.day BETWEEN monday AND sunday OR NEW.day BETWEEN monday AND sunday; END;
CREATE TRIGGER marks_delete_presence AFTER DELETE ON marks BEGIN
    DELETE FROM week_presence WHERE OLD.day BETWEEN monday AND sunday; END;
"""

MIGRATIONS: list[tuple[int, str]] = [
    (1, SCHEMA_V1),
    (2, SENT_MAIL_V2),
    (3, HOME_VISITS_LETTERS_V3),
    (4, CENSUS_CHILDREN_V4),
    (5, ROLLOVERS_V5),
    (6, CORRECTIONS_V6),
    (7, WALK_STATES_V7),
    (8, MARKS_BY_DAY_V8),
    (9, WEEK_PRESENCE_V9),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection, path: Path) -> list[int]:
    """Bring a store up to SCHEMA_VERSION; → the steps applied. Each step and its new
    user_version commit together, so a killed upgrade leaves the store at a whole step."""
    applied = []
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise StoreError(f"数据库 {path} 由更新版本的 kc 写入（结构版本 {version}，本程序支持到 {SCHEMA_VERSION}），"
                         "请升级 kc 后再运行。")
    for number, script in MIGRATIONS:
        if number <= version:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number:d}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied


def _statements(script: str) -> list[str]:
    """The statements of a step, split at the semicolons that end one (a trigger's body holds some)."""
    out, part = [], ""
    for piece in script.split(";"):
        part += piece + ";"
        if sqlite3.complete_statement(part):
            if part.strip(" \n;"):
                out.append(part.strip().rstrip(";").strip())
            part = ""
    if part.strip(" \n;"):
        out.append(part.strip().rstrip(";").strip())
    return out
