"""Writes the default letter templates kc_batch/templates/{家长通知书,辍学报告单,辍学生返校通知书}.docx (SPEC §18).

Run it after changing the texts below: `python scripts/make_letter_templates.py`. The .docx files are
committed; `kc init` copies them into DIR/templates/, where a school may edit them in Word or WPS.

Each template is one document holding all letters of a class: a `{%p for l in letters %}` loop with
one letter per page (a page break paragraph between letters, none after the last). Jinja2 tags are
docxtpl's: `{%p … %}` alone in a paragraph, `{{ … }}` inside a paragraph.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent.parent / "kc_batch" / "templates"
FONT = "宋体"
INDENT = "\u3000\u3000"

# 《中华人民共和国义务教育法》(2018 修正)
LAW_5_2 = "适龄儿童、少年的父母或者其他法定监护人应当依法保证其按时入学接受并完成义务教育。"
LAW_11 = ("凡年满六周岁的儿童，其父母或者其他法定监护人应当送其入学接受并完成义务教育；条件不具备的地区的儿童，"
          "可以推迟到七周岁。")
LAW_58 = ("适龄儿童、少年的父母或者其他法定监护人无正当理由未依照本法规定送适龄儿童、少年入学接受义务教育的，"
          "由当地乡镇人民政府或者县级人民政府教育行政部门给予批评教育，责令限期改正。")


def new_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)   # A4 portrait
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(4)
    style.paragraph_format.line_spacing = 1.25
    return doc


def para(doc, text="", bold=False, size=None, align=None):
    p = doc.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return p


def title(doc, text):
    para(doc, text, bold=True, size=18, align="center")


def end_of_letter(doc):
    para(doc, "{%p if not loop.last %}")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")


def parent_notice() -> Document:
    doc = new_document()
    para(doc, "{%p for l in letters %}")
    title(doc, "家长通知书")
    para(doc, "编号：{{ l.number }}", align="right")
    para(doc, "{{ l.guardian }} 家长：")
    para(doc, INDENT + "您的孩子 {{ l.name }}（{{ l.class_name }}）自 {{ l.first_day }} 起未到校上课，"
              "截至 {{ l.as_of }} 已连续旷课 {{ l.days }} 天（{{ l.dates }}），学校没有收到请假。")
    para(doc, INDENT + "《中华人民共和国义务教育法》第五条第二款规定：" + LAW_5_2)
    para(doc, INDENT + "请您接到通知后立即与班主任联系，说明孩子未到校的原因，并督促孩子尽快返校上课。"
              "孩子如有困难，学校将与您一起想办法解决。")
    para(doc, INDENT + "班主任：{{ l.head_teacher }}　　联系电话：{{ l.phone }}")
    para(doc)
    para(doc, "{{ l.school }}（盖章）", align="right")
    para(doc, "{{ l.date }}", align="right")
    end_of_letter(doc)
    return doc


def dropout_report() -> Document:
    doc = new_document()
    para(doc, "{%p for l in letters %}")
    title(doc, "学生辍学（疑似辍学）报告单")
    para(doc, "编号：{{ l.number }}", align="right")
    para(doc, "学校：{{ l.school }}　　班级：{{ l.class_name }}　　类别：{{ l.category }}")
    para(doc, "学生姓名：{{ l.name }}　　性别：{{ l.sex }}　　学籍号：{{ l.xjh }}")
    para(doc, "监护人：{{ l.guardian }}　　联系电话：{{ l.guardian_phone }}")
    para(doc, "家庭住址：{{ l.address }}")
    para(doc, "首次旷课日期：{{ l.first_day }}　　旷课天数：{{ l.days }} 天（截至 {{ l.as_of }}）")
    para(doc, "辍学（疑似辍学）原因：{{ l.reason }}")
    para(doc, "已采取的措施（家访、劝返记录）：", bold=True)
    para(doc, "{%p for m in l.measures %}")
    para(doc, INDENT + "{{ m }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if not l.measures %}")
    para(doc, INDENT + "（尚无家访、劝返记录）")
    para(doc, "{%p endif %}")
    para(doc)
    para(doc, "班主任（签字）：________________　　日期：______年____月____日")
    para(doc)
    para(doc, "学校意见：")
    para(doc)
    para(doc, "校长（签字）：________________　　学校（盖章）　　日期：______年____月____日")
    end_of_letter(doc)
    return doc


def return_notice() -> Document:
    doc = new_document()
    para(doc, "{%p for l in letters %}")
    title(doc, "辍学生返校通知书")
    para(doc, "编号：{{ l.number }}", align="right")
    para(doc, "{{ l.guardian }} 家长：")
    para(doc, INDENT + "您的孩子 {{ l.name }}（{{ l.class_name }}）自 {{ l.first_day }} 起未到校上课，"
              "截至 {{ l.as_of }} 已旷课 {{ l.days }} 天。")
    para(doc, INDENT + "《中华人民共和国义务教育法》第五条第二款规定：" + LAW_5_2 + "第十一条规定：" + LAW_11)
    para(doc, INDENT + "第五十八条规定：" + LAW_58)
    para(doc, INDENT + "请您务必于 {{ l.return_by }} 前送孩子返校上课。如有困难，请与学校联系："
              "{{ l.contact }}。")
    para(doc, "{{ l.school }}（盖章）　　{{ l.date }}", align="right")
    para(doc, "✂ - - - - - - - - - - - - - - 沿此线剪下，填写后交回班主任 - - - - - - - - - - - - - -", align="center")
    para(doc, "回　执", bold=True, size=14, align="center")
    para(doc, "编号：{{ l.number }}", align="right")
    para(doc, INDENT + "本人已收到 {{ l.school }} {{ l.class_name }} 学生 {{ l.name }} 的返校通知书，"
              "将于______年____月____日前送孩子返校上课。")
    para(doc, "家长签字：________________　　日期：______年____月____日　　（交班主任 {{ l.head_teacher }}）")
    end_of_letter(doc)
    return doc


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in (("家长通知书", parent_notice), ("辍学报告单", dropout_report), ("辍学生返校通知书", return_notice)):
        build().save(OUT / f"{name}.docx")
        print(OUT / f"{name}.docx")


if __name__ == "__main__":
    main()
