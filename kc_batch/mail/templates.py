"""Subject and body of a report's email from the Jinja templates (SPEC §9.4, §13.28): the user's
work_dir/templates over the package's own, the template context, and every 身份证号 masked (§13.15)."""
from __future__ import annotations

import datetime as dt
import importlib.resources
import re
from dataclasses import asdict
from pathlib import Path

import jinja2

from kc_batch.calendar import chinese_date
from kc_batch.errors import KcError
from kc_batch.mail.summary import ReportSummary

SUBJECT_TEMPLATE = "email_subject.txt.j2"
BODY_TEMPLATE = "email_body.txt.j2"
BODY_AGGREGATE_TEMPLATE = "email_body_aggregate.txt.j2"
SUBJECT_WEEK_TEMPLATE = "email_subject_week.txt.j2"   # §21.1: the 周报 has its own subject and body
BODY_WEEK_TEMPLATE = "email_body_week.txt.j2"
SUBJECT_QUARTER_TEMPLATE = "email_subject_quarter.txt.j2"   # §21.3: the 季评 has its own subject and body
BODY_QUARTER_TEMPLATE = "email_body_quarter.txt.j2"

# 18-digit 身份证号 (also inside a G-prefixed 学籍号) and the old 15-digit form. Applied to every
# text field before rendering; after rendering any run of 15 or more digits is masked too (the
# figures of a report never get that long), which catches an ID glued to other digits.
ID_NUMBER_RE = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])")
LONG_DIGITS_RE = re.compile(r"\d{15,}[Xx]?")
ID_MASK = "（证件号已隐去）"


def package_templates():
    """The templates shipped inside the package (kc_batch/templates), as an importlib.resources tree."""
    return importlib.resources.files("kc_batch") / "templates"


def template_env(work_dir: Path | None) -> jinja2.Environment:
    """work_dir/templates (the user's edited copy) wins over the package's own templates."""
    loaders: list[jinja2.BaseLoader] = []
    if work_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(Path(work_dir) / "templates"), encoding="utf-8"))
    loaders.append(jinja2.PackageLoader("kc_batch", "templates", encoding="utf-8"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def copy_default_templates(work_dir: Path) -> list[Path]:
    """For `kc init`: copy the shipped templates into work_dir/templates, keeping any file the
    user already has. Returns the files written."""
    target = Path(work_dir) / "templates"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sorted(package_templates().iterdir(), key=lambda t: t.name):
        dst = target / src.name
        if src.is_file() and not dst.exists():
            dst.write_bytes(src.read_bytes())
            written.append(dst)
    return written


def render_template(env: jinja2.Environment, name: str, context: dict) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound:
        raise KcError(f"找不到邮件模板 {name}：请检查工作目录下的 templates 文件夹，"
                      f"或删除其中的同名文件以使用默认模板。") from None
    except jinja2.UndefinedError as exc:
        raise KcError(f"邮件模板 {name} 使用了不存在的变量（{exc.message}）。"
                      f"可用的变量有：{'、'.join(sorted(context))}。") from None
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"第 {line} 行" if line else ""
        raise KcError(f"邮件模板 {name} {where}有错误：{exc}") from None


def format_rate(rate: float | None) -> str:
    return "—（无法计算）" if rate is None else f"{rate * 100:.2f}%"


def month_text(month: str) -> str:
    """'2026-11' → '2026年11月'; '2026-03' → '2026年3月' (§13.28); a week '2026-W47' → '2026年第47周' (§21.1);
    a quarter '2026-Q4' → '2026年第4季度' (§21.3)."""
    w = re.fullmatch(r"(\d{4})-W(\d{1,2})", month.strip())
    if w:
        return f"{int(w.group(1))}年第{int(w.group(2))}周"
    q = re.fullmatch(r"(\d{4})-Q([1-4])", month.strip())
    if q:
        return f"{int(q.group(1))}年第{int(q.group(2))}季度"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", month.strip())
    if not m:
        raise KcError(f"月份 {month!r} 格式不对，应为 YYYY-MM，例如 2026-11。")
    return f"{int(m.group(1))}年{int(m.group(2))}月"


def template_context(summary: ReportSummary, workbook_name: str, now: dt.datetime) -> dict:
    context = {key: _masked(value) for key, value in asdict(summary).items()}
    context.update(
        month_text=month_text(summary.month),
        is_aggregate=summary.is_aggregate,
        week_text=month_text(summary.month) if summary.kind == "weekly" else "",
        zero_report=summary.dropouts_now == 0,
        dropout_rate_text=format_rate(summary.dropout_rate),
        retention_rate_text=format_rate(summary.retention_rate),
        workbook_name=mask_id_numbers(workbook_name),
        date_text=chinese_date(summary.report_date),  # dated like the attached workbook (§13.18)
    )
    return context


def mask_id_numbers(text: str) -> str:
    return LONG_DIGITS_RE.sub(ID_MASK, ID_NUMBER_RE.sub(ID_MASK, text))


def _masked(value):
    if isinstance(value, str):
        return mask_id_numbers(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


def render_subject(env: jinja2.Environment, context: dict) -> str:
    name = {"weekly": SUBJECT_WEEK_TEMPLATE, "quarter": SUBJECT_QUARTER_TEMPLATE}.get(context["kind"], SUBJECT_TEMPLATE)
    subject = render_template(env, name, context)
    return mask_id_numbers(" ".join(subject.split()))


def render_body(env: jinja2.Environment, context: dict) -> str:
    if context["kind"] == "weekly":
        name = BODY_WEEK_TEMPLATE
    elif context["kind"] == "quarter":
        name = BODY_QUARTER_TEMPLATE
    else:
        name = BODY_AGGREGATE_TEMPLATE if context["is_aggregate"] else BODY_TEMPLATE
    body = render_template(env, name, context)
    return mask_id_numbers(body.replace("\r\n", "\n"))
