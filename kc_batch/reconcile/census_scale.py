"""人籍比对 at province scale (SPEC §23): census.match_children and census.school_stage as DuckDB SQL.

Takes a DuckDB connection holding two tables (built by app/province.py from the province's CSV files
and the counties' work folders, normalised by read/duck.py):
  pop(pid, name, sfz, id_text, birth, sex, county, township, hukou, guardian, phone, status, file, row)
      — one row per usable child, repeated 身份证号 already dropped (the first in file order kept);
  students(key, rid, name, birth) — one row per student key (the newest roster row), rid its 身份证号.
The steps are those of census.match_children, in the same order:
  1. by valid 身份证号: pop.sfz = students.rid (both unique, so one to one);
  2. by 姓名 + 出生日期 among the children and students not matched by ID: one candidate each way →
     matched; a child with several candidates, or whose one candidate several children claim → 重名待核;
  3. 适龄 by census.STAGE_AGES and the as-of date's 学年; 适龄未入学 = 适龄, matched by neither, not 重名待核.
Only the 适龄未入学 rows and the per-township counts leave the database.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kc_batch.reconcile.census import JUNIOR, NO_HUKOU, PRIMARY, STAGE_AGES, school_year_start

NO_COUNTY, NO_TOWNSHIP = "（未填县区）", "（未填乡镇）"
UNENROLLED_FIELDS = ["pid", "township", "hukou", "name", "id_text", "sex", "birth", "stage", "guardian", "phone",
                     "status", "file", "row"]


def stage_sql(birth: str, as_of: dt.date) -> str:
    """census.school_stage of the DATE column `birth`: the age on 8月31日 of the 学年's start year."""
    year = school_year_start(as_of)
    age = f"({year} - year({birth}) - CAST(month({birth}) * 100 + day({birth}) > 831 AS INTEGER))"
    whens = " ".join(f"WHEN {age} BETWEEN {low} AND {high} THEN '{stage}'" for stage, low, high in STAGE_AGES)
    return f"CASE {whens} END"


MATCH_STEPS = [
    "CREATE OR REPLACE TABLE by_id AS SELECT p.pid, s.key FROM pop p JOIN students s ON p.sfz = s.rid",
    "CREATE OR REPLACE TABLE cands AS SELECT p.pid, s.key FROM "
    "(SELECT pid, name, birth FROM pop p ANTI JOIN by_id USING (pid) WHERE p.birth IS NOT NULL) p JOIN "
    "(SELECT key, name, birth FROM students s ANTI JOIN by_id USING (key) WHERE s.birth IS NOT NULL) s "
    "ON p.name = s.name AND p.birth = s.birth",
    "CREATE OR REPLACE TABLE by_name AS SELECT pid, key FROM (SELECT pid, key, count(*) OVER (PARTITION BY pid) AS per_child, "
    "count(*) OVER (PARTITION BY key) AS per_student FROM cands) WHERE per_child = 1 AND per_student = 1",
    "CREATE OR REPLACE TABLE ambiguous AS SELECT DISTINCT pid FROM cands ANTI JOIN by_name USING (pid)",
]


def match(con, as_of: dt.date) -> None:
    """Build by_id, cands, by_name, ambiguous and `children` (pid, county, township, stage, outcome)."""
    for step in MATCH_STEPS:
        con.execute(step)
    con.execute(f"""CREATE OR REPLACE TABLE children AS
        SELECT p.pid, coalesce(p.county, '{NO_COUNTY}') AS county, coalesce(p.township, '{NO_TOWNSHIP}') AS township,
               {stage_sql('p.birth', as_of)} AS stage,
               CASE WHEN i.pid IS NOT NULL OR n.pid IS NOT NULL THEN 'matched'
                    WHEN a.pid IS NOT NULL THEN 'ambiguous' ELSE 'unmatched' END AS outcome
        FROM pop p LEFT JOIN by_id i USING (pid) LEFT JOIN by_name n USING (pid) LEFT JOIN ambiguous a USING (pid)""")


def counties(con) -> list[str]:
    """Every county with a 适龄 child, in name order."""
    return [r[0] for r in con.execute("SELECT DISTINCT county FROM children WHERE stage IS NOT NULL ORDER BY county")
            .fetchall()]


def township_counts(con) -> pd.DataFrame:
    """Per county and township: 适龄 children by stage, how many are on a roster (matched), 重名待核 and
    适龄未入学 — every 适龄 child is in exactly one of the last three."""
    def count(stage=None, outcome=None):
        cond = " AND ".join(c for c in (f"stage = '{stage}'" if stage else "", f"outcome = '{outcome}'" if outcome else "") if c)
        return f"count(*) FILTER (WHERE {cond})" if cond else "count(*)"
    cols = [f"{count(PRIMARY)} AS school_age_primary", f"{count(JUNIOR)} AS school_age_junior",
            f"{count()} AS school_age", f"{count(outcome='matched')} AS on_roster",
            f"{count(outcome='ambiguous')} AS ambiguous", f"{count(PRIMARY, 'unmatched')} AS unenrolled_primary",
            f"{count(JUNIOR, 'unmatched')} AS unenrolled_junior", f"{count(outcome='unmatched')} AS unenrolled"]
    return con.execute(f"SELECT county, township, {', '.join(cols)} FROM children WHERE stage IS NOT NULL "
                       "GROUP BY county, township ORDER BY county, township").df()


def unenrolled_of(con, county: str) -> pd.DataFrame:
    """The 适龄未入学 children of one county, by township, village (户籍所在地) and file order."""
    village = f"coalesce(nullif(p.hukou, ''), '{NO_HUKOU}')"
    fields = ", ".join(village + " AS hukou" if f == "hukou" else f"c.{f}" if f in ("pid", "township", "stage")
                       else f"p.{f}" for f in UNENROLLED_FIELDS)
    return con.execute(f"SELECT {fields} FROM children c JOIN pop p USING (pid) "
                       "WHERE c.county = ? AND c.stage IS NOT NULL AND c.outcome = 'unmatched' "
                       f"ORDER BY c.township, {village}, c.pid", [county]).df()
