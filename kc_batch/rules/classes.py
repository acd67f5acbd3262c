"""Who answers for each class: the 班主任 from kc.toml [[classes]], else the newest 周查表 (§17.2, §19)."""
from __future__ import annotations

from kc_batch.config import Config
from kc_batch.read.values import grade_class_from_text


def configured_teachers(cfg: Config) -> dict[tuple, str]:
    """(grade, class_no) → 班主任 named in [[classes]]; a name that shows no class is ignored."""
    out = {}
    for c in cfg.classes:
        grade, class_no = grade_class_from_text(c.name)
        if grade is not None and class_no is not None and c.teacher.strip():
            out[(grade, class_no)] = c.teacher.strip()
    return out


def head_teachers(cfg: Config, from_sheets: dict[tuple, str]) -> dict[tuple, str]:
    """kc.toml wins over the 班主任 written on the newest 周查表 of the class."""
    return {**from_sheets, **configured_teachers(cfg)}
