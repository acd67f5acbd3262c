"""kc rollover --year YYYY: close 学年 YYYY−1 and open 学年 YYYY in the same store (SPEC §15.2).

The plan (who graduates, moves up, keeps the grade, which cases carry over) is rules.rollover's; this
module checks when it may run, stores the promotion and advances kc.toml (the old file kept as
kc.toml.YYYY−1, the new one written from the old text so that its comments survive).
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from kc_batch import calendar as school_calendar
from kc_batch.app import importer
from kc_batch.atomic import write_atomically
from kc_batch.app.jobs import RunOutcome, Workspace, open_workspace
from kc_batch.app.loading import load_school
from kc_batch.calendar import SchoolCalendar, chinese_date
from kc_batch.config import advance_year_text, decode_toml, load_config_file
from kc_batch.errors import OutputError, UsageError
from kc_batch.read.values import class_label
from kc_batch.rules import attendance
from kc_batch.rules.rollover import RolloverPlan, plan_rollover
from kc_batch.rules.status import build_state


def old_toml_path(work_dir: Path, old_year: int) -> Path:
    return Path(work_dir) / f"kc.toml.{old_year}"


def run_rollover(work_dir: Path, year: int, dry_run: bool = False, force: bool = False) -> RunOutcome:
    ws = open_workspace(work_dir, "rollover")
    out = RunOutcome(lines=list(ws.cfg.notices))
    with ws.open_store() as store:
        done = {y for y, _, _ in store.rollovers()}
        if year in done and not force:
            raise UsageError(f"{year}学年已经升级过（kc rollover --year {year} 已运行），不能再运行一次；"
                             "如确需按现在的数据重做升级，请加 --force。")
        old = _old_workspace(ws, year)
        last_day = _old_last_day(old.cal)
        if school_calendar.today() <= last_day and not force:
            raise UsageError(f"{year - 1}学年的最后一个学期到{chinese_date(_last_term_end(old.cal))}才结束，"
                             f"现在还不能升级到{year}学年；如确需提前升级，请加 --force。")
        # the inbox is imported as by every report command (a dry run too: it lists what a run would do)
        result = importer.import_inbox(old.dir, old.cfg, old.cal, store)
        out.unreadable = [f.message for f in result.unreadable]
        out.new_files = len(result.new_files)
        data = load_school(store, last_day)
        state = build_state(data, old.cal)
        atts = attendance.analyse(state, data.marks, old.cfg.policy, last_day)
        plan = plan_rollover(state, atts, year, last_day)
        out.lines += plan_lines(plan, ws.cfg.unit.name)
        if dry_run:
            out.lines.append("（试运行：未升级，kc.toml 未改动；收件箱中的新文件已照常导入。）")
            return out
        store.backup()
        store.begin()
        try:
            store.drop_rollover(year)
            store.add_rollover(year, last_day, plan.promoted_rows(), plan.graduations(), force)
            store.commit()
        except BaseException:
            store.rollback()
            raise
    out.lines += _advance_config(ws, year)
    return out


def _old_workspace(ws: Workspace, year: int) -> Workspace:
    """The old year's config: kc.toml itself, or (a forced second run) its kept copy kc.toml.YYYY−1."""
    have = ws.cfg.calendar.year_start.year
    if have == year - 1:
        return ws
    kept = old_toml_path(ws.dir, year - 1)
    if have == year and kept.is_file():
        cfg = load_config_file(kept)
        return Workspace(ws.dir, cfg, SchoolCalendar(cfg.calendar))
    raise UsageError(f"kc.toml 的 year_start（{ws.cfg.calendar.year_start.isoformat()}）是{have}学年，"
                     f"不能升级到{year}学年：kc rollover --year 只能是 kc.toml 学年的下一年（{have + 1}）。")


def _last_term_end(cal: SchoolCalendar) -> dt.date:
    return cal.terms[-1].end if cal.terms else cal.year_end


def _old_last_day(cal: SchoolCalendar) -> dt.date:
    """The old year's last school day: the last one on or before its last term's end."""
    day = _last_term_end(cal)
    while not cal.is_school_day(day):
        day -= dt.timedelta(days=1)
    return day


def plan_lines(plan: RolloverPlan, unit: str) -> list[str]:
    """What the rollover does, for the console (the dry run shows the same lines)."""
    lines = [f"{unit} 升级到{plan.year}学年（{plan.year - 1}学年最后一个教学日 {plan.last_day.isoformat()}）："
             f"毕业 {len(plan.of('毕业'))} 人，升级 {len(plan.of('升级'))} 人，留级 {len(plan.of('留级'))} 人，"
             f"休学保留年级 {len(plan.of('休学'))} 人，辍学保留年级 {len(plan.of('辍学'))} 人，"
             f"转入新学年的在办案件 {len(plan.open_cases)} 件。"]
    classes: dict[tuple, list] = {}
    for m in plan.of("升级"):
        classes.setdefault((m.old, m.new), []).append(m)
    for (a, b), ms in sorted(classes.items(), key=lambda t: (t[0][0][0], str(t[0][0][1]))):
        lines.append(f"  升级：{class_label(*a)} → {class_label(*b)} {len(ms)} 人")
    for why in ("毕业", "留级", "休学", "辍学"):
        for m in plan.of(why):
            lines.append(f"  {why}：{class_label(*m.old)} {m.student.name}")
    for s, case in plan.open_cases:
        lines.append(f"  在办案件转入新学年：{class_label(*s.class_at(plan.last_day))} {s.name}"
                     f"（{case.category}，{case.opened.isoformat()} 立案，{case.state_at(plan.last_day)}）")
    return lines


def _advance_config(ws: Workspace, year: int) -> list[str]:
    """kc.toml → kc.toml.YYYY−1 (kept), and kc.toml advanced a year from the same text (§15.2)."""
    path, kept = ws.dir / "kc.toml", old_toml_path(ws.dir, year - 1)
    if ws.cfg.calendar.year_start.year != year - 1:
        return [f"kc.toml 已是{year}学年（原配置保存在 {kept.name}），未再改动。"]
    raw = path.read_bytes()
    text, _ = decode_toml(raw, path)
    try:
        shutil.copy2(path, kept)
        write_atomically(path, lambda tmp_name: Path(tmp_name).write_text(advance_year_text(text), encoding="utf-8"))
    except (OSError, OutputError) as exc:
        cause = exc.__cause__ if isinstance(exc, OutputError) and exc.__cause__ is not None else exc
        raise OutputError(f"无法写入 {path}（{getattr(cause, 'strerror', None) or cause}），kc.toml 未改动；"
                          f"数据库中的升级已完成，请手工把 year_start 和 terms 改为{year}学年。") from None
    return [f"kc.toml 已改为{year}学年（year_start 与 terms 各推后一年，原文件保存为 {kept.name}）；"
            "请按新学年校历核对学期日期，并填写新学年的节假日 holidays。"]
