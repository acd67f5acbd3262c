"""kc term --term T --kind start|end (SPEC §16): import, compute the term report, write it.

The 学年 is kc.toml's, or with --year an earlier one kept as kc.toml.YYYY by kc rollover (the 学期末 report
of the spring term after the rollover). The start report of a 学年's first term takes 上学期末在校生 from
the old year's data at its last school day (the rollover's); the end report of the 学年's last term
counts 毕业 from the rollover's plan while kc rollover has not yet run, so that the figures are the
same before and after it.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch import calendar as school_calendar
from kc_batch.app.duties import duties_and_sheet
from kc_batch.app.jobs import RunOutcome, Workspace, _import_for_report, open_workspace
from kc_batch.app.loading import load_school
from kc_batch.calendar import SchoolCalendar, chinese_date
from kc_batch.config import load_config_file
from kc_batch.errors import UsageError
from kc_batch.model import SchoolData
from kc_batch.reconcile.home_visits import compute_visit_stats
from kc_batch.reconcile.term import (END, KIND_WORDS, START, WHOLE_YEAR, TermPeriod, compute_term_end,
                                     compute_term_start, reading_grades, term_names, term_period)
from kc_batch.reports.term_book import write_term_end, write_term_start
from kc_batch.rules import attendance
from kc_batch.rules.classes import head_teachers
from kc_batch.rules.home_visits import visits_by_student
from kc_batch.rules.rollover import plan_rollover
from kc_batch.rules.status import build_state

KINDS = (START, END)


def run_term(work_dir: Path, term: str, kind: str | None = None, year: int | None = None,
             force: bool = False) -> RunOutcome:
    store_ws = open_workspace(work_dir, "term")
    ws = _year_workspace(store_ws, year)
    term = (term or "").strip()
    if kind is None:  # before the term's last school day: the start report; from it on: the end report
        last = term_period(ws.cal, term, END)
        kind = END if last is None or school_calendar.today() >= last.as_of else START
    period = term_period(ws.cal, term, kind, ws.cfg.policy.term_report_due)
    if period is None:
        raise UsageError(unknown_term(ws, term))
    today = school_calendar.today()
    if period.as_of > today and not force:
        raise UsageError(f"{period.title}{KIND_WORDS[kind]}报告统计到{chinese_date(period.as_of)}，在今天"
                         f"（{chinese_date(today)}）之后，还不可能有完整数据。请检查 --term、--kind；如确需生成，请加 --force。")
    with store_ws.open_store() as store:
        started = dt.datetime.now()
        out, errors = _import_for_report(store_ws, store, None, None)
        data = load_school(store, period.as_of)
        if kind == END:
            planned = _planned_graduations(store.rollovers(), ws, data, period)
            t = compute_term_end(data, ws.cfg, ws.cal, period)
            t.planned_graduations = planned
            state = t.res.state
            visits = visits_by_student(data.visits, state, period.as_of)
            stats = compute_visit_stats(state, visits, ws.cfg.policy.home_visits,
                                        head_teachers(ws.cfg, state.head_teachers), period.as_of, period.start)
            duty = duties_and_sheet(ws.cfg, t.res, data.visits)[1] if t.res.student_figures else None
            path = write_term_end(ws.dir, ws.cfg, t, stats, duty, errors)
            out.lines.append(end_line(ws.cfg.unit.name, t))
        else:
            before = _before(store, ws, data, period)
            t = compute_term_start(data, ws.cfg, ws.cal, period, before)
            path = write_term_start(ws.dir, ws.cfg, t, errors)
            out.lines.append(start_line(ws.cfg.unit.name, t))
        out.lines += filter(None, [store.log_run(f"term {period.name} {kind}", started, out.new_files, len(errors))])
    out.outputs.append(path)
    return out


def unknown_term(ws: Workspace, term: str) -> str:
    where = getattr(ws.cfg, "path", None) or "kc.toml"
    if not ws.cal.terms:
        return (f"{where} 没有设置学期（[calendar] terms），整个学年按一个学期统计：请用 --term {WHOLE_YEAR}"
                f"（而不是“{term}”），或在 [calendar] terms 中写明各学期。")
    return (f"{where} 中没有名为“{term}”的学期（{ws.cfg.calendar.year_start.year}学年）。已定义的学期："
            f"{'、'.join(term_names(ws.cal))}。请检查 --term，或 [calendar] terms 的 name。")


def _year_workspace(ws: Workspace, year: int | None) -> Workspace:
    """kc.toml's 学年, or (--year) the earlier one kept as kc.toml.YYYY by kc rollover."""
    have = ws.cfg.calendar.year_start.year
    if year is None or year == have:
        return ws
    kept = ws.dir / f"kc.toml.{year}"
    if not kept.is_file():
        raise UsageError(f"没有{year}学年的配置：kc.toml 是{have}学年，目录中也没有 kc.toml.{year}"
                         "（kc rollover 升级时保存的上学年配置）。请检查 --year。")
    cfg = load_config_file(kept)
    return Workspace(ws.dir, cfg, SchoolCalendar(cfg.calendar))


