"""`kc aggregate --week` (SPEC §21.1, §21.2, §21.4): a township of three schools and a county of that
township plus two direct schools, week 2026-W47 (Mon 11-16 … Sun 11-22; due Friday 2026-11-20).

Township 城关镇 expects 杉树学校 (九年一贯制), 松林小学 (小学; sent only its W46 workbook, so it has not
reported W47) and 河口小学 (小学; typed by hand, 报出日期 2026-11-23, a Monday: late).

杉树学校 W47 (周汇总):   一年级1班 在册 30, 应出勤 150, 实出勤 145, 旷课 3, 疑似 0
                         七年级1班 在册 40, 应出勤 200, 实出勤 188, 旷课 10, 疑似 1
                         合计      70, 350, 333, 13, 1
    缺勤预警: 王一 第1级, 李二 第3级, 赵三 第4级, 陈四 长期缺勤预警 → 第1级 1, 第2级 0, 第3级 1, 第4级 1, 长期 1
    疑似辍学名单: 赵三.  台账: 赵三 opened 11-18 在办 (this week), 孙五 opened 10-12 观察中
    → 本周新增台账 1, 在办台账 2 (both not 已销号).   报出日期 2026-11-20 → 按时.
河口小学 W47:            三年级1班 在册 25, 应出勤 125, 实出勤 120, 旷课 5;  三年级2班 24, 120, 117, 0
                         合计 49, 245, 237, 5, 疑似 0.  缺勤预警: 周六 第2级.  No 台账 rows.
城关镇 合计: 在册 70+49 = 119, 应出勤 350+245 = 595, 实出勤 333+237 = 570, 出勤率 570/595,
    旷课 13+5 = 18, 第1级 1, 第2级 1, 第3级 1, 第4级 1, 长期 1, 疑似 1, 新增台账 1, 在办台账 2.
    merged 缺勤预警 (step ≥ 3): 李二, 赵三; 疑似辍学名单: 赵三.

County 示例县 expects 城关镇, 青山小学, 白云初中.
青山小学: 四年级1班 在册 20, 应 100, 实 96, 旷课 4; 缺勤预警 吴七 第3级. 报出日期 11-20 → 按时.
白云初中: 八年级1班 在册 50, 应 250, 实 240, 旷课 8, 疑似 1; 缺勤预警 郑八 第4级; 疑似 郑八; 台账 郑八 opened
    11-10 在办 (not this week) → 新增 0, 在办 1. No 报出日期: file time 2026-11-19 → 按时 (文件修改时间).
County lines: 杉树学校, 河口小学 (城关镇), 城关镇小计, 青山小学, 白云初中; 合计 = Σ schools:
    在册 119+20+50 = 189, 应出勤 595+100+250 = 945, 实出勤 570+96+240 = 906, 出勤率 906/945,
    旷课 18+4+8 = 30, 第1级 1, 第2级 1, 第3级 1+1 = 2, 第4级 1+1 = 2, 长期 1, 疑似 1+1 = 2,
    新增台账 1, 在办台账 2+1 = 3.  merged 缺勤预警: 李二, 赵三 (via 城关镇), 吴七, 郑八.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import textwrap
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kc_batch.app.weekly_rollup import compute_week_rollup, run_week_rollup
from kc_batch.cli import main
from monthly_fixture import counts, school_rows, write_monthly_workbook
from weekly_fixture import klass, write_weekly_by_hand, write_weekly_workbook

WEEK, PREVIOUS = "2026-W47", "2026-W46"
D = dt.date


def alert(name: str, level: str, grade: str = "一年级", streak: float = 1) -> dict:
    return {"学籍号": f"G{abs(hash(name)) % 10**12:012d}", "姓名": name, "年级": grade, "班级": "1班",
            "连续旷课天数": streak, "预警级别": level, "应采取措施": "家访", "责任人": "班主任"}


def aggregator(root: Path, name: str, level: str, units: dict, extra: str = "") -> Path:
    d = root / name
    (d / "inbox").mkdir(parents=True)
    text = textwrap.dedent(f"""\
        [unit]
        name = "{name}"
        level = "{level}"
        principal = "主任"
        clerk = "统计员"
        phone = "0775-7654321"

        [calendar]
        year_start = 2026-09-01
        """) + extra
    for unit, stages in units.items():
        text += f'\n[[units]]\nname = "{unit}"\nstages = [{", ".join(chr(34) + s + chr(34) for s in stages)}]\n'
    (d / "kc.toml").write_text(text, encoding="utf-8")
    return d


TOWN_UNITS = {"杉树学校": ("小学", "初中"), "松林小学": ("小学",), "河口小学": ("小学",)}
COUNTY_UNITS = {"城关镇": (), "青山小学": ("小学",), "白云初中": ("初中",)}


def write_shanshu(inbox: Path, week: str = WEEK, path: Path | None = None, classes=None) -> Path:
    classes = classes or [klass("一年级", "1班", 在册人数=30, 应出勤人次=150, 实出勤人次=145, 迟到人次=2, 病假人次=1,
                                事假人次=1, 旷课人次=3),
                          klass("七年级", "1班", 在册人数=40, 应出勤人次=200, 实出勤人次=188, 病假人次=2, 旷课人次=10,
                                疑似辍学人数=1)]
    alerts = [alert("王一", "第1级（连续1天）"), alert("李二", "第3级（连续3天）", "七年级", 3),
              alert("赵三", "第4级（连续7天）", "七年级", 7), alert("陈四", "长期缺勤预警")]
    ledger = [{"姓名": "赵三", "开立日期": D(2026, 11, 18), "类别": "疑似辍学", "状态": "在办"},
              {"姓名": "孙五", "开立日期": D(2026, 10, 12), "类别": "疑似辍学", "状态": "观察中"}]
    suspects = [{"学籍号": alerts[2]["学籍号"], "姓名": "赵三", "年级": "七年级", "班级": "1班", "连续旷课天数": 7,
                 "疑似原因": "连续旷课7天"}]
    return write_weekly_workbook(path or inbox / f"周查汇总_杉树学校_{week}.xlsx", "杉树学校", week, classes, alerts,
                                 suspects, ledger, report_date=D(2026, 11, 20))


def write_songlin_previous_week(inbox: Path) -> Path:
    return write_weekly_workbook(inbox / f"周查汇总_松林小学_{PREVIOUS}.xlsx", "松林小学", PREVIOUS,
                                 [klass("二年级", "1班", 在册人数=30, 应出勤人次=150, 实出勤人次=150)],
                                 report_date=D(2026, 11, 13))


def write_hekou_late(inbox: Path) -> Path:
    classes = [klass("三年级", "1班", 在册人数=25, 应出勤人次=125, 实出勤人次=120, 旷课人次=5),
               klass("三年级", "2班", 在册人数=24, 应出勤人次=120, 实出勤人次=117, 病假人次=3)]
    return write_weekly_by_hand(inbox / "河口小学第47周周报（手填）.xlsx", "河口小学", WEEK, classes,
                                [alert("周六", "第2级（连续2天）", "三年级", 2)], report_date=D(2026, 11, 23))


def write_qingshan(inbox: Path) -> Path:
    return write_weekly_workbook(inbox / f"周查汇总_青山小学_{WEEK}.xlsx", "青山小学", WEEK,
                                 [klass("四年级", "1班", 在册人数=20, 应出勤人次=100, 实出勤人次=96, 旷课人次=4)],
                                 [alert("吴七", "第3级（连续3天）", "四年级", 3)], report_date=D(2026, 11, 20))


def write_baiyun(inbox: Path) -> Path:
    path = write_weekly_workbook(
        inbox / f"周查汇总_白云初中_{WEEK}.xlsx", "白云初中", WEEK,
        [klass("八年级", "1班", 在册人数=50, 应出勤人次=250, 实出勤人次=240, 病假人次=2, 旷课人次=8, 疑似辍学人数=1)],
        [alert("郑八", "第4级（连续8天）", "八年级", 8)],
        [{"姓名": "郑八", "年级": "八年级", "班级": "1班", "连续旷课天数": 8, "疑似原因": "连续旷课8天"}],
        [{"姓名": "郑八", "开立日期": D(2026, 11, 10), "类别": "疑似辍学", "状态": "在办"}], report_date=None)
    stamp = dt.datetime(2026, 11, 19, 17, 30).timestamp()
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def township(tmp_path) -> Path:
    d = aggregator(tmp_path, "城关镇", "township", TOWN_UNITS)
    write_shanshu(d / "inbox"), write_songlin_previous_week(d / "inbox"), write_hekou_late(d / "inbox")
    return d


def rollup_file(d: Path, name: str, week: str = WEEK) -> Path:
    return d / "out" / week / f"控辍保学周报汇总_{name}_{week}.xlsx"


def sheet_rows(path: Path, sheet: str, first_header: str) -> list[dict]:
    """Rows under the (lowest) header row of an output sheet, as dicts; notes and footer left out."""
    grid = [list(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(grid) if first_header in row and i > 0)
    if header + 1 < len(grid) and grid[header + 1][0] is None and any(v is not None for v in grid[header + 1]):
        header += 1
    names = [grid[header][j] if grid[header][j] is not None else grid[header - 1][j] for j in range(len(grid[header]))]
    return [dict(zip(names, row)) for row in grid[header + 1:]
            if row[0] is not None and not str(row[0]).startswith(("单位负责人", "已报单位", "缺勤预警按", "乡镇上报", "应报单位"))]


SCHOOL_COLUMNS = ["在册人数", "应出勤人次", "实出勤人次", "旷课人次", "第1级", "第2级", "第3级", "第4级", "长期缺勤预警",
                  "疑似辍学人数", "本周新增台账", "在办台账"]


def figures(row: dict) -> list:
    return [row[c] for c in SCHOOL_COLUMNS]


def test_township_weekly_rollup_hand_figures(township):
    outcome = run_week_rollup(township, WEEK)
    path = rollup_file(township, "城关镇")
    assert outcome.outputs == [path]
    rows = {r["单位"]: r for r in sheet_rows(path, "周报汇总", "在册人数")}
    assert list(rows) == ["杉树学校", "河口小学", "合计"]
    assert figures(rows["杉树学校"]) == [70, 350, 333, 13, 1, 0, 1, 1, 1, 1, 1, 2]
    assert figures(rows["河口小学"]) == [49, 245, 237, 5, 0, 1, 0, 0, 0, 0, 0, 0]
    assert figures(rows["合计"]) == [119, 595, 570, 18, 1, 1, 1, 1, 1, 1, 1, 2]
    assert rows["合计"]["出勤率"] == pytest.approx(570 / 595, abs=1e-12)
    assert rows["杉树学校"]["出勤率"] == pytest.approx(333 / 350, abs=1e-12)
    alerts = sheet_rows(path, "缺勤预警", "预警级别")
    assert [(r["学校"], r["姓名"]) for r in alerts] == [("杉树学校", "李二"), ("杉树学校", "赵三")]
    assert [(r["学校"], r["姓名"]) for r in sheet_rows(path, "疑似辍学名单", "姓名")] == [("杉树学校", "赵三")]
    states = {r["单位名称"]: (r["报送情况"], r["报出日期"], r["日期来源"]) for r in sheet_rows(path, "未报单位", "单位名称")}
    assert states == {"杉树学校": ("按时", dt.datetime(2026, 11, 20), "报表页脚"),
                      "松林小学": ("未报", None, None),
                      "河口小学": ("逾期", dt.datetime(2026, 11, 23), "报表页脚")}
    checks = sheet_rows(path, "报表校验", "单元格")
    assert [(c["单位"], c["问题"], c["实际"]) for c in checks] == [("松林小学", "不是本周的周报，未计入汇总", PREVIOUS)]
    assert any("逾期报送：河口小学" in line for line in outcome.lines)


def test_county_lists_township_schools_under_a_subtotal_and_carries_its_states(tmp_path, township):
    run_week_rollup(township, WEEK)
    county = aggregator(tmp_path, "示例县教育局", "county", COUNTY_UNITS)
    shutil.copy(rollup_file(township, "城关镇"), county / "inbox")
    write_qingshan(county / "inbox"), write_baiyun(county / "inbox")
    run_week_rollup(county, WEEK)
    path = rollup_file(county, "示例县教育局")
    rows = sheet_rows(path, "周报汇总", "在册人数")
    assert [r["单位"] for r in rows] == ["杉树学校", "河口小学", "城关镇小计", "青山小学", "白云初中", "合计"]
    by = {r["单位"]: r for r in rows}
    assert figures(by["城关镇小计"]) == [119, 595, 570, 18, 1, 1, 1, 1, 1, 1, 1, 2]
    assert figures(by["白云初中"]) == [50, 250, 240, 8, 0, 0, 0, 1, 0, 1, 0, 1]
    assert figures(by["合计"]) == [189, 945, 906, 30, 1, 1, 2, 2, 1, 2, 1, 3]
    assert by["合计"]["出勤率"] == pytest.approx(906 / 945, abs=1e-12)
    assert [r["姓名"] for r in sheet_rows(path, "缺勤预警", "预警级别")] == ["李二", "赵三", "吴七", "郑八"]
    assert [(r["学校"], r["姓名"]) for r in sheet_rows(path, "疑似辍学名单", "姓名")] == [("杉树学校", "赵三"), ("白云初中", "郑八")]
    states = [(r["单位名称"], r["所属乡镇"], r["报送情况"], r["日期来源"]) for r in sheet_rows(path, "未报单位", "单位名称")]
    assert states == [("城关镇", None, "按时", "报表页脚"), ("杉树学校", "城关镇", "按时", "报表页脚"),
                      ("松林小学", "城关镇", "未报", None), ("河口小学", "城关镇", "逾期", "报表页脚"),
                      ("青山小学", None, "按时", "报表页脚"), ("白云初中", None, "按时", "文件修改时间")]
    assert sheet_rows(path, "报表校验", "单元格")[0]["单位"] == "收到的周报全部通过校验"


def test_wrong_kind_and_duplicate_are_named_and_not_counted(township):
    inbox = township / "inbox"
    older = write_shanshu(inbox, path=inbox / "旧" / "杉树学校周报.xlsx",
                          classes=[klass("一年级", "1班", 在册人数=99, 应出勤人次=100, 实出勤人次=100)])
    stamp = dt.datetime(2026, 11, 20, 8, 0).timestamp()
    os.utime(older, (stamp, stamp))
    write_monthly_workbook(inbox / "控辍保学月报_河口小学_2026-11.xlsx", "河口小学", "2026-11",
                           school_rows({"三年级": counts(学年初在校生=49, 上月末在校生=49, 本月末在校生=49)}, {"三年级": (49, 49)}))
    check = openpyxl.Workbook()
    check.active.append(["学籍号", "姓名", "周一", "周二", "周三", "周四", "周五"])
    check.active.append(["G1", "张三", None, "旷", None, None, None])
    check.save(inbox / "三年级1班周查表.xlsx")
    res = compute_week_rollup(township, WEEK)
    assert [line.unit for line in res.schools] == ["杉树学校", "河口小学"]
    assert res.total["在册人数"] == 119  # the older 杉树学校 file (在册 99) is not counted
    issues = {(p.file, p.issue) for p in res.problems}
    assert ("旧/杉树学校周报.xlsx", f"同一单位本周有多份周报，本份未计入（以较新的 周查汇总_杉树学校_{WEEK}.xlsx 为准）") in issues
    assert ("控辍保学月报_河口小学_2026-11.xlsx", "是月报，不是周报（周查汇总），未计入汇总") in issues
    assert ("三年级1班周查表.xlsx", "是学校的周查表（原始考勤表），不是周报（周查汇总），未计入汇总") in issues


def test_a_wrong_total_and_rate_are_named_with_their_cells(township):
    inbox = township / "inbox"
    classes = [klass("一年级", "1班", 在册人数=30, 应出勤人次=150, 实出勤人次=145, 旷课人次=3)]
    bad_total = ["合计", "", 31, 150, 145, 0.5, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]
    write_weekly_workbook(inbox / f"周查汇总_杉树学校_{WEEK}.xlsx", "杉树学校", WEEK, classes, total=bad_total,
                          report_date=D(2026, 11, 20))
    res = compute_week_rollup(township, WEEK)
    found = {(p.cell, p.issue, p.expected, p.actual) for p in res.problems if p.unit == "杉树学校"}
    # title row 1, info line 2, header 3, class row 4, 合计 row 5; 在册人数 is column C, 出勤率 column F
    assert ("C5", "合计行“在册人数”不等于各班级之和", "30", "31") in found
    assert ("F5", "合计“出勤率”与实出勤人次÷应出勤人次不符", "96.67%", "50.00%") in found
    assert res.total["在册人数"] == 31 + 49  # still counted, from its 合计 row


def test_cli_week_and_usage_errors(township):
    runner = CliRunner()
    ok = runner.invoke(main, ["aggregate", "--dir", str(township), "--week", WEEK])
    assert ok.exit_code == 0, ok.output
    assert rollup_file(township, "城关镇").is_file()
    both = runner.invoke(main, ["aggregate", "--dir", str(township), "--week", WEEK, "--month", "2026-11"])
    assert both.exit_code == 2 and "--month、--week 与 --quarter 只能给出其一" in both.output
    bad = runner.invoke(main, ["aggregate", "--dir", str(township), "--week", "2026-W60"])
    assert bad.exit_code == 2 and "2026-W60" in bad.output


# ---------------------------------------------------------------- kc send --week (§21.1, §9.4)

def mail_config(d: Path, port: int) -> None:
    with open(d / "kc.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[mail]\nto = ["jyj@example.cn"]\nfrom = "xx@example.cn"\nsmtp_host = "127.0.0.1"\n'
                 f'smtp_port = {port}\nstarttls = true\n')


def test_weekly_email_parsed_back_and_delivered_over_smtp(tmp_path, township, monkeypatch):
    """The 城关镇 周报 email: subject “【控辍保学周报】城关镇 2026年第47周”, the body's figures are those of the
    hand-worked 合计 above (在册 119, 出勤率 570/595 = 95.80%, 旷课 18, 第3级及以上 1 + 1 = 2, 疑似 1, 台账 新增 1
    在办 2), 河口小学 late and 松林小学 missing; the attachment's Chinese name in RFC 2231 and RFC 2047 form; sent to
    a local aiosmtpd over STARTTLS and parsed back by the email package."""
    import email
    from email import policy
    from kc_batch.app.send_week import run_send_week
    from smtp_server import GOOD_PASSWORD, assert_name_in_both_encodings, controller, make_ca, running
    _, server_ctx, client_ctx = make_ca()
    smtpd, inbox, port = controller(server_ctx, starttls=True)
    run_week_rollup(township, WEEK)
    mail_config(township, port)
    # the .eml first (default mode), then SMTP
    [line] = run_send_week(township, WEEK)
    assert "outbox/" in line
    eml = township / "outbox" / f"控辍保学周报汇总_城关镇_{WEEK}.eml"
    monkeypatch.setenv("KC_SMTP_PASSWORD", GOOD_PASSWORD)
    with running(smtpd):
        [sent] = run_send_week(township, WEEK, smtp=True, ssl_context=client_ctx)
    assert "已发送" in sent
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["jyj@example.cn"]
    name = f"控辍保学周报汇总_城关镇_{WEEK}.xlsx"
    for raw in (eml.read_bytes(), envelope.original_content):
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert str(msg["Subject"]) == "【控辍保学周报】城关镇 2026年第47周"
        body = msg.get_body(preferencelist=("plain",)).get_content()
        for text in ("在册人数：119 人", "出勤率：95.80%", "旷课：18 人次", "第3级及以上缺勤预警：2 人", "疑似辍学：1 人",
                     "本周新增 1 件，在办 2 件", "已报单位：2 个", "逾期报送：河口小学", "未报单位：松林小学"):
            assert text in body, text
        [attachment] = list(msg.iter_attachments())
        assert attachment.get_filename() == name
        assert attachment.get_content() == rollup_file(township, "城关镇").read_bytes()
        assert_name_in_both_encodings(raw)


def test_weekly_email_refused_when_the_inbox_changed_after_the_roll_up(township):
    from kc_batch.app.send_week import run_send_week
    from kc_batch.errors import KcError
    run_week_rollup(township, WEEK)
    mail_config(township, 465)
    write_weekly_workbook(township / "inbox" / f"周查汇总_松林小学_{WEEK}.xlsx", "松林小学", WEEK,
                          [klass("二年级", "1班", 在册人数=30, 应出勤人次=150, 实出勤人次=150)], report_date=D(2026, 11, 20))
    with pytest.raises(KcError, match="请先重新运行 kc aggregate --week 2026-W47"):
        run_send_week(township, WEEK)
