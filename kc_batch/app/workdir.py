"""`kc init`: a work folder with a commented kc.toml carrying every §2.1 key and its default
(rendered from the one key table, kc_batch/config_keys.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch.config import render_toml
from kc_batch.errors import UsageError



def init_workdir(target: Path, name: str, level: str, stages: list[str], today: dt.date | None = None) -> list[str]:
    """Make DIR with kc.toml, inbox/, out/, outbox/ and the editable templates; never overwrites kc.toml."""
    from kc_batch.mail import copy_default_templates
    target = Path(target)
    if level not in ("school", "township", "county"):
        raise UsageError(f"--level 只能是 school、township 或 county，收到“{level}”。")
    for s in stages:
        if s not in ("小学", "初中"):
            raise UsageError(f"--stages 只能是 小学、初中，收到“{s}”。")
    today = today or dt.date.today()
    year = today.year if today.month >= 9 else today.year - 1
    done = []
    target.mkdir(parents=True, exist_ok=True)
    for sub in ("inbox", "out", "outbox"):
        (target / sub).mkdir(exist_ok=True)
    toml = target / "kc.toml"
    if toml.exists():
        done.append(f"已有 {toml}，未覆盖")
    else:
        toml.write_text(render_toml(name, level, stages, year), encoding="utf-8")
        done.append(f"已生成配置文件 {toml}")
    copied = copy_default_templates(target)
    if copied:
        done.append(f"已复制邮件和信函模板到 {target / 'templates'}（可自行修改）")
    done.append(f"请把花名册、周查表、学籍变动登记表放入 {target / 'inbox'}")
    return done
