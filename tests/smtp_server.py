"""A real loopback SMTP server for the mail tests (aiosmtpd with a trustme CA): implicit TLS as on port 465
or STARTTLS as on port 587, LOGIN/PLAIN against one good password. Bound to 127.0.0.1, not ::1."""
from __future__ import annotations

import contextlib
import email
import socket
import ssl

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "xx@example.cn"
GOOD_PASSWORD = "right-authcode"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == GOOD_PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


def make_ca() -> tuple[trustme.CA, ssl.SSLContext, ssl.SSLContext]:
    """A fresh CA, the server's context with a certificate for 127.0.0.1, and a client context trusting it."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return ca, server_ctx, client_ctx


def controller(server_ctx: ssl.SSLContext, *, starttls: bool) -> tuple[Controller, Inbox, int]:
    """An unstarted server on a free port: STARTTLS required before AUTH, or implicit TLS."""
    inbox, port = Inbox(), free_port()
    if starttls:
        server = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_ctx, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    else:
        server = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_ctx,
                            authenticator=authenticator, auth_require_tls=False)
    return server, inbox, port


@contextlib.contextmanager
def running(server: Controller):
    server.start()
    try:
        yield server
    finally:
        server.stop()


def assert_name_in_both_encodings(raw: bytes) -> None:
    """The attachment's Content-Disposition as written carries the RFC 2231 filename* and the RFC 2047 filename
    (QQ Mail and Outlook show RFC 2231 continuations as ATT00001.dat)."""
    legacy = email.message_from_bytes(raw).get_payload()[1]["Content-Disposition"]
    assert "filename*=UTF-8''" in legacy and "=?UTF-8?B?" in legacy
