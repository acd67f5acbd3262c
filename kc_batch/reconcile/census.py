"""`kc census`: 人籍比对 — the school-age population list against every roster (SPEC §3.4, §8, §11).

The population list (适龄儿童名册, any §3.5 file style) is read with the form reader, forced to the
POPULATION form. Each child is matched to a roster student of the store:
  1. by valid 身份证号 (15-digit legacy numbers are converted first, §3.6), then
  2. by normalised name + birth date, among the students not matched by ID. One candidate → matched
     (“姓名+出生日期”); several candidates, or one student claimed by several children → 重名待核.
The joins are pandas merges, so a county (100,000 roster rows, 150,000 children) takes seconds.

School age (§8 entry-age rule): with Y the start year of the 学年 holding the as-of date (Y = year
if the month is ≥ 9, else year − 1) and A the child's age on Y-08-31, 小学适龄 is 6 ≤ A ≤ 11 and
初中适龄 12 ≤ A ≤ 14. 入学率 = 在校 ÷ 适龄儿童, where 在校 = matched (one student, by either
method) and 在读 at the as-of date.

Rosters: every roster row in the work folder's store with a 年级 (a sheet without 年级 is not a
roster — a population list dropped into the inbox is read as one and is ignored this way, as is the
very file being compared). A county keeps all its schools' rosters in its one inbox; a row's 学校
is named by `school_of`: a folder or file name containing one of the `[[units]]` names, else the
unit itself for a school, else the top folder under inbox/ (inbox/<学校>/…), else the file name.

Answers kept across runs: every unmatched child has a 处置 column (county taxonomy below); a 在籍不在册
student a free-text 核查情况 column. The user fills them in the workbook under out/census/ and saves
it there. Each run first reads every earlier 人籍比对 workbook in out/census/ (oldest saved first, so the
last saved wins), stores each non-empty answer (Store.set_answer), then writes the new workbook with the
stored answers filled in. An answer outside the taxonomy is kept and flagged in 说明. A child is known
by the answer key of `answer_key` (valid 身份证号, else 学籍号, else 姓名|出生日期), which can be
computed back from the columns of every list.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from kc_batch.read import forms
from kc_batch.read import identity
from kc_batch.read import files as readers
from kc_batch.config import Config
from kc_batch.errors import NoInputError, UnreadableFile, UsageError
from kc_batch.model import InputError, RosterRow, SchoolData, Source
from kc_batch.read.values import cell_text, disability_kind, is_blank, norm_header, parse_date, parse_flag
from kc_batch.schemas import ANSWER_COLUMN, JUNIOR, PRIMARY, ROSTER_CHECK_COLUMN  # one home: schemas

CENSUS_KIND = "census"                 # answers to 处置 of unmatched children
ROSTER_CHECK_KIND = "census-roster"    # answers to 核查情况 of 在籍不在册 students
TAXONOMY = ("死亡", "空挂户", "双重户籍", "身份信息错误", "查无此人", "省内就读无学籍", "省外就读无学籍",
            "因病因残(送教上门)", "随父母外出失联", "其他")
STATUS_READING = "在读"
NO_HUKOU = "（未填户籍所在地）"
METHOD_ID = "身份证号"
METHOD_NAME_BIRTH = "姓名+出生日期"
METHOD_NAME_BIRTH_ID_DIFFERS = "姓名+出生日期（身份证号不一致）"


# ---------------------------------------------------------------- school age (§8)

def school_year_start(day: dt.date) -> int:
    """Start year of the 学年 (9月1日–8月31日) holding `day`."""
    return day.year if day.month >= 9 else day.year - 1


def age_on_aug31(birth: dt.date, year: int) -> int:
    cut = dt.date(year, 8, 31)
    return cut.year - birth.year - ((cut.month, cut.day) < (birth.month, birth.day))


# §8 entry-age rule: the ages on 8月31日 of the 学年's start year of each stage (the one home of it;
# the province-scale SQL of reconcile/census_scale.py is built from it)
STAGE_AGES = ((PRIMARY, 6, 11), (JUNIOR, 12, 14))


def school_stage(birth: dt.date | None, as_of: dt.date) -> str | None:
    """小学 / 初中 when the child is of that school age in the 学年 of `as_of`, else None."""
    if birth is None:
        return None
    age = age_on_aug31(birth, school_year_start(as_of))
    for stage, low, high in STAGE_AGES:
        if low <= age <= high:
            return stage
    return None


def parse_as_of(text: str | None) -> dt.date:
    """--as-of YYYY-MM-DD (default today); a bad value is a usage error (exit 2)."""
    if text is None or not str(text).strip():
        return dt.date.today()
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise UsageError(f"--as-of “{text}” 不是有效日期，应写成 2026-11-20 这样的 YYYY-MM-DD。") from None


# ---------------------------------------------------------------- schools and answer keys

def school_of(rel: str, cfg: Config) -> str:
    """The school a roster file belongs to (see the module docstring)."""
    path = PurePosixPath(rel)
    parts = list(path.parts[:-1]) + [path.stem]
    names = sorted((u.name for u in cfg.units if u.name), key=len, reverse=True)
    for part in parts:
        for name in names:
            if name in part:
                return name
    if cfg.unit.level == "school":
        return cfg.unit.name
    return parts[0]


def answer_key(sfz, xjh, name, birth) -> str:
    """How an answer row is known across runs: valid 身份证号, else 学籍号, else 姓名|出生日期."""
    sfz_text = cell_text(sfz)
    if sfz_text:
        valid, _ = identity.validate_id(sfz_text)
        if valid:
            return valid
    xjh_text = cell_text(xjh)
    if xjh_text:
        norm, carried, _ = identity.parse_xjh(xjh_text)
        if carried:
            return carried
        if norm:
            return "XJH:" + norm
    day = parse_date(birth, allow_month=True) if not isinstance(birth, str) or birth else None
    return f"{identity.normalise_name(cell_text(name))}|{day.isoformat() if day else ''}"


def answer_keys(valid_ids: pd.Series, id_texts: pd.Series, xjhs, names: pd.Series, births: pd.Series) -> list[str]:
    """answer_key of many rows: a row with a valid 身份证号 is known by it without re-validating."""
    xjhs = xjhs if xjhs is not None else [None] * len(valid_ids)
    return [v if isinstance(v, str) and v else answer_key(t, x, n, b)
            for v, t, x, n, b in zip(valid_ids, id_texts, xjhs, names, births)]


def check_answer(text: str, taxonomy: tuple[str, ...]) -> str:
    """'' when the answer is one of the taxonomy terms (optionally followed by a detail), else a
    Chinese remark for 说明."""
    norm = unicodedata.normalize("NFKC", text).strip()
    for term in taxonomy:
        if norm == term or (norm.startswith(term) and norm[len(term)] in "：:（(，,、 -—"):
            return ""
    return f"“{text}”不在规定的分类中（{'、'.join(taxonomy)}），请核实"


def clean_answer(value) -> str:
    return cell_text(value).strip()


# ---------------------------------------------------------------- answers read back from earlier workbooks

@dataclass
class AnswerSheet:
    """Where answers sit in an earlier workbook: sheet name, answer column header, store kind."""
    sheet: str
    column: str
    kind: str


def harvest_answers(folder: Path, pattern: str,
                    specs: list[AnswerSheet]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Read every earlier workbook matching `pattern` in `folder` (oldest saved first); → its non-empty
    answers as (kind, key, value), in that order (the caller stores them: the last saved wins), and
    Chinese lines about workbooks that could not be read."""
    if not folder.is_dir():
        return [], []
    paths = [p for p in folder.glob(pattern) if p.is_file() and not p.name.startswith((".", "~$"))]
    paths.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    problems, answers = [], []
    for path in paths:
        try:
            found = read_answers(path, specs)
        except Exception as exc:  # noqa: BLE001 - a locked or broken earlier workbook must not stop the run
            problems.append(f"未能读回 {path.name} 中填写的内容（{exc.__class__.__name__}），本次沿用已保存的答复。")
            continue
        answers += found
    return answers, problems


