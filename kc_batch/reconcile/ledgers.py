"""The three 台账 and the village lists (SPEC §20), from the month's loaded data (pure compute).

- 贫困家庭适龄子女台账: every student with 建档立卡 (脱贫户) = 是, whatever their status at the cutoff.
- 不具备学习条件儿童少年台账: students with 残疾, or 就读方式 送教上门, or 休学 for illness at the cutoff.
  安置方式: 送教上门 / 随班就读 / 特教学校 from 就读方式 (a disabled student in an ordinary class is
  随班就读); 休学（因病） for a sick-leave 休学.
- 劝返复学台账: the month's ledger cases (§6.4) — the monthly workbook's 劝返台账, not recomputed here.
- 分村名单: 疑似辍学 and 辍学 students at the cutoff (and a census's 适龄未入学 children) grouped by
  village (§20 `student_village`: 户籍所在地, else 家庭住址); none found → 未注明村, the address shown.
After a `kc census`, its school-age children on no roster (kept in the store) join each list of their kind
with 学籍状态 适龄未入学: 建档立卡 ones the first 台账, 残疾 ones the second (安置方式 from the list's 现状:
特教学校 / 送教上门 / 暂缓入学, else 未入学), all of them the 分村名单.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kc_batch.config import Config
from kc_batch.reconcile.monthly import MonthlyResult
from kc_batch.read.values import NO_VILLAGE, disability_kind, student_village
from kc_batch.rules.attendance import warning_label
from kc_batch.rules.status import READING, STATUS_CN, Student
from kc_batch.schemas import KIND_DROPOUT, KIND_SUSPECT, KIND_UNENROLLED  # one home: schemas

ILLNESS_WORDS = ("病", "疾")
PLACEMENT_BY_MODE = {"送教上门": "送教上门", "随班就读": "随班就读", "普通": "随班就读"}
SPECIAL_SCHOOL = "特教学校"
SICK_LEAVE = "休学（因病）"
DEFERRED, NOT_ENROLLED = "暂缓入学", "未入学"


@dataclass
class PoorRow:
    student: Student
    status: str
    absence_rate: float | None
    warning: str


@dataclass
class UnableRow:
    student: Student
    status: str
    disability: str
    placement: str
    proof: str


@dataclass
class VillageRow:
    kind: str                 # 疑似辍学 | 辍学 | 适龄未入学
    student: Student
    situation: str            # 连续旷课9天 / 2026-11-03 辍学（厌学）
    responsible: str


@dataclass
class Ledgers:
    poor: list[PoorRow]
    unable: list[UnableRow]
    villages: dict[str, list[VillageRow]] = field(default_factory=dict)  # village → rows, 未注明村 last

    def counts(self, cutoff: dt.date) -> dict[str, int]:
        """The 台账 counts `kc aggregate` carries up (在读 at the cutoff)."""
        return {"建档立卡在校": sum(1 for r in self.poor if r.status == READING),
                "残疾在校": sum(1 for r in self.unable if r.status == READING and r.disability),
                "送教上门": sum(1 for r in self.unable if r.status == READING and r.placement == "送教上门")}


def status_text(s: Student, day: dt.date) -> str:
    status = s.status_at(day)
    return STATUS_CN.get(status, status)


def compute_ledgers(res: MonthlyResult, cfg: Config, census: list[dict] = ()) -> Ledgers:
    """census: the 适龄未入学 children of the newest kc census (store rows); they join each 台账 of their
    kind and the 分村名单, as 适龄未入学 (§20)."""
    cutoff = res.cutoff
    students = sorted(res.state.students.values(), key=_order)
    poor = [PoorRow(s, status_text(s, cutoff), res.atts[s.key].absence_rate if s.key in res.atts else None,
                    warning_label(res.atts[s.key], cfg.policy) if s.key in res.atts else "")
            for s in students if s.flag("poor") and s.status_at(cutoff) is not None]
    unable = [row for s in students if (row := _unable_row(s, cutoff)) is not None]
    villages = _village_rows(res)
    for child in census:
        kid = census_child(child)
        if kid.flag("poor"):
            poor.append(PoorRow(kid, KIND_UNENROLLED, None, ""))
        if kid.attrs.get("disability"):
            unable.append(UnableRow(kid, KIND_UNENROLLED, kid.attrs["disability"], _placement_of_child(child),
                                    child.get("status") or ""))
        villages.append(VillageRow(KIND_UNENROLLED, kid, _child_situation(child), ""))
    return Ledgers(poor, unable, group_by_village(villages))


def census_child(child: dict) -> Student:
    """A population-list child on no roster, as a Student of no status (for the same sheets)."""
    attrs = {k: child.get(k) or "" for k in ("sex", "hukou", "guardian", "phone", "disability")}
    attrs["poor"] = bool(child.get("poor"))
    key = "CENSUS:" + (child.get("sfz") or f"{child.get('name')}|{child.get('birth')}")
    return Student(key=key, name=child.get("name") or "", sfz=child.get("sfz") or child.get("id_text") or None,
                   attrs=attrs)


def _placement_of_child(child: dict) -> str:
    """安置方式 of a child on no roster, from the list's 现状 (特教学校, 送教上门, 暂缓入学), else 未入学."""
    status = child.get("status") or ""
    for word, placement in (("特教", SPECIAL_SCHOOL), ("特殊教育", SPECIAL_SCHOOL), ("送教", "送教上门"),
                            ("暂缓", DEFERRED), ("缓学", DEFERRED)):
        if word in status:
            return placement
    return NOT_ENROLLED


