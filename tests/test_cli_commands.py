"""CLI behaviour of SPEC §10.1, §11, §13.19, §13.29: init, forms, exit codes, repeated --dir, send."""
from __future__ import annotations

import datetime as dt
import email
import shutil
import tomllib
from email import policy
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from school import make_workdir

from kc_batch.cli import main

REPO = Path(__file__).resolve().parent.parent


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def sample_copy(tmp_path, name="demo") -> Path:
    target = tmp_path / name
    shutil.copytree(REPO / "sample_data", target, ignore=shutil.ignore_patterns("out", "outbox", "kc.sqlite*"))
    return target


def test_init_writes_every_spec_key_and_folders(tmp_path):
    res = invoke("init", str(tmp_path / "w"), "--name", "杉树完小", "--level", "school", "--stages", "小学,初中")
    assert res.exit_code == 0, res.output
    w = tmp_path / "w"
    for sub in ("inbox", "out", "outbox", "templates"):
        assert (w / sub).is_dir(), sub
    data = tomllib.loads((w / "kc.toml").read_text(encoding="utf-8"))
    assert data["unit"]["name"] == "杉树完小" and data["unit"]["stages"] == ["小学", "初中"]
    for key in ("code", "level", "principal", "clerk", "phone"):
        assert key in data["unit"], key
    for key in ("year_start", "school_days", "holidays", "extra_school_days", "cutoff_day"):
        assert key in data["calendar"], key
    for key in ("suspect_after_days", "transfer_receipt_days", "chronic_absence_rate", "dropout_rate_limit",
                "retention_rate_target", "close_after_present_days", "reopen_streak_days", "rates", "escalation"):
        assert key in data["policy"], key
    assert [s["days"] for s in data["policy"]["escalation"]] == [1, 2, 3, 7]
    assert data["policy"]["dropout_rate_limit"] == {"小学": 0.006, "初中": 0.018}
    for key in ("to", "from", "smtp_host", "smtp_port", "password_env"):
        assert key in data["mail"], key
    assert list((w / "templates").glob("*.j2"))
    # a second init keeps the user's kc.toml
    (w / "kc.toml").write_text((w / "kc.toml").read_text(encoding="utf-8") + "\n# mine\n", encoding="utf-8")
    assert invoke("init", str(w)).exit_code == 0
    assert (w / "kc.toml").read_text(encoding="utf-8").endswith("# mine\n")


def test_forms_writes_blank_workbooks_with_dropdowns(tmp_path):
    w = make_workdir(tmp_path / "w")
    res = invoke("forms", "--dir", str(w), "--week", "2026-W47")
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (w / "out" / "forms").glob("*.xlsx"))
    assert len(files) == 3
    weekly = next((w / "out" / "forms").glob("空白_周查表*"))
    ws = openpyxl.load_workbook(weekly)["周查表"]
    headers = [c.value for c in ws[4]]  # title, 填报单位/统计时段, the marks, then the header
    # 2026-W47: Monday 11-16 … Friday 11-20
    assert headers[:3] == ["学籍号", "姓名", "11月16日\n周一"] and "11月20日\n周五" in headers
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("旷" in f for f in lists)
    change = next((w / "out" / "forms").glob("空白_学籍变动*"))
    dv = [d.formula1 for d in openpyxl.load_workbook(change).active.data_validations.dataValidation]
    assert any("劝返复学" in f for f in dv)


def test_forms_roundtrip_is_recognised_by_check(tmp_path):
    """A blank form filled in by a clerk is read back by kc check (the forms and the reader agree)."""
    w = make_workdir(tmp_path / "w")
    assert invoke("forms", "--dir", str(w), "--week", "2026-W47").exit_code == 0
    weekly = next((w / "out" / "forms").glob("空白_周查表*"))
    wb = openpyxl.load_workbook(weekly)
    ws = wb["周查表"]
    ws["A1"] = "示例小学 三年级（2）班 周查表"
    ws["A5"], ws["B5"], ws["C5"] = "G11010519491231002X", "王芳", "旷"  # the first ruled row
    target = w / "inbox" / "filled.xlsx"
    wb.save(target)
    res = invoke("check", "--dir", str(w))
    assert res.exit_code == 0, res.output
    assert "周查表，三年级2班，2026-W47，1 行" in res.output


