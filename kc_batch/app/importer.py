"""Inbox → store: read, recognise and apply every new file in one transaction (SPEC §10.1, §10.2).

Files are taken in sorted path order (§13.13); within a run, rosters are applied before change
registers and those before 周查表, so that a 周查表 row giving only a name or an L 学籍号 finds the
student on a roster imported in the same run. Which sheet's marks each class-week holds — the newest
file in the inbox, whatever its hash, read again when it is a known one — is app/class_weeks.py's rule.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from kc_batch.app import class_weeks
from kc_batch.read import forms
from kc_batch.read import files as readers
from kc_batch.read import identity
from kc_batch.calendar import SchoolCalendar, week_of
from kc_batch.config import Config
from kc_batch.errors import UnreadableFile
from kc_batch.model import InputError
from kc_batch.read.forms import ParsedFile
from kc_batch.store import Store


@dataclass
class FileReport:
    rel: str
    status: str                   # 'new' | 'known' | 'unreadable'
    message: str = ""
    parsed: ParsedFile | None = None
    file_id: int | None = None
    sheet: str = ""               # where an unreadable file's cause lies, when one sheet/cell is it
    column: str = ""
    path: Path | None = None      # where it is in the inbox now (a known file may be read again)

    def as_error(self) -> InputError:
        """An unreadable file as its one 输入错误 row (§10.1)."""
        return InputError(self.rel, self.sheet, None, self.column, "", self.message)


@dataclass
class ImportResult:
    files: list[FileReport] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    present_file_ids: list[int] = field(default_factory=list)   # files in the inbox now (new or known)
    complete: bool = True         # every file of the inbox could be hashed and read as it was

    @property
    def new_files(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "new"]

    @property
    def unreadable(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "unreadable"]

    @property
    def readable_count(self) -> int:
        return sum(1 for f in self.files if f.status in ("new", "known"))


def inbox_of(work_dir: Path) -> Path:
    return Path(work_dir) / "inbox"


def scan(work_dir: Path, cfg: Config, cal: SchoolCalendar, store: Store | None,
         default_week: str | None = None, progress=None) -> ImportResult:
    """Read and recognise the inbox. With a store, known files are skipped (not re-read)."""
    inbox = inbox_of(work_dir)
    result = ImportResult()
    paths, refused = readers.inbox_entries(inbox) if inbox.is_dir() else ([], [])
    result.files += [FileReport(rel, "unreadable", line) for rel, line in refused]
    slots: list[FileReport | tuple] = []   # in sorted path order (§13.13)
    for path in paths:
        rel = readers.shown_name(path.relative_to(inbox).as_posix())
        try:
            digest = readers.file_sha256(path)
        except OSError:
            slots.append(FileReport(rel, "unreadable", f"文件 {rel} 无法打开（可能正被其他程序占用或已被删除），已跳过"))
            result.complete = False  # what it holds is not known: it has not left the inbox
            continue
        known = store.known_file(digest) if store else None
        if known is not None:
            slots.append(FileReport(rel, "known", file_id=known, path=path))
            result.present_file_ids.append(known)
        else:
            slots.append((rel, path, digest))
    pending = [slot for slot in slots if isinstance(slot, tuple)]
    raws = iter(_read_all(pending, inbox, cfg, cal, default_week, progress))
    for slot in slots:
        if isinstance(slot, FileReport):
            result.files.append(slot)
            continue
        rel, path, digest = slot
        fr = _refuse_next_year_roster(_recognise(rel, digest, next(raws)), cfg)
        fr.path = path
        result.complete &= not fr.message.endswith(CHANGED_WHILE_READ)
        result.files.append(fr)
    return result


def _refuse_next_year_roster(fr: FileReport, cfg: Config) -> FileReport:
    """§15.2: a 花名册 whose title names a 学年 after kc.toml's is refused whole (nothing imported)
    until kc rollover has opened that year."""
    if fr.status != "new":
        return fr
    year = cfg.calendar.year_start.year
    for t in fr.parsed.tables:
        if t.form == forms.ROSTER and t.school_year and t.school_year > year:
            return FileReport(fr.rel, "unreadable",
                              f"文件 {fr.rel} 工作表“{t.sheet}”是{t.school_year}学年的花名册，而 kc.toml 仍是{year}学年："
                              f"请先运行 kc rollover --year {t.school_year} 升级到新学年，再导入新学年的花名册；本文件未导入",
                              sheet=t.sheet)
    return fr


def _read_all(pending: list[tuple], inbox: Path, cfg: Config, cal, default_week, progress) -> list:
    """Read and recognise the new files (read two at a time in bounded workers, readers.read_files),
    reporting progress as each arrives; → (RawFile without its cells, ParsedFile) or UnreadableFile."""
    results = []
    paths = [path for _, path, _ in pending]
    for i, raw in enumerate(readers.read_files(paths, inbox, cfg.limits), start=1):
        if not isinstance(raw, UnreadableFile):
            parsed = forms.parse_file(raw, cal, default_week)
            raw.sheets = [s.name for s in raw.sheets]  # the cells are not kept once recognised
            raw = (raw, parsed)
        results.append(raw)
        if progress:
            progress(pending[i - 1][0], i, len(pending))
    return results


CHANGED_WHILE_READ = "在读取过程中被修改，本次未导入，请稍后重新运行"


def _recognise(rel: str, digest: str, read) -> FileReport:
    if isinstance(read, UnreadableFile):
        return FileReport(rel, "unreadable", str(read), sheet=read.sheet, column=read.column)
    raw, parsed = read
    if raw.sha256 != digest:  # changed while being read: take it next run
        return FileReport(rel, "unreadable", f"文件 {rel} {CHANGED_WHILE_READ}")
    if not parsed.tables:
        # §13.22: a file in which no sheet has a recognisable form counts as unreadable
        return FileReport(rel, "unreadable", f"文件 {rel} 中没有可识别的花名册、周查表、学籍变动登记表或家访登记表（请检查表头）", parsed)
    fr = FileReport(rel, "new", parsed=parsed)
    fr.sha256, fr.size, fr.fmt, fr.sheet_order = raw.sha256, raw.size, raw.fmt, raw.sheets
    return fr


def apply(store: Store, result: ImportResult, reread=None) -> None:
    """Apply the new files of a scan — and the files that came back to or left the inbox — to the store,
    all in one transaction, after a backup of the store as it was (kc-backup-1.sqlite; issue 12 item
    12). `reread(path, week)` reads a known file again (→ (hash, ParsedFile); class_weeks.py)."""
    present = set(result.present_file_ids)
    stored = store.inbox_file_ids()
    if not result.new_files and (present == stored or (not result.complete and present <= stored)) \
            and not store.unsettled_class_weeks():
        return
    store.backup(wait=False)   # on disk before the commit (Store.commit waits for it)
    store.begin()
    try:
        _apply_all(store, result, reread)
        store.commit()
    except BaseException:
        store.rollback()
        raise


def _apply_all(store: Store, result: ImportResult, reread=None):
    new = result.new_files
    for fr in new:
        summary = "；".join(f"{t.sheet}：{forms.form_summary(t)}" for t in fr.parsed.tables)
        fr.file_id = store.add_file(fr.rel, fr.sha256, fr.size, fr.fmt, summary)
        result.present_file_ids.append(fr.file_id)
    here = [f for f in result.files if f.status in ("new", "known")]   # sorted path order
    arrived, left = store.set_inbox_files([f.file_id for f in here], result.complete)
    # rosters first (sorted path order), then change registers, then 周查表
    for fr in new:
        for tbl, t in enumerate(fr.parsed.tables):
            if t.form == forms.ROSTER:
                store.add_roster_rows(fr.file_id, tbl, fr.sheet_order.index(t.sheet), t.records)
                store.add_aliases(_lookups(t.records), replace=True)   # the newest roster's win
    for fr in new:
        for tbl, t in enumerate(fr.parsed.tables):
            if t.form == forms.CHANGE:
                _resolve(store, t.records, fr.parsed.notices)
                store.add_events(fr.file_id, t.records)
                store.add_aliases(_lookups(t.records), replace=False)  # a roster's stay
    settling = class_weeks.Settling(arrived, left, {f.file_id: f.rel for f in here}, {f.file_id for f in new})
    for fr in new:
        for tbl, t in enumerate(fr.parsed.tables):
            if t.form == forms.CHECK and t.week:
                _resolve(store, t.records, fr.parsed.notices)
                _claim(store, fr.file_id, tbl, t, _class_week_rows(store, fr, t), settling.new_rows)
    settling.reread = lambda fid, sheet, cw: _read_again(store, result, reread, fid, sheet, cw)
    settling.store_rows = lambda fid, rel, week, rows: _store_rows(store, fid, rel, week, rows, new)
    result.replaced += class_weeks.settle(store, settling)
    for fr in new:
        for t in fr.parsed.tables:
            if t.form == forms.HOME_VISIT:
                _resolve(store, t.records, fr.parsed.notices)
                _apply_visit_table(store, fr, t)
    for fr in new:
        for tbl, t in enumerate(fr.parsed.tables):
            store.add_table(fr.file_id, t.sheet, tbl, t)
        store.add_errors(fr.file_id, fr.parsed.errors)
        store.add_notices(fr.file_id, fr.parsed.notices)


def _lookups(records) -> list[tuple[str, str]]:
    return [(alias, r.key) for r in records for alias in identity.lookups(r)]


def _resolve(store: Store, records, notices):
    """Each row to the student the unit already knows (§3.6, identity.resolve_order); the identity
    notices of a re-keyed row follow it, so that R08 names the student, never a lookup."""
    orders = {id(r): identity.resolve_order(r) for r in records}
    mapping = store.resolve_keys({k for order in orders.values() for k in order})
    moved = {}
    for r in records:
        found = next((mapping[k] for k in orders[id(r)] if k in mapping), None)
        if found and found != r.key:
            moved[r.source] = r.key = found
    for n in notices:
        if n.source in moved:
            n.key = moved[n.source]


def _class_week_rows(store: Store, fr: FileReport, t) -> dict[tuple, list]:
    """A 周查表 table's rows by the class-week they fall in, (grade, class_no, week) → rows. One class per
    sheet is the rule; a sheet mixing classes holds each class it has, and a sheet with dates of two
    weeks each week it has (issue 12 item 18: each mark under its own week)."""
    parts: dict[tuple, list] = {}
    for r in _with_a_class(store, fr, t, _first_row_per_student(fr, t)):
        for week, part in _split_by_week(r, t.week):
            parts.setdefault((r.grade, r.class_no, week), []).append(part)
    return parts


def _claim(store: Store, file_id: int, tbl: int, t, parts: dict, new_rows: dict) -> None:
    """Record which class-weeks a table holds (class_weeks.settle decides which sheet wins each)."""
    rows_of_sheet = new_rows.setdefault((file_id, t.sheet), {})
    for cw, recs in parts.items():
        store.add_claim(file_id, t.sheet, tbl, *cw)
        rows_of_sheet.setdefault(cw, []).extend(recs)


def _store_rows(store: Store, file_id: int, rel: str, week: str, rows, new: list[FileReport]) -> None:
    """A sheet's rows of a class-week that it now holds; the rows it cannot keep are input errors of
    its file (stored with the file's other errors when it is new; else added once)."""
    fr = next((f for f in new if f.file_id == file_id), None)
    holder = fr or FileReport(rel, "known", parsed=ParsedFile(rel=rel), file_id=file_id)
    store.add_check_rows(file_id, week, _not_on_another_class(store, holder, week, rows))
    if fr is None:
        store.add_errors(file_id, holder.parsed.errors, once=True)


def _read_again(store: Store, result: ImportResult, reread, file_id: int, sheet: str, cw: tuple):
    """The rows of a class-week on one sheet of a known file, read again from the inbox (issue 12 item
    3); None when the file cannot be read now or no longer holds it."""
    fr = next((f for f in result.files if f.file_id == file_id and f.path is not None), None)
    sha256, parsed = reread(fr.path, cw[2]) if fr and reread else (None, None)
    if parsed is None or store.known_file(sha256) != file_id:
        return None
    again = FileReport(fr.rel, "known", parsed=parsed, file_id=file_id)
    before = len(parsed.errors)
    rows = []
    for t in parsed.tables:
        if t.form == forms.CHECK and t.week and t.sheet == sheet:
            _resolve(store, t.records, parsed.notices)
            rows += _class_week_rows(store, again, t).get(cw, [])
    if not rows:
        return None
    store.add_errors(file_id, parsed.errors[before:], once=True)
    return rows


def _with_a_class(store: Store, fr: FileReport, t, records) -> list:
    """Issue 12 item 1: rows of a sheet that names no class take their student's roster class; rows
    whose class cannot be found are never filed under an empty class — one 输入错误 row says so."""
    if all(r.grade and r.class_no for r in records):
        return records
    roster = {row.key: (row.grade, row.class_no) for row in store.roster_rows() if row.grade and row.class_no}
    kept, lost = [], []
    for r in records:
        if r.grade and r.class_no:
            kept.append(r)
        elif r.key in roster:
            grade, class_no = roster[r.key]
            kept.append(dataclasses.replace(r, grade=grade, class_no=class_no))
        else:
            lost.append(r)
    if lost:
        fr.parsed.errors.append(InputError(
            fr.rel, t.sheet, None, "", "",
            f"周查表没有写明班级（标题、工作表名和各列中都没有），其中 {len(lost)} 名学生也不在任何花名册上，无法确定班级"
            f"（共 {len(lost)} 行未导入）：请在标题写明年级班级（如“三年级(1)班”），或先导入花名册"))
    return kept


def _first_row_per_student(fr: FileReport, t) -> list:
    """Issue 12 item 4: a student twice on one sheet — the first row is kept, the later one is an input
    error naming both rows (README 口径)."""
    first: dict[str, object] = {}
    for r in t.records:
        if r.key in first:
            kept = first[r.key].source.row
            fr.parsed.errors.append(InputError(
                fr.rel, t.sheet, r.source.row, "姓名", r.name,
                f"同一学生在本表出现两次（第{kept}行和第{r.source.row}行），已采用第{kept}行，第{r.source.row}行未导入"))
            continue
        first[r.key] = r
    return list(first.values())


def _split_by_week(record, table_week: str):
    """(week, the record with only that week's marks) for each ISO week its marked days fall in."""
    weeks: dict[str, dict] = {}
    for day, mark in record.marks.items():
        weeks.setdefault(week_of(day), {})[day] = mark
    if len(weeks) <= 1:
        return [(next(iter(weeks), table_week), record)]
    return [(week, dataclasses.replace(record, marks=marks)) for week, marks in sorted(weeks.items())]


def _not_on_another_class(store: Store, fr: FileReport, week: str, records) -> list:
    """Issue 12 item 4: a student already on another class's 周查表 of the week keeps that (earlier
    read) row; this one is an input error naming both (README 口径)."""
    elsewhere = {r.key: r for r in store.check_rows(week)}
    kept = []
    for r in records:
        other = elsewhere.get(r.key)
        if other is None or (other.grade, other.class_no) == (r.grade, r.class_no):
            kept.append(r)
            continue
        fr.parsed.errors.append(InputError(
            r.source.file, r.source.sheet, r.source.row, "姓名", r.name,
            f"该学生 {week} 已登记在 {other.source.file} / {other.source.sheet} 第{other.source.row}行"
            f"（{forms.GRADE_NAMES.get(other.grade, '')}{other.class_no or ''}班），此行未导入：同一学生只应登记在一个班的周查表上"))
    return kept


def _apply_visit_table(store: Store, fr: FileReport, t):
    """§17.1: a 家访 row naming a student the store does not know is an input error, not stored."""
    known = store.known_keys({r.key for r in t.records})
    kept = []
    for r in t.records:
        if r.key in known:
            kept.append(r)
            continue
        who = r.xjh or r.sfz or r.name
        fr.parsed.errors.append(InputError(
            fr.rel, r.source.sheet, r.source.row, "学籍号/姓名", who,
            f"家访登记的学生“{r.name}”不在任何花名册或学籍变动登记表中（请核对学籍号、姓名和年级班级），此条家访未登记"))
    store.add_home_visits(fr.file_id, kept)


def stored_errors(store: Store, file_ids: list[int]) -> list[InputError]:
    """Input errors of the files present in the inbox, in file then row order (§13.18)."""
    return store.input_errors(file_ids)


def import_inbox(work_dir: Path, cfg: Config, cal: SchoolCalendar, store: Store,
                 default_week: str | None = None, progress=None) -> ImportResult:
    result = scan(work_dir, cfg, cal, store, default_week, progress)
    apply(store, result, lambda path, week: _reread(path, inbox_of(work_dir), cfg, cal, week))
    return result


def _reread(path: Path, inbox: Path, cfg: Config, cal: SchoolCalendar, week: str):
    """A known file read and recognised again (its weekday-headed sheets take the class-week's week);
    → (its content hash, ParsedFile), or (None, None) when it cannot be read."""
    raw = next(iter(readers.read_files([path], inbox, cfg.limits)))
    if isinstance(raw, UnreadableFile):
        return None, None
    return raw.sha256, forms.parse_file(raw, cal, week)

