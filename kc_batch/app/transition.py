"""`kc transition` as a command (SPEC §12): graduates from the store or a file, import the inbox, match
(reconcile/transition.py), write the workbook (reports/census_book.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch.app.jobs import RunOutcome, import_all, open_workspace
from kc_batch.app.loading import load_roster, store_answers
from kc_batch.errors import NoInputError
from kc_batch.model import InputError, SchoolData
from kc_batch.reconcile.census import harvest_answers
from kc_batch.reconcile.transition import (AWAY, ENROLLED, MISSING, TRANSITION_ANSWER_SHEETS, TRANSITION_KIND,
                                           TransitionResult, compute_transition, graduates_from_file, graduates_of,
                                           graduating_window)
from kc_batch.reports.census_book import write_transition


def run_transition(work_dir: Path, year: int | None = None, graduates_file: Path | None = None, progress=None):
    ws = open_workspace(work_dir, "transition")
    year = year or ws.cfg.calendar.year_start.year
    errors: list[InputError] = []
    exclude, source = set(), f"学籍变动登记表中 {year - 1}—{year} 学年登记“毕业”的六年级学生"
    if graduates_file is not None:   # read before the import: a bad file stops the run untouched
        file_grads, errors, sha = graduates_from_file(graduates_file, ws.cfg, ws.cal)
        exclude, source = {sha}, f"毕业生名册 {Path(graduates_file).name}"
    with ws.open_store() as store:
        started = dt.datetime.now()
        result, import_errors = import_all(ws, store, None, progress)
        # 六年级 graduates on last 学年's rosters, 七年级 receiving rosters of this 学年 (§12, §15.2)
        roster = load_roster(store, year - 1, exclude, grades=(6,)) + load_roster(store, year, exclude, grades=(7,))
        if graduates_file is not None:
            grads = file_grads
        else:
            grads = graduates_of(SchoolData(roster=roster, events=store.events("毕业", *graduating_window(year))),
                                 ws.cfg, year)
        if grads.empty:
            raise NoInputError(f"没有找到 {year - 1}—{year} 学年的六年级毕业生：请在学籍变动登记表中登记“毕业”"
                               "（年级填六年级），或用 --graduates 给出毕业生名册。")
        answers, problems = harvest_answers(Path(ws.dir) / "out" / "transition", "小升初对接_*.xls*",
                                            TRANSITION_ANSWER_SHEETS)
        store_answers(store, answers)
        res = compute_transition(roster, store.answers_of(TRANSITION_KIND)[TRANSITION_KIND], ws.cfg, year, grads)
        res.errors, res.source = errors + import_errors, source
        path = write_transition(ws.dir, ws.cfg, res)
        store.log_run(f"transition {year}", started, len(result.new_files), len(res.errors))
    out = RunOutcome(outputs=[path], errors=res.errors, new_files=len(result.new_files))
    out.unreadable = [f.message for f in result.unreadable]
    out.lines = problems + transition_summary_lines(res)
    return out


def transition_summary_lines(res: TransitionResult) -> list[str]:
    total, enrolled = len(res.graduates), len(res.of(ENROLLED))
    rate = f"{enrolled / total:.2%}" if total else "—"
    return [f"{res.unit} {res.year - 1}—{res.year} 学年小学毕业生 {total} 人：已升学 {enrolled} 人（升学率 {rate}），"
            f"外地就读 {len(res.of(AWAY))} 人，未升学 {len(res.of(MISSING))} 人。"]
