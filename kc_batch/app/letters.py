"""`kc letters` (SPEC §18): import, work out who gets which letter as of a date, number the letters
from the store (the same student and episode keeps its number across runs), render every document
in memory, then write them all and commit the new numbers."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch.app.jobs import RunOutcome, _import_for_report, normalise_week, open_workspace
from kc_batch.app.loading import load_school
from kc_batch.errors import NoInputError, UsageError
from kc_batch.read.values import parse_date
from kc_batch.reconcile.letters import KIND_CODES, KINDS, Letter, compute_letters
from kc_batch.reports.letters import render_all, write_all
from kc_batch.reports.xlsxform import safe_filename
from kc_batch.store import Store


def parse_as_of(text: str | None) -> dt.date | None:
    if text is None:
        return None
    day = parse_date(text.strip())
    if day is None:
        raise UsageError(f"--date 的值“{text}”不是日期，请写成 2026-11-20 这样。")
    return day


def run_letters(work_dir: Path, week: str | None = None, date: str | None = None, progress=None) -> RunOutcome:
    ws = open_workspace(work_dir)
    if week and date:
        raise UsageError("--week 和 --date 只能选一个。")
    week, as_of = normalise_week(week), parse_as_of(date)
    with ws.open_store() as store:
        out, _ = _import_for_report(ws, store, week, progress)
        if as_of is None:
            week = week or store.latest_week()
            if week is None:
                raise NoInputError("没有找到任何周查表，无法确定信函的日期。请用 --week 或 --date 指定。")
            as_of = ws.cal.week_end(week)
        letters = compute_letters(load_school(store, as_of), ws.cfg, ws.cal, as_of)
        store.begin()
        try:
            number_letters(store, letters, ws.cfg.unit.code or ws.cfg.unit.name, ws.cal.school_year_of(as_of))
            documents = render_all(ws.dir, as_of, letters)   # TemplateError here: nothing written
            out.outputs += write_all(documents)
            store.commit()
        except BaseException:
            store.rollback()
            raise
    out.lines += summary_lines(ws.cfg.unit.name, as_of, letters)
    return out


def number_letters(store: Store, letters: list[Letter], school_code: str, school_year: int) -> None:
    """<学校代码>-<学年>-<文书>-<序号> (§18): kept in the store per (文书, student, episode)."""
    known = store.letter_numbers()
    code = safe_filename(school_code)
    for lt in letters:
        number = known.get((lt.kind, lt.student.key, lt.episode))
        if number is None:
            seq = store.next_letter_seq(lt.kind, school_year)
            number = f"{code}-{school_year}-{KIND_CODES[lt.kind]}-{seq:03d}"
            store.add_letter(lt.kind, lt.student.key, lt.episode, school_year, seq, number)
        lt.number = number


def summary_lines(unit: str, as_of: dt.date, letters: list[Letter]) -> list[str]:
    counts = {k: sum(1 for lt in letters if lt.kind == k) for k in KINDS}
    if not letters:
        return [f"{unit}（截至 {as_of.isoformat()}）：没有需要发出的信函。"]
    return [f"{unit}（截至 {as_of.isoformat()}）：" + "，".join(f"{k} {n} 份" for k, n in counts.items()) + "。"]
