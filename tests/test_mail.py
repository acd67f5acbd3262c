"""kc send (SPEC §9.4, §13.15, §13.28): messages, .eml files and SMTP against a real loopback server."""
from __future__ import annotations

import datetime as dt
import email
import hashlib
import re
import sqlite3
import ssl
from email import policy
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime
from pathlib import Path

import openpyxl
import pytest

from kc_batch.config import Config, Mail
from kc_batch.errors import ConfigError, KcError
from kc_batch.mail import (ReportSummary, build_message, copy_default_templates, message_bytes, package_templates, send_report, send_smtp, write_eml)
from smtp_server import GOOD_PASSWORD, USER, controller, free_port, make_ca, running

WORKBOOK_NAME = "控辍保学月报_杉树完小_2026-11.xlsx"
SUBJECT = "【控辍保学月报】杉树完小 2026年11月"
NOW = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ID_NUMBER = "450923201001011234"


# ---------------------------------------------------------------- helpers

def make_workbook(folder: Path, name: str = WORKBOOK_NAME) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "月报表"
    ws.append(["年级", "学年初在校生", "本月末在校生"])
    ws.append(["三年级", 40, 39])
    path = folder / name
    wb.save(path)
    return path


def summary(dropouts_now: int = 0, **changes) -> ReportSummary:
    values = dict(unit_name="杉树完小", month="2026-11", level="school",
                  period_text="2026年10月21日至2026年11月20日", enrolled_start=120, enrolled_now=117,
                  dropouts_now=dropouts_now, suspected=1, dropout_rate=0.0125, retention_rate=0.98333,
                  over_limit=[], clerk="李四", phone="0775-1234567", report_date=dt.date(2026, 11, 20))
    values.update(changes)
    return ReportSummary(**values)


def config(port: int = 465, starttls: bool = False, **mail) -> Config:
    cfg = Config()
    cfg.unit.name = "杉树完小"
    cfg.mail = Mail(to=["zxx@example.cn", "jyj@example.cn"], from_=USER, smtp_host="127.0.0.1",
                    smtp_port=port, starttls=starttls, password_env="KC_SMTP_PASSWORD")
    for key, value in mail.items():
        setattr(cfg.mail, key, value)
    return cfg


def percent_encoded(name: str) -> str:
    """RFC 2231 value written out by hand: every byte outside A-Z a-z 0-9 . _ - as %XX."""
    keep = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
    return "".join(chr(b) if b in keep else f"%{b:02X}" for b in name.encode("utf-8"))


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def raw_header(raw: bytes, part_index: int, name: str) -> str:
    """The header as written (compat32 keeps it raw), unfolded."""
    legacy = email.message_from_bytes(raw)
    part = legacy.get_payload()[part_index]
    return re.sub(r"\r?\n(?=[ \t])", "", part[name])