def read_answers(path: Path, specs: list[AnswerSheet]) -> list[tuple[str, str, str]]:
    import python_calamine as calamine
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:
        out = []
        for spec in specs:
            if spec.sheet not in book.sheet_names:
                continue
            rows = book.get_sheet_by_name(spec.sheet).to_python(skip_empty_area=False)
            out += _answers_on_sheet(rows, spec)
        return out
    finally:
        book.close()


def _answers_on_sheet(rows: list[list], spec: AnswerSheet) -> list[tuple[str, str, str]]:
    header = _find_answer_header(rows, spec.column)
    if header is None:
        return []
    r, cols = header
    out = []
    for row in rows[r + 1:]:
        value = clean_answer(_at(row, cols.get(spec.column)))
        name = _at(row, cols.get("姓名"))
        if not value or is_blank(name):
            continue
        key = answer_key(_at(row, cols.get("身份证号")), _at(row, cols.get("学籍号")), name,
                         _at(row, cols.get("出生日期")))
        out.append((spec.kind, key, value))
    return out


def _find_answer_header(rows, column: str):
    for r, row in enumerate(rows[:15]):
        labels = [norm_header(v) if isinstance(v, str) else "" for v in row]
        if column in labels and "姓名" in labels:
            return r, {label: j for j, label in reversed(list(enumerate(labels))) if label}
    return None


