"""`kc send --quarter Q`: the 季评 as one email (SPEC §21.3, §9.4) — a township's or county's
out/<Q>/控辍保学季评_<单位>_<Q>.xlsx.

The inbox is evaluated again for the body (先进, 约谈 with reasons, 劝返成功率, 报送及时率) and the email is
refused when the attached workbook's 季评表 no longer agrees with it (评定, 报送 and 台账 counts, 去向不明,
疑似辍学 of each unit: a report received after the run). Subject and body come from email_subject_quarter.txt.j2 and email_body_quarter.txt.j2.
"""
from __future__ import annotations

import os
from pathlib import Path

from kc_batch.calendar import normalise_quarter
from kc_batch.errors import KcError, UsageError
from kc_batch.mail import ReportSummary, send_report
from kc_batch.read.books import read_records
from kc_batch.read.files import read_file
from kc_batch.read.values import cell_text
from kc_batch.reconcile.quarter import EXCELLENT, INTERVIEW, month_cn, return_parts, timely_parts
from kc_batch.reports.quarter_book import quarter_path

EVAL_SHEET = "季评表"
COMPARED = ("评定", "应报", "按时", "逾期", "未报", "新开台账", "返校销号", "去向不明", "疑似辍学")


def _figures(unit) -> tuple:
    values = (unit.verdict, unit.due, unit.on_time, unit.late, unit.missing, unit.opened, unit.returned,
              unit.unresolved, unit.suspects)
    return tuple(cell_text(v) if isinstance(v, str) else (None if v is None else float(v)) for v in values)


def figures_on_file(path: Path, names: list[str]) -> dict[str, tuple]:
    """{单位: (评定, 应报, …)} as the workbook's 季评表 gives them, for the units named."""
    raw = read_file(path, path.parent)
    sheet = next((s for s in raw.sheets if s.name == EVAL_SHEET), None)
    if sheet is None:
        raise KcError(f"{path.name} 中没有“{EVAL_SHEET}”表，请重新运行 kc aggregate --quarter 后再发送。")
    wanted, out = set(names), {}
    for r in read_records(sheet, ["单位", *COMPARED], key="单位"):
        unit = cell_text(r.get("单位"))
        if unit in wanted:
            out[unit] = tuple(cell_text(r.get(c)) if c == "评定" else (None if r.get(c) is None else float(r.get(c)))
                              for c in COMPARED)
    return out


def _rate(rate) -> str:
    return f"{rate.value:.2%}" if rate.value is not None else "—（无法计算）"


def quarter_summary(work_dir: Path, ws, quarter: str, path: Path) -> ReportSummary:
    from kc_batch.app.quarter import compute_quarter
    res = compute_quarter(work_dir, quarter)
    fresh = {EXCELLENT: [u.unit for u in res.of(EXCELLENT)], INTERVIEW: [u.unit for u in res.of(INTERVIEW)]}
    if figures_on_file(path, [u.unit for u in res.units]) != {u.unit: _figures(u) for u in res.units}:
        raise KcError(f"{path.name} 与收件箱中各单位的月报不一致（季评后又收到或改动了月报）。"
                      f"请先重新运行 kc aggregate --quarter {quarter}，再发送。")
    cfg = ws.cfg
    figures = dict(units=len(res.units), month_text=month_cn(res.month), excellent=fresh[EXCELLENT],
                   interview=[f"{u.unit}（{'；'.join(u.reasons)}）" for u in res.of(INTERVIEW)],
                   return_rate_text=_rate(return_parts(res.units)), timely_rate_text=_rate(timely_parts(res.units)))
    return ReportSummary(unit_name=cfg.unit.name, month=quarter, level=cfg.unit.level, period_text=res.period_text,
                         enrolled_start=0, enrolled_now=0, dropouts_now=0, suspected=0, dropout_rate=None,
                         retention_rate=None, over_limit=[], units_reported=len(res.units), clerk=cfg.unit.clerk,
                         phone=cfg.unit.phone, report_date=ws.cal.report_date(res.month), kind="quarter",
                         quarter=figures)


def run_send_quarter(work_dir: Path, quarter: str, smtp: bool = False, resend: bool = False,
                     ssl_context=None) -> list[str]:
    from kc_batch.app.jobs import open_workspace
    quarter = normalise_quarter(quarter)
    ws = open_workspace(work_dir, "send")
    path = quarter_path(ws.dir, ws.cfg.unit.name, quarter)
    if not path.is_file():
        raise UsageError(f"没有找到本单位 {quarter} 的季评工作簿 {path.name}，请先运行 kc aggregate --quarter {quarter}。")
    summary = quarter_summary(ws.dir, ws, quarter, path)
    password = os.environ.get(ws.cfg.mail.password_env) if smtp else None
    return [send_report(ws.cfg, ws.dir, path, summary, smtp=smtp, resend=resend, password=password,
                        log_db=ws.store_path, ssl_context=ssl_context)]
