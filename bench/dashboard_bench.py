"""Time the creditor's home page and the first page of overdue invoices on a big database.

    python bench/dashboard_bench.py [--customers 100000] [--invoices 1000000] [--db /tmp/dash.db]
    python bench/dashboard_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/portal_dashboard_bench

Seeds the database once (reused when the SQLite file exists, or when the
PostgreSQL database already has the schema: drop it to seed again), logs in
through the real form, then renders each page several times through the WSGI
app and prints the median and worst time of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bulk_seed import make_app, seed  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.services import accounts, schema  # noqa: E402
from portal.services.audit import Actor  # noqa: E402

PAGES = {
    "home": "/",
    "invoices, overdue, first page": "/invoices?status=overdue",
    "customers, overdue, by amount": "/customers?status=overdue&sort=-overdue",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/portal-dashboard-bench.db"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", help="a PostgreSQL database (seeded when empty)")
    args = parser.parse_args()
    today = date.today()
    url = args.database_url or f"sqlite:///{args.db}"
    fresh = not args.db.exists()
    app = make_app(url, args.db.parent)
    app.config.update(PASSWORD_HASH_TIME_COST=1, PASSWORD_HASH_MEMORY_COST=256)
    with app.app_context():
        if args.database_url:
            fresh = schema.current_revision() is None
        if fresh:
            schema.upgrade()
            started = time.perf_counter()
            seed(args.customers, args.invoices, today)
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
            if args.database_url:
                # Index-only scans need the visibility map that VACUUM sets after a bulk load
                # (autovacuum would do it in time); without it the covering indexes read the heap.
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(db.text("VACUUM ANALYZE"))
            accounts.create_user(
                "bench@example.com",
                "bench-password",
                role="owner",
                actor=Actor.system(),
                now=datetime.now(UTC),
            )
            db.session.commit()
            print(f"seeded in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "bench@example.com", "password": "bench-password"}
    )
    assert response.status_code == 303, response.status_code
    print(
        f"{args.invoices:,} invoices, {args.customers:,} customers, "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}, {args.runs} runs each"
    )
    for label, url in PAGES.items():
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"  {label:34s} median {statistics.median(timings) * 1000:7.1f} ms   worst {max(timings) * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    main()