def _at(row, j):
    if j is None or j >= len(row):
        return None
    v = row[j]
    return None if v == "" else v


# ---------------------------------------------------------------- the population list

POPULATION_COLUMNS = ["pid", "name", "sfz", "id_text", "birth", "sex", "hukou", "guardian", "phone",
                      "status", "poor", "disability", "note", "file", "sheet", "row", "order"]
KEYLESS_REASON = "没有可用的学籍号或身份证号"


def read_population(path: Path, cfg: Config, cal) -> tuple[pd.DataFrame, list[InputError], str]:
    """The 适龄儿童名册 → (one row per child in file order, input errors, the file's sha256).

    Rows without a usable 身份证号 are kept (forms drops them, having no key) so that they can be
    matched by name + birth date; a row repeating an earlier 身份证号 becomes an input error."""
    path = Path(path)
    try:
        raw = readers.read_file(path, path.parent, cfg.limits)
    except UnreadableFile as exc:
        raise NoInputError(str(exc)) from None
    parsed = forms.parse_file(raw, cal, None, forced_form=forms.POPULATION)
    tables = [t for t in parsed.tables if t.form == forms.POPULATION]
    if not tables:
        raise NoInputError(f"文件 {raw.rel} 中没有找到适龄儿童名册（表头应含 姓名、身份证号、出生日期 等列，见 SPEC §3.4）。")
    sheet_index = {s.name: i for i, s in enumerate(raw.sheets)}
    notes = _notices_by_row(parsed)
    children = [_child_from_record(r, notes, sheet_index) for t in tables for r in t.records]
    keyless, errors = _keyless_children(raw, parsed, tables, cal, notes, sheet_index)
    frame = pd.DataFrame(children + keyless, columns=POPULATION_COLUMNS).sort_values("order", kind="stable")
    frame, repeated = _drop_repeated_ids(frame)
    frame = frame.drop(columns="order").reset_index(drop=True)
    frame["pid"] = range(len(frame))
    return frame, errors + repeated, raw.sha256


def _notices_by_row(parsed) -> dict[tuple[str, int], list[str]]:
    out: dict[tuple[str, int], list[str]] = {}
    for n in parsed.notices:
        out.setdefault((n.source.sheet, n.source.row), []).append(n.message)
    return out


