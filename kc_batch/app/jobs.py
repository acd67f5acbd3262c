"""One function per command: open the work folder, import, compute, write (SPEC §11).

The CLI only parses options and prints; everything a command does is here so that it can be called
from tests and from the county's multi-folder runs alike.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from kc_batch.app import importer, resume
from kc_batch.calendar import SchoolCalendar, normalise_month, normalise_week, week_days  # noqa: F401  (used by the commands)
from kc_batch import calendar as school_calendar
from kc_batch.config import Config, load_config, load_config_file
from kc_batch.errors import KcError, NoInputError, UsageError
from kc_batch.model import InputError
from kc_batch.read.values import class_label
from kc_batch.store import Store


@dataclass
class Workspace:
    dir: Path
    cfg: Config
    cal: SchoolCalendar

    @property
    def store_path(self) -> Path:
        return self.dir / "kc.sqlite"

    def open_store(self) -> Store:
        return Store(self.store_path, lock_wait=self.cfg.limits.lock_wait_seconds)


def year_workspace(ws: Workspace, day: dt.date) -> Workspace:
    """§15.2: a period of an earlier 学年 (a July report after kc rollover) is computed with that year's
    kept kc.toml.YYYY; any other period with kc.toml."""
    year = day.year if day.month >= 9 else day.year - 1
    kept = ws.dir / f"kc.toml.{year}"
    if year == ws.cfg.calendar.year_start.year or not kept.is_file():
        return ws
    cfg = load_config_file(kept)
    return Workspace(ws.dir, cfg, SchoolCalendar(cfg.calendar))


def open_workspace(work_dir: Path, command: str | None = None) -> Workspace:
    """The work folder of `command`, refused (exit 2) when its [unit] level is not one the command
    applies to (check_level)."""
    work_dir = Path(work_dir)
    cfg = load_config(work_dir)
    if command is not None:
        check_level(command, cfg)
    return Workspace(work_dir, cfg, SchoolCalendar(cfg.calendar))


# §1, §11: a school imports its own rosters and 周查表; a township or county receives 月报 workbooks.
# The commands not listed here (init, forms, send, census, transition) apply at every level.
SCHOOL, TOWNSHIP, COUNTY = "school", "township", "county"
LEVEL_NAMES = {SCHOOL: "学校", TOWNSHIP: "乡镇", COUNTY: "县"}
COMMAND_LEVELS = {"weekly": {SCHOOL}, "monthly": {SCHOOL}, "check": {SCHOOL}, "review": {SCHOOL}, "rollover": {SCHOOL}, "daily": {SCHOOL}, "term": {SCHOOL}, "aggregate": {TOWNSHIP, COUNTY}}
RIGHT_COMMAND = {SCHOOL: "kc weekly（每周）和 kc monthly（每月）", TOWNSHIP: "kc aggregate", COUNTY: "kc aggregate"}


def check_level(command: str, cfg: Config) -> None:
    """One check for every command: a folder's level decides which commands apply (UsageError, exit 2,
    naming the right command), before anything is read or written."""
    levels = COMMAND_LEVELS.get(command)
    level = cfg.unit.level
    if levels is None or level in levels:
        return
    where = f"{cfg.path}" if getattr(cfg, "path", None) else "kc.toml"
    raise UsageError(f"kc {command} 不适用于{LEVEL_NAMES.get(level, level)}的工作目录（{where} 中 [unit] level = "
                     f"\"{level}\"）：{LEVEL_NAMES.get(level, level)}请使用 {RIGHT_COMMAND.get(level, 'kc aggregate')}。"
                     + ("收到的各校月报放在 inbox 中由 kc aggregate 汇总，不作为花名册导入。" if level != SCHOOL else ""))


@dataclass
class RunOutcome:
    """What a command did, for the CLI to print and turn into an exit code (§10.1)."""
    outputs: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)       # Chinese summary lines
    unreadable: list[str] = field(default_factory=list)  # one Chinese line per unreadable file
    errors: list[InputError] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    new_files: int = 0

    @property
    def error_count(self) -> int:
        return len(self.errors)


def import_all(ws: Workspace, store: Store, default_week: str | None, progress=None):
    """Import the inbox; → (ImportResult, every input error of the files in the inbox)."""
    result = importer.import_inbox(ws.dir, ws.cfg, ws.cal, store, default_week, progress)
    errors = [f.as_error() for f in result.unreadable]
    errors += importer.stored_errors(store, result.present_file_ids)
    return result, errors


def _import_for_report(ws: Workspace, store: Store, default_week, progress):
    """Import the inbox; exit 3 (§10.1) when nothing could be read now or ever before."""
    result, errors = import_all(ws, store, default_week, progress)
    out = RunOutcome(lines=list(ws.cfg.notices), errors=errors, replaced=result.replaced,
                     new_files=len(result.new_files))
    out.unreadable = [f.message for f in result.unreadable]
    out.lines += hidden_sheet_lines(result.new_files)
    if result.readable_count == 0 and not store.has_files():
        raise NoInputError("收件箱中没有可读取的文件，未生成任何报表。" + _unreadable_hint(out))
    return out, errors


def hidden_sheet_lines(files) -> list[str]:
    """§3.5: one console line per hidden sheet that was not read (its 输入错误 row holds the count)."""
    return [f"注意：{f.rel} 的工作表“{sheet}”是{why}（已记入输入错误）。" for f in files
            for sheet, why in f.parsed.skipped_sheets if why.startswith("隐藏")]


def check_period(ws: Workspace, label: str, force: bool) -> None:
    """Issue 11 item 9: a period after the run day or outside the 学年 is a usage error (exit 2)
    unless --force (the rule itself: SchoolCalendar.period_refusal)."""
    why = ws.cal.period_refusal(label)
    if why and not force:
        raise UsageError(f"{why}。请检查统计周期；如确需生成，请加 --force。")


def run_weekly(work_dir: Path, week: str | None = None, progress=None, force: bool = False) -> RunOutcome:
    from kc_batch.reconcile import weekly
    from kc_batch.reports.weekly_book import write_weekly
    store_ws = open_workspace(work_dir, "weekly")
    week = normalise_week(week)  # §13.29: usage errors before the inbox is read
    # §15.2: a week of an earlier 学年 (after kc rollover) is computed with its kept kc.toml.YYYY
    ws = year_workspace(store_ws, week_days(week)[-1]) if week is not None else store_ws
    if week is not None:
        check_period(ws, week, force)
    with ws.open_store() as store:
        started = dt.datetime.now()
        out, errors = _import_for_report(store_ws, store, week, progress)
        if week is None:
            week = store.latest_week()
            if week is None:
                raise _no_week(errors)
            check_period(ws, week, force)  # a date typed wrong in a 周查表 can make the latest week a future one
        as_of = ws.cal.week_end(week)
        data, resumed = resume.load_resumed(store, ws.cfg, ws.cal, as_of, week)
        res = weekly.compute_week(data, ws.cfg, ws.cal, week)
        path = write_weekly(ws.dir, ws.cfg, res, errors)
        resume.save_states(store, ws.cfg, ws.cal, res.state, res.atts, as_of, resumed)
        out.lines += filter(None, [store.log_run(f"weekly {week}", started, out.new_files, len(errors))])
    out.outputs.append(path)
    out.lines += weekly_summary_lines(ws.cfg.unit.name, res)
    return out


def _no_week(errors) -> KcError:
    """No week has 周查表 data: either none was read (exit 3), or one was read whose week cannot be
    told (exit 2: the title or --week must give it; issue 12 item 14)."""
    from kc_batch.read.forms import WEEK_UNKNOWN
    weekless = [e for e in errors if e.reason.startswith(WEEK_UNKNOWN)]
    if not weekless:
        return NoInputError("没有找到任何周查表，无法确定要统计哪一周。请放入周查表，或用 --week 指定周次。")
    where = "、".join(f"{e.file} / {e.sheet}" for e in weekless)
    return UsageError(f"读到了周查表（{where}），但无法确定是哪一周：表头是“周一…周五”，标题中没有“第N周”或日期。"
                      "请在标题写明周次（如“第12周”）或日期，或运行时用 --week 指定（如 --week 2026-W47）。")


def _unreadable_hint(out: RunOutcome) -> str:
    return ("无法读取的文件：" + "；".join(out.unreadable)) if out.unreadable else ""


def weekly_summary_lines(unit: str, res) -> list[str]:
    enrolled = sum(c.enrolled for c in res.classes)
    expected = sum(c.expected for c in res.classes)
    present = sum(c.present for c in res.classes)
    unexcused = sum(c.unexcused for c in res.classes)
    missing = [c for c in res.classes if not c.has_sheet]
    rate = f"{present / expected:.2%}" if expected else "—"
    lines = [f"{unit} {res.week}（截至 {res.as_of.isoformat()}）：在册 {enrolled} 人，出勤率 {rate}，"
             f"旷课 {_num(unexcused)} 人次，缺勤预警 {len(res.alerts)} 人，疑似辍学 {len(res.suspects)} 人，"
             f"在办/观察中台账 {len(res.cases)} 件，核对异常 {len(res.findings)} 条。"]
    if missing:
        lines.append("未报周查表的班级：" + "、".join(class_label(c.grade, c.class_no) for c in missing))
    return lines


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def run_check(work_dir: Path, week: str | None = None) -> RunOutcome:
    """Read and recognise the inbox, report everything, change nothing (§11)."""
    from kc_batch.read.forms import form_summary
    ws = open_workspace(work_dir, "check")
    week = normalise_week(week)
    result = importer.scan(ws.dir, ws.cfg, ws.cal, None, week)
    out = RunOutcome(lines=list(ws.cfg.notices))
    for f in result.files:
        if f.status == "unreadable":
            out.unreadable.append(f.message)
            out.errors.append(f.as_error())
            continue
        out.lines.append(f"【{f.rel}】")
        for t in f.parsed.tables:
            out.lines.append(f"  {t.sheet}（第{t.header_row}行表头）：{form_summary(t)}")
        for sheet, why in f.parsed.skipped_sheets:
            out.lines.append(f"  {sheet}：{why}")
        out.errors += f.parsed.errors
    out.lines += store_lines(ws.store_path)
    if result.readable_count == 0:
        raise NoInputError("收件箱中没有可读取的文件。" + _unreadable_hint(out))
    return out


def store_lines(path: Path) -> list[str]:
    """kc check on the store: whether it is sound, its backups, and how to restore one (issue 12 item 12)."""
    from kc_batch.store_guard import backups, restore_hint, store_health
    problem = store_health(path)
    if problem:
        return ["数据库：" + problem]
    found = backups(path.parent)
    if not found:
        return []
    names = "、".join(p.name for p in found)
    return [f"数据库备份（每次导入前自动备份，最新在前）：{names}。如 {path.name} 损坏：" + restore_hint(path)]


def default_month(cal: SchoolCalendar, today: dt.date | None = None) -> str:
    """The latest month whose cutoff has passed (on the 20th itself, that month)."""
    from kc_batch.calendar import month_label
    today = today or school_calendar.today()
    if today >= cal.cutoff_of(today.year, today.month):
        return month_label(today.year, today.month)
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return month_label(y, m)


def run_monthly(work_dir: Path, month: str | None = None, progress=None, force: bool = False) -> RunOutcome:
    from kc_batch.reconcile.monthly import compute_month, rate_limit_breaches
    from kc_batch.reports.monthly_book import write_monthly
    from kc_batch.app.duties import duties_and_sheet, write_ledger_book
    from kc_batch.app.cohort import monthly_cohorts
    store_ws = open_workspace(work_dir, "monthly")
    month = normalise_month(month) or default_month(store_ws.cal)
    ws = year_workspace(store_ws, dt.date(*school_calendar.parse_month(month), 1))
    start, cutoff = ws.cal.month_period(month)
    if cutoff < ws.cal.first_school_day:
        raise UsageError(f"{month} 的统计截止日 {cutoff.isoformat()} 在学年初 {ws.cal.first_school_day.isoformat()} 之前，"
                         "请检查 --month 或 kc.toml 的 year_start。")
    check_period(ws, month, force)
    with ws.open_store() as store:
        started = dt.datetime.now()
        out, errors = _import_for_report(store_ws, store, None, progress)
        data, resumed = resume.load_resumed(store, ws.cfg, ws.cal, cutoff, follow_flags=True, presence=True)
        res = compute_month(data, ws.cfg, ws.cal, month)
        res.cohort = monthly_cohorts(store, store_ws, res)
        _, duty = duties_and_sheet(ws.cfg, res, store.home_visits(cutoff))
        path = write_monthly(ws.dir, ws.cfg, res, extra_sheets=[duty], errors=errors)
        ledger_book = write_ledger_book(ws.dir, ws.cfg, res, store.census_children())
        resume.save_states(store, ws.cfg, ws.cal, res.state, res.atts, cutoff, resumed)
        out.lines += filter(None, [store.log_run(f"monthly {month}", started, out.new_files, len(errors))])
    out.outputs += [path, ledger_book]
    total = res.rows[-1]
    c = total.figures.counts
    rates = {k: v.value for k, v in total.rates.items()}
    fmt = lambda v: "—" if v is None else f"{v:.2%}"  # noqa: E731
    out.lines.append(
        f"{ws.cfg.unit.name} {month}（{res.start.isoformat()} 至 {res.cutoff.isoformat()}）：学年初在校生 {c['学年初在校生']}，"
        f"本月末在校生 {c['本月末在校生']}，本月转入 {c['本月转入']}、转出 {c['本月转出']}，当前辍学 {c['当前辍学']}，"
        f"疑似辍学 {c['疑似辍学']}；年辍学率 {fmt(rates['年辍学率'])}，巩固率 {fmt(rates['巩固率'])}。"
        + ("本月零报告（无辍学学生）。" if c["当前辍学"] == 0 else ""))
    for _, _, text in rate_limit_breaches(res, ws.cfg):
        out.lines.append("注意：" + text)
    return out


# ---------------------------------------------------------------- several work folders (§11)

def _command(name: str):
    if name == "weekly":
        return run_weekly
    if name == "monthly":
        return run_monthly
    if name == "check":
        return run_check
    raise ValueError(name)


def _run_one(job: tuple):
    """Run one command in one folder; → (folder, outcome, None) or (folder, None, KcError)."""
    from kc_batch.errors import KcError
    name, folder, kwargs = job
    try:
        return folder, _command(name)(folder, **kwargs), None
    except KcError as exc:
        return folder, None, exc


def run_many(name: str, folders: list[Path], workers: int = 2, **kwargs):
    """Each folder processed as if alone, in the given order; with several folders, two at a time
    in worker processes so that a county's run pays start-up once and uses both cores."""
    jobs = [(name, Path(f), kwargs) for f in folders]
    if len(jobs) < 3 or workers < 2:
        yield from map(_run_one, jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(_run_one, jobs)
