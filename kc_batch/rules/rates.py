"""THE §8 rates, their 口径 and their limits (SPEC §8, §13.15, §13.16).

One record type for a rate (`Rate`: numerator, denominator, formula, 口径), one formula per rate
(`dropout_rates`, `retention_rate`, `count_rates`), one 口径 (`Basis`, written into 指标说明 both as
the Chinese sentence and as the structured 口径代码 that `kc aggregate` reads back), and one limit
check (`dropout_over_limit`, `retention_under_target`, `rate_breaches`) used by the monthly report,
the aggregate, both workbooks and the email summary. To change a rate or a limit, change it here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kc_batch.config_keys import DENOMINATORS  # §8: the denominator options of [policy.rates]

RATE_NAMES = ("年辍学率", "可能辍学率", "巩固率")
START, ADJUSTED = DENOMINATORS


# ---------------------------------------------------------------- 口径

@dataclass(frozen=True)
class Basis:
    """The §8 口径 options (`[policy.rates]`): the dropout-rate denominator and whether 休学 counts
    as dropout (两基口径)."""
    denominator: str = START
    count_xiuxue: bool = False

    @classmethod
    def of(cls, rates_cfg) -> "Basis":
        return cls(rates_cfg.denominator, bool(rates_cfg.count_xiuxue_as_dropout))

    @property
    def is_default(self) -> bool:
        return self.denominator == START and not self.count_xiuxue

    @property
    def code(self) -> str:
        """The 口径代码 of 指标说明, e.g. `denominator=学年初在校生;xiuxue=0`."""
        return f"denominator={self.denominator};xiuxue={int(self.count_xiuxue)}"

    def text(self) -> str:
        return f"分母：{self.denominator}；休学{'计入' if self.count_xiuxue else '不计入'}辍学"

    @classmethod
    def from_code(cls, code: str) -> "Basis | None":
        """A 口径代码 back to its Basis; None for an empty, mixed or unreadable code."""
        fields = dict(part.split("=", 1) for part in (code or "").replace(" ", "").split(";") if "=" in part)
        if fields.get("denominator") not in DENOMINATORS or fields.get("xiuxue") not in ("0", "1"):
            return None
        return cls(fields["denominator"], fields["xiuxue"] == "1")

    @classmethod
    def from_text(cls, text: str) -> "Basis":
        """Fallback for a workbook written before 口径代码 existed (or re-typed without it): the 口径
        sentence as `kc monthly` words it. Anything else counts as the default 口径."""
        text = text or ""
        return cls(ADJUSTED if ADJUSTED in text else START,
                   bool(re.search(r"休学(?:已)?计入", text)) or "两基" in text)


MIXED_CODE = "mixed"  # a 小计/合计 of units that report under different 口径


def basis_of(code: str, text: str) -> Basis | None:
    """The 口径 of a received 指标说明 row: its 口径代码 when the column is there, else its sentence.
    None when the units behind it used different 口径 (MIXED_CODE)."""
    if code:
        return None if code == MIXED_CODE else Basis.from_code(code)
    return Basis.from_text(text)


def common_code(codes) -> str:
    """The 口径代码 of a sum of rows: theirs when they agree, MIXED_CODE when not, '' when none."""
    found = {c for c in codes if c}
    return found.pop() if len(found) == 1 else (MIXED_CODE if found else "")


# ---------------------------------------------------------------- the rate record

@dataclass
class Rate:
    """One §8 rate of one row: Σ-able numerator and denominator, its formula in words and its 口径."""
    numerator: float
    denominator: float
    formula: str = ""
    basis: str = ""     # the 口径 sentence
    code: str = ""      # the 口径代码

    @property
    def value(self) -> float | None:
        return ratio(self.numerator, self.denominator)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator; None (an empty cell) when the denominator is 0 (§8)."""
    return numerator / denominator if denominator else None


def sum_rates(parts: list[Rate | None]) -> Rate | None:
    """Σ分子 ÷ Σ分母 (§13.16), never an average; None when a part is missing."""
    if not parts or any(p is None for p in parts):
        return None
    return Rate(sum(p.numerator for p in parts), sum(p.denominator for p in parts))


# ---------------------------------------------------------------- one formula per rate

ADJUSTED_TEXT = "调整基数（学年初在校生＋学年内转入－转出－死亡）"
RETENTION_FORMULA = ("巩固基数中截止日在读人数 ÷ 巩固基数（学年初在校生＋学年内新生入学、转入－已接收或待回执的转出－死亡、毕业；"
                     "往年劝返学生不计入）")
