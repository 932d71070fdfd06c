"""Time one dunning pass on a big portfolio: 100 000 open invoices of 20 000 customers.

    python bench/dunning_bench.py [--customers 20000] [--invoices 100000] [--db /tmp/dunning.db]

Seeds a fresh SQLite database, then runs, each in its own process so that its
peak memory is its own: a dry-run pass (deciding only), a real pass (deciding,
writing actions, queueing one email per customer) and a second real pass
15 minutes later (which must send nothing: one email per customer per day).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bulk_seed import make_app, seed  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.services import schema  # noqa: E402
from portal.services.audit import Actor  # noqa: E402
from portal.services.dunning import dunning_pass, scenarios  # noqa: E402
from portal.services.dunning.dunning_settings import DunningSettings  # noqa: E402

TODAY = date(2026, 11, 23)  # a Monday
PARIS = ZoneInfo("Europe/Paris")


def at(minutes: int) -> datetime:
    return datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=PARIS).astimezone(
        UTC
    ) + timedelta(minutes=minutes)


def run_one(db_path: Path, dry_run: bool, minutes: int) -> None:
    """Child process: one pass, then a JSON line with its figures."""
    app = make_app(f"sqlite:///{db_path}", db_path.parent)
    with app.app_context():
        settings = DunningSettings.from_config(app.config)
        started = time.perf_counter()
        result = dunning_pass.run_pass(at(minutes), settings, dry_run=dry_run)
        elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 2),
                "emails": result.emails,
                "tasks": result.tasks,
                "skipped": result.skipped,
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/portal-dunning-bench.db"))
    parser.add_argument("--child", choices=["dry", "real"], help=argparse.SUPPRESS)
    parser.add_argument("--minutes", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.db, args.child == "dry", args.minutes)
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    app = make_app(f"sqlite:///{args.db}", args.db.parent)
    with app.app_context():
        schema.upgrade()
        started = time.perf_counter()
        seed(args.customers, args.invoices, TODAY, paid_share=0.0)
        scenarios.install_defaults(now=at(0), actor=Actor.system())
        db.session.commit()
        count = db.session.execute(
            db.text("SELECT COUNT(*) FROM invoices WHERE status='open'")
        ).scalar()
        db.engine.dispose()
    print(
        f"seeded {count:,} open invoices of {args.customers:,} customers in {time.perf_counter() - started:.1f} s"
    )
    for label, child, minutes in (
        ("dry run", "dry", 0),
        ("real pass", "real", 0),
        ("second pass, +15 min", "real", 15),
    ):
        out = (
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--db",
                    str(args.db),
                    "--child",
                    child,
                    "--minutes",
                    str(minutes),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        figures = json.loads(out)
        print(
            f"{label:22s} {figures['seconds']:7.2f} s   emails {figures['emails']:6,}   skipped {figures['skipped']:6,}"
            f"   peak memory (max RSS) {figures['max_rss_mb']} MB"
        )


if __name__ == "__main__":
    main()