def _child(name, sfz, id_text, birth, attrs, src, note, sheet_index) -> dict:
    return dict(pid=0, name=name, sfz=sfz, id_text=id_text, birth=birth, sex=attrs.get("sex", ""),
                hukou=attrs.get("hukou", ""), guardian=attrs.get("guardian", ""), phone=attrs.get("phone", ""),
                status=attrs.get("status", ""), poor=bool(attrs.get("poor")), disability=attrs.get("disability") or "",
                note=note, file=src.file, sheet=src.sheet, row=src.row,
                order=sheet_index.get(src.sheet, 0) * 10_000_000 + src.row)


def _child_from_record(r, notes, sheet_index) -> dict:
    src = r.source
    return _child(r.name, r.sfz, r.sfz or "", r.attrs.get("birth"), r.attrs, src,
                  "；".join(notes.get((src.sheet, src.row), [])), sheet_index)


def _keyless_children(raw, parsed, tables, cal, notes, sheet_index) -> tuple[list[dict], list[InputError]]:
    """Population rows forms dropped for want of a key, read here from the raw sheet; every other
    error is passed on."""
    kept, errors = [], []
    for e, rows, header, table in keyless_rows(raw, parsed, tables, cal, errors):
        child = _child_from_raw_row(rows[e.row - 1], header, Source(e.file, e.sheet, e.row),
                                    notes.get((e.sheet, e.row), []), sheet_index)
        if child["birth"] is None:
            errors.append(InputError(e.file, e.sheet, e.row, "身份证号/出生日期", child["id_text"],
                                     "没有有效的身份证号，也没有出生日期：无法比对，也无法判断是否适龄"))
            continue
        kept.append(child)
    return kept, errors


def keyless_rows(raw, parsed, tables, cal, errors: list[InputError]):
    """The input errors of rows forms dropped for want of a key, with their raw sheet rows, header and
    table, for a caller that can still use such a row (census: by 姓名＋出生日期; transition, §12);
    every other error is appended to `errors` unchanged. → (error, sheet rows, header, table) each."""
    sheets = {s.name: s for s in raw.sheets}
    for e in parsed.errors:
        table = table_holding(tables, e) if e.reason.startswith(KEYLESS_REASON) else None
        header = header_of(sheets[table.sheet].rows, table, cal) if table else None
        if header is None:
            errors.append(e)
        else:
            yield e, sheets[table.sheet].rows, header, table


def table_holding(tables, e: InputError):
    candidates = [t for t in tables if t.sheet == e.sheet and e.row is not None and t.header_row < e.row]
    return max(candidates, key=lambda t: t.header_row) if candidates else None


def header_of(rows, table, cal):
    h = forms.find_header(rows, max(table.header_row - 2, 0), cal)
    return h if h is not None and h.row + 1 == table.header_row else None


def _child_from_raw_row(row, h, src, notes: list[str], sheet_index) -> dict:
    def get(f):
        j = h.fields.get(f)
        return row[j] if j is not None and j < len(row) else None

    attrs = {f: cell_text(get(f)) for f in ("sex", "hukou", "phone", "status")}
    attrs["guardian"] = identity.normalise_name(cell_text(get("guardian")))
    attrs["poor"] = parse_flag(get("poor"))
    attrs["disability"] = disability_kind(get("disability"))
    birth = parse_date(get("birth"), allow_month=True)
    raw_id = get("sfz")
    id_text = identity.clean_id_text(raw_id) if isinstance(raw_id, str) else cell_text(raw_id)
    remarks = list(notes) or ([] if id_text else ["无身份证号"])
    return _child(identity.normalise_name(cell_text(get("name"))), None, id_text,
                  birth.isoformat() if birth else None, attrs, src, "；".join(remarks), sheet_index)


def _drop_repeated_ids(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[InputError]]:
    repeated = frame["sfz"].notna() & frame.duplicated("sfz", keep="first")
    errors = [InputError(f, sh, r, "身份证号", sfz, f"身份证号在名册中重复（{name}），此行未重复计入")
              for f, sh, r, sfz, name in frame.loc[repeated, ["file", "sheet", "row", "sfz", "name"]].itertuples(index=False)]
    return frame[~repeated], errors