def test_exit_codes(tmp_path):
    # 2: missing kc.toml, named clearly
    res = invoke("weekly", "--dir", str(tmp_path / "nowhere"))
    assert res.exit_code == 2 and "kc.toml" in res.output
    # 2: malformed --week, before the inbox is read
    w = make_workdir(tmp_path / "w")
    res = invoke("weekly", "--dir", str(w), "--week", "2026-47")
    assert res.exit_code == 2 and "2026-W47" in res.output
    res = invoke("weekly", "--dir", str(w), "--week", "2026-W54")
    assert res.exit_code == 2
    # 3: nothing readable in the inbox
    (w / "inbox" / "note.txt").write_bytes(b"\x00\x01\x02 not a spreadsheet")
    res = invoke("weekly", "--dir", str(w), "--week", "2026-W47")
    assert res.exit_code == 3, res.output
    assert "note.txt" in res.output


def test_config_errors_name_key_and_line(tmp_path):
    w = make_workdir(tmp_path / "w")
    text = (w / "kc.toml").read_text(encoding="utf-8")
    (w / "kc.toml").write_text(text.replace("cutoff_day = 20", 'cutoff_day = "二十"'), encoding="utf-8")
    res = invoke("monthly", "--dir", str(w), "--month", "2026-11")
    line = 1 + text.splitlines().index("cutoff_day = 20")
    assert res.exit_code == 2 and "cutoff_day" in res.output and f"第 {line} 行" in res.output
    (w / "kc.toml").write_text(text + "\n[unit\n", encoding="utf-8")
    res = invoke("weekly", "--dir", str(w))
    assert res.exit_code == 2 and "格式错误" in res.output


def test_strict_exit_code(tmp_path):
    demo = sample_copy(tmp_path)
    assert invoke("weekly", "--dir", str(demo)).exit_code == 0          # 3 input errors, outputs written
    res = invoke("weekly", "--dir", str(demo), "--strict")
    assert res.exit_code == 1 and "输入错误 3 处" in res.output


def test_repeated_dir_processes_each_folder_alone(tmp_path):
    folders = [sample_copy(tmp_path, name) for name in ("a", "b", "c")]   # 3+ folders: two worker processes
    broken = tmp_path / "broken"                                          # no kc.toml
    broken.mkdir()
    res = invoke("weekly", "--dir", str(folders[0]), "--dir", str(broken), "--dir", str(folders[1]),
                 "--dir", str(folders[2]), "--week", "2026-W47")
    assert res.exit_code == 2, res.output          # the worst folder's code; the others still ran
    assert res.output.index(f"== {folders[0]} ==") < res.output.index(f"== {broken} ==") \
        < res.output.index(f"== {folders[2]} ==")   # printed in the order given
    assert res.output.count("在册 599 人") == 3
    for d in folders:
        assert (d / "out" / "2026-W47" / "周查汇总_杉树九年一贯制学校_2026-W47.xlsx").is_file()
        assert (d / "kc.sqlite").is_file()


def test_send_writes_eml_with_the_workbook(tmp_path):
    demo = sample_copy(tmp_path)
    assert invoke("monthly", "--dir", str(demo), "--month", "2026-11").exit_code == 0
    res = invoke("send", "--dir", str(demo), "--month", "2026-11")
    assert res.exit_code == 0, res.output
    eml = demo / "outbox" / "控辍保学月报_杉树九年一贯制学校_2026-11.eml"
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["Subject"] == "【控辍保学月报】杉树九年一贯制学校 2026年11月"
    body = msg.get_body(("plain",)).get_content()
    # sample_data/README.md: 600 at 学年初, 599 now, no dropout at the cutoff (零报告), 2 suspected
    assert "学年初在校生：600 人" in body and "本月末在校生：599 人" in body and "零报告" in body
    assert "疑似辍学：2 人" in body
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == "控辍保学月报_杉树九年一贯制学校_2026-11.xlsx"
    assert att.get_content() == (demo / "out" / "2026-11" / att.get_filename()).read_bytes()


