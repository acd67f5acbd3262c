"""家访 (home visits, SPEC §17): the visits of a student, and whether a ladder step's action was done
in time (§17.3, 缺勤预警 处理情况).

A visit comes from a 家访登记表 row, or from a 劝返记录 row of the 学籍变动登记表 (§17.1: it is a 家访
with 事由 劝返; its 责任人 are the teachers, its 方式 is 入户 since the register does not say).
"""
from __future__ import annotations

import datetime as dt

from kc_batch.model import Visit
from kc_batch.read.visits import DEFAULT_WAY, split_teachers
from kc_batch.rules.status import SchoolState

FROM_REGISTER = "劝返记录"
HOME_VISIT_WORD = "家访"     # §17.3: a step whose action contains 家访 is done by a visit that counts


def visits_by_student(register: list[Visit], state: SchoolState, as_of: dt.date) -> dict[str, list[Visit]]:
    """Every visit up to as_of by student key, in date order: the 家访登记表 rows (`register`, as
    loaded into SchoolData.visits) and the 劝返记录 rows of the change register."""
    out: dict[str, list[Visit]] = {}
    for v in register:
        if v.date <= as_of:
            out.setdefault(v.key, []).append(v)
    for s in state.students.values():
        for e in s.events:
            if e.type == FROM_REGISTER and e.date <= as_of:
                out.setdefault(s.key, []).append(Visit(
                    s.key, e.date, split_teachers(e.responsible) or ["（未填写）"], "", DEFAULT_WAY, "劝返",
                    e.note or e.reason, e.source, FROM_REGISTER))
    for visits in out.values():
        visits.sort(key=lambda v: (v.date, v.kind != "家访登记表"))  # stable: register rows keep file/row order
    return out


def step_handling(action: str, reached: dt.date, deadline: dt.date, visits: list[Visit],
                  counting_ways, as_of: dt.date) -> str:
    """§17.3 处理情况 of the ladder step reached on `reached` with its 截止日期 `deadline`.

    A 家访 step is done by a visit that counts (电话 does not, unless listed) dated in
    [reached, deadline]: “已家访 MM-DD（教师）”; with none, “逾期未家访” after the deadline and
    “待处理” until then (the deadline itself included). Another step is done by any visit or
    劝返记录 in the window: “已处理 MM-DD（教师）”, else “逾期未处理” / “待处理”."""
    is_visit_step = HOME_VISIT_WORD in action
    window = [v for v in visits if reached <= v.date <= deadline and v.date <= as_of]
    if is_visit_step:
        window = [v for v in window if v.counts(counting_ways)]
    if window:
        v = window[0]
        word = "已家访" if is_visit_step else "已处理"
        return f"{word} {v.date:%m-%d}（{v.teacher_text()}）"
    if as_of > deadline:
        return "逾期未家访" if is_visit_step else "逾期未处理"
    return "待处理"
