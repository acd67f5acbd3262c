"""`kc transition --year Y`: 小升初无缝对接 (SPEC §12).

Y is the year the new 学年 starts: `--year 2027` matches the graduates of 学年 2026—2027 (六年级)
with the 七年级 rosters of 学年 2027—2028.

Graduates come from
  * `--graduates FILE`, a 毕业生名册 laid out like a roster (学籍号/身份证号, 姓名, 出生日期, 监护人,
    联系电话, 家庭住址 …); the primary school is its 学校 column (学校, 毕业学校, 毕业小学, 原学校 …)
    or else the sheet's name (one sheet per school); or else
  * the store: students with a 毕业 event dated in the graduating 学年 (Y−1-09-01 … Y-08-31) whose
    event says 六年级 or, with no grade on the event, who are on a 六年级 roster. Their details
    (school, class, guardian, phone, address, birth date) come from their newest 六年级 roster row.
Receiving rosters: every 七年级 roster row in the store (a county keeps all its junior-middle
schools' rosters in its inbox); a row's school is named as in kc_batch.census.school_of (top folder
under inbox/, a `[[units]]` name in the path, or the unit itself for a school folder).

Matching (pandas merges): by student key (§3.6: 身份证号, or the ID a G/J 学籍号 carries, or the
学籍号), then by 学籍号, then by normalised name + birth date among the 七年级 students not yet
matched (one candidate only; several → listed as 未升学 with the candidates named).

Result per graduate: 已升学 (with the receiving school), 外地就读 (answered by the user in the 去向
column, kept across runs like the census answers), or 未升学. 升学率 per primary school =
已升学 ÷ 毕业生; 外地就读 is counted in its own column and not in 已升学.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kc_batch.read import forms
from kc_batch.read import identity
from kc_batch.read import files as readers
from kc_batch.reconcile.census import (AnswerSheet, keyless_rows, answer_keys, check_answer, id_of_key,
                                       roster_rows_frame, school_of, with_schools)
from kc_batch.config import Config
from kc_batch.errors import NoInputError, UnreadableFile, UsageError
from kc_batch.model import InputError, RosterRow, SchoolData
from kc_batch.read.values import cell_text, norm_header, parse_class, parse_date
from kc_batch.schemas import DESTINATION_COLUMN  # one home: schemas

TRANSITION_KIND = "transition"
ELSEWHERE = "外地就读"
TRANSITION_TAXONOMY = (ELSEWHERE, "死亡", "因病因残(送教上门)", "随父母外出失联", "其他")
SCHOOL_HEADERS = {"学校", "毕业学校", "毕业小学", "原学校", "原就读学校", "学校名称", "所在学校", "小学", "就读学校"}
GENERIC_SHEET_PREFIXES = ("sheet", "工作表", "毕业生", "名册")
METHOD_KEY = "身份证号/学籍号"
METHOD_XJH = "学籍号"
METHOD_NAME_BIRTH = "姓名+出生日期"
ENROLLED, AWAY, MISSING = "已升学", ELSEWHERE, "未升学"

GRADUATE_COLUMNS = ["gkey", "name", "sfz", "xjh", "birth", "sex", "school", "class_no", "guardian", "phone", "address"]


def parse_year(text) -> int | None:
    """--year YYYY (None: the work folder's 学年); anything else is a usage error (exit 2)."""
    if text is None or not str(text).strip():
        return None
    s = str(text).strip()
    if not s.isdigit() or not 2000 <= int(s) <= 2100:
        raise UsageError(f"--year “{text}” 不对，应为新学年开始的年份，如 2027（表示 2026—2027 学年毕业生升入七年级）。")
    return int(s)


def graduating_window(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 9, 1), dt.date(year, 8, 31)


# ---------------------------------------------------------------- graduates

def graduates_of(data: SchoolData, cfg: Config, year: int) -> pd.DataFrame:
    """Students with a 毕业 event in the graduating 学年 (`data.events`: the 毕业 events of that window,
    store.events("毕业", *graduating_window(year))), with their newest 六年级 roster row (from
    `data.roster`) where there is one."""
    first, last = graduating_window(year)
    events = pd.DataFrame(
        [(e.key, e.name, e.sfz, e.xjh, e.grade, e.class_no, e.source.file or None) for e in data.events
         if e.type == "毕业" and first <= e.date <= last],
        columns=["key", "ev_name", "ev_sfz", "ev_xjh", "ev_grade", "ev_class", "ev_rel"])
    events = events.drop_duplicates("key", keep="last")
    sixth = roster_rows_frame(data.roster, grade=6).drop_duplicates("key", keep="last")
    sixth = with_schools(sixth, cfg)
    g = events.merge(sixth, on="key", how="left", indicator=True)
    on_sixth = g["_merge"] == "both"
    g = g[(g["ev_grade"] == 6) | (g["ev_grade"].isna() & on_sixth)].copy()
    event_school = g["ev_rel"].fillna("").map(lambda rel: school_of(rel, cfg) if rel else "")
    out = pd.DataFrame({
        "gkey": g["key"],
        "name": g["name"].fillna(g["ev_name"]),
        "sfz": id_of_key(g["key"]).fillna(g["sfz"]),
        "xjh": g["xjh"].fillna(g["ev_xjh"]),
        "birth": g["birth"],
        "sex": g["sex"],
        "school": g["school"].fillna(event_school),
        "class_no": g["class_no"].fillna(g["ev_class"]),
        "guardian": g["guardian"], "phone": g["phone"], "address": g["address"]})
    return _fill_birth_from_id(out.reset_index(drop=True))


def graduates_from_file(path: Path, cfg: Config, cal) -> tuple[pd.DataFrame, list[InputError], str]:
    """A 毕业生名册 → (graduates, input errors, sha256)."""
    path = Path(path)
    try:
        raw = readers.read_file(path, path.parent, cfg.limits)
    except UnreadableFile as exc:
        raise NoInputError(str(exc)) from None
    parsed = forms.parse_file(raw, cal, None)
    tables = [t for t in parsed.tables if t.form == forms.ROSTER]
    if not tables:
        raise NoInputError(f"文件 {raw.rel} 中没有找到毕业生名册（表头应含 姓名 和 学籍号/身份证号）。")
    sheets = {s.name: s for s in raw.sheets}
    rows = []
    for t in tables:
        grid = sheets[t.sheet].rows
        col = _school_column(grid, t.header_row)
        for r in t.records:
            cell = grid[r.source.row - 1][col] if col is not None and col < len(grid[r.source.row - 1]) else None
            school = cell_text(cell) or _school_from_sheet(t.sheet)
            rows.append(dict(gkey=r.key, name=r.name, sfz=r.sfz or id_of_key(pd.Series([r.key])).iloc[0],
                             xjh=r.xjh, birth=r.attrs.get("birth"), sex=r.attrs.get("sex"), school=school,
                             class_no=r.class_no, guardian=r.attrs.get("guardian"), phone=r.attrs.get("phone"),
                             address=r.attrs.get("address")))
    keyless, errors = _keyless_graduates(raw, parsed, tables, cal)
    frame = pd.DataFrame(rows + keyless, columns=GRADUATE_COLUMNS).drop_duplicates("gkey", keep="first")
    return _fill_birth_from_id(frame.reset_index(drop=True)), errors, raw.sha256


def _keyless_graduates(raw, parsed, tables, cal) -> tuple[list[dict], list[InputError]]:
    """§12: a graduate with neither 学籍号 nor 身份证号 (and no class to key a name by) is still a
    graduate, to be matched by 姓名 + 出生日期: forms drops such a row for want of a key, so it is read
    here from the raw sheet (as census does for the population list). Every other error is passed on;
    a keyless row without a 出生日期 cannot be matched and stays an input error."""
    kept, errors = [], []
    for e, rows, h, table in keyless_rows(raw, parsed, tables, cal, errors):
        grad = _graduate_from_raw_row(rows, e.row, h, table)
        if grad["birth"] is None:
            errors.append(InputError(e.file, e.sheet, e.row, "学籍号/身份证号/出生日期", "",
                                     "没有可用的学籍号或身份证号，也没有出生日期：无法按姓名＋出生日期比对，此行无法使用"))
            continue
        kept.append(grad)
    return kept, errors


def _graduate_from_raw_row(grid, excel_row: int, h, table) -> dict:
    row = grid[excel_row - 1]

    def get(f):
        j = h.fields.get(f)
        return row[j] if j is not None and j < len(row) else None

    col = _school_column(grid, table.header_row)
    school = (cell_text(row[col]) if col is not None and col < len(row) else "") or _school_from_sheet(table.sheet)
    name = identity.normalise_name(cell_text(get("name")))
    birth = parse_date(get("birth"), allow_month=True)
    birth = birth.isoformat() if birth else None
    attrs = {f: cell_text(get(f)) or None for f in ("sex", "phone", "address")}
    return dict(gkey=f"GRADUATE:{school}:{name}:{birth}", name=name, sfz=None, xjh=None, birth=birth,
                sex=attrs["sex"], school=school, class_no=parse_class(get("class")) if "class" in h.fields else None,
                guardian=identity.normalise_name(cell_text(get("guardian"))) or None, phone=attrs["phone"],
                address=attrs["address"])


def _school_column(grid, header_row: int) -> int | None:
    for r in (header_row - 1, header_row - 2):
        if 0 <= r < len(grid):
            for j, v in enumerate(grid[r]):
                if norm_header(v) in SCHOOL_HEADERS:
                    return j
    return None


def _school_from_sheet(sheet: str) -> str:
    return "（未注明学校）" if sheet.strip().lower().startswith(GENERIC_SHEET_PREFIXES) else sheet.strip()


def _fill_birth_from_id(frame: pd.DataFrame) -> pd.DataFrame:
    from_id = [identity.id_birth(s).isoformat() if isinstance(s, str) and len(s) == 18 else None for s in frame["sfz"]]
    frame["birth"] = frame["birth"].where(frame["birth"].notna(), pd.Series(from_id, index=frame.index, dtype=object))
    frame["gid"] = range(len(frame))
    return frame


# ---------------------------------------------------------------- matching (vectorised)

def match_graduates(grads: pd.DataFrame, g7: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """→ (matched: gid, key, school, class_no, method — one row per receiving row; ambiguous: gid, key)."""
    rows = g7[["key", "xjh", "name", "birth", "school", "class_no"]].drop_duplicates(["key", "school"])
    by_key = grads[["gid", "gkey"]].merge(rows, left_on="gkey", right_on="key").assign(method=METHOD_KEY)
    rest = grads[~grads["gid"].isin(by_key["gid"]) & grads["xjh"].notna()]
    by_xjh = rest[["gid", "xjh"]].merge(rows[rows["xjh"].notna()], on="xjh").assign(method=METHOD_XJH)
    found = pd.concat([by_key, by_xjh], ignore_index=True)
    rest = grads[~grads["gid"].isin(found["gid"]) & grads["birth"].notna()]
    free = rows[~rows["key"].isin(found["key"]) & rows["birth"].notna()]
    cands = rest[["gid", "name", "birth"]].merge(free, on=["name", "birth"])
    keys_per_grad = cands.groupby("gid")["key"].transform("nunique")
    grads_per_key = cands.groupby("key")["gid"].transform("nunique")
    unique = cands[(keys_per_grad == 1) & (grads_per_key == 1)].assign(method=METHOD_NAME_BIRTH)
    cols = ["gid", "key", "school", "class_no", "method"]
    matched = pd.concat([found[cols], unique[cols]], ignore_index=True)
    ambiguous = cands.loc[~cands["gid"].isin(unique["gid"]), ["gid", "key", "school", "class_no", "name"]]
    return matched, ambiguous.reset_index(drop=True)


# ---------------------------------------------------------------- the job

@dataclass
class TransitionResult:
    unit: str
    year: int
    graduates: pd.DataFrame      # one row per graduate with outcome, destination, answer, remark
    errors: list[InputError] = field(default_factory=list)
    source: str = ""             # where the graduates came from (Chinese)

    def of(self, outcome: str) -> pd.DataFrame:
        return self.graduates[self.graduates["outcome"] == outcome]


TRANSITION_ANSWER_SHEETS = [AnswerSheet("未升学", DESTINATION_COLUMN, TRANSITION_KIND),
                            AnswerSheet("外地就读", DESTINATION_COLUMN, TRANSITION_KIND)]


def compute_transition(roster: list[RosterRow], answers: dict[str, str], cfg: Config, year: int,
                       grads: pd.DataFrame) -> TransitionResult:
    """`roster`: the receiving roster rows (a --graduates file's own rows left out); `answers`: the
    stored 去向 answers (TRANSITION_KIND: key → text)."""
    g7 = with_schools(roster_rows_frame(roster, grade=7), cfg)
    matched, ambiguous = match_graduates(grads, g7)
    g = grads.copy()
    g["answer_key"] = answer_keys(g["sfz"], g["sfz"], g["xjh"], g["name"], g["birth"])
    g["answer"] = [answers.get(k, "") for k in g["answer_key"]]
    g["to_school"] = g["gid"].map(matched.groupby("gid")["school"].apply(lambda s: "、".join(sorted(set(s)))))
    g["to_class"] = g["gid"].map(matched.groupby("gid")["class_no"].apply(
        lambda s: "、".join(sorted({f"{c}班" for c in s if isinstance(c, str) and c}))))
    g["method"] = g["gid"].map(matched.groupby("gid")["method"].first())
    several = matched.groupby("gid")["school"].nunique()
    found = set(matched["gid"])
    g["outcome"] = [_outcome(gid in found, a) for gid, a in zip(g["gid"], g["answer"])]
    cands = ambiguous.groupby("gid").apply(
        lambda c: "；".join(f"{s} 七年级{cl}班 {n}" for s, cl, n in zip(c["school"], c["class_no"], c["name"])),
        include_groups=False) if len(ambiguous) else pd.Series(dtype=object)
    g["remark"] = [_remark(gid, a, o, several, cands) for gid, a, o in zip(g["gid"], g["answer"], g["outcome"])]
    return TransitionResult(cfg.unit.name, year, g)


def _outcome(matched: bool, answer: str) -> str:
    if matched:
        return ENROLLED
    if answer and not check_answer(answer, (ELSEWHERE,)):
        return AWAY
    return MISSING


def _remark(gid, answer, outcome, several, cands) -> str:
    parts = []
    if several.get(gid, 0) > 1:
        parts.append("同时在多所初中的七年级花名册上（重复学籍），请核实")
    if gid in cands.index:
        parts.append(f"姓名、出生日期相同的七年级学生不止一名，请核实：{cands[gid]}")
    if outcome == ENROLLED and answer:
        parts.append(f"已在七年级花名册上找到，原填写的去向“{answer}”不再适用")
    elif answer:
        parts.append(check_answer(answer, TRANSITION_TAXONOMY))
    return "；".join(p for p in parts if p)


__all__ = ["parse_year", "match_graduates", "graduates_of", "graduates_from_file",
           "compute_transition", "TransitionResult"]