def test_send_without_report_says_what_to_do(tmp_path):
    w = make_workdir(tmp_path / "w")
    res = invoke("send", "--dir", str(w), "--month", "2026-11")
    assert res.exit_code == 2 and "kc monthly" in res.output


# ---------------------------------------------------------------- kc send (issue 11 item 12)

def _point_mail_at(demo: Path, port: int):
    toml = demo / "kc.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('smtp_host = "smtp.example.cn"', 'smtp_host = "127.0.0.1"')
    text = text.replace("smtp_port = 465", f"smtp_port = {port}")
    text = text.replace('from = "shanshu@example.cn"', 'from = "xx@example.cn"')
    toml.write_text(text, encoding="utf-8")


def test_send_without_month_takes_the_latest_reported_month(tmp_path):
    """Reports for 2026-10 and 2026-11 in out/: `kc send` without --month mails 2026-11 only."""
    demo = sample_copy(tmp_path)
    for month in ("2026-10", "2026-11"):
        assert invoke("monthly", "--dir", str(demo), "--month", month).exit_code == 0
    res = invoke("send", "--dir", str(demo))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (demo / "outbox").glob("*.eml")) == [
        "控辍保学月报_杉树九年一贯制学校_2026-11.eml"]


def test_send_without_any_report_names_kc_monthly(tmp_path):
    w = make_workdir(tmp_path / "w")
    res = invoke("send", "--dir", str(w))
    assert res.exit_code == 2 and "kc monthly" in res.output


def test_second_smtp_send_is_a_harmless_rerun_with_exit_0(tmp_path, monkeypatch):
    """`kc send --smtp` twice: one mail arrives; the second run says 已发送过 and exits 0."""
    from smtp_server import GOOD_PASSWORD, controller, make_ca, running
    ca, server_ctx, _ = make_ca()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # the default context trusts the test CA
    monkeypatch.setenv("KC_SMTP_PASSWORD", GOOD_PASSWORD)
    smtpd, inbox, port = controller(server_ctx, starttls=False)
    with running(smtpd):
        demo = sample_copy(tmp_path)
        _point_mail_at(demo, port)
        assert invoke("monthly", "--dir", str(demo), "--month", "2026-11").exit_code == 0
        first = invoke("send", "--dir", str(demo), "--smtp")
        assert first.exit_code == 0, first.output
        second = invoke("send", "--dir", str(demo), "--smtp")
    assert second.exit_code == 0, second.output
    assert "发送过" in second.output and "--resend" in second.output
    assert len(inbox.envelopes) == 1


def test_email_is_dated_like_its_workbook(tmp_path):
    """§13.18 (issue 11 item 10): the 月报 for 2026-11 has 报出日期 = the cutoff 2026-11-20; the email
    body signs off with that same date, whatever day `kc send` runs."""
    import re
    demo = sample_copy(tmp_path)
    assert invoke("monthly", "--dir", str(demo), "--month", "2026-11").exit_code == 0
    assert invoke("send", "--dir", str(demo), "--month", "2026-11").exit_code == 0
    book = demo / "out" / "2026-11" / "控辍保学月报_杉树九年一贯制学校_2026-11.xlsx"
    footers = {m for ws in openpyxl.load_workbook(book).worksheets for r in ws.iter_rows(values_only=True)
               for v in r if isinstance(v, str) for m in re.findall(r"报出日期：(\S+)", v)}
    assert footers == {"2026年11月20日"}
    eml = demo / "outbox" / "控辍保学月报_杉树九年一贯制学校_2026-11.eml"
    body = email.message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    assert body.rstrip().splitlines()[-1] == "2026年11月20日"


