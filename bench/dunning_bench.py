"""Time one dunning pass on a big portfolio: 100 000 open invoices of 20 000 customers.

    python bench/dunning_bench.py [--customers 20000] [--invoices 100000] [--db /tmp/dunning.db]

Prints the dry-run pass time and peak memory (what deciding costs), then a real
pass (deciding, writing actions and queueing messages).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bulk_seed import make_app, seed  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.services import dunning, scenarios, schema  # noqa: E402
from portal.services.audit import Actor  # noqa: E402


def next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/portal-dunning-bench.db"))
    args = parser.parse_args()
    args.db.unlink(missing_ok=True)
    today = next_weekday(date(2026, 11, 23))
    app = make_app(f"sqlite:///{args.db}", args.db.parent)
    paris = ZoneInfo("Europe/Paris")
    now = datetime(today.year, today.month, today.day, 10, tzinfo=paris).astimezone(UTC)
    with app.app_context():
        schema.upgrade()
        started = time.perf_counter()
        seed(args.customers, args.invoices, today, paid_share=0.0)
        scenarios.install_defaults(now=now, actor=Actor.system())
        open_count = db.session.execute(db.text("SELECT COUNT(*) FROM invoices WHERE status='open'")).scalar()
        print(f"seeded {open_count:,} open invoices of {args.customers:,} customers in {time.perf_counter() - started:.1f} s")
        settings = dunning.DunningSettings.from_config(app.config)

        tracemalloc.start()
        started = time.perf_counter()
        result = dunning.run_pass(now, settings, dry_run=True)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"dry run: {elapsed:.2f} s, {result.emails:,} emails and {result.tasks:,} tasks decided, "
              f"{result.skipped:,} steps skipped; Python peak {peak / 1e6:.0f} MB, process max RSS {rss:.0f} MB")

        started = time.perf_counter()
        result = dunning.run_pass(now, settings)
        elapsed = time.perf_counter() - started
        print(f"real pass: {elapsed:.2f} s, {result.emails:,} emails queued, {result.tasks:,} tasks")
        started = time.perf_counter()
        again = dunning.run_pass(now + timedelta(minutes=15), settings)
        print(f"second pass 15 min later: {time.perf_counter() - started:.2f} s, {again.emails} emails (one per customer per day)")


if __name__ == "__main__":
    main()
