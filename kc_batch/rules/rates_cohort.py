"""THE cohort rates of §22.1 (届巩固率), their 口径 and 口径代码 — the cohort half of the §8 rates module.

Three 口径 of one cohort (the students of a 学段's last grade this 学年, followed back to the first
grade the store holds for them):
- student (逐生追踪): students of the cohort 在读 or 毕业 at the cutoff ÷ the cohort's students
  (entrants of the entry grade in the entry 学年 and those who joined it later) less those who left it
  legitimately (转出 已接收, 死亡) — per student.
- uis (UIS 重构队列估计, UNESCO Institute for Statistics, *Education Indicators Technical Guidelines*,
  2009: repetition rate by grade, survival rate by grade, reconstructed cohort method), from the
  enrolment E by grade of two consecutive 学年 t, t+1 and the repeaters R of t+1:
      promotion  p_g = (E_{g+1,t+1} − R_{g+1,t+1}) ÷ E_{g,t}
      repetition r_g = R_{g,t+1} ÷ E_{g,t}
      dropout    d_g = 1 − p_g − r_g
      survival to grade k = Π_{g=first}^{k−1} p_g ÷ (1 − r_g)
  (a pupil of grade g is promoted after any number of repeated years with probability p/(1 − r): the
  reconstructed cohort with no limit on repetition). With one 学年 only, the year's own flows stand in
  for t+1: R = 留级 or 休学 at the cutoff, dropouts = 辍学 at the cutoff, p = 1 − r − d.
- jie (届别统计, the counties' 巩固率统计表): 本届毕业生数 ÷ (本届入学人数 + 届增加 − 届减少), by grade counts.
Each is a rules.rates.Rate, so that `kc aggregate` sums 分子 and 分母 (§13.16); the UIS row's 分子 is
the survival rate times its 分母 (the first grade's enrolment), so the sum weighs units by enrolment.
"""
from __future__ import annotations

from dataclasses import dataclass

from kc_batch.rules.rates import Rate, ratio
from kc_batch.schemas import COHORT_INDICATORS

STUDENT, UIS, JIE = "student", "uis", "jie"
COHORT_NAMES = dict(zip((STUDENT, UIS, JIE), COHORT_INDICATORS, strict=True))
NAME_METHODS = {v: k for k, v in COHORT_NAMES.items()}
PROMOTION, REPETITION, DROPOUT = "升级率（UIS）", "留级率（UIS）", "流失率（UIS）"
FLOW_NAMES = (PROMOTION, REPETITION, DROPOUT)
STAGE_SPANS = {"小学": (1, 6), "初中": (7, 9)}   # §22.1: survival to the last grade of the 学段
GRADE_WORDS = "一二三四五六七八九"


def grade_word(g: int) -> str:
    return f"{GRADE_WORDS[g - 1]}年级"


@dataclass(frozen=True)
class CohortBasis:
    """The 口径 of one cohort row: the method, the 学段's grades, the 学年 and grade the figure starts
    from (student/jie: the cohort's entry; uis: year t and the 学段's first grade) and the 学年 used."""
    method: str
    first: int
    last: int
    entry_year: int
    entry_grade: int
    years: int

    @property
    def code(self) -> str:
        """口径代码, e.g. `cohort=student;grades=7-9;entry=2026:7;years=3` (read back by kc aggregate)."""
        return (f"cohort={self.method};grades={self.first}-{self.last};entry={self.entry_year}:{self.entry_grade};"
                f"years={self.years}")

    @classmethod
    def from_code(cls, code: str) -> "CohortBasis | None":
        fields = dict(p.split("=", 1) for p in (code or "").replace(" ", "").split(";") if "=" in p)
        try:
            first, last = (int(x) for x in fields["grades"].split("-"))
            year, grade = (int(x) for x in fields["entry"].split(":"))
            years = int(fields["years"])
        except (KeyError, ValueError):
            return None
        if fields.get("cohort") not in COHORT_NAMES:
            return None
        return cls(fields["cohort"], first, last, year, grade, years)

    def text(self) -> str:
        """The 口径 in words (指标说明's note of the row)."""
        span = f"{grade_word(self.first)}至{grade_word(self.last)}"
        if self.method == UIS:
            if self.years == 1:
                return (f"库中只有{self.entry_year}学年一个学年，无法逐生追踪，按本学年各年级留级（含休学）、辍学估计"
                        f"（UIS重构队列法）{grade_word(self.first)}入学者到{grade_word(self.last)}的保留率")
            return (f"库中学年不足（{span}需{self.last - self.first + 1}个学年），按{self.entry_year}、"
                    f"{self.entry_year + 1}两个学年各年级人数和留级人数估计（UIS重构队列法）{grade_word(self.first)}"
                    f"入学者到{grade_word(self.last)}的保留率")
        start = f"{self.entry_year}学年{grade_word(self.entry_grade)}"
        if self.method == STUDENT:
            return f"逐生追踪{start}起的本届学生（库中{self.years}个学年）"
        return f"届别统计法，{start}入学人数起按年级人数计（库中{self.years}个学年）"