# ---------------------------------------------------------------- roster students

STUDENT_COLUMNS = ["key", "sfz", "xjh", "name", "grade", "class_no", "birth", "sex", "hukou", "address",
                   "guardian", "phone", "rel", "file_id", "seq"]


def roster_rows_frame(roster: list[RosterRow], grade: int | None = None) -> pd.DataFrame:
    """Every roster row with a 年级 (optionally one grade), in the given (import) order."""
    rows = []
    for r in roster:
        if r.grade is None or (grade is not None and r.grade != grade):
            continue
        a = r.attrs
        rows.append((r.key, r.sfz, r.xjh, r.name, r.grade, r.class_no, a.get("birth"), a.get("sex"), a.get("hukou"),
                     a.get("address"), a.get("guardian"), a.get("phone"), r.source.file, r.file_id, r.seq))
    frame = pd.DataFrame(rows, columns=STUDENT_COLUMNS)
    return frame.astype({"name": "object", "birth": "object", "key": "object"})


def with_schools(frame: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    schools = {rel: school_of(rel, cfg) for rel in frame["rel"].unique()}
    return frame.assign(school=frame["rel"].map(schools))


def id_of_key(keys: pd.Series) -> pd.Series:
    """The 身份证号 a student key is, or None for XJH:/NAME: keys."""
    return keys.where(~keys.str.startswith(("XJH:", "NAME:")), None)


def roster_students(roster: list[RosterRow], cfg: Config) -> pd.DataFrame:
    """One row per student key: the newest roster row (§5.2a), with its 学校 and 身份证号 (rid)."""
    rows = roster_rows_frame(roster)
    students = rows.drop_duplicates("key", keep="last").reset_index(drop=True)
    students = with_schools(students, cfg)
    return students.assign(rid=id_of_key(students["key"]))


def statuses_at(data: SchoolData, cal, as_of: dt.date, keys) -> dict[str, str | None]:
    """学籍状态 at `as_of` of the given keys (§5.1, events applied as everywhere else); `data` needs
    the rosters and events only."""
    from kc_batch.rules.status import build_state
    state = build_state(data, cal)
    return {k: (state.students[k].status_at(as_of) if k in state.students else None) for k in keys}


# ---------------------------------------------------------------- matching (vectorised)

@dataclass
class Matches:
    matched: pd.DataFrame     # pid → key, method
    ambiguous: pd.DataFrame   # pid → key (one row per candidate)

    def matched_pids(self) -> set:
        return set(self.matched["pid"])


def match_children(pop: pd.DataFrame, students: pd.DataFrame) -> Matches:
    """By valid 身份证号, then by name + birth date among students not matched by ID."""
    by_id = pop.loc[pop["sfz"].notna(), ["pid", "sfz"]].merge(
        students.loc[students["rid"].notna(), ["key", "rid"]], left_on="sfz", right_on="rid")
    by_id = by_id.drop_duplicates("key", keep="first")[["pid", "key"]].assign(method=METHOD_ID)
    rest = pop.loc[~pop["pid"].isin(by_id["pid"]) & pop["birth"].notna(), ["pid", "name", "birth", "sfz"]]
    free = students.loc[~students["key"].isin(by_id["key"]) & students["birth"].notna(), ["key", "name", "birth", "rid"]]
    cands = rest.merge(free, on=["name", "birth"])
    per_child = cands.groupby("pid")["key"].transform("size")
    per_student = cands.groupby("key")["pid"].transform("size")
    unique = cands[(per_child == 1) & (per_student == 1)]
    differs = unique["sfz"].notna() & unique["rid"].notna() & (unique["sfz"] != unique["rid"])
    by_name = unique[["pid", "key"]].assign(
        method=differs.map({True: METHOD_NAME_BIRTH_ID_DIFFERS, False: METHOD_NAME_BIRTH}))
    ambiguous = cands.loc[~cands["pid"].isin(unique["pid"]), ["pid", "key"]]
    matched = pd.concat([by_id, by_name], ignore_index=True)
    return Matches(matched, ambiguous.reset_index(drop=True))


# ---------------------------------------------------------------- the census as a whole

@dataclass
class CensusResult:
    unit: str
    as_of: dt.date
    population_file: str
    children: pd.DataFrame       # every child, with stage, key, method, status, in_school, answer
    students: pd.DataFrame       # every roster student (newest row per key)
    ambiguous: pd.DataFrame      # pid, key (one row per candidate)
    not_listed: pd.DataFrame     # 在籍不在册: students 在读 at as_of matched to no child
    errors: list[InputError] = field(default_factory=list)


CENSUS_ANSWER_SHEETS = [AnswerSheet("适龄未入学", ANSWER_COLUMN, CENSUS_KIND),
                        AnswerSheet("重名待核", ANSWER_COLUMN, CENSUS_KIND),
                        AnswerSheet("在籍不在册", ROSTER_CHECK_COLUMN, ROSTER_CHECK_KIND)]


def unenrolled(children: pd.DataFrame) -> pd.DataFrame:
    """适龄未入学 (§8): school-age children matched to no roster student (and not 重名待核)."""
    return children[children["stage"].notna() & children["key"].isna() & ~children["ambiguous"]]


def unenrolled_records(res: "CensusResult") -> list[dict]:
    """The census's 适龄未入学 children as the store keeps them for kc monthly's 台账 (§20)."""
    fields = ("name", "sfz", "id_text", "birth", "sex", "stage", "hukou", "guardian", "phone", "status", "poor",
              "disability", "answer", "file", "sheet", "row")
    out = []
    for r in unenrolled(res.children).to_dict("records"):
        rec = {f: _plain(r.get(f)) for f in fields}
        rec.update(poor=int(bool(rec["poor"])), as_of=res.as_of.isoformat())
        out.append(rec)
    return out


def _plain(value):
    """A frame cell as a plain Python value for SQLite (NaN → None, numpy numbers → int/float)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def compute_census(data: SchoolData, answers: dict[str, dict], cfg: Config, cal, pop: pd.DataFrame, as_of: dt.date,
                   population_file: str = "", excluded_files: set[int] = frozenset()) -> CensusResult:
    """`data`: the unit's rosters and events; `answers`: the stored answers by kind (CENSUS_KIND,
    ROSTER_CHECK_KIND: key → text); roster rows of `excluded_files` (the population list itself,
    when it sits in the inbox) are not students."""
    students = roster_students([r for r in data.roster if r.file_id not in excluded_files], cfg)
    found = match_children(pop, students)
    children = pop.merge(found.matched, on="pid", how="left")
    keys = set(children["key"].dropna()) | set(students["key"])
    status = statuses_at(data, cal, as_of, keys)
    children["status_now"] = children["key"].map(status)
    children["stage"] = [school_stage(dt.date.fromisoformat(b) if isinstance(b, str) else None, as_of)
                         for b in children["birth"]]
    children["in_school"] = children["status_now"] == STATUS_READING
    children["ambiguous"] = children["pid"].isin(found.ambiguous["pid"])
    children["answer_key"] = answer_keys(children["sfz"], children["id_text"], None, children["name"], children["birth"])
    given = answers.get(CENSUS_KIND, {})
    children["answer"] = [given.get(k, "") for k in children["answer_key"]]
    students = students.assign(status_now=students["key"].map(status))
    claimed = set(found.matched["key"]) | set(found.ambiguous["key"])
    not_listed = students[~students["key"].isin(claimed) & (students["status_now"] == STATUS_READING)].copy()
    not_listed["answer_key"] = answer_keys(not_listed["rid"], not_listed["rid"], not_listed["xjh"], not_listed["name"],
                                           not_listed["birth"])
    checks = answers.get(ROSTER_CHECK_KIND, {})
    not_listed["answer"] = [checks.get(k, "") for k in not_listed["answer_key"]]
    return CensusResult(cfg.unit.name, as_of, population_file, children, students, found.ambiguous, not_listed)


