"""Default mode of kc send: the message as outbox/<name>.eml, written atomically (SPEC §9.4)."""
from __future__ import annotations

import re
from email.message import Message
from pathlib import Path

from kc_batch.atomic import write_bytes_atomically
from kc_batch.mail.mime import message_bytes


def safe_file_stem(name: str) -> str:
    """§10.3: a name taken from user data cannot leave its folder."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip().strip(".")
    return stem or "邮件"


def write_eml(msg: Message, outbox: Path, name: str) -> Path:
    """Atomically write outbox/<name>.eml (kc_batch/atomic.py: temp file in the same folder, then rename)."""
    return write_bytes_atomically(Path(outbox) / f"{safe_file_stem(name)}.eml", message_bytes(msg))
