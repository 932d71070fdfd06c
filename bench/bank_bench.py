"""Importing a large camt.053 statement against a million invoices.

Seeds a database with `bulk_seed` (once; reused while the file exists for
SQLite), writes a camt.053.001.08 statement of ENTRIES credits to the
organisation's account, and imports it through the same service as the
dashboard and `portal bank import`. The statement mixes what banks really
bring: transfers quoting an RF reference the portal issued, transfers naming
invoice numbers (some paying part of the invoice), transfers from unknown
payers, and card settlements and fees that are ignored. Goal: at least 5 000
entries/s matched, memory flat in the file size.

    python bench/bank_bench.py --entries 50000 --customers 100000 --invoices 1000000
    python bench/bank_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench ...
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bulk_seed import make_app, seed  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.models import Invoice, InvoiceStatus, TransferReference  # noqa: E402
from portal.services import schema  # noqa: E402
from portal.services.audit import Actor  # noqa: E402
from portal.services.bank.camt_writer import CamtLine, write_camt  # noqa: E402
from portal.services.reconciliation import statement_import  # noqa: E402
from portal.values.creditor_references import make_rf  # noqa: E402

TODAY = date(2026, 11, 23)
ACCOUNT = "FR7630006000011234567890189"


def write_statement(path: Path, entries: int, rng: random.Random) -> dict[str, int]:
    """Pick open invoices, issue RF references for some, and write the statement."""
    open_invoices = db.session.execute(
        select(Invoice.id, Invoice.number, Invoice.customer_id, Invoice.outstanding_cents)
        .where(Invoice.status == InvoiceStatus.OPEN, Invoice.outstanding_cents > 0)
        .limit(entries)
    ).all()
    rng.shuffle(open_invoices)
    mix = {"rf": 0, "number": 0, "partial": 0, "unknown": 0, "ignored": 0}
    references = []
    now = datetime.now(UTC)
    lines = []
    for n in range(entries):
        roll = rng.random()
        invoice = open_invoices[n % len(open_invoices)]
        ref = f"BENCH{n:09d}"
        if roll < 0.25:
            rf = make_rf(f"B{n:09d}")
            references.append(
                {
                    "reference": rf,
                    "customer_id": invoice.customer_id,
                    "amount_cents": invoice.outstanding_cents,
                    "currency": "EUR",
                    "allocations": {str(invoice.id): invoice.outstanding_cents},
                    "created_at": now,
                }
            )
            line = CamtLine(invoice.outstanding_cents, ref, ustrd=[rf], name="PAYEUR")
            mix["rf"] += 1
        elif roll < 0.6:
            line = CamtLine(
                invoice.outstanding_cents, ref, ustrd=[f"FACTURE {invoice.number}"], name="CLIENT"
            )
            mix["number"] += 1
        elif roll < 0.75:
            part = max(1, invoice.outstanding_cents // 3)
            line = CamtLine(part, ref, ustrd=[f"acompte {invoice.number}"], name="CLIENT")
            mix["partial"] += 1
        elif roll < 0.9:
            cents = rng.randrange(1_000, 900_000)
            line = CamtLine(cents, ref, ustrd=["VIREMENT DIVERS"], name="INCONNU SARL")
            mix["unknown"] += 1
        else:
            cents = rng.randrange(1_000, 90_000)
            line = CamtLine(cents, ref, ustrd=["REMISE CB"], kind="card")
            mix["ignored"] += 1
        lines.append(line)
        line.end_to_end = f"E2E{n:09d}"
    path.write_text(
        write_camt(ACCOUNT, lines, statement_id="BENCH-1", day=TODAY, created_at=now),
        encoding="utf-8",
    )
    if references:
        db.session.execute(insert(TransferReference), references)
        db.session.commit()
    return mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--work", type=Path, default=Path("/tmp/portal-bank-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.database_url:
        url = args.database_url  # seeded afresh on every run: drop its tables first
        app = make_app(url, args.work)
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
    else:
        seeded = args.work / f"seed-{args.customers}-{args.invoices}.db"
        if not seeded.exists():
            app = make_app(f"sqlite:///{seeded}", args.work)
            with app.app_context():
                schema.upgrade()
                started = time.perf_counter()
                seed(args.customers, args.invoices, TODAY)
                print(f"seeded {args.invoices:,} invoices in {time.perf_counter() - started:.0f} s")
                db.engine.dispose()
        target = args.work / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(seeded, target)
        url = f"sqlite:///{target}"
    app = make_app(url, args.work)
    with app.app_context():
        schema.upgrade()
        if not db.session.execute(text("SELECT COUNT(*) FROM invoices")).scalar():
            started = time.perf_counter()
            seed(args.customers, args.invoices, TODAY)
            print(f"seeded {args.invoices:,} invoices in {time.perf_counter() - started:.0f} s")
            if url.startswith("postgres"):  # the seed wrote ids itself: move the sequences on
                for table in ("customers", "invoices", "payments"):
                    db.session.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT MAX(id) FROM {table}))"
                        )
                    )
                db.session.commit()
        statement = args.work / f"statement-{args.entries}.xml"
        mix = write_statement(statement, args.entries, random.Random(7))
        size = statement.stat().st_size / 2**20
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started, cpu = time.perf_counter(), time.process_time()
        summary = statement_import.import_statement(
            statement.read_bytes(),
            filename=statement.name,
            actor=Actor.cli(),
            now=datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=9),
            add_accounts=True,
        )
        db.session.commit()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dialect = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(
        f"{dialect}: {args.entries:,} entries ({size:.1f} MiB) against {args.invoices:,} invoices"
    )
    print(f"  mix: {mix}")
    print(f"  {summary.line()}")
    print(
        f"  {wall:.1f} s wall, {cpu:.1f} s CPU: {args.entries / wall:,.0f} entries/s "
        f"(goal 5 000); max RSS {before:.0f} MB before, {after:.0f} MB after"
    )


if __name__ == "__main__":
    main()
