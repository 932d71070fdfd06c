"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it receives.

The portal's delivery code talks to it through smtplib like to any mail server,
so the tests exercise the real protocol: envelopes, replies, dropped sessions.
It can be told to refuse given recipients (RCPT), to refuse the next messages
(DATA), or to close the connection after a message, as real servers do.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One accepted message: its envelope and its raw bytes."""

    mail_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


class RecordingHandler:
    """aiosmtpd hooks; every setting may change while the server runs."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refusals: dict[str, str] = {}
        self.failures: list[str] = []
        self.drops = 0
        self.connections = 0
        self.on_data: Callable[[Envelope], None] | None = None
        """Called (in the server's thread) for each message before it is accepted."""
        self._lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refusals.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_data is not None:
            self.on_data(envelope)
        with self._lock:
            if self.failures:
                return self.failures.pop(0)
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content or envelope.content,
                )
            )
            drop = self.drops > 0
            self.drops -= 1 if drop else 0
        if drop:  # answer 250, then hang up, like a server with a per-session limit
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 2.0.0 Message accepted"


class SmtpSink:
    """Start with `with SmtpSink() as sink:`; point the portal at `sink.url`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = RecordingHandler()
        self._controller = Controller(self.handler, hostname=HOST, port=self.port)
        self.running = False

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    @property
    def connections(self) -> int:
        return self.handler.connections

    def configure(self, app, mail_from: str = "Relances <relances@atelier-dupont.fr>") -> None:
        """Make `app` deliver here."""
        app.config.update(SMTP_URL=self.url, MAIL_FROM=mail_from)

    def refuse(self, address: str, code: int = 550, text: str = "5.1.1 No such user") -> None:
        """Answer RCPT TO for this address with `code` (451: try later, 550: never)."""
        self.handler.refusals[address.lower()] = f"{code} {text}"

    def accept(self, address: str) -> None:
        self.handler.refusals.pop(address.lower(), None)

    def fail_next(
        self, count: int = 1, code: int = 451, text: str = "4.3.0 Try again later"
    ) -> None:
        """Answer DATA for the next `count` messages with `code`."""
        self.handler.failures.extend([f"{code} {text}"] * count)

    def drop_after_next(self, count: int = 1) -> None:
        """Close the connection after accepting each of the next `count` messages."""
        self.handler.drops += count

    def start(self) -> None:
        self._controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self._controller.stop()
            self.running = False

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]