def _planned_graduations(rollovers, ws: Workspace, data: SchoolData, period: TermPeriod) -> int:
    """The 学年's last term before kc rollover: its 毕业 events from the rollover's plan (§15.2), added
    to `data`; → how many."""
    last_term_end = ws.cal.terms[-1].end if ws.cal.terms else ws.cal.year_end
    if ws.cal.last_school_day_on_or_before(last_term_end) != period.last_day:
        return 0
    if any(year == period.year + 1 for year, _, _ in rollovers):
        return 0
    state = build_state(data, ws.cal)
    atts = attendance.analyse(state, data.marks, ws.cfg.policy, period.last_day)
    graduations = plan_rollover(state, atts, period.year + 1, period.last_day).graduations()
    data.events = sorted(data.events + graduations, key=lambda e: e.date)
    return len(graduations)


def _before(store, ws: Workspace, data: SchoolData, period: TermPeriod):
    """上学期末: the previous term of this 学年; for its first term, the old 学年's last school day
    (kept by kc rollover); None when the store does not hold it."""
    if period.previous_end is not None:
        return reading_grades(data, ws.cal, period.previous_end)
    into = [(fid, day) for year, fid, day in store.rollovers() if year == period.year]
    if not into:
        return None
    last_day = into[-1][1]
    kept = ws.dir / f"kc.toml.{period.year - 1}"
    cal = SchoolCalendar(load_config_file(kept).calendar) if kept.is_file() else ws.cal
    return reading_grades(load_school(store, last_day), cal, last_day)


def _pct(rate) -> str:
    return "—" if rate.value is None else f"{rate.value:.2%}"


def end_line(unit: str, t) -> str:
    r = t.rows[-1]
    return (f"{unit} {t.period.title}期末报告（{t.period.start.isoformat()} 至 {t.period.last_day.isoformat()}）："
            f"学期初在校生 {r.opening}，学期末在校生 {r.closing}，本学期辍学 {r.changes['本月辍学']}、"
            f"毕业 {r.changes['本月毕业']}；学期辍学率 {_pct(r.dropout_rate)}，巩固率 {_pct(r.retention)}，"
            f"劝返成功率 {_pct(r.success)}（{t.returned}/{t.opened}）。")


def start_line(unit: str, t) -> str:
    r, p = t.rows[-1], t.period
    before = "不详" if r.before is None else str(r.before)
    return (f"{unit} {p.title}开学报告（截至 {p.as_of.isoformat()}，开学第{p.day_number}个教学日）：上学期末在校生 {before}，"
            f"应返校 {r.expected}，已返校 {r.back}，未返校 {r.missing}（其中疑似辍学 {r.suspect}），"
            f"辍学学生 {len(t.dropouts)} 人；报送时限 {p.due.isoformat()}。")
