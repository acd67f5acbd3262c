"""Letters as .docx (SPEC §18): one document per class and 文书, one letter per page, rendered with
docxtpl (jinja2 inside Word) from DIR/templates/<文书>.docx, else the package's default template.

Every document of a run is rendered in memory first; only when all of them rendered are they written
(each atomically), so a template error leaves no half letter set. A template error is a Chinese
message naming the template and the line (the paragraph, counted from the top of the document).
"""
from __future__ import annotations

import importlib.resources
import io
import re
from pathlib import Path

import jinja2

from kc_batch.atomic import write_bytes_atomically
from kc_batch.errors import TemplateError
from kc_batch.read.values import class_label
from kc_batch.reconcile.letters import Letter
from kc_batch.reports.xlsxform import safe_filename

TAG_PREFIX = re.compile(r"\{%\s*[ptrc]\s")   # docxtpl's {%p / {%tr / {%tc / {%r tags


def template_path(work_dir: Path, kind: str):
    """DIR/templates/<文书>.docx (the user's edited copy) wins over the package's default."""
    own = Path(work_dir) / "templates" / f"{kind}.docx"
    if own.is_file():
        return own
    return importlib.resources.files("kc_batch") / "templates" / f"{kind}.docx"


def letters_path(work_dir: Path, as_of, grade, class_no, kind: str) -> Path:
    """out/letters/<date>/<年级><班级>_<文书>.docx (§18)."""
    return (Path(work_dir) / "out" / "letters" / as_of.isoformat()
            / f"{safe_filename(class_label(grade, class_no) or '未分班')}_{kind}.docx")


def render_all(work_dir: Path, as_of, letters: list[Letter]) -> dict[Path, bytes]:
    """{path: document bytes} for every class and 文书; raises TemplateError before anything is written."""
    groups: dict[tuple, list[Letter]] = {}
    for lt in letters:
        groups.setdefault((lt.kind, lt.student.grade, lt.student.class_no), []).append(lt)
    out = {}
    for (kind, grade, class_no), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0,
                                                                                   str(kv[0][2]))):
        source = template_path(work_dir, kind)
        out[letters_path(work_dir, as_of, grade, class_no, kind)] = render(source, kind, group)
    return out


def render(source, kind: str, letters: list[Letter]) -> bytes:
    from docxtpl import DocxTemplate
    name = getattr(source, "name", str(source))
    try:
        with source.open("rb") as fh:
            doc = DocxTemplate(io.BytesIO(fh.read()))
    except (OSError, KeyError, ValueError) as exc:
        raise TemplateError(f"信函模板 {name} 无法打开（不是有效的 Word .docx 文件：{exc}）") from None
    check_syntax(doc, name)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    try:
        doc.render({"letters": [dict(lt.fields, number=lt.number) for lt in letters]}, env)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"信函模板 {name}（{kind}）引用了不存在的字段：{exc.message}。"
                            f"可用的字段见 README “kc letters”。") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"信函模板 {name}（{kind}）有错误：{exc}") from None
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def template_lines(doc) -> list[str]:
    """The template's text, one line per paragraph (body, tables, in document order)."""
    from docx.oxml.ns import qn
    body = doc.get_docx().element.body
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))]


def check_syntax(doc, name: str) -> None:
    """Parse the template's jinja2 with one line per paragraph, so that an error names the line."""
    lines = template_lines(doc)
    text = "\n".join(TAG_PREFIX.sub("{% ", line) for line in lines)
    try:
        jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        where = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
        raise TemplateError(f"信函模板 {name} 第 {exc.lineno} 行（“{where[:40]}”）有错误：{exc.message}。"
                            "请改正模板后重新运行；本次没有生成任何信函。") from None


def write_all(documents: dict[Path, bytes]) -> list[Path]:
    """Write each document atomically (kc_batch/atomic.py; §10.2)."""
    return [write_bytes_atomically(path, data) for path, data in documents.items()]