DEFAULT_FORMULAS = {
    "年辍学率": "当前辍学人数 ÷ 学年初在校生",
    "可能辍学率": "（当前辍学人数＋疑似辍学人数）÷ 学年初在校生",
    "巩固率": "巩固基数中截止日在读人数 ÷ 巩固基数",
}


def dropout_rates(current: float, xiuxue_now: float, suspects: float, start: float, adjusted: float,
                  basis: Basis, basis_text: str = "") -> dict[str, Rate]:
    """§8 年辍学率 = 当前辍学 ÷ 学年初在校生 and 可能辍学率 = (当前辍学 + 疑似辍学) ÷ 学年初在校生;
    with the options, 休学 counts as dropout and/or the denominator is 调整基数."""
    if basis.denominator == ADJUSTED:
        denominator, denominator_text = adjusted, ADJUSTED_TEXT
    else:
        denominator, denominator_text = start, START
    dropped = current + (xiuxue_now if basis.count_xiuxue else 0)
    dropped_text = "当前辍学人数" + ("＋当前休学人数" if basis.count_xiuxue else "")
    text = basis_text or basis.text()
    return {
        "年辍学率": Rate(dropped, denominator, f"{dropped_text} ÷ {denominator_text}", text, basis.code),
        "可能辍学率": Rate(dropped + suspects, denominator, f"（{dropped_text}＋疑似辍学人数）÷ {denominator_text}",
                      text, basis.code),
    }


def retention_rate(retained: float, base: float, basis: Basis, basis_text: str = "") -> Rate:
    """§8 巩固率 = students of the 巩固基数 在读 at the cutoff ÷ 巩固基数 (§13.8, §15.3)."""
    return Rate(retained, base, RETENTION_FORMULA, basis_text or basis.text(), basis.code)


TERM_DROPOUT_FORMULA = "本学期辍学人数 ÷ 学期初在校生"
RETURN_SUCCESS_FORMULA = "本期立案并因学生返校（返校后连续到校满规定天数）而销号的件数 ÷ 本期立案件数"


def term_dropout_rate(dropped: float, start: float, basis_text: str = "") -> Rate:
    """§16 学期辍学率 = the term's 辍学 ÷ 学期初在校生."""
    return Rate(dropped, start, TERM_DROPOUT_FORMULA, basis_text)


def return_success_rate(returned: float, opened: float, basis_text: str = "") -> Rate:
    """§21.3 劝返成功率 = ledger cases opened in the period and closed 已销号 by the student's return
    (not by 转出 or 死亡) by its end ÷ cases opened in the period."""
    return Rate(returned, opened, RETURN_SUCCESS_FORMULA, basis_text)


def count_rates(counts: dict) -> dict[str, Rate]:
    """年辍学率 and 可能辍学率 from a 月报表 row's counts alone, under the default 口径 (a workbook
    without 指标说明, §13.16)."""
    rates = dropout_rates(counts["当前辍学"], 0, counts["疑似辍学"], counts[START], 0, Basis())
    return {name: Rate(r.numerator, r.denominator, DEFAULT_FORMULAS[name]) for name, r in rates.items()}


# ---------------------------------------------------------------- limits (§8)

def dropout_over_limit(stage: str | None, value: float | None, policy) -> float | None:
    """The 学段's 年辍学率 limit when `value` is over it, else None."""
    limit = policy.dropout_rate_limit.get(stage) if stage else None
    return limit if limit is not None and value is not None and value > limit else None


def retention_under_target(value: float | None, policy) -> bool:
    return value is not None and value < policy.retention_rate_target


def rate_breaches(label: str, stage: str | None, dropout_rate: float | None, retention_rate_value: float | None,
                  policy) -> list[tuple[str, str]]:
    """§8 limits of one row: its 年辍学率 against its 学段's limit, its 巩固率 against the target.
    → (rate name, Chinese sentence) for each breach."""
    out = []
    limit = dropout_over_limit(stage, dropout_rate, policy)
    if limit is not None:
        out.append(("年辍学率", f"{label}年辍学率 {dropout_rate:.2%}，超过控制线 {limit:.2%}"))
    if retention_under_target(retention_rate_value, policy):
        out.append(("巩固率", f"{label}巩固率 {retention_rate_value:.2%}，低于目标 {policy.retention_rate_target:.2%}"))
    return out
