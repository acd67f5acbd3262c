"""One atomic writer for every output file (kc_batch/atomic.py, §10.2): the 家长通知书 of kc letters
and the .eml of kc send go through it too, so they get the umask's mode (mkstemp's 0600 would
survive a rename: 0666 & ~022 = 0644, 0666 & ~007 = 0660) and leave no temp file beside them."""
from __future__ import annotations

import email
import os
import stat

import pytest

from kc_batch.mail import write_eml
from kc_batch.reports.letters import write_all


@pytest.fixture(params=[0o022, 0o007])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_letters_are_written_whole_with_the_umask_mode(tmp_path, umask):
    docs = {tmp_path / "letters" / "三年级1班_家长通知书.docx": b"PK first", tmp_path / "letters" / "b.docx": b"PK second"}
    assert write_all(docs) == list(docs)
    for path, data in docs.items():
        assert path.read_bytes() == data
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in (tmp_path / "letters").iterdir()) == ["b.docx", "三年级1班_家长通知书.docx"]


def test_an_eml_is_written_whole_with_the_umask_mode(tmp_path, umask):
    msg = email.message_from_string("Subject: test\r\n\r\nbody\r\n")
    path = write_eml(msg, tmp_path / "outbox", "控辍保学月报/2026-11")   # the / cannot leave the folder
    assert path == tmp_path / "outbox" / "控辍保学月报_2026-11.eml"
    assert email.message_from_bytes(path.read_bytes())["Subject"] == "test"
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [path.name]
