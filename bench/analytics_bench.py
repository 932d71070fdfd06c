"""Collection analytics on a million invoices: the daily snapshot and the pages that read it.

    .venv/bin/python bench/analytics_bench.py                       # SQLite, seeds once
    .venv/bin/python bench/analytics_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench

Seeds customers and invoices with `bulk_seed` when the database is empty, then
times `portal kpis` (the ledger read for one date), the daily refresh (KPI
snapshots for the rolling periods and twelve months, the cash forecast, the
payer-risk scores), and the home, trends, forecast and risk pages rendered
through the WSGI app after a real login, `--runs` times each.
Goals: the daily refresh under 60 s, home and trends under 0.5 s.
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
from sqlalchemy import func, inspect, select  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.models import CustomerRisk, ForecastSnapshot, Invoice, KpiSnapshot  # noqa: E402
from portal.services import accounts, schema  # noqa: E402
from portal.services.analytics import kpis, ledger, snapshots  # noqa: E402
from portal.services.audit import Actor  # noqa: E402

PAGES = {"home": "/", "trends": "/trends", "forecast": "/forecast", "payer risk": "/risk"}
EMAIL, PASSWORD = "bench@example.com", "bench-password"


def timed(action):
    """(wall seconds, result); the CPU seconds of this process are printed beside."""
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    timed.cpu = time.process_time() - cpu
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="sqlite:////tmp/portal-analytics-bench.db")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = make_app(args.database_url, Path("/tmp"))
    app.config.update(PASSWORD_HASH_TIME_COST=1, PASSWORD_HASH_MEMORY_COST=256, TODAY=args.today)
    with app.app_context():
        schema.upgrade()
        # A database seeded before the analytics tables and indexes existed gets them here.
        tables = [KpiSnapshot.__table__, ForecastSnapshot.__table__, CustomerRisk.__table__]
        missing = [t for t in tables if not inspect(db.engine).has_table(t.name)]
        db.metadata.create_all(db.engine, tables=missing)
        for index in Invoice.__table__.indexes:
            index.create(db.engine, checkfirst=True)
        if not db.session.scalar(select(func.count()).select_from(Invoice)):
            seconds, _ = timed(lambda: seed(args.customers, args.invoices, args.today))
            print(f"seeded in {seconds:.1f} s")
        if accounts.authenticate(EMAIL, PASSWORD, now=datetime.now(UTC)) is None:
            accounts.create_user(
                EMAIL, PASSWORD, role="owner", actor=Actor.system(), now=datetime.now(UTC)
            )
        db.session.commit()
        invoices = db.session.scalar(select(func.count()).select_from(Invoice))
        book = ledger.load("EUR")
        print(
            f"{invoices:,} invoices, {db.engine.dialect.name}; ledger groups: "
            f"{len(book.issued):,} issued, {len(book.reductions):,} reductions"
        )
        seconds, _ = timed(lambda: kpis.compute(args.today, 90))
        print(f"  portal kpis (ledger read, one date)   {seconds:7.2f} s  (CPU {timed.cpu:.2f} s)")
        seconds, _ = timed(lambda: (snapshots.refresh(args.today), db.session.commit()))
        print(f"  daily refresh (KPIs, forecast, risk)  {seconds:7.2f} s  (CPU {timed.cpu:.2f} s)")
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would have done by the first visit: a freshly bulk-loaded
            # table has no statistics, and PostgreSQL's plans are then guesses.
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE"
                )
    client = app.test_client()
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 303, response.status_code
    for label, url in PAGES.items():
        timings, cpu = [], []
        for _ in range(args.runs):
            seconds, response = timed(lambda: client.get(url))  # noqa: B023
            timings.append(seconds)
            cpu.append(timed.cpu)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"  {label:12s} median {statistics.median(timings) * 1000:7.1f} ms"
            f"   worst {max(timings) * 1000:7.1f} ms   CPU median {statistics.median(cpu) * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
