"""How fast the outbox is delivered over one SMTP connection to a local sink.

    python bench/delivery_bench.py                 # 2 000 messages
    python bench/delivery_bench.py --count 5000 --workers 3
    python bench/delivery_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/portal_bench

Queues N reminder-sized messages (text and HTML parts) into a fresh SQLite
database (or the PostgreSQL database named, its schema dropped first), starts
an aiosmtpd sink on 127.0.0.1 (in its own process, like a real server) that
only counts what it accepts, then times `--workers` `deliver_due` runs started
at once, each in its own process: claim, build, send and commit per message,
as in production. The goal is 50 messages per second; the sink is
local, so the figure measures the portal's own cost, not a real server's.
"""

from __future__ import annotations

import argparse
import json
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


def make_app(url: str, port: int):
    from portal import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "ENV": "test",
            "SECRET_KEY": "x",
            "SMTP_URL": f"smtp://127.0.0.1:{port}",
            "MAIL_FROM": "Relances <relances@atelier-dupont.fr>",
        }
    )


def work(url: str, port: int, now: datetime) -> None:
    """One delivery worker in its own process: waits for "go" on stdin, runs, prints JSON."""
    from portal.extensions import db
    from portal.services.mail import delivery
    from portal.services.mail.delivery_settings import DeliverySettings

    app = make_app(url, port)
    with app.app_context():
        settings = DeliverySettings.from_config(app.config)
        db.session.execute(db.text("SELECT 1"))  # connected before the start
        db.session.commit()
        print("ready", flush=True)
        sys.stdin.readline()
        started, cpu = time.perf_counter(), time.process_time()
        report = delivery.deliver_due(now, settings=settings)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"sent": report.sent, "seconds": seconds, "cpu": cpu}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1, help="delivery runs at once")
    parser.add_argument("--database-url", default="", help="PostgreSQL (its schema is dropped)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    if args.work:
        url, port, now = args.work
        return work(url, int(port), datetime.fromisoformat(now))

    workdir = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    os.environ["PORTAL_INSTANCE_PATH"] = str(workdir)
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if sink.stdout.readline().strip() != "ready":
        raise SystemExit("the SMTP sink did not start")

    from portal.extensions import db
    from portal.services import schema
    from portal.services.mail import outbox

    app = make_app(url, port)
    now = datetime.now(UTC)
    workers = []
    try:
        with app.app_context():
            if url.startswith("postgres"):
                db.session.execute(db.text("DROP SCHEMA public CASCADE"))
                db.session.execute(db.text("CREATE SCHEMA public"))
                db.session.commit()
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
            db.engine.dispose()
        for _ in range(args.workers):
            command = [sys.executable, __file__, "--work", url, str(port), now.isoformat()]
            worker = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            workers.append(worker)
        for worker in workers:
            if worker.stdout.readline().strip() != "ready":
                raise SystemExit("a delivery worker did not start")
        started = time.perf_counter()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = [
            json.loads(worker.communicate(timeout=3600)[0].splitlines()[-1]) for worker in workers
        ]
        seconds = time.perf_counter() - started
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        accepted, _ = sink.communicate(timeout=30)

    sent = sum(r["sent"] for r in results)
    cpu_seconds = sum(r["cpu"] for r in results)
    rate = sent / seconds if seconds else 0.0
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"{database}: queued {args.count} messages in {queued_in:.2f} s; load {_load()}")
    print(
        f"{args.workers} worker(s) sent {[r['sent'] for r in results]}; sink accepted {accepted.strip()}"
    )
    print(
        f"{rate:.0f} messages/s ({seconds:.2f} s wall; {cpu_seconds:.2f} s CPU in the portal,"
        f" {sent / cpu_seconds:.0f} messages per CPU-second); goal {GOAL_MESSAGES_PER_SECOND}/s: "
        f"{'met' if rate >= GOAL_MESSAGES_PER_SECOND else 'NOT met'}"
    )


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
