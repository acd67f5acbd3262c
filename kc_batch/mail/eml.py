"""Default mode of kc send: the message as outbox/<name>.eml, written atomically (SPEC §9.4)."""
from __future__ import annotations

import os
import re
import tempfile
from email.message import Message
from pathlib import Path

from kc_batch.errors import OutputError
from kc_batch.mail.mime import message_bytes


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