# ---------------------------------------------------------------- a folder's level (issue 11 item 6)

import pytest  # noqa: E402


@pytest.mark.parametrize("command", ["weekly", "monthly", "check"])
def test_school_commands_refuse_a_county_folder(tmp_path, command):
    """A county folder holding a school's received 月报 (with its 劝返台账 sheet): kc weekly/monthly/check
    refuse it with exit 2 and a sentence naming kc aggregate; nothing is read into a store or written."""
    demo = sample_copy(tmp_path, "school")
    assert invoke("monthly", "--dir", str(demo), "--month", "2026-11").exit_code == 0
    county = tmp_path / "county"
    (county / "inbox").mkdir(parents=True)
    (county / "kc.toml").write_text('[unit]\nname = "示例县教育局"\nlevel = "county"\n\n[[units]]\n'
                                    'name = "杉树九年一贯制学校"\n', encoding="utf-8")
    shutil.copy(demo / "out" / "2026-11" / "控辍保学月报_杉树九年一贯制学校_2026-11.xlsx", county / "inbox")
    res = invoke(command, "--dir", str(county))
    assert res.exit_code == 2, res.output
    assert "县" in res.output and "kc aggregate" in res.output and f"kc {command}" in res.output
    assert not (county / "kc.sqlite").exists()
    assert not (county / "out").exists()


def test_aggregate_refuses_a_school_folder_naming_kc_monthly(tmp_path):
    w = make_workdir(tmp_path / "w")
    res = invoke("aggregate", "--dir", str(w), "--month", "2026-11")
    assert res.exit_code == 2 and "kc monthly" in res.output and "学校" in res.output


# ---------------------------------------------------------------- out-of-range periods (issue 11 item 9)

@pytest.mark.parametrize("args, why", [
    (["weekly", "--week", "2027-W02"], "之后"),      # 2027-01-11…17: after the run day 2026-12-01
    (["weekly", "--week", "2027-W37"], "学年"),      # 2027-09-13…: the next 学年 (also after the run day)
    (["weekly", "--week", "2026-W30"], "学年"),      # 2026-07-20…26: before 学年初 2026-09-01
    (["monthly", "--month", "2027-01"], "之后"),     # 2026-12-21…2027-01-20: after the run day
    (["monthly", "--month", "2027-09"], "学年"),     # cutoff 2027-09-20: after the 学年's end 2027-08-31
])
def test_out_of_range_period_is_refused_unless_forced(tmp_path, run_day, args, why):
    """Run on 2026-12-01; 学年 2026-09-01 … 2027-08-31. Refused with exit 2 before anything is read;
    with --force the workbook is written (exit 0)."""
    run_day(dt.date(2026, 12, 1))
    demo = sample_copy(tmp_path)
    res = invoke(*args, "--dir", str(demo))
    assert res.exit_code == 2, res.output
    assert why in res.output and "--force" in res.output and args[2] in res.output
    assert not (demo / "kc.sqlite").exists() and not (demo / "out" / args[2]).exists()
    if args[2] != "2027-09":  # a month past the 学年's end has no period to compute
        forced = invoke(*args, "--dir", str(demo), "--force")
        assert forced.exit_code == 0, forced.output
        assert len(list((demo / "out" / args[2]).glob("*.xlsx"))) >= 1


def test_the_run_days_own_week_and_a_past_month_are_accepted(tmp_path, run_day):
    """2026-W49 holds the run day (Tue 2026-12-01): a week under way is not after today."""
    run_day(dt.date(2026, 12, 1))
    demo = sample_copy(tmp_path)
    assert invoke("weekly", "--week", "2026-W49", "--dir", str(demo)).exit_code == 0
    assert invoke("monthly", "--month", "2026-11", "--dir", str(demo)).exit_code == 0