def cohort_method(code: str) -> str | None:
    """The method of a cohort 口径代码 (student / uis / jie), also of a sum of rows whose grades or
    entry 学年 differ (`cohort=student;mixed`); None for any other code."""
    fields = dict(p.split("=", 1) for p in (code or "").replace(" ", "").split(";") if "=" in p)
    method = fields.get("cohort")
    return method if method in COHORT_NAMES else None


def sum_code(codes, method: str) -> str:
    """The 口径代码 of a Σ of cohort rows of one method: theirs when they agree, else `cohort=<method>;mixed`."""
    found = set(codes)
    return found.pop() if len(found) == 1 else f"cohort={method};mixed"


# ---------------------------------------------------------------- one formula per 口径

def student_rate(retained: int, base: int, basis: CohortBasis) -> Rate:
    """§22.1 per student: 在读 or 毕业 at the cutoff ÷ (cohort − 转出已接收 − 死亡)."""
    return Rate(retained, base, f"本届学生中截止日在读或毕业人数 ÷（{basis.entry_year}学年{grade_word(basis.entry_grade)}"
                f"本届学生＋以后转入本届－转出已接收－死亡）", "", basis.code)


def jie_rate(graduates: int, entrants: int, increases: int, decreases: int, basis: CohortBasis) -> Rate:
    """§22.1 届 method: 本届毕业生数 ÷ (本届入学人数 + 届增加 − 届减少); may exceed 100%."""
    return Rate(graduates, entrants + increases - decreases,
                f"本届毕业生数（截止日{grade_word(basis.last)}在读或毕业）÷（本届入学人数 {entrants}＋届增加（转入）{increases}"
                f"－届减少（转出、休学、死亡）{decreases}）", "", basis.code)


@dataclass(frozen=True)
class GradeFlow:
    """One grade's UIS flow: E_{g,t}, the promoted (E_{g+1,t+1} − R_{g+1,t+1}) and the repeaters R_{g,t+1}."""
    grade: int
    enrolled: int
    promoted: int
    repeaters: int

    def rates(self) -> dict[str, Rate]:
        e, p, r = self.enrolled, self.promoted, self.repeaters
        return {PROMOTION: Rate(p, e, "升级人数 ÷ 上一学年本年级学年初在校生"),
                REPETITION: Rate(r, e, "留级人数 ÷ 上一学年本年级学年初在校生"),
                DROPOUT: Rate(e - p - r, e, "（学年初在校生－升级－留级）÷ 学年初在校生（1－升级率－留级率）")}


def survival(flows: list[GradeFlow]) -> float | None:
    """UIS survival from the first flow's grade to one above the last: Π p ÷ (1 − r); None when a grade
    has no enrolment or everyone repeats."""
    out = 1.0
    for f in flows:
        p, r = ratio(f.promoted, f.enrolled), ratio(f.repeaters, f.enrolled)
        if p is None or r is None or r >= 1:
            return None
        out *= p / (1 - r)
    return out


def uis_rate(flows: list[GradeFlow], basis: CohortBasis) -> Rate | None:
    """The survival to the 学段's last grade as a Σ-able Rate: 分母 = E of the first grade, 分子 = 分母 × survival."""
    value = survival(flows)
    if value is None or not flows:
        return None
    base = flows[0].enrolled
    return Rate(base * value, base, f"{grade_word(basis.first)}学年初在校生 × Π各年级 升级率÷(1－留级率)"
                f"（至{grade_word(basis.last)}）÷ {grade_word(basis.first)}学年初在校生", "", basis.code)
