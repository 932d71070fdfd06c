"""Fill a database directly with many customers and invoices, for benchmarks.

Much faster than the CSV import (which validates every row): rows go in by
the import's bulk path (executemany on SQLite, COPY on PostgreSQL) in large
batches. Balances are consistent: a paid invoice has an
allocation for its total, a part-paid one for part of it.

    python bench/bulk_seed.py --customers 100000 --invoices 1000000 --db /tmp/big.db
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Customer,
    CustomerEmail,
    Invoice,
    InvoiceLine,
    Organisation,
    Payment,
    PaymentAllocation,
)
from portal.services import schema  # noqa: E402
from portal.services.imports import bulk_sql  # noqa: E402

BATCH = 20_000
SEGMENTS = ["PME", "Grands comptes", "Particuliers", "Collectivités", "Artisans"]


def make_app(database_url: str, instance: Path):
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)
    return create_app(
        {
            "DATABASE_URL": database_url,
            "ENV": "test",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
        }
    )


def seed(
    customers: int, invoices: int, today: date, seed_value: int = 1, paid_share: float = 0.5
) -> None:
    """Insert the rows; call inside an app context on an empty, migrated database."""
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    db.session.add(
        Organisation(legal_name="Bench SARL", iban="FR7630006000011234567890189", bic="AGRIFRPP")
    )
    rows, emails = [], []
    for n in range(1, customers + 1):
        consumer = rng.random() < 0.3
        rows.append(
            {
                "id": n,
                "ref": f"C{n:07d}",
                "name": f"{'M.' if consumer else 'Société'} {n:07d}",
                "kind": "consumer" if consumer else "business",
                "language": "en" if rng.random() < 0.1 else "fr",
                "phone": "",
                "address": f"{n} rue de la Paix",
                "postcode": "75002",
                "city": "Paris",
                "country": "FR",
                "siren": "" if consumer else f"{rng.randrange(10**8, 10**9)}",
                "segment": rng.choice(SEGMENTS),
                "notes": "",
                "created_at": now,
            }
        )
        emails.append(
            {"customer_id": n, "email": f"c{n}@example.com", "position": 0, "undeliverable": False}
        )
        if len(rows) >= BATCH:
            bulk_sql.insert_rows(Customer, rows)
            bulk_sql.insert_rows(CustomerEmail, emails)
            rows, emails = [], []
    if rows:
        bulk_sql.insert_rows(Customer, rows)
        bulk_sql.insert_rows(CustomerEmail, emails)

    invoice_rows, line_rows, payment_rows, allocation_rows = [], [], [], []
    payment_id = 0

    def flush() -> None:
        bulk_sql.insert_rows(Invoice, invoice_rows)
        bulk_sql.insert_rows(InvoiceLine, line_rows)
        if payment_rows:
            bulk_sql.insert_rows(Payment, payment_rows)
            bulk_sql.insert_rows(PaymentAllocation, allocation_rows)
        for batch in (invoice_rows, line_rows, payment_rows, allocation_rows):
            batch.clear()

    for n in range(1, invoices + 1):
        issue = today - timedelta(days=rng.randrange(0, 400))
        due = issue + timedelta(days=rng.choice((30, 30, 45, 60)))
        net = rng.randrange(5_000, 500_000)
        tax = net // 5
        total = net + tax
        roll = rng.random()
        paid = (
            0
            if due >= today or roll >= paid_share
            else (total if roll < paid_share * 0.85 else total // 3)
        )
        status = "paid" if paid == total else "open"
        invoice_rows.append(
            {
                "id": n,
                "number": f"F{n:08d}",
                "customer_id": rng.randrange(1, customers + 1),
                "issue_date": issue,
                "due_date": due,
                "currency": "EUR",
                "net_cents": net,
                "tax_cents": tax,
                "total_cents": total,
                "paid_cents": paid,
                "credited_cents": 0,
                "outstanding_cents": total - paid,
                "status": status,
                "paid_date": due + timedelta(days=rng.randrange(0, 40))
                if status == "paid"
                else None,
                "import_fingerprint": "",
                "created_at": now,
                "updated_at": now,
            }
        )
        line_rows.append(
            {
                "invoice_id": n,
                "position": 0,
                "description": "Prestation",
                "quantity": "1",
                "unit_price": f"{net / 100:.2f}",
                "tax_rate": "20",
                "net_cents": net,
                "tax_cents": tax,
            }
        )
        if paid:
            payment_id += 1
            payment_rows.append(
                {
                    "id": payment_id,
                    "customer_id": invoice_rows[-1]["customer_id"],
                    "date": due,
                    "amount_cents": paid,
                    "currency": "EUR",
                    "method": "transfer",
                    "reference": "",
                    "source": "import",
                    "external_key": None,
                    "created_at": now,
                }
            )
            allocation_rows.append(
                {"payment_id": payment_id, "invoice_id": n, "amount_cents": paid}
            )
        if len(invoice_rows) >= BATCH:
            flush()
    if invoice_rows:
        flush()
    _sequences_past_given_ids()
    db.session.commit()


def _sequences_past_given_ids() -> None:
    """PostgreSQL: rows were given their ids, so move each id sequence past the largest one."""
    if db.session.connection().dialect.name != "postgresql":
        return
    for table in ("customers", "invoices", "payments"):
        db.session.execute(
            db.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, required=True, help="SQLite file to create")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args()
    args.db.unlink(missing_ok=True)
    app = make_app(f"sqlite:///{args.db}", args.db.parent)
    with app.app_context():
        schema.upgrade()
        started = time.perf_counter()
        seed(args.customers, args.invoices, args.today)
        db.session.execute(db.text("ANALYZE"))
        print(
            f"seeded {args.customers} customers, {args.invoices} invoices in {time.perf_counter() - started:.1f} s"
        )


if __name__ == "__main__":
    main()