def _child_situation(child: dict) -> str:
    text = f"{child.get('stage') or ''}适龄，不在任何学校花名册上"
    if child.get("answer"):
        text += f"（处置：{child['answer']}）"
    return text


def _order(s: Student) -> tuple:
    return (s.grade or 99, str(s.class_no or ""), s.name)


def _unable_row(s: Student, cutoff: dt.date) -> UnableRow | None:
    status = s.status_at(cutoff)
    if status is None:
        return None
    kind = disability_kind(s.attrs.get("disability")) or ""
    mode = s.attrs.get("study_mode", "")
    sick = _sick_leave(s, cutoff)
    if not kind and mode != "送教上门" and sick is None:
        return None
    if sick is not None:
        placement, proof = SICK_LEAVE, sick
    else:
        placement = PLACEMENT_BY_MODE.get(mode, SPECIAL_SCHOOL if "特教" in mode or "特殊教育" in mode else
                                          (mode or "随班就读"))
        proof = s.attrs.get("note", "")
    return UnableRow(s, status_text(s, cutoff), kind, placement, proof)


def _sick_leave(s: Student, cutoff: dt.date) -> str | None:
    """The reason text of the 休学 the student is in at the cutoff, when it is for illness."""
    if s.status_at(cutoff) != "休学":
        return None
    leave = [e for e in s.applied_events(cutoff) if e.type == "休学"]
    if not leave:
        return None
    text = "；".join(t for t in (leave[-1].reason, leave[-1].note) if t)
    return text if any(w in text for w in ILLNESS_WORDS) else None


def _village_rows(res: MonthlyResult) -> list[VillageRow]:
    rows = []
    for s, e, case in res.dropouts:
        why = f"{e.date.isoformat()} 辍学" + (f"（{e.reason}）" if e.reason else "")
        rows.append(VillageRow(KIND_DROPOUT, s, why, e.responsible or (case.responsible if case else "")
                               or s.attrs.get("teacher", "")))
    dropped = {s.key for s, _, _ in res.dropouts}
    for s, reason, _, since in res.suspects:
        if s.key in dropped:
            continue
        why = reason + (f"（自 {since.isoformat()}）" if since else "")
        rows.append(VillageRow(KIND_SUSPECT, s, why, s.attrs.get("teacher", "")))
    return rows


def village_key(s: Student) -> str:
    return student_village(s.attrs.get("hukou", ""), s.attrs.get("address", "")) or NO_VILLAGE


def group_by_village(rows: list[VillageRow]) -> dict[str, list[VillageRow]]:
    """Villages in name order, 未注明村 last; within a village 辍学, 疑似辍学, 适龄未入学, then by class."""
    order = {KIND_DROPOUT: 0, KIND_SUSPECT: 1, KIND_UNENROLLED: 2}
    groups: dict[str, list[VillageRow]] = {}
    for r in rows:
        groups.setdefault(village_key(r.student), []).append(r)
    names = sorted(n for n in groups if n != NO_VILLAGE) + ([NO_VILLAGE] if NO_VILLAGE in groups else [])
    return {n: sorted(groups[n], key=lambda r: (order[r.kind], _order(r.student))) for n in names}
