"""The message of one report (SPEC §9.4, §13.28), built with the compat32 email API so that every
header is exactly what we write: the attachment's Chinese file name is given once as a single RFC 2231
parameter (``filename*=UTF-8''…``, never split into ``filename*0*`` continuations, which QQ Mail and
Outlook show as ATT00001.dat) and once as RFC 2047 encoded-words (``filename="=?UTF-8?B?…?="`` and
``name="=?UTF-8?B?…?="``) for mail programs that only know that form."""
from __future__ import annotations

import base64
import datetime as dt
import io
import re
import urllib.parse
from email import encoders
from email.generator import BytesGenerator
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr
from pathlib import Path

from kc_batch.errors import KcError
from kc_batch.mail.summary import ReportSummary
from kc_batch.mail.templates import mask_id_numbers, render_body, render_subject, template_context, template_env

XLSX_MAIN, XLSX_SUB = "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLACEHOLDER_FROM = "kc_batch@localhost"
MAX_ENCODED_WORD = 75  # RFC 2047 §2
# Flattened with CRLF (the wire format, also what .eml files carry) and without re-folding:
# every header is folded by this module.
WIRE_POLICY = compat32.clone(linesep="\r\n", max_line_length=0)


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
