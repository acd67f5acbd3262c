"""`kc send --month M`: one email per report of the month (SPEC §9.4).

The key figures of the email are read back from the very workbook that is attached (its 合计 row and
its 统计时段 line), so the body can never disagree with the attachment.
"""
from __future__ import annotations

import os
from pathlib import Path

from .config import Config
from .errors import KcError, UsageError
from .mail import ReportSummary, send_report
from .monthly import rate_breaches
from .normalise import cell_text, norm_header, parse_grade

MONTHLY_PREFIX = "控辍保学月报_"
AGGREGATE_PREFIX = "控辍保学月报汇总_"


def report_workbooks(work_dir: Path, cfg: Config, month: str) -> list[Path]:
    """The reports of a month this unit sends: its own 月报 and/or its 汇总 workbook."""
    from .reports.xlsxform import safe_filename
    folder = Path(work_dir) / "out" / month
    unit = safe_filename(cfg.unit.name)
    names = [f"{MONTHLY_PREFIX}{unit}_{month}.xlsx", f"{AGGREGATE_PREFIX}{unit}_{month}.xlsx"]
    return [folder / n for n in names if (folder / n).is_file()]


def _table(rows: list[list], first_leaf: str = "学年初在校生"):
    """(leaf header → column, data rows) of the 月报表/汇总表 sheet, found by header text."""
    for i, row in enumerate(rows[:15]):
        labels = [norm_header(c) for c in row]
        if first_leaf in labels:
            cols = {lab: j for j, lab in enumerate(labels) if lab}
            return cols, rows[i + 1:]
    raise KcError(f"报表中没有找到表头“{first_leaf}”。")


def summary_from_workbook(path: Path, cfg: Config, month: str) -> ReportSummary:
    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(str(path))
    aggregate = path.name.startswith(AGGREGATE_PREFIX)
    sheet = "汇总表" if aggregate and "汇总表" in book.sheet_names else "月报表"
    rows = book.get_sheet_by_name(sheet).to_python()
    period = ""
    for row in rows[:3]:
        for c in row:
            t = cell_text(c)
            if t.startswith("统计时段："):
                period = t.removeprefix("统计时段：")
    cols, data = _table(rows)
    total = next((r for r in data if cell_text(r[0]).replace(" ", "") == "合计"), None)
    if total is None:
        raise KcError(f"{path.name} 的“{sheet}”中没有“合计”行。")

    def value(row, name):
        j = cols.get(name)
        v = row[j] if j is not None and j < len(row) else None
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    over = []
    for row in data:
        label = cell_text(row[0]) if row else ""
        if not label:
            break
        over += [text for _, text in rate_breaches(label, _stage_of(label, cfg), value(row, "年辍学率"),
                                                    value(row, "巩固率"), cfg)]
    reported, missing = None, []
    if aggregate:
        reported = sum(1 for r in data if r and cell_text(r[0]) and cell_text(r[0]) != "合计"
                       and value(r, "学年初在校生") is not None)
        if "未报单位" in book.sheet_names:
            miss_rows = book.get_sheet_by_name("未报单位").to_python()
            missing = _missing_units(miss_rows)
    return ReportSummary(
        unit_name=cfg.unit.name, month=month, level=cfg.unit.level, period_text=period,
        enrolled_start=int(value(total, "学年初在校生") or 0), enrolled_now=int(value(total, "本月末在校生") or 0),
        dropouts_now=int(value(total, "当前辍学") or 0), suspected=int(value(total, "疑似辍学") or 0),
        dropout_rate=value(total, "年辍学率"), retention_rate=value(total, "巩固率"), over_limit=over,
        units_reported=reported, units_missing=missing, clerk=cfg.unit.clerk, phone=cfg.unit.phone)


def _stage_of(label: str, cfg: Config) -> str | None:
    if label.startswith("小学"):
        return "小学"
    if label.startswith("初中"):
        return "初中"
    g = parse_grade(label)
    if g:
        return "小学" if g <= 6 else "初中"
    if label == "合计" and len(cfg.unit.stages) == 1 and cfg.unit.level == "school":
        return cfg.unit.stages[0]
    for u in cfg.units:
        if u.name == label and len(u.stages) == 1:
            return u.stages[0]
    return None


def _missing_units(rows) -> list[str]:
    for i, row in enumerate(rows[:10]):
        labels = [norm_header(c) for c in row]
        if "单位" in labels or "单位名称" in labels:
            j = labels.index("单位") if "单位" in labels else labels.index("单位名称")
            out = []
            for r in rows[i + 1:]:
                t = cell_text(r[j]) if j < len(r) else ""
                if not t or t.startswith("单位负责人"):
                    break
                out.append(t)
            return out
    return []


def run_send(work_dir: Path, month: str, smtp: bool = False, resend: bool = False, ssl_context=None) -> list[str]:
    from .jobs import normalise_month, open_workspace
    month = normalise_month(month)
    ws = open_workspace(work_dir)
    books = report_workbooks(ws.dir, ws.cfg, month)
    if not books:
        raise UsageError(f"out/{month}/ 下没有本单位 {month} 的月报或汇总工作簿，请先运行 kc monthly（或 kc aggregate）--month {month}。")
    password = os.environ.get(ws.cfg.mail.password_env) if smtp else None
    lines = []
    for book in books:
        summary = summary_from_workbook(book, ws.cfg, month)
        lines.append(send_report(ws.cfg, ws.dir, book, summary, smtp=smtp, resend=resend, password=password,
                                 log_db=ws.store_path, ssl_context=ssl_context))
    return lines
