"""Reconciliation findings R01–R12 of one unit (SPEC §7, §13.12, §13.21, §13.22)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kc_batch.rules.attendance import Attendance, overdue_transfers, receipt_deadline
from kc_batch.config import Policy
from kc_batch.rules.status import EVENT_TYPES, JOIN_TYPES, SchoolState, Student
from kc_batch.read.identity import XJH_PREFIX, is_internal_key
from kc_batch.read.values import class_label
from kc_batch.model import CheckRow, Notice, SchoolData, Source

MESSAGES = {
    "R01": "有籍无人", "R02": "有人无籍", "R03": "班级未报", "R04": "重复学籍", "R05": "转出后仍出勤",
    "R06": "转出未回执", "R07": "账实不符", "R08": "身份信息不符", "R09": "年龄异常",
    "R10": "变动无法应用", "R11": "名单减少未登记", "R12": "名单新增未登记",
}


@dataclass
class Finding:
    code: str
    xjh: str
    name: str
    grade: int | None
    class_no: str | None
    detail: str
    sources: str  # 文件/工作表/行

    @property
    def title(self) -> str:
        return MESSAGES[self.code]


def _src(src: Source) -> str:
    return src.text() if src.file else ""


def _finding(code, s: Student | None, detail, sources, grade=None, class_no=None, name="", xjh=""):
    if s is not None:
        return Finding(code, s.xjh or s.sfz or "", s.name, s.grade, s.class_no, detail, sources)
    return Finding(code, xjh, name, grade, class_no, detail, sources)


def week_findings(data: SchoolData, state: SchoolState, atts: dict[str, Attendance], policy: Policy,
                  week: str, week_days: list[dt.date], as_of: dt.date, class_rows: dict) -> list[Finding]:
    """All findings of a weekly run, in code order."""
    out: list[Finding] = []
    sheet_rows = _week_sheet_rows(data.check_rows)
    out += _r01_r03(state, sheet_rows, week, as_of)
    out += _r02(state, sheet_rows, as_of)
    out += _r04(state)
    out += _r05(state, atts, week_days)
    out += _r06(state, policy, as_of)
    out += _r07(class_rows)
    out += _r08(data.notices, state)
    out += _r09(state, as_of, policy.age_tolerance_years)
    out += _r10(state, as_of)
    out += _r11_r12(state, as_of)
    return sorted(out, key=lambda f: f.code)  # stable: code order (R01 … R12), then as found


def _week_sheet_rows(check_rows: list[CheckRow]) -> dict:
    out = {}
    for r in check_rows:
        out.setdefault(r.key, []).append((r.grade, r.class_no, r.name, r.source))
    return out


def classes_on_roster(state: SchoolState) -> set:
    return {cls for cls in state.snapshots if cls[0] is not None}


def _r01_r03(state: SchoolState, sheet_rows, week, as_of) -> list[Finding]:
    reported = {(g, c) for rows in sheet_rows.values() for g, c, _, _ in rows}
    out = []
    for g, c in sorted(classes_on_roster(state), key=lambda x: (x[0], str(x[1]))):
        if (g, c) not in reported:
            out.append(_finding("R03", None, f"{class_label(g, c)}本周（{week}）没有周查表，该班学生本周出勤按无数据处理",
                                "", grade=g, class_no=c))
    for s in state.students.values():
        if not (s.on_roster and s.reading_at(as_of)):
            continue
        g, c = s.class_at(as_of)
        if (g, c) in reported and s.key not in sheet_rows:
            out.append(_finding("R01", s, f"在籍在读，但{class_label(g, c)}本周周查表上没有该生", _src(s.source)))
    return sorted(out, key=lambda f: f.code)


def _r02(state, sheet_rows, as_of) -> list[Finding]:
    out = []
    for key, rows in sheet_rows.items():
        s = state.students.get(key)
        joined = s is not None and any(e.type in JOIN_TYPES for e in s.applied_events(as_of))
        if (s is None or not s.on_roster) and not joined:
            g, c, name, src = rows[0]
            out.append(_finding("R02", None, "周查表上有该生，但不在任何花名册上，也没有转入/新生入学登记",
                                _src(src), grade=g, class_no=c, name=name,
                                xjh=key.removeprefix(XJH_PREFIX) if key.startswith(XJH_PREFIX) else
                                "" if is_internal_key(key) else key))
    return out


def _r04(state: SchoolState) -> list[Finding]:
    out = []
    for key, rows in state.duplicates:
        s = state.students[key]
        where = "；".join(f"{class_label(r.grade, r.class_no)}（{r.source.text()}）" for r in rows)
        out.append(_finding("R04", s, f"同一学生在花名册上出现 {len(rows)} 次：{where}；按第一次出现的班级统计",
                            "；".join(_src(r.source) for r in rows)))
    return out


def _r05(state, atts, week_days) -> list[Finding]:
    out, days = [], set(week_days)
    for key, a in atts.items():
        late = [m for m in a.after_leaving if m.day in days]
        if late:
            s = state.students[key]
            leave = [e for e in s.applied_events() if EVENT_TYPES[e.type].marks_after_r05]
            what = f"{leave[-1].type}（{leave[-1].date.isoformat()}）" if leave else "离校"
            out.append(_finding("R05", s, f"{what}后仍有考勤记录：" +
                                "、".join(f"{m.day.month}月{m.day.day}日“{m.raw}”" for m in late) + "；这些记录不计入统计",
                                "；".join(sorted({_src(m.source) for m in late}))))
    return out


def _r06(state, policy, as_of) -> list[Finding]:
    out = []
    for s, e in overdue_transfers(state, policy, as_of):
        deadline = receipt_deadline(e, state.cal, policy)
        out.append(_finding("R06", s, f"{e.date.isoformat()} 转出至“{e.other_school or '未填'}”，回执期限 "
                            f"{deadline.isoformat()}（第{policy.transfer_receipt_days}个教学日）已过，仍无接收回执；按疑似辍学跟踪",
                            _src(e.source)))
    return out


def _r07(class_rows: dict) -> list[Finding]:
    """class_rows: (grade, class) → 期初/flows/期末 and the 在读 students found on the wrong class's
    周查表 (see weekly._class_balance; differences that are R01/R02/R05 are not repeated here)."""
    out = []
    for (g, c), r in class_rows.items():
        problems = []
        if r["expected_end"] != r["end"]:
            problems.append(f"期初 {r['start']} + 增加 {r['plus']} − 减少 {r['minus']} = {r['expected_end']}，"
                            f"但期末在读 {r['end']}")
        if r["foreign"]:
            problems.append("本班周查表上有其他班的在读学生：" + "、".join(
                f"{s.name}（学籍在{class_label(*s.class_at(s_day))}）" for s, s_day in r["foreign"]))
        if r["elsewhere"]:
            problems.append("本班在读学生出现在其他班的周查表上：" + "、".join(s.name for s in r["elsewhere"]))
        if problems:
            out.append(_finding("R07", None, f"{class_label(g, c)}：" + "；".join(problems), "",
                                grade=g, class_no=c))
    return out


def _r08(notices: list[Notice], state: SchoolState) -> list[Finding]:
    """One R08 per student and problem, naming every source row that shows it (issue 11 item 2)."""
    grouped: dict[tuple, list[Notice]] = {}
    for n in notices:
        grouped.setdefault((n.key or n.source, n.message), []).append(n)  # a keyless notice stays alone
    out = []
    for (_, message), rows in grouped.items():
        key = rows[0].key or ""
        s = state.students.get(key)
        sources = "；".join(dict.fromkeys(_src(n.source) for n in rows))
        out.append(_finding("R08", s, message, sources, xjh="" if s or is_internal_key(key) else key))
    return out


def normal_age(grade: int) -> int:
    """§7 R09: a 一年级 pupil is 6 at 8月31日 of the 学年's first year."""
    return grade + 5


