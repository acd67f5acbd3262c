"""跨校核对 of `kc aggregate` (SPEC §7 R04, §13.6, §13.27), from the received workbooks' lists alone.

Students are matched by student key (identity.parse_xjh: a G/J 学籍号 counts
by the 身份证号 it carries). The 学校 of a list row is its 学校 column (township input), else the
workbook's unit. A 转出 in one school matched to a 转入 of the same student in another school → 已接收.
An unmatched 转出 → 去向不明, except when its 状态 is 已接收 and its 对方学校 is not a unit whose
workbook was received: then 辖区外接收 (the receiving school is outside this aggregate and has sent a
receipt); and except while it is inside its 回执 deadline (§13.6): then 待接收. Inside the deadline
means 状态 待回执 as the school wrote it, or, with no 状态 given, a cutoff not after the
transfer_receipt_days-th school day after 变动日期 (rules.attendance.receipt_deadline_after). A 疑似辍学名单
row whose 疑似原因 names 转出 (转出未接收, §13.7) is treated as a 转出 too, so an
overdue transfer of an earlier month is still matched or reported. A student is enrolled (在读) in a
school when it lists them in its 疑似辍学名单 for another reason than 转出, or when their last 学生流动
row there is a 转入; enrolled in two or more schools → 重复学籍.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kc_batch.calendar import SchoolCalendar, chinese_date
from kc_batch.event_types import FLOW_LIST_TYPES
from kc_batch.read.books import Book, unit_key
from kc_batch.read.identity import parse_xjh, validate_id
from kc_batch.read.values import cell_text, norm_header, parse_date
from kc_batch.rules.attendance import receipt_deadline_after
from kc_batch.schemas import SUSPECT_DATE


@dataclass
class CrossRow:
    result: str            # 已接收 | 待接收 | 去向不明 | 辖区外接收 | 重复学籍
    xjh: str
    name: str
    grade: str
    unit1: str
    record1: str
    unit2: str
    record2: str
    remark: str



@dataclass
class _Move:
    school: str
    key: str
    xjh: str
    name: str
    grade: str
    kind: str            # 转出 | 转入
    date: dt.date | None
    other: str
    status: str
    from_suspects: bool = False


def record_key(record: dict) -> str | None:
    """Student key of a list row (§3.6): the 身份证号 a G/J 学籍号 carries, else the 学籍号."""
    text = cell_text(record.get("学籍号"))
    xjh, carried, _ = parse_xjh(text)
    id18, _ = validate_id(cell_text(record.get("身份证号")) or text)  # a list may give the 身份证号 as 学籍号
    if id18 or carried:
        return id18 or carried
    return "XJH:" + xjh if xjh else None


def _moves(books: list[Book]) -> list[_Move]:
    moves: list[_Move] = []
    for book in books:
        for r in book.flows:
            kind = norm_header(r.get("变动类型"))
            key = record_key(r)
            if kind in FLOW_LIST_TYPES and key:  # the 学生流动 rows (§9.2)
                moves.append(_Move(cell_text(r["学校"]), key, cell_text(r.get("学籍号")), cell_text(r.get("姓名")),
                                   cell_text(r.get("年级")), kind, parse_date(r.get("变动日期")),
                                   cell_text(r.get("对方学校")), cell_text(r.get("状态"))))
        for r in book.suspects:
            key = record_key(r)
            if key and "转出" in cell_text(r.get("疑似原因")):
                school = cell_text(r["学校"])
                if not any(m.school == school and m.key == key and m.kind == "转出" for m in moves):
                    moves.append(_Move(school, key, cell_text(r.get("学籍号")), cell_text(r.get("姓名")),
                                       cell_text(r.get("年级")), "转出", parse_date(r.get(SUSPECT_DATE)), "",
                                       cell_text(r.get("疑似原因")), from_suspects=True))
    return moves


def _move_text(m: _Move) -> str:
    day = m.date.isoformat() if m.date else ""
    if m.from_suspects:
        return f"疑似辍学名单：{m.status}" + (f"（{day} 起）" if day else "")
    text = f"{day} {m.kind}".strip()
    if m.other:
        text += f"（对方学校：{m.other}）"
    if m.status:
        text += f"，状态：{m.status}"
    return text


def _waiting_deadline(out: _Move, cal: SchoolCalendar, policy, cutoff: dt.date) -> dt.date | None:
    """The 回执 deadline of an unmatched 转出 still inside it at the cutoff (§13.6), else None."""
    if out.from_suspects or out.date is None or out.status in ("逾期未回执", "已接收"):
        return None
    deadline = receipt_deadline_after(out.date, cal, policy)
    if out.status == "待回执" or (not out.status and cutoff <= deadline):
        return deadline
    return None


def cross_check(books: list[Book], cal: SchoolCalendar, policy, cutoff: dt.date) -> list[CrossRow]:
    moves = _moves(books)
    reporting = {unit_key(b.unit) for b in books} | {unit_key(cell_text(r["学校"])) for b in books
                                                     for r in b.flows + b.suspects + b.dropouts}
    ins_by_key: dict[str, list[_Move]] = {}
    for m in moves:
        if m.kind == "转入":
            ins_by_key.setdefault(m.key, []).append(m)
    rows: list[CrossRow] = []
    for out in (m for m in moves if m.kind == "转出"):
        match = next((i for i in ins_by_key.get(out.key, []) if unit_key(i.school) != unit_key(out.school)), None)
        if match is not None:
            remark = "转出与转入记录一致"
            if out.from_suspects:
                remark = "转入方已登记转入，转出方仍列为疑似辍学（转出未接收），请补办接收回执"
            rows.append(CrossRow("已接收", out.xjh, out.name, out.grade, out.school, _move_text(out),
                                 match.school, _move_text(match), remark))
        elif out.status == "已接收" and unit_key(out.other) not in reporting:
            rows.append(CrossRow("辖区外接收", out.xjh, out.name, out.grade, out.school, _move_text(out), out.other, "",
                                 "对方学校不在本次汇总范围内，已有接收回执"))
        elif (deadline := _waiting_deadline(out, cal, policy, cutoff)) is not None:
            rows.append(CrossRow("待接收", out.xjh, out.name, out.grade, out.school, _move_text(out), out.other, "",
                                 f"尚在回执期限内（{chinese_date(deadline)}前），待接收学校登记转入"))
        else:
            rows.append(CrossRow("去向不明", out.xjh, out.name, out.grade, out.school, _move_text(out), "", "",
                                 "收到的各单位月报中没有该生的转入记录，请核实去向"))
    rows += _duplicates(books, moves)
    order = {"重复学籍": 0, "去向不明": 1, "待接收": 2, "辖区外接收": 3, "已接收": 4}
    rows.sort(key=lambda r: (order[r.result], r.unit1, r.grade, r.name))
    return rows


def _duplicates(books: list[Book], moves: list[_Move]) -> list[CrossRow]:
    """The same student 在读 in two or more schools (§7 R04, §13.27)."""
    enrolled: dict[str, dict[str, tuple[str, str, str, str]]] = {}  # key → school → (evidence, xjh, name, grade)
    last_move: dict[tuple[str, str], _Move] = {}
    for m in sorted((m for m in moves if not m.from_suspects), key=lambda m: (m.date or dt.date.min, m.kind == "转出")):
        last_move[(unit_key(m.school), m.key)] = m
    for (school_key, key), m in last_move.items():
        if m.kind == "转入":
            enrolled.setdefault(key, {})[m.school] = (_move_text(m), m.xjh, m.name, m.grade)
    for book in books:
        for r in book.suspects:
            key, school = record_key(r), cell_text(r["学校"])
            if not key or "转出" in cell_text(r.get("疑似原因")):
                continue
            if (unit_key(school), key) in last_move and last_move[(unit_key(school), key)].kind == "转出":
                continue
            reason = cell_text(r.get("疑似原因")) or "疑似辍学"
            enrolled.setdefault(key, {}).setdefault(
                school, (f"疑似辍学名单（仍在读）：{reason}", cell_text(r.get("学籍号")), cell_text(r.get("姓名")),
                         cell_text(r.get("年级"))))
    rows = []
    for key, schools in enrolled.items():
        if len(schools) < 2:
            continue
        (s1, (e1, xjh, name, grade)), *rest = sorted(schools.items())
        rows.append(CrossRow("重复学籍", xjh, name, grade, s1, e1, "、".join(s for s, _ in rest),
                             "；".join(e for _, (e, *_x) in rest),
                             "同一学生在两个及以上单位同时在读，两处学籍都有效，请核实并注销其一"))
    return rows
