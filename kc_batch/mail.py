"""Email upward (SPEC §9.4, §13.15, §13.28): one message per report.

The message is built with the compat32 email API so that every header is exactly what we write:
the attachment's Chinese file name is given once as a single RFC 2231 parameter
(``filename*=UTF-8''…``, never split into ``filename*0*`` continuations, which QQ Mail and Outlook
show as ATT00001.dat) and once as RFC 2047 encoded-words (``filename="=?UTF-8?B?…?="`` and
``name="=?UTF-8?B?…?="``) for mail programs that only know that form.

Default mode writes ``outbox/<name>.eml``; ``--smtp`` sends over SSL or STARTTLS and logs each sent
mail in the table ``sent_mail`` of the store.
"""
from __future__ import annotations

import base64
import datetime as dt
import importlib.resources
import io
import os
import re
import smtplib
import socket
import ssl
import tempfile
import urllib.parse
from dataclasses import asdict, dataclass, field
from email import encoders
from email.generator import BytesGenerator
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr
from pathlib import Path

import jinja2

from kc_batch.calendar import chinese_date
from kc_batch.errors import ConfigError, KcError, OutputError
from kc_batch.read.files import file_sha256
from kc_batch.store import Store

XLSX_MAIN, XLSX_SUB = "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLACEHOLDER_FROM = "kc_batch@localhost"
SUBJECT_TEMPLATE = "email_subject.txt.j2"
BODY_TEMPLATE = "email_body.txt.j2"
BODY_AGGREGATE_TEMPLATE = "email_body_aggregate.txt.j2"
SUBJECT_WEEK_TEMPLATE = "email_subject_week.txt.j2"   # §21.1: the 周报 has its own subject and body
BODY_WEEK_TEMPLATE = "email_body_week.txt.j2"
SEND_LOG_NAME = "发送记录.txt"
MAX_ENCODED_WORD = 75  # RFC 2047 §2
# Flattened with CRLF (the wire format, also what .eml files carry) and without re-folding:
# every header is folded by this module.
WIRE_POLICY = compat32.clone(linesep="\r\n", max_line_length=0)

# 18-digit 身份证号 (also inside a G-prefixed 学籍号) and the old 15-digit form. Applied to every
# text field before rendering; after rendering any run of 15 or more digits is masked too (the
# figures of a report never get that long), which catches an ID glued to other digits.
ID_NUMBER_RE = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])")
LONG_DIGITS_RE = re.compile(r"\d{15,}[Xx]?")
ID_MASK = "（证件号已隐去）"


@dataclass
class ReportSummary:
    """Key figures of one report, filled by the monthly/aggregate report code."""
    unit_name: str
    month: str                 # 'YYYY-MM'
    level: str                 # 'school' | 'township' | 'county'
    period_text: str           # e.g. '2026年10月21日至2026年11月20日'
    enrolled_start: int        # 学年初在校生
    enrolled_now: int          # 本月末在校生
    dropouts_now: int          # 当前辍学
    suspected: int             # 疑似辍学
    dropout_rate: float | None      # 年辍学率
    retention_rate: float | None    # 巩固率
    over_limit: list[str]      # Chinese sentences naming each rate over its limit
    units_reported: int | None = None   # aggregate only
    units_missing: list[str] = field(default_factory=list)  # aggregate only
    clerk: str = ""
    phone: str = ""
    report_date: dt.date | None = None  # the workbook's 报出日期 (calendar.report_date, §13.18)
    kind: str = "monthly"      # 'monthly' | 'weekly' (then `month` holds the week, e.g. '2026-W47')
    week: dict = field(default_factory=dict)   # a 周报's figures for its templates (app/send_week.py)

    @property
    def is_aggregate(self) -> bool:
        return self.units_reported is not None or self.level in ("township", "county")


# ---------------------------------------------------------------- templates

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
    """'2026-11' → '2026年11月'; '2026-03' → '2026年3月' (§13.28); a week '2026-W47' → '2026年第47周' (§21.1)."""
    w = re.fullmatch(r"(\d{4})-W(\d{1,2})", month.strip())
    if w:
        return f"{int(w.group(1))}年第{int(w.group(2))}周"
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
    name = SUBJECT_WEEK_TEMPLATE if context["kind"] == "weekly" else SUBJECT_TEMPLATE
    subject = render_template(env, name, context)
    return mask_id_numbers(" ".join(subject.split()))


def render_body(env: jinja2.Environment, context: dict) -> str:
    if context["kind"] == "weekly":
        name = BODY_WEEK_TEMPLATE
    else:
        name = BODY_AGGREGATE_TEMPLATE if context["is_aggregate"] else BODY_TEMPLATE
    body = render_template(env, name, context)
    return mask_id_numbers(body.replace("\r\n", "\n"))


# ---------------------------------------------------------------- MIME