def _r09(state: SchoolState, as_of: dt.date, tolerance: int = 2) -> list[Finding]:
    out = []
    cutoff = dt.date(state.cal.year_start.year, 8, 31)
    for s in state.students.values():
        birth = s.attrs.get("birth")
        if not birth or not s.grade or not s.reading_at(as_of):
            continue
        b = dt.date.fromisoformat(birth)
        age = cutoff.year - b.year - ((cutoff.month, cutoff.day) < (b.month, b.day))
        if abs(age - normal_age(s.grade)) > tolerance:
            out.append(_finding("R09", s, f"{class_label(s.grade, None)}学生 8月31日年龄 {age} 岁，"
                                f"正常年龄 {normal_age(s.grade)} 岁，相差超过 {tolerance} 岁", _src(s.source)))
    return out


def _r10(state: SchoolState, as_of: dt.date) -> list[Finding]:
    out = []
    for e in state.events:
        if not e.applied and e.date <= as_of:
            s = state.students.get(e.key)
            out.append(_finding("R10", s, e.rejection, _src(e.source), name=e.name, grade=e.grade,
                                class_no=e.class_no))
    return out


def _r11_r12(state: SchoolState, as_of: dt.date) -> list[Finding]:
    out = []
    for (g, c), snaps in state.snapshots.items():
        if len(snaps) < 2:
            continue
        old = {r.key: r for r in snaps[-2]}
        new = {r.key: r for r in snaps[-1]}
        for key in old.keys() - new.keys():
            s = state.students.get(key)
            if s and not s.applied_events(as_of):
                out.append(_finding("R11", s, f"在{class_label(g, c)}旧花名册上，新花名册上没有，也没有学籍变动登记；"
                                    "仍按在读统计", _src(old[key].source)))
        for key in new.keys() - old.keys():
            s = state.students.get(key)
            if s and not any(e.type in JOIN_TYPES for e in s.applied_events(as_of)):
                out.append(_finding("R12", s, f"新出现在{class_label(g, c)}花名册上，没有转入/新生入学登记；"
                                    "按学年初在读统计", _src(new[key].source)))
    return out
