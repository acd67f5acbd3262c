"""kc send for one report: the .eml in outbox/, or (--smtp) the message sent once per period, and
the Chinese one-line result the command prints."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch.errors import ConfigError
from kc_batch.read.files import file_sha256
from kc_batch.mail.eml import write_eml
from kc_batch.mail.log import append_send_log, log_sent, previous_sends
from kc_batch.mail.mime import _aware, build_message, recipient_addresses
from kc_batch.mail.smtp import send_smtp
from kc_batch.mail.summary import ReportSummary
from kc_batch.mail.templates import month_text


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