def body_text(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def sent_rows(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        if not con.execute("SELECT name FROM sqlite_master WHERE name='sent_mail'").fetchone():
            return []
        return con.execute("SELECT period, unit, report, workbook_sha256, recipients, message_id "
                           "FROM sent_mail ORDER BY rowid").fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- SMTP server

@pytest.fixture(scope="module")
def tls():
    _, server_ctx, client_ctx = make_ca()
    return server_ctx, client_ctx


@pytest.fixture(params=["ssl", "starttls"])
def server(request, tls):
    """Implicit TLS as on port 465, or STARTTLS required before AUTH as on port 587."""
    server_ctx, client_ctx = tls
    smtpd, inbox, port = controller(server_ctx, starttls=request.param == "starttls")
    with running(smtpd):
        yield dict(inbox=inbox, port=port, starttls=request.param == "starttls", client_ctx=client_ctx)


def smtp_send(server, tmp_path, *, resend=False, password=GOOD_PASSWORD, dropouts_now=0,
              ssl_context=None):
    cfg = config(port=server["port"], starttls=server["starttls"])
    workbook = tmp_path / WORKBOOK_NAME
    if not workbook.exists():
        make_workbook(tmp_path)
    return send_report(cfg, tmp_path, workbook, summary(dropouts_now), smtp=True, resend=resend,
                       password=password, log_db=tmp_path / "kc.sqlite",
                       ssl_context=ssl_context or server["client_ctx"], now=NOW)


# ---------------------------------------------------------------- SMTP tests

def test_sent_message_arrives_intact(server, tmp_path):
    result = smtp_send(server, tmp_path)
    assert "已发送" in result
    [envelope] = server["inbox"].envelopes
    assert envelope.mail_from == USER
    assert envelope.rcpt_tos == ["zxx@example.cn", "jyj@example.cn"]

    raw = envelope.original_content
    msg = parse(raw)
    assert str(msg["Subject"]) == SUBJECT
    assert parsedate_to_datetime(msg["Date"]) == NOW
    assert re.fullmatch(r"<[^<>@\s]+@example\.cn>", msg["Message-ID"])

    [attachment] = list(msg.iter_attachments())
    workbook_bytes = (tmp_path / WORKBOOK_NAME).read_bytes()
    assert attachment.get_filename() == WORKBOOK_NAME
    assert attachment.get_content_type() == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert attachment["Content-Transfer-Encoding"] == "base64"
    assert attachment.get_content() == workbook_bytes
    assert openpyxl.load_workbook(tmp_path / WORKBOOK_NAME)["月报表"]["B2"].value == 40

    # the store knows what was sent, with the workbook's hash
    [row] = sent_rows(tmp_path / "kc.sqlite")
    assert row[:4] == ("2026-11", "杉树完小", WORKBOOK_NAME, hashlib.sha256(workbook_bytes).hexdigest())
    assert "zxx@example.cn" in row[4] and "jyj@example.cn" in row[4]
    assert row[5] == msg["Message-ID"]


def test_second_send_refused_unless_resend(server, tmp_path):
    """A second send of the same month is a harmless re-run: a sentence, no error (issue 11 item 12)."""
    smtp_send(server, tmp_path)
    assert re.search("已于.*发送过.*本次未再发送.*--resend", smtp_send(server, tmp_path))
    assert len(server["inbox"].envelopes) == 1
    assert len(sent_rows(tmp_path / "kc.sqlite")) == 1

    assert "重新发送" in smtp_send(server, tmp_path, resend=True)
    assert len(server["inbox"].envelopes) == 2
    assert len(sent_rows(tmp_path / "kc.sqlite")) == 2


def test_wrong_password_is_a_chinese_error_and_nothing_is_logged(server, tmp_path):
    with pytest.raises(KcError, match="邮箱登录失败：用户名或密码（授权码）不对") as info:
        smtp_send(server, tmp_path, password="wrong-password")
    assert "KC_SMTP_PASSWORD" in str(info.value)
    assert server["inbox"].envelopes == []
    assert sent_rows(tmp_path / "kc.sqlite") == []


def test_untrusted_certificate_is_refused(server, tmp_path):
    untrusting = ssl.create_default_context()  # does not know the throwaway CA
    with pytest.raises(KcError, match="证书"):
        smtp_send(server, tmp_path, ssl_context=untrusting)
    assert server["inbox"].envelopes == []
    assert sent_rows(tmp_path / "kc.sqlite") == []


def test_connection_refused_is_a_chinese_error(tmp_path):
    cfg = config(port=free_port())  # nothing listens there
    msg = build_message(cfg, make_workbook(tmp_path), summary(), None, NOW)
    with pytest.raises(KcError, match="无法连接邮件服务器.*连接被拒绝"):
        send_smtp(cfg, msg, GOOD_PASSWORD, timeout=5)


def test_smtp_without_password_names_the_environment_variable(tmp_path):
    cfg = config()
    with pytest.raises(ConfigError, match="环境变量 KC_SMTP_PASSWORD 未设置"):
        send_report(cfg, tmp_path, make_workbook(tmp_path), summary(), smtp=True, resend=False,
                    password=None, log_db=tmp_path / "kc.sqlite", now=NOW)
    assert sent_rows(tmp_path / "kc.sqlite") == []


# ---------------------------------------------------------------- the attachment's headers

def test_attachment_name_in_both_forms_without_continuations(tmp_path):
    raw = message_bytes(build_message(config(), make_workbook(tmp_path), summary(), None, NOW))
    assert b"filename*0" not in raw and b"name*0" not in raw

    disposition = raw_header(raw, 1, "Content-Disposition")
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{percent_encoded(WORKBOOK_NAME)}" in disposition
    assert percent_encoded(WORKBOOK_NAME).endswith("_%E6%9D%89%E6%A0%91%E5%AE%8C%E5%B0%8F_2026-11.xlsx")
    quoted = re.search(r'filename="([^"]+)"', disposition).group(1)
    assert quoted.startswith("=?UTF-8?B?")
    assert str(make_header(decode_header(quoted))) == WORKBOOK_NAME

    content_type = raw_header(raw, 1, "Content-Type")
    name = re.search(r'name="([^"]+)"', content_type).group(1)
    assert str(make_header(decode_header(name))) == WORKBOOK_NAME

    # RFC 5322 line limit, RFC 2047 word limit
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert all(len(w) <= 75 for w in re.findall(rb"=\?UTF-8\?B\?[^?]*\?=", raw))


def test_long_chinese_file_name_survives(tmp_path):
    name = "控辍保学月报汇总_某某县某某镇中心学校及所辖各村完小和教学点_2026-11.xlsx"
    raw = message_bytes(build_message(config(), make_workbook(tmp_path, name),
                                      summary(level="township", units_reported=9), None, NOW))
    assert b"filename*0" not in raw
    [attachment] = list(parse(raw).iter_attachments())
    assert attachment.get_filename() == name
    assert attachment.get_content() == (tmp_path / name).read_bytes()
    disposition = raw_header(raw, 1, "Content-Disposition")
    assert f"filename*=UTF-8''{percent_encoded(name)}" in disposition
    quoted = re.search(r'filename="([^"]+)"', disposition).group(1)
    assert str(make_header(decode_header(quoted))) == name
    assert all(len(w) <= 75 for w in re.findall(rb"=\?UTF-8\?B\?[^?]*\?=", raw))


# ---------------------------------------------------------------- subject and body

def built(tmp_path, s: ReportSummary, work_dir=None, name=WORKBOOK_NAME):
    workbook = tmp_path / name
    if not workbook.exists():
        make_workbook(tmp_path, name)
    return parse(message_bytes(build_message(config(), workbook, s, work_dir, NOW)))


def test_zero_report_exactly_when_no_dropout(tmp_path):
    body = body_text(built(tmp_path, summary(dropouts_now=0)))
    assert "本月无辍学学生（零报告）" in body
    body = body_text(built(tmp_path, summary(dropouts_now=2)))
    assert "零报告" not in body
    assert "当前辍学：2 人" in body


def test_body_gives_key_figures_and_over_limit_rates(tmp_path):
    sentence = "初中年辍学率 2.10%，超过控制线 1.80%"
    body = body_text(built(tmp_path, summary(over_limit=[sentence], dropout_rate=0.021,
                                             retention_rate=0.9725)))
    assert "统计时段：2026年10月21日至2026年11月20日" in body
    assert "学年初在校生：120 人" in body
    assert "本月末在校生：117 人" in body
    assert "疑似辍学：1 人" in body
    assert "年辍学率：2.10%" in body
    assert "巩固率：97.25%" in body
    assert sentence in body
    assert "均在控制线以内" not in body
    assert "李四" in body and "0775-1234567" in body
    assert WORKBOOK_NAME in body

    body = body_text(built(tmp_path, summary()))
    assert "年辍学率：1.25%" in body and "巩固率：98.33%" in body
    assert "各项指标均在控制线以内" in body


def test_subject_month_without_leading_zero(tmp_path):
    msg = built(tmp_path, summary(month="2026-03"))
    assert str(msg["Subject"]) == "【控辍保学月报】杉树完小 2026年3月"


def test_aggregate_subject_and_missing_units(tmp_path):
    s = summary(unit_name="某某镇中心学校", level="township", units_reported=7,
                units_missing=["甲村小学", "乙村教学点"])
    msg = built(tmp_path, s)
    assert str(msg["Subject"]) == "【控辍保学月报汇总】某某镇中心学校 2026年11月"
    body = body_text(msg)
    assert "已报单位：7 个" in body
    assert "甲村小学、乙村教学点" in body
    assert "零报告" in body


def test_no_id_number_in_subject_body_or_sender(tmp_path):
    s = summary(unit_name=f"杉树完小{ID_NUMBER}", clerk=f"李四 {ID_NUMBER[:17]}X",
                over_limit=[f"学生 G{ID_NUMBER} 辍学"], units_missing=[ID_NUMBER])
    msg = built(tmp_path, s)
    visible = str(msg["Subject"]) + str(msg["From"]) + body_text(msg)
    assert ID_NUMBER not in visible and ID_NUMBER[:17] not in visible
    assert not re.search(r"\d{15}", visible)
    assert "2026年11月" in str(msg["Subject"])


# ---------------------------------------------------------------- templates

def test_package_ships_the_templates():
    """Real files inside the package (no symlink), found through importlib.resources."""
    names = {p.name for p in package_templates().iterdir()}
    assert not Path(__file__).resolve().parents[1].joinpath("kc_batch", "templates").is_symlink()
    assert {"email_subject.txt.j2", "email_body.txt.j2", "email_body_aggregate.txt.j2", "email_subject_week.txt.j2",
            "email_body_week.txt.j2", "email_subject_quarter.txt.j2", "email_body_quarter.txt.j2"} <= names


def test_users_edited_template_wins(tmp_path):
    work = tmp_path / "work"
    (work / "templates").mkdir(parents=True)
    (work / "templates" / "email_subject.txt.j2").write_text(
        "{{ unit_name }}月报（{{ month_text }}）\n", encoding="utf-8")
    msg = built(tmp_path, summary(), work_dir=work)
    assert str(msg["Subject"]) == "杉树完小月报（2026年11月）"
    assert "本月无辍学学生（零报告）" in body_text(msg)  # the body still comes from the package


def test_template_with_unknown_variable_is_a_chinese_error(tmp_path):
    work = tmp_path / "work"
    (work / "templates").mkdir(parents=True)
    (work / "templates" / "email_body.txt.j2").write_text("{{ 学校 }}", encoding="utf-8")
    with pytest.raises(KcError, match="邮件模板 email_body.txt.j2 使用了不存在的变量"):
        built(tmp_path, summary(), work_dir=work)


def test_copy_default_templates_keeps_users_copy(tmp_path):
    (tmp_path / "templates").mkdir()
    mine = tmp_path / "templates" / "email_subject.txt.j2"
    mine.write_text("我的主题\n", encoding="utf-8")
    written = copy_default_templates(tmp_path)
    assert mine.read_text(encoding="utf-8") == "我的主题\n"
    assert {p.name for p in written} == {"email_body.txt.j2", "email_body_aggregate.txt.j2",
                                         "email_subject_week.txt.j2", "email_body_week.txt.j2",  # §21.1
                                         "email_subject_quarter.txt.j2", "email_body_quarter.txt.j2",  # §21.3
                                         "家长通知书.docx", "辍学报告单.docx", "辍学生返校通知书.docx"}  # §18


# ---------------------------------------------------------------- .eml mode

def test_eml_mode_writes_a_message_that_parses_back(tmp_path):
    cfg = config(from_="", smtp_host="")  # §13.28: .eml mode needs only [mail].to
    workbook = make_workbook(tmp_path)
    result = send_report(cfg, tmp_path, workbook, summary(2), smtp=False, resend=False,
                         password=None, log_db=tmp_path / "kc.sqlite", now=NOW)
    eml = tmp_path / "outbox" / "控辍保学月报_杉树完小_2026-11.eml"
    assert "outbox/控辍保学月报_杉树完小_2026-11.eml" in result
    msg = parse(eml.read_bytes())
    assert str(msg["Subject"]) == SUBJECT
    assert msg["To"].addresses[0].addr_spec == "zxx@example.cn"
    assert msg["X-Unsent"] == "1"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == WORKBOOK_NAME
    assert attachment.get_content() == workbook.read_bytes()
    assert "零报告" not in body_text(msg)

    log = (tmp_path / "outbox" / "发送记录.txt").read_text(encoding="utf-8")
    assert WORKBOOK_NAME in log and hashlib.sha256(workbook.read_bytes()).hexdigest() in log
    assert sent_rows(tmp_path / "kc.sqlite") == []
    assert [p.name for p in (tmp_path / "outbox").iterdir() if p.name.startswith(".tmp")] == []


def test_eml_mode_requires_recipients(tmp_path):
    with pytest.raises(ConfigError, match=r"\[mail\] to"):
        send_report(config(to=[]), tmp_path, make_workbook(tmp_path), summary(), smtp=False,
                    resend=False, password=None, log_db=tmp_path / "kc.sqlite", now=NOW)


def test_write_eml_keeps_the_name_inside_the_outbox(tmp_path):
    msg = build_message(config(), make_workbook(tmp_path), summary(), None, NOW)
    path = write_eml(msg, tmp_path / "outbox", "../../逃逸/报表")
    assert path.parent == tmp_path / "outbox"
    assert parse(path.read_bytes())["Subject"] == SUBJECT


# ---------------------------------------------------------------- recipients (issue 11 item 3)

TWO_RECIPIENTS = ["zxx@example.cn", "县教育局 控辍办 <jyj@example.cn>"]


def test_to_header_lists_each_recipient_with_its_chinese_name(tmp_path):
    """Two recipients, one with a Chinese display name: the To: header parses back into exactly those
    two addresses (not one encoded word holding the whole list)."""
    cfg = config(to=TWO_RECIPIENTS)
    raw = message_bytes(build_message(cfg, make_workbook(tmp_path), summary(), None, NOW))
    addresses = parse(raw)["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in addresses] == [
        ("", "zxx@example.cn"), ("县教育局 控辍办", "jyj@example.cn")]
    legacy_to = email.message_from_bytes(raw)["To"]
    assert "jyj@example.cn" in legacy_to and "zxx@example.cn" in legacy_to  # addresses stay plain


def test_smtp_delivers_to_each_address_of_a_named_recipient(server, tmp_path):
    """The envelope carries the bare addresses; the delivered message's To: names both."""
    cfg = config(port=server["port"], starttls=server["starttls"], to=TWO_RECIPIENTS)
    result = send_report(cfg, tmp_path, make_workbook(tmp_path), summary(), smtp=True, resend=False,
                         password=GOOD_PASSWORD, log_db=tmp_path / "kc.sqlite",
                         ssl_context=server["client_ctx"], now=NOW)
    [envelope] = server["inbox"].envelopes
    assert envelope.rcpt_tos == ["zxx@example.cn", "jyj@example.cn"]
    delivered = parse(envelope.original_content)["To"].addresses
    assert [a.display_name for a in delivered] == ["", "县教育局 控辍办"]
    assert "zxx@example.cn" in result and "jyj@example.cn" in result
    [row] = sent_rows(tmp_path / "kc.sqlite")
    assert "jyj@example.cn" in row[4]


def test_body_is_dated_with_the_report_date_not_the_run_day(tmp_path):
    """§13.18: sent on 2026-11-21 (NOW), the body signs with the workbook's 报出日期 2026-11-20;
    only the Date: header is the sending time."""
    msg = parse(message_bytes(build_message(config(), make_workbook(tmp_path), summary(), None, NOW)))
    assert body_text(msg).rstrip().splitlines()[-1] == "2026年11月20日"
    assert parsedate_to_datetime(msg["Date"]) == NOW
