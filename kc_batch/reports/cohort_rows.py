"""The cohort block of 指标说明 (§22.1), shared by the monthly workbook and the aggregate: one row per
届巩固率 口径 per 范围 (and the UIS grade flows), its 口径 as a note and as the row's 口径代码."""
from __future__ import annotations

from kc_batch.reconcile.cohort import CohortRow
from kc_batch.rules.rates_cohort import COHORT_NAMES, CohortBasis

BLOCK_NOTE = ("届巩固率（§22.1，本表最后几行）看本学段毕业年级这一届学生：逐生追踪 = 本届学生中截止日在读或毕业的人数 ÷ "
              "（本届学生－转出已接收－死亡），留级生仍算原届；UIS估计 = 联合国教科文组织统计研究所（UIS）《教育指标技术指南》"
              "重构队列法，由相邻两个学年各年级人数和留级人数推算升级率、留级率、流失率及到毕业年级的保留率；"
              "届别统计 = 本届毕业生数 ÷（本届入学人数＋转入－转出、休学、死亡），按年级人数计，可能超过100%。"
              "这些行不用上面的比率口径，各自的口径见下列说明和口径代码（cohort=…）。")


def cohort_indicator_rows(rows: list[CohortRow]) -> list[list]:
    """[范围, 指标, 公式, 分子, 分母, 数值, 口径 (left empty: said in the notes), 口径代码]."""
    return [[r.scope, r.name, r.rate.formula, r.rate.numerator, r.rate.denominator, r.rate.value, "", r.rate.code]
            for r in rows]


def cohort_notes(rows: list[CohortRow]) -> list[str]:
    if not rows:
        return []
    out = [BLOCK_NOTE]
    for r in rows:
        basis = CohortBasis.from_code(r.rate.code)
        if basis is not None and r.name in COHORT_NAMES.values() and r.scope != "合计":
            out.append(f"{r.scope}{r.name}：{basis.text()}。")
    return out


def aggregate_cohort_notes(rows: list[CohortRow]) -> list[str]:
    if not rows:
        return []
    return ["届巩固率（§22.1，本表最后几行）：各单位取其月报“指标说明”中届巩固率的合计行（口径代码 cohort=… 标明口径），"
            "小学小计、初中小计、合计 = 各单位同一口径、同一范围的分子之和 ÷ 分母之和；UIS估计的分子 = 保留率 × 起始年级学年初在校生，"
            "相加即按在校生人数加权。口径代码为 cohort=…;mixed 的行由起始学年或年级不同的单位相加而成。"]
