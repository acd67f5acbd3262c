"""`kc letters` (SPEC §18): who gets which letter, the fields of each, numbers kept across runs, one
letter per page with no other child's data, and a broken template that writes nothing.

School 示例小学, one class 三年级1班 (班主任 王老师), default ladder (§6.2: steps at 1, 2, 3, 7 days),
suspect_after_days 7, return_notice_days 3 (default). School days: W41 Thu 10-08, Fri 10-09,
Sat 10-10 (调休); W42 Mon 10-12 … Fri 10-16. As of Fri 10-16 (kc letters --week 2026-W42):
  张小明 旷 10-08 … 10-16 (8 days)   → 疑似辍学 (7th day 10-15): 家长通知书 + 辍学报告单 + 返校通知书
  李小红 旷 10-09 … 10-16 (7 days)   → 疑似辍学 (10-16): the same three
  王小刚 辍学 10-12 (变动登记表, 原因 厌学) → 辍学报告单 + 返校通知书 (not 在读: no 家长通知书);
         days missed = school days 10-12 … 10-16 = 5
  赵小丽 旷 10-15, 10-16 (2 days)     → ladder step 2: 家长通知书 only
  刘小军 present                      → nothing
So 家长通知书 3 (张, 李, 赵), 辍学报告单 3 and 返校通知书 3 (张, 李, 王): 2 疑似辍学 + 1 辍学.
Numbers (<学校代码>-<学年>-<文书>-<序号>, code 4509230001, 学年 2026) in 学籍号 order (张 李 王 赵 刘 by
the IDs' sequence numbers 1…5): TZ-001 张, TZ-002 李, TZ-003 赵; BG-001/FX-001 张, -002 李, -003 王.
返校 by: the 3rd school day after 10-16 = Wed 10-21.
Next week (W43, as of 10-23) 张 and 李 are back (present all week: no letter); 赵小丽 stays absent:
streak 7 (10-15 … 10-23), step 4 and 疑似辍学 on 10-23 → a new 家长通知书 TZ-004 (a new step of the
same streak) and BG-004/FX-004; 王小刚 (still 辍学) keeps BG-003/FX-003 (the same case).
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import subprocess

import docx
import pytest
from click.testing import CliRunner

from school import change_sheet, check_sheet, make_id, make_workdir, roster_sheet, write

from kc_batch.cli import main

D = dt.date
W41 = [D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10)]
W42 = [D(2026, 10, 12) + dt.timedelta(days=i) for i in range(5)]
W43 = [D(2026, 10, 19) + dt.timedelta(days=i) for i in range(5)]
K = "旷"
NAMES = ["张小明", "李小红", "王小刚", "赵小丽", "刘小军"]
KIDS = [dict(name=n, sex="男", birth=D(2017, 3, i), id=make_id(D(2017, 3, i), i, True),
             guardian=f"{n[0]}家长{i}", phone=f"1390000000{i}") for i, n in enumerate(NAMES, start=1)]
MARKS = {
    "张小明": {d: K for d in W41 + W42},
    "李小红": {d: K for d in W41[1:] + W42},
    "王小刚": {d: "—" for d in W42},
    "赵小丽": {d: K for d in W42[3:] + W43},
}
TOML = """
[[classes]]
name = "三年级1班"
teacher = "王老师"
"""


def build(tmp_path):
    wd = make_workdir(tmp_path / "school", extra_toml=TOML)
    text = (wd / "kc.toml").read_text(encoding="utf-8").replace('level = "school"', 'level = "school"\ncode = "4509230001"')
    (wd / "kc.toml").write_text(text, encoding="utf-8")
    inbox = wd / "inbox"
    write(inbox / "花名册.xlsx", {"三年级1班": roster_sheet("示例小学三年级(1)班学生花名册", KIDS)})
    for label, days in (("W41", W41), ("W42", W42)):
        write(inbox / f"周查表_{label}.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", days, MARKS, KIDS)})
    wang = KIDS[2]
    write(inbox / "学籍变动.xlsx", {"变动": change_sheet([
        ["G" + wang["id"], wang["id"], "王小刚", "三年级", "1班", "辍学", "2026-10-12", "", "", "厌学", "王老师", ""]])})
    return wd


def letters(wd, *args):
    res = CliRunner().invoke(main, ["letters", "--dir", str(wd), *args])
    return res


def out_dir(wd, day="2026-10-16"):
    return wd / "out" / "letters" / day


def doc_letters(path) -> list[list[str]]:
    """The letters of one .docx: its paragraphs split at page breaks (python-docx, independent of docxtpl)."""
    d = docx.Document(path)
    pages, current = [], []
    for p in d.paragraphs:
        if p.text.strip():
            current.append(p.text)
        if any(br.get(docx.oxml.ns.qn("w:type")) == "page" for br in p._p.iter(docx.oxml.ns.qn("w:br"))):
            pages.append(current)
            current = []
    pages.append(current)
    return [pg for pg in pages if pg]


def numbers_in(page: list[str]) -> set[str]:
    return set(re.findall(r"4509230001-2026-[A-Z]{2}-\d{3}", "\n".join(page)))


def test_two_suspects_and_one_dropout_get_the_right_letters(tmp_path):
    wd = build(tmp_path)
    res = letters(wd, "--week", "2026-W42")
    assert res.exit_code == 0, res.output
    assert "家长通知书 3 份，辍学报告单 3 份，辍学生返校通知书 3 份" in res.output
    folder = out_dir(wd)
    assert sorted(p.name for p in folder.iterdir()) == [
        "三年级1班_家长通知书.docx", "三年级1班_辍学报告单.docx", "三年级1班_辍学生返校通知书.docx"]

    notices = doc_letters(folder / "三年级1班_家长通知书.docx")
    assert [numbers_in(pg) for pg in notices] == [{"4509230001-2026-TZ-001"}, {"4509230001-2026-TZ-002"},
                                                  {"4509230001-2026-TZ-003"}]
    zhang = "\n".join(notices[0])
    assert "张家长1 家长：" in zhang and "张小明（三年级1班）" in zhang and "2026年10月8日" in zhang
    assert "已连续旷课 8 天（10月8日、10月9日、10月10日、10月12日、10月13日、10月14日、10月15日、10月16日）" in zhang
    assert "班主任：王老师" in zhang and "0775-1234567" in zhang
    assert "已连续旷课 2 天（10月15日、10月16日）" in "\n".join(notices[2])

    reports = doc_letters(folder / "三年级1班_辍学报告单.docx")
    assert [numbers_in(pg) for pg in reports] == [{"4509230001-2026-BG-001"}, {"4509230001-2026-BG-002"},
                                                  {"4509230001-2026-BG-003"}]
    wang = "\n".join(reports[2])
    assert "学生姓名：王小刚" in wang and "类别：辍学" in wang and "原因：厌学" in wang
    assert "首次旷课日期：2026年10月12日" in wang and "旷课天数：5 天" in wang
    assert "（尚无家访、劝返记录）" in wang and "班主任（签字）" in wang

    returns = doc_letters(folder / "三年级1班_辍学生返校通知书.docx")
    assert len(returns) == 3
    li = "\n".join(returns[1])
    assert "请您务必于 2026年10月21日 前送孩子返校上课" in li
    assert "第五条第二款" in li and "第十一条" in li and "第五十八条" in li
    assert "回　执" in li and "家长签字" in li
    assert numbers_in(returns[1]) == {"4509230001-2026-FX-002"}   # the letter and its 回执 carry the number
    # no other child's data on any letter
    for doc_pages in (notices, reports, returns):
        for page in doc_pages:
            text = "\n".join(page)
            named = [n for n in NAMES if n in text]
            assert len(named) == 1, (named, text[:80])
            others = [k for k in KIDS if k["name"] != named[0]]
            assert not any(k["guardian"] in text or k["phone"] in text or k["id"] in text for k in others)


def test_numbers_are_kept_over_reruns_and_a_new_step_gets_a_new_letter(tmp_path):
    wd = build(tmp_path)
    assert letters(wd, "--week", "2026-W42").exit_code == 0
    first = {p.name: doc_letters(p) for p in out_dir(wd).iterdir()}
    assert letters(wd, "--date", "2026-10-16").exit_code == 0
    assert {p.name: doc_letters(p) for p in out_dir(wd).iterdir()} == first
    with sqlite3.connect(wd / "kc.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM letters").fetchone()[0] == 9
    write(wd / "inbox" / "周查表_W43.xlsx", {"三年级1班": check_sheet("三年级(1)班 周查表", W43, MARKS, KIDS)})
    res = letters(wd, "--week", "2026-W43")
    assert res.exit_code == 0, res.output
    notices = doc_letters(out_dir(wd, "2026-10-23") / "三年级1班_家长通知书.docx")
    assert [numbers_in(pg) for pg in notices] == [{"4509230001-2026-TZ-004"}]
    assert "赵小丽" in "\n".join(notices[0])
    reports = doc_letters(out_dir(wd, "2026-10-23") / "三年级1班_辍学报告单.docx")
    assert [(numbers_in(pg), [n for n in NAMES if n in "\n".join(pg)]) for pg in reports] == [
        ({"4509230001-2026-BG-003"}, ["王小刚"]), ({"4509230001-2026-BG-004"}, ["赵小丽"])]


def test_a_template_with_a_jinja_error_names_template_and_line_and_writes_nothing(tmp_path):
    wd = build(tmp_path)
    init = CliRunner().invoke(main, ["init", str(tmp_path / "fresh"), "--name", "新学校"])
    assert init.exit_code == 0, init.output
    default = tmp_path / "fresh" / "templates" / "辍学报告单.docx"
    assert default.is_file()   # kc init copies the letter templates
    broken = docx.Document(default)
    paragraphs = broken.paragraphs
    paragraphs[5].text = "学生姓名：{{ l.name ) }}"
    (wd / "templates").mkdir()
    broken.save(wd / "templates" / "辍学报告单.docx")
    res = letters(wd, "--week", "2026-W42")
    assert res.exit_code == 2, res.output
    assert "辍学报告单.docx" in res.output and "第 6 行" in res.output and "学生姓名" in res.output
    assert not (wd / "out" / "letters").exists()
    with sqlite3.connect(wd / "kc.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM letters").fetchone()[0] == 0
    bad_field = docx.Document(default)
    bad_field.paragraphs[5].text = "学生姓名：{{ l.nmae }}"
    bad_field.save(wd / "templates" / "辍学报告单.docx")
    res = letters(wd, "--week", "2026-W42")
    assert res.exit_code == 2 and "nmae" in res.output and not (wd / "out" / "letters").exists()


def test_bad_options_are_usage_errors(tmp_path):
    wd = build(tmp_path)
    assert letters(wd, "--date", "明天").exit_code == 2
    assert letters(wd, "--week", "2026-W99").exit_code == 2
    res = letters(wd, "--week", "2026-W42", "--date", "2026-10-16")
    assert res.exit_code == 2 and "只能选一个" in res.output


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) 或 pdftotext 未安装：跳过 PDF 分页检查")
def test_libreoffice_prints_one_letter_per_page_with_only_that_child(tmp_path):
    wd = build(tmp_path)
    assert letters(wd, "--week", "2026-W42").exit_code == 0
    docs = sorted(out_dir(wd).glob("*.docx"))
    pdf_dir = tmp_path / "pdf"
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(pdf_dir), *map(str, docs)],
                   check=True, timeout=300, capture_output=True)
    expected = {"三年级1班_家长通知书": ["张小明", "李小红", "赵小丽"],
                "三年级1班_辍学报告单": ["张小明", "李小红", "王小刚"],
                "三年级1班_辍学生返校通知书": ["张小明", "李小红", "王小刚"]}
    for stem, kids in expected.items():
        text = subprocess.run(["pdftotext", "-layout", str(pdf_dir / f"{stem}.pdf"), "-"], check=True,
                              capture_output=True, text=True).stdout
        pages = [p for p in text.split("\f") if p.strip()]
        assert len(pages) == len(kids), stem
        for page, kid in zip(pages, kids):
            flat = re.sub(r"\s+", "", page)
            assert [n for n in NAMES if n in flat] == [kid], (stem, flat[:80])
