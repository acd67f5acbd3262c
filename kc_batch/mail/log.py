"""What was sent: the sent_mail table of the store (one send per report and period unless --resend)
and the 发送记录.txt line beside the .eml files of outbox/."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kc_batch.errors import OutputError
from kc_batch.store import Store

SEND_LOG_NAME = "发送记录.txt"


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
