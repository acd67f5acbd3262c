"""Email upward (SPEC §9.4, §13.15, §13.28): one message per report, one module per job.

  summary.py    ReportSummary: the figures of a report its email says
  templates.py  subject and body from the Jinja templates, 身份证号 masked
  mime.py       the message: headers, the Chinese attachment name in RFC 2231 and RFC 2047 form
  eml.py        outbox/<name>.eml (the default mode)
  smtp.py       --smtp delivery over SSL or STARTTLS, failures in Chinese
  log.py        the sent_mail table of the store and outbox/发送记录.txt
  send.py       kc send of one report and its one-line result

The names callers import from kc_batch.mail are re-exported here.
"""
from __future__ import annotations

from kc_batch.mail.eml import safe_file_stem, write_eml
from kc_batch.mail.log import SEND_LOG_NAME, append_send_log, log_sent, previous_sends
from kc_batch.mail.mime import (MAX_ENCODED_WORD, PLACEHOLDER_FROM, WIRE_POLICY, XLSX_MAIN, XLSX_SUB, address_header,
                                attachment_part, build_message, encoded_header, encoded_words, from_address,
                                message_bytes, message_id_domain, quoted_encoded_words, recipient_addresses,
                                recipient_pairs, rfc2231_value, to_header)
from kc_batch.mail.send import send_report
from kc_batch.mail.smtp import send_smtp, use_implicit_tls
from kc_batch.mail.summary import ReportSummary
from kc_batch.mail.templates import (BODY_AGGREGATE_TEMPLATE, BODY_QUARTER_TEMPLATE, BODY_TEMPLATE, BODY_WEEK_TEMPLATE,
                                     ID_MASK, ID_NUMBER_RE, LONG_DIGITS_RE, SUBJECT_QUARTER_TEMPLATE, SUBJECT_TEMPLATE,
                                     SUBJECT_WEEK_TEMPLATE, copy_default_templates,
                                     format_rate, mask_id_numbers, month_text, package_templates, render_body,
                                     render_subject, render_template, template_context, template_env)

__all__ = [
    "BODY_AGGREGATE_TEMPLATE", "BODY_QUARTER_TEMPLATE", "BODY_TEMPLATE", "BODY_WEEK_TEMPLATE", "ID_MASK", "ID_NUMBER_RE",
    "LONG_DIGITS_RE", "MAX_ENCODED_WORD", "PLACEHOLDER_FROM", "SEND_LOG_NAME", "SUBJECT_QUARTER_TEMPLATE", "SUBJECT_TEMPLATE",
    "SUBJECT_WEEK_TEMPLATE",
    "WIRE_POLICY", "XLSX_MAIN", "XLSX_SUB", "ReportSummary", "address_header", "append_send_log", "attachment_part",
    "build_message", "copy_default_templates", "encoded_header", "encoded_words", "format_rate", "from_address",
    "log_sent", "mask_id_numbers", "message_bytes", "message_id_domain", "month_text", "package_templates",
    "previous_sends", "quoted_encoded_words", "recipient_addresses", "recipient_pairs", "render_body",
    "render_subject", "render_template", "rfc2231_value", "safe_file_stem", "send_report", "send_smtp",
    "template_context", "template_env", "to_header", "use_implicit_tls", "write_eml",
]
