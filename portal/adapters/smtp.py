"""The mail server, spoken to over SMTP: where it is, one reused session, and what its replies mean.

Everything that depends on the protocol lives here: the `smtp://`,
`smtp+starttls://` and `smtps://` addresses, connecting and logging in,
reconnecting once when the server dropped an idle session, and sorting each
reply into sent, temporary (4xx, a lost connection: retry later) or permanent
(5xx: retrying will not help). The delivery service decides what to do with
that verdict; this module never touches the database.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal
from urllib.parse import unquote, urlsplit

from portal.services.errors import N_, DomainError
from portal.values.email_headers import header_text

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
#: A refused sender with this code means this one message is too large.
MESSAGE_TOO_LARGE = 552
#: The server is closing the session: the next message needs a new one.
CLOSING = 421


class MailConfigError(DomainError):
    """PORTAL_SMTP_URL or PORTAL_MAIL_FROM cannot be used as they are."""


@dataclass(frozen=True)
class SmtpUrl:
    """Where and how to reach the mail server, from PORTAL_SMTP_URL."""

    security: Literal["none", "starttls", "tls"]
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)


def parse_smtp_url(url: str) -> SmtpUrl:
    """`smtp://host:port`, `smtp+starttls://user:pass@host:587`, `smtps://user:pass@host:465`.

    Credentials are URL-decoded (a password may hold `@` or `/` written `%40`, `%2F`);
    they are refused over plain `smtp://`, which would send them in clear.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise MailConfigError(
            N_("PORTAL_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://.")
        )
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise MailConfigError(N_("The port in PORTAL_SMTP_URL is not a number.")) from exc
    if not parts.hostname:
        raise MailConfigError(N_("PORTAL_SMTP_URL has no host name."))
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if scheme == "smtp" and (username or password):
        raise MailConfigError(
            N_("Credentials in PORTAL_SMTP_URL need smtp+starttls:// or smtps://.")
        )
    security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}[scheme]
    return SmtpUrl(security, parts.hostname, port, username, password)


@dataclass
class SendOutcome:
    """What became of one message: sent, or failed for now or for good, and why."""

    kind: Literal["sent", "temporary", "permanent"]
    error: str = ""
    refused: dict[str, str] = field(default_factory=dict)
    """Recipients refused for good (5xx), with the server's reply: marked undeliverable."""
    stop: bool = False
    """The server cannot be used right now: leave the rest of the batch for later."""


class _Unreachable(Exception):
    """Connecting, STARTTLS or logging in failed: no message can go out in this run."""


class SmtpConnection:
    """One SMTP session reused for a batch, opened on first use.

    When a reused session turns out to have been dropped by the server (idle
    timeout, a limit on messages per connection), it reconnects once and sends
    the message again on the new session.
    """

    def __init__(self, url: SmtpUrl, timeout: float) -> None:
        self._url = url
        self._timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> SendOutcome:
        """One SMTP transaction, its result sorted into sent, temporary or permanent."""
        try:
            refused = self._transmit(message, sender, recipients)
        except _Unreachable as exc:
            return SendOutcome("temporary", f"mail server unreachable: {exc}", stop=True)
        except smtplib.SMTPRecipientsRefused as exc:
            permanent, temporary = _split_refusals(exc.recipients)
            if temporary:
                return SendOutcome("temporary", _describe(temporary), refused=permanent)
            return SendOutcome("permanent", _describe(permanent), refused=permanent)
        except smtplib.SMTPSenderRefused as exc:
            reply = _reply(exc.smtp_code, exc.smtp_error)
            if exc.smtp_code == MESSAGE_TOO_LARGE:  # no retry will change that
                return SendOutcome("permanent", f"message refused: {reply}")
            # A refused sender is a configuration problem shared by every message: wait for a
            # fix rather than failing the whole outbox.
            return SendOutcome("temporary", f"sender {sender} refused: {reply}", stop=True)
        except smtplib.SMTPNotSupportedError as exc:
            return SendOutcome("permanent", f"the mail server cannot send this message: {exc}")
        except smtplib.SMTPResponseException as exc:
            reply = _reply(exc.smtp_code, exc.smtp_error)
            kind = "permanent" if 500 <= exc.smtp_code < 600 else "temporary"
            return SendOutcome(kind, f"message refused: {reply}")
        except OSError as exc:  # includes SMTPServerDisconnected, timeouts and refused connections
            return SendOutcome("temporary", f"connection lost: {exc or type(exc).__name__}")
        permanent, temporary = _split_refusals(refused)
        note = _describe(temporary) if temporary else ""
        error = f"not delivered to some: {note}" if note else ""
        return SendOutcome("sent", error, refused=permanent)

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()
        self._smtp = None

    def _transmit(self, message: EmailMessage, sender: str, recipients: list[str]) -> dict:
        reused = self._smtp is not None
        try:
            return self._send_once(message, sender, recipients)
        except smtplib.SMTPServerDisconnected:
            if not reused:
                raise
        return self._send_once(message, sender, recipients)

    def _send_once(self, message: EmailMessage, sender: str, recipients: list[str]) -> dict:
        if self._smtp is None:
            self._smtp = self._open()
        try:
            return self._smtp.send_message(message, sender, recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            if any(code == CLOSING for code, _ in exc.recipients.values()):
                self._drop()
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == CLOSING:
                self._drop()
            raise
        except OSError:
            self._drop()
            raise

    def _open(self) -> smtplib.SMTP:
        url = self._url
        context = ssl.create_default_context()
        try:
            if url.security == "tls":
                smtp = smtplib.SMTP_SSL(url.host, url.port, timeout=self._timeout, context=context)
            else:
                smtp = smtplib.SMTP(url.host, url.port, timeout=self._timeout)
        except OSError as exc:
            raise _Unreachable(str(exc) or type(exc).__name__) from exc
        try:
            if url.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=context)
                smtp.ehlo()
            if url.username:
                smtp.login(url.username, url.password)
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise _Unreachable(str(exc) or type(exc).__name__) from exc
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _split_refusals(refused: dict) -> tuple[dict[str, str], dict[str, str]]:
    permanent, temporary = {}, {}
    for address, (code, text) in refused.items():
        target = permanent if 500 <= int(code) < 600 else temporary
        target[address] = _reply(code, text)
    return permanent, temporary


def _describe(refusals: dict[str, str]) -> str:
    return "; ".join(f"{address}: {reply}" for address, reply in refusals.items())


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {header_text(str(text))}".strip()
