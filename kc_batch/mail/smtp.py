"""kc send --smtp: delivery over SSL (port 465) or STARTTLS, every failure a Chinese message (SPEC §9.4)."""
from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import Message
from email.utils import parseaddr

from kc_batch.errors import ConfigError, KcError
from kc_batch.mail.mime import PLACEHOLDER_FROM, from_address, message_bytes, recipient_addresses


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
