"""`kc census` as a command (SPEC §8, §3.4): read the population list, import the inbox, compare
(reconcile/census.py), write the workbook (reports/census_book.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch.app.jobs import RunOutcome, import_all, open_workspace
from kc_batch.errors import UsageError
from kc_batch.app.loading import load_year_roster_events, school_year_of, store_answers
from kc_batch.reconcile.census import (CENSUS_ANSWER_SHEETS, CENSUS_KIND, JUNIOR, PRIMARY, ROSTER_CHECK_KIND,
                                       CensusResult, compute_census, harvest_answers, parse_as_of, read_population,
                                       unenrolled_records)
from kc_batch.reports.census_book import write_census


def run_census(work_dir: Path, population_file: Path, as_of: dt.date | str | None = None, progress=None):
    """Import the inbox, compare the population list with every roster, write the workbook."""
    if not isinstance(as_of, dt.date):
        as_of = parse_as_of(as_of)
    population_file = Path(population_file)
    if not population_file.is_file():
        raise UsageError(f"找不到适龄儿童名册文件 {population_file}。")
    ws = open_workspace(work_dir, "census")
    out_dir = Path(ws.dir) / "out" / "census"
    pop, pop_errors, pop_sha = read_population(population_file, ws.cfg, ws.cal)  # a bad list stops before the import
    with ws.open_store() as store:
        started = dt.datetime.now()
        result, import_errors = import_all(ws, store, None, progress)
        answers, problems = harvest_answers(out_dir, "人籍比对_*.xls*", CENSUS_ANSWER_SHEETS)
        store_answers(store, answers)
        # the rosters and events of the 学年 holding as_of only (a store holds several after kc rollover)
        data = load_year_roster_events(store, school_year_of(as_of), exclude_sha={pop_sha})
        res = compute_census(data, store.answers_of(CENSUS_KIND, ROSTER_CHECK_KIND), ws.cfg, ws.cal, pop, as_of,
                             population_file.name)
        res.errors = pop_errors + import_errors
        path = write_census(ws.dir, ws.cfg, res)
        store.replace_census_children(unenrolled_records(res))  # §20: for kc monthly's 台账 and 分村名单
        store.log_run(f"census {as_of.isoformat()}", started, len(result.new_files), len(res.errors))
    out = RunOutcome(outputs=[path], errors=res.errors, new_files=len(result.new_files))
    out.unreadable = [f.message for f in result.unreadable]
    out.lines = problems + census_summary_lines(res)
    return out


def census_summary_lines(res: CensusResult) -> list[str]:
    c = res.children
    school_age = c["stage"].notna()
    in_school = int((school_age & c["in_school"]).sum())
    total = int(school_age.sum())
    rate = f"{in_school / total:.2%}" if total else "—"
    unenrolled = int((school_age & c["key"].isna() & ~c["ambiguous"]).sum())
    return [f"{res.unit} 人籍比对（截至 {res.as_of.isoformat()}）：名册儿童 {len(c)} 人，其中适龄 {total} 人"
            f"（小学 {int((c['stage'] == PRIMARY).sum())}、初中 {int((c['stage'] == JUNIOR).sum())}），"
            f"在校 {in_school} 人，入学率 {rate}；适龄未入学 {unenrolled} 人，重名待核 {int(c['ambiguous'].sum())} 人，"
            f"在籍不在册 {len(res.not_listed)} 人。"]
