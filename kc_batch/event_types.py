"""THE table of change events (变动类型) and what each one does (SPEC §5.2, §5.3, §6.3, §6.4, §8,
§9.1, §9.2, §13.5, §13.9, §15.3).

Every list of 变动类型 and every event column elsewhere in kc_batch is derived from EVENT_TYPES:
the register's accepted types (read.forms, `kc forms`), the status machine (rules.status), the
weekly and monthly 本周…/本月… columns and their §5.3 balance (reconcile.weekly, reconcile.monthly,
the aggregate's 报表校验), who joins or leaves the unit (巩固基数, R02, R12), which statuses make later
marks R05, which events end a streak, bring a student back or open/close a ledger case, and which
are listed in 学生流动. To change what an event does, change its row here.

It sits in the lowest layer (it imports nothing) because the reader checks 变动类型 against it and
read lies below rules; rules.status re-exports it.
"""
from __future__ import annotations

from dataclasses import dataclass

READING = "在读"
NOT_HERE = None  # a status: not (yet) a student of the unit

JOINS, LEAVES = "joins", "leaves"


@dataclass(frozen=True)
class EventType:
    name: str
    after: str | None                 # §5.2 status after it; None: no status change (劝返记录 is a log entry)
    allowed_from: frozenset = frozenset()  # §5.2 statuses it may follow (NOT_HERE = not yet a student here)
    reading: int = 0                  # §5.3 +1 an increase of 在读, −1 a decrease, 0 neither
    monthly_column: str | None = None  # §9.2/§15.3 the 月报表 本月… column it counts in
    weekly_column: str | None = None   # §9.1 the 周汇总 本周… column it counts in
    unit: str | None = None           # JOINS / LEAVES the unit (§5.2a, §8 巩固基数, R02, R12)
    adjusted_base: int = 0            # §8 调整基数 = 学年初 + 转入 − 转出 − 死亡
    ends_streak: bool = True          # §6.3 ends a streak and 疑似辍学 (a class move does not)
    marks_after_r05: bool = False     # §13.5 marks dated after it raise R05
    brings_back: bool = False         # §13.9 the student is back: the ledger case → 观察中
    opens_case: bool = False          # §6.4 opens (or continues, §13.7) a ledger case 类别 辍学
    closes_case: bool = False         # §6.4 leaves legitimately: the case is 已销号 at once (转出: on its 回执)
    in_flow_list: bool = False        # §9.2 学生流动 lists it
    repeats_grade: bool = False       # §15.2 kc rollover keeps the student in their grade
    places_class: bool = False        # §15.2 an old year's one is replaced by the rollover's promotion


def _from(*statuses) -> frozenset:
    return frozenset(statuses)


# The order is the order of the register's drop-down list and of the reader's messages.
EVENT_TYPES: dict[str, EventType] = {t.name: t for t in (
    EventType("新生入学", READING, _from(NOT_HERE, "转出"), +1, "本月新生入学", None, JOINS),
    EventType("转入", READING, _from(NOT_HERE, "转出"), +1, "本月转入", "本周转入", JOINS, adjusted_base=+1,
              in_flow_list=True),
    EventType("转出", "转出", _from(READING, "休学"), -1, "本月转出", "本周转出", LEAVES, adjusted_base=-1,
              marks_after_r05=True, closes_case=True, in_flow_list=True),
    EventType("休学", "休学", _from(READING), -1, "本月休学", "本周休学"),
    EventType("复学", READING, _from("休学"), +1, "本月复学", "本周复学", brings_back=True),
    EventType("辍学", "辍学", _from(READING, "休学"), -1, "本月辍学", "本周辍学", marks_after_r05=True,
              opens_case=True),
    EventType("劝返复学", READING, _from("辍学"), +1, "本月劝返复学", "本周劝返复学", brings_back=True),
    EventType("死亡", "死亡", _from(READING, "休学", "辍学"), -1, "本月死亡", None, LEAVES, adjusted_base=-1,
              marks_after_r05=True, closes_case=True),
    EventType("送教上门", READING, _from(READING)),           # 就读方式 = 送教上门
    EventType("毕业", "毕业", _from(READING), -1, "本月毕业", None, LEAVES),
    EventType("调班", READING, _from(READING), ends_streak=False, places_class=True),  # grade/class change
    # §15.2: the student stays in their grade at the rollover (no 毕业, no promotion); no status change
    EventType("留级", READING, _from(READING), ends_streak=False, repeats_grade=True,
              places_class=True),
    # a 劝返 attempt in the ledger's log (§6.4): the student is still away, so it neither ends the
    # streak nor the 疑似辍学 (README 口径与取舍)
    EventType("劝返记录", None, ends_streak=False),
)}

CHANGE_TYPES = list(EVENT_TYPES)                                       # §3.3 what a register may hold
STATUS_EVENT_TYPES = [t.name for t in EVENT_TYPES.values() if t.after is not None]
JOIN_TYPES = tuple(t.name for t in EVENT_TYPES.values() if t.unit == JOINS)
LEAVING_TYPES = tuple(t.name for t in EVENT_TYPES.values() if t.unit == LEAVES)
# §13.5: the statuses after which an explicit mark is R05 (the status is named like its event)
R05_STATUSES = tuple(t.after for t in EVENT_TYPES.values() if t.marks_after_r05)
WEEKLY_EVENT_TYPES = [t.name for t in EVENT_TYPES.values() if t.weekly_column]
REPEAT_TYPES = tuple(t.name for t in EVENT_TYPES.values() if t.repeats_grade)
# §15.2: events that place a student in a class; the rollover's promotion replaces the old year's ones
CLASS_PLACING_TYPES = tuple(t.name for t in EVENT_TYPES.values() if t.places_class)
GRADUATION_TYPES = tuple(t.name for t in EVENT_TYPES.values() if t.after == "毕业")   # §15.2 毕业
FLOW_LIST_TYPES = tuple(t.name for t in EVENT_TYPES.values() if t.in_flow_list)


def monthly_columns(sign: int) -> list[str]:
    """§5.3: the 月报表 columns that add to (+1) or take from (−1) 上月末在校生, in table order."""
    return [t.monthly_column for t in EVENT_TYPES.values() if t.monthly_column and t.reading == sign]


MONTHLY_INCREASES, MONTHLY_DECREASES = monthly_columns(+1), monthly_columns(-1)


def monthly_column(event_type: str) -> str | None:
    t = EVENT_TYPES.get(event_type)
    return t.monthly_column if t else None


def balance_text(start: str, end: str, columns: list[str]) -> str:
    """The §5.3 identity in words: 上月末在校生＋本月新生入学＋…－本月转出－…＝本月末在校生."""
    plus = [c for c in columns if c in monthly_columns(+1)]
    minus = [c for c in columns if c in monthly_columns(-1)]
    return start + "".join("＋" + c for c in plus) + "".join("－" + c for c in minus) + "＝" + end
