"""How fast the outbox is delivered over one SMTP connection to a local sink.

    python bench/delivery_bench.py                 # 2 000 messages
    python bench/delivery_bench.py --count 5000

Queues N reminder-sized messages (text and HTML parts) into a fresh SQLite
database, starts an aiosmtpd sink on 127.0.0.1 (in its own process, like a real
server) that only counts what it accepts, then times one `deliver_due` run: claim, build, send and commit per
message, as in production. The goal is 50 messages per second; the sink is
local, so the figure measures the portal's own cost, not a real server's.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
GOAL_MESSAGES_PER_SECOND = 50

TEXT = (
    "Bonjour,\n\nSauf erreur de notre part, la facture F-{n:05d} de 1 234,56 € est échue "
    "depuis le 1er novembre.\nVous pouvez la régler en ligne : https://portal.example.test/a/x\n\n"
    "Cordialement,\nAtelier Dupont\n"
) * 3
HTML = "<!doctype html><html><body><table><tr><td>{}</td></tr></table></body></html>"


class CountingHandler:
    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port: int) -> None:
    """The sink, in a process of its own like a real mail server: runs until stdin closes."""
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
    print(handler.accepted, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)

    workdir = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    os.environ["PORTAL_INSTANCE_PATH"] = str(workdir)
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if sink.stdout.readline().strip() != "ready":
        raise SystemExit("the SMTP sink did not start")

    from portal import create_app
    from portal.extensions import db
    from portal.services import schema
    from portal.services.mail import delivery, outbox
    from portal.services.mail.delivery_settings import DeliverySettings

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "ENV": "test",
            "SECRET_KEY": "x",
            "SMTP_URL": f"smtp://127.0.0.1:{port}",
            "MAIL_FROM": "Relances <relances@atelier-dupont.fr>",
        }
    )
    now = datetime.now(UTC)
    try:
        with app.app_context():
            schema.upgrade()
            started = time.perf_counter()
            for n in range(args.count):
                text = TEXT.format(n=n)
                outbox.queue(
                    kind="reminder",
                    to=[f"client{n}@example.com"],
                    subject=f"Facture F-{n:05d}",
                    text_body=text,
                    html_body=HTML.format(text.replace("\n", "<br>")),
                    now=now,
                    reply_to="compta@atelier-dupont.fr",
                )
            db.session.commit()
            queued_in = time.perf_counter() - started

            settings = DeliverySettings.from_config(app.config)
            started, cpu = time.perf_counter(), time.process_time()
            report = delivery.deliver_due(now, settings=settings)
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu
    finally:
        accepted, _ = sink.communicate(timeout=30)

    rate = report.sent / seconds if seconds else 0.0
    print(f"queued {args.count} messages in {queued_in:.2f} s")
    print(f"delivery: {report}; sink accepted {accepted.strip()}")
    print(
        f"{rate:.0f} messages/s over one connection ({seconds:.2f} s wall; {cpu_seconds:.2f} s CPU"
        f" in the portal, {report.sent / cpu_seconds:.0f} messages per CPU-second); goal {GOAL_MESSAGES_PER_SECOND}/s: "
        f"{'met' if rate >= GOAL_MESSAGES_PER_SECOND else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