def encoded_words(text: str) -> list[str]:
    """RFC 2047 B-encoded words of at most 75 characters each, never splitting a character."""
    words, chunk = [], ""
    for ch in text:
        candidate = chunk + ch
        if chunk and len(_b_word(candidate)) > MAX_ENCODED_WORD:
            words.append(_b_word(chunk))
            candidate = ch
        chunk = candidate
    if chunk or not words:
        words.append(_b_word(chunk))
    return words


def _b_word(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def quoted_encoded_words(text: str) -> str:
    """'"=?UTF-8?B?…?=\\r\\n =?UTF-8?B?…?="': adjacent words folded inside the quotes, as Outlook
    itself writes them; the whitespace between adjacent encoded-words is not part of the name."""
    return '"' + "\r\n ".join(encoded_words(text)) + '"'


def rfc2231_value(text: str) -> str:
    """One parameter value in the RFC 2231 extended form: UTF-8''%E6%8E%A7…"""
    return "UTF-8''" + urllib.parse.quote(text, safe="")


def attachment_part(data: bytes, filename: str) -> MIMEBase:
    part = MIMEBase(XLSX_MAIN, XLSX_SUB, policy=compat32)
    part.set_payload(data)
    encoders.encode_base64(part)
    del part["Content-Type"]
    part["Content-Type"] = f"{XLSX_MAIN}/{XLSX_SUB};\r\n name={quoted_encoded_words(filename)}"
    part["Content-Disposition"] = (f"attachment;\r\n filename={quoted_encoded_words(filename)};"
                                   f"\r\n filename*={rfc2231_value(filename)}")
    return part


def encoded_header(text: str) -> str:
    """A header value: plain when ASCII, otherwise encoded-words folded on separate lines."""
    if text.isascii():
        return text
    return "\r\n ".join(encoded_words(text))


def address_header(display_name: str, address: str) -> str:
    if not display_name:
        return address
    if display_name.isascii():
        return formataddr((display_name, address))
    return f"{encoded_header(display_name)} <{address}>"


def recipient_pairs(cfg) -> list[tuple[str, str]]:
    """[mail].to as (display name, address) pairs; an entry may be "县教育局 <jyj@example.cn>"."""
    return [(name.strip(), address.strip())
            for name, address in getaddresses([a for a in cfg.mail.to if a.strip()]) if address.strip()]


def recipient_addresses(cfg) -> list[str]:
    return [address for _, address in recipient_pairs(cfg)]


def to_header(cfg) -> str:
    """Each address formatted on its own (RFC 5322 address-list), folded one per line."""
    return ",\r\n ".join(address_header(name, address) for name, address in recipient_pairs(cfg))


def from_address(cfg) -> str:
    address = (cfg.mail.from_ or "").strip()
    if not address and "@" in (cfg.mail.user or ""):
        address = cfg.mail.user.strip()
    return address or PLACEHOLDER_FROM


def message_id_domain(address: str) -> str:
    domain = parseaddr(address)[1].rpartition("@")[2].strip()
    return domain if re.fullmatch(r"[A-Za-z0-9.-]+", domain or "") else "kc-batch.local"


def build_message(cfg, workbook: Path, summary: ReportSummary, work_dir: Path | None,
                  now: dt.datetime | None = None) -> Message:
    """The complete message: subject and body from the templates, the workbook attached."""
    now = _aware(now)
    workbook = Path(workbook)
    try:
        data = workbook.read_bytes()
    except OSError as exc:
        raise KcError(f"无法读取要发送的报表 {workbook}：{exc.strerror or exc}") from None
    env = template_env(work_dir)
    context = template_context(summary, workbook.name, now)
    subject = render_subject(env, context)
    body = render_body(env, context)
    sender = from_address(cfg)

    msg = MIMEMultipart(policy=compat32)
    msg["From"] = address_header(mask_id_numbers(summary.unit_name), sender)
    if recipient_pairs(cfg):
        msg["To"] = to_header(cfg)
    msg["Subject"] = encoded_header(subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(idstring="kc", domain=message_id_domain(sender))
    msg.attach(MIMEText(body.replace("\n", "\r\n"), "plain", "utf-8"))  # canonical CRLF
    msg.attach(attachment_part(data, workbook.name))
    return msg


def message_bytes(msg: Message) -> bytes:
    buffer = io.BytesIO()
    BytesGenerator(buffer, mangle_from_=False, policy=WIRE_POLICY).flatten(msg)
    return buffer.getvalue()


def _aware(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now().astimezone()
    return now if now.tzinfo is not None else now.astimezone()


# ---------------------------------------------------------------- .eml

def safe_file_stem(name: str) -> str:
    """§10.3: a name taken from user data cannot leave its folder."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip().strip(".")
    return stem or "邮件"


def write_eml(msg: Message, outbox: Path, name: str) -> Path:
    """Atomically write outbox/<name>.eml (temp file in the same folder, then rename)."""
    outbox = Path(outbox)
    target = outbox / f"{safe_file_stem(name)}.eml"
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=outbox)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(message_bytes(msg))
                fh.flush()
                os.fsync(fh.fileno())
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)  # mkstemp's 0600 would survive the rename
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"无法写入邮件文件 {target}：{exc.strerror or exc}") from None
    return target


# ---------------------------------------------------------------- SMTP

def use_implicit_tls(cfg) -> bool:
    return cfg.mail.smtp_port == 465 or not cfg.mail.starttls


def send_smtp(cfg, msg: Message, password: str, timeout: float = 30, *,
              ssl_context: ssl.SSLContext | None = None) -> dict:
    """Send over SSL (port 465, or starttls = false) or STARTTLS. Every failure is a KcError with a
    Chinese message. Returns the recipients the server refused while accepting others ({} normally)."""
    host, port = (cfg.mail.smtp_host or "").strip(), cfg.mail.smtp_port
    if not host:
        raise ConfigError("kc.toml 的 [mail] smtp_host 为空：用 --smtp 发送需要填写邮件服务器地址，"
                          "例如 smtp.qq.com 或 smtp.163.com。")
    recipients = recipient_addresses(cfg)
    if not recipients:
        raise ConfigError("kc.toml 的 [mail] to 为空：请填写收件人邮箱。")
    sender = from_address(cfg)
    if sender == PLACEHOLDER_FROM:
        raise ConfigError("kc.toml 的 [mail] from 为空：用 --smtp 发送需要填写发件人邮箱。")
    login = (cfg.mail.user or "").strip() or sender
    context = ssl_context or ssl.create_default_context()
    where = f"{host}:{port}"
    try:
        with _open_smtp(cfg, host, port, context, timeout) as server:
            server.login(login, password)
            return server.sendmail(parseaddr(sender)[1], recipients, message_bytes(msg))
    except smtplib.SMTPAuthenticationError as exc:
        raise KcError(
            f"邮箱登录失败：用户名或密码（授权码）不对（服务器 {where} 答复 {exc.smtp_code}）。"
            f"QQ 邮箱、163 邮箱等须在网页版设置中开启 SMTP 服务，并使用生成的“授权码”而不是登录密码；"
            f"请检查环境变量 {cfg.mail.password_env} 和 kc.toml 的 [mail] user/from。") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise KcError(f"邮件服务器 {where} 不支持所需功能（{_reply_text(exc)}）："
                      f"请检查端口与 starttls 设置（465 端口用 SSL；587 端口设 starttls = true）。") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "、".join(exc.recipients)
        raise KcError(f"邮件服务器 {where} 拒收全部收件人：{refused}。请检查 kc.toml 的 [mail] to。") from None
    except smtplib.SMTPSenderRefused as exc:
        raise KcError(f"邮件服务器 {where} 拒绝发件人 {exc.sender}（{exc.smtp_code} {_reply_text(exc)}）："
                      f"发件人须与登录的邮箱一致。") from None
    except smtplib.SMTPServerDisconnected:
        raise KcError(f"邮件服务器 {where} 中途断开了连接，邮件未发出。请检查端口与 SSL/starttls 设置后重试。") from None
    except smtplib.SMTPResponseException as exc:
        raise KcError(f"邮件服务器 {where} 拒绝了邮件（{exc.smtp_code} {_reply_text(exc)}），邮件未发出。") from None
    except smtplib.SMTPException as exc:
        raise KcError(f"通过 {where} 发送邮件失败：{exc}") from None
    except ssl.SSLCertVerificationError as exc:
        raise KcError(f"邮件服务器 {where} 的证书无法验证（{exc.verify_message or exc.reason}），"
                      f"为安全起见邮件未发出。请确认 smtp_host 填写的是服务商给出的地址。") from None
    except ssl.SSLError as exc:
        raise KcError(f"与邮件服务器 {where} 建立加密连接失败（{exc.reason or exc}）："
                      f"465 端口用 SSL（starttls = false），587 或 25 端口请设 starttls = true。") from None
    except socket.gaierror:
        raise KcError(f"找不到邮件服务器 {host}：请检查 kc.toml 的 [mail] smtp_host 和网络连接。") from None
    except ConnectionRefusedError:
        raise KcError(f"无法连接邮件服务器 {where}：连接被拒绝。请检查 kc.toml 的 smtp_host 和 smtp_port。") from None
    except (TimeoutError, socket.timeout):
        raise KcError(f"连接邮件服务器 {where} 超时（{timeout:g} 秒），邮件未发出。请检查网络后重试。") from None
    except OSError as exc:
        raise KcError(f"连接邮件服务器 {where} 时网络出错（{exc.strerror or exc}），邮件未发出。") from None


def _open_smtp(cfg, host: str, port: int, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    if use_implicit_tls(cfg):
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    server = smtplib.SMTP(host, port, timeout=timeout)
    try:
        server.ehlo()
        server.starttls(context=context)
        server.ehlo()
    except BaseException:
        server.close()
        raise
    return server


def _reply_text(exc: Exception) -> str:
    error = getattr(exc, "smtp_error", None)
    if isinstance(error, bytes):
        return error.decode("utf-8", errors="replace")
    return str(error if error is not None else exc)


# ---------------------------------------------------------------- sent-mail log

def previous_sends(log_db: Path, period: str, unit: str, report: str) -> list[tuple[str, str]]:
    """(sent_at, workbook_sha256) of earlier sends of this report, oldest first."""
    if not Path(log_db).exists():
        return []
    with Store(log_db) as store:
        return store.previous_sends(period, unit, report)


def log_sent(log_db: Path, period: str, unit: str, report: str, sha256: str, recipients: list[str],
             message_id: str, sent_at: dt.datetime) -> None:
    Path(log_db).parent.mkdir(parents=True, exist_ok=True)
    with Store(log_db) as store:
        store.log_sent(period, unit, report, sha256, recipients, message_id, sent_at)


def append_send_log(outbox: Path, line: str) -> None:
    try:
        with open(Path(outbox) / SEND_LOG_NAME, "a", encoding="utf-8", newline="\r\n") as fh:
            fh.write(line + "\n")
    except OSError as exc:
        raise OutputError(f"无法写入 {Path(outbox) / SEND_LOG_NAME}：{exc.strerror or exc}") from None


# ---------------------------------------------------------------- kc send

def send_report(cfg, work_dir: Path, workbook: Path, summary: ReportSummary, *, smtp: bool,
                resend: bool, password: str | None, log_db: Path, ssl_context=None,
                now: dt.datetime | None = None) -> str:
    """One report: write outbox/<workbook stem>.eml, or (smtp) send it once per period.
    Returns a Chinese one-line result."""
    now = _aware(now)
    workbook = Path(workbook)
    recipients = recipient_addresses(cfg)
    if not recipients:
        raise ConfigError("kc.toml 的 [mail] to 为空：请填写收件人邮箱，例如 to = [\"zxx@example.cn\"]。")
    if smtp:
        return _send_by_smtp(cfg, work_dir, workbook, summary, resend, password, log_db,
                             ssl_context, now, recipients)
    return _write_to_outbox(cfg, work_dir, workbook, summary, now, recipients)


def _write_to_outbox(cfg, work_dir, workbook, summary, now, recipients) -> str:
    msg = build_message(cfg, workbook, summary, work_dir, now)
    msg["X-Unsent"] = "1"  # Outlook opens the .eml as a draft with a Send button
    outbox = Path(work_dir) / "outbox"
    path = write_eml(msg, outbox, workbook.stem)
    append_send_log(outbox, "\t".join([
        now.isoformat(timespec="seconds"), "已生成", summary.month, summary.unit_name, workbook.name,
        file_sha256(workbook), ", ".join(recipients), path.name]))
    return f"已生成邮件 outbox/{path.name}（收件人：{', '.join(recipients)}），可用邮件程序打开后发送。"


def _send_by_smtp(cfg, work_dir, workbook, summary, resend, password, log_db, ssl_context, now,
                  recipients) -> str:
    if not password:
        raise ConfigError(f"环境变量 {cfg.mail.password_env} 未设置：用 --smtp 发送需要邮箱密码（授权码），"
                          f"请先设置该环境变量（密码不写在 kc.toml 里）。")
    sha256 = file_sha256(workbook)
    earlier = previous_sends(log_db, summary.month, summary.unit_name, workbook.name)
    if earlier and not resend:
        last_at, last_sha = earlier[-1]
        changed = "；报表内容此后已有变化" if last_sha != sha256 else ""
        # a harmless re-run: said, not an error (exit 0)
        return (f"{summary.unit_name} {month_text(summary.month)}的报表 {workbook.name} "
                f"已于 {last_at} 发送过{changed}，本次未再发送。如需再次发送，请加 --resend。")
    msg = build_message(cfg, workbook, summary, work_dir, now)
    refused = send_smtp(cfg, msg, password, ssl_context=ssl_context)
    accepted = [a for a in recipients if a not in refused]
    log_sent(log_db, summary.month, summary.unit_name, workbook.name, sha256, accepted,
             msg["Message-ID"], now)
    again = "重新" if earlier else ""
    result = f"已{again}发送 {workbook.name} 给 {', '.join(accepted)}。"
    if refused:
        result += f" 以下收件人被服务器拒收：{'、'.join(refused)}。"
    return result
