"""Time one dunning pass on a big portfolio: 100 000 open invoices of 20 000 customers.

    python bench/dunning_bench.py [--customers 20000] [--invoices 100000]
    python bench/dunning_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/portal_bench
    python bench/dunning_bench.py --only real --profile /tmp/dunning.prof   # cProfile the real pass

Seeds the database (SQLite: once, into a copy kept beside the work file and
copied afresh for every run; PostgreSQL: afresh in the database named, whose
schema is dropped first), then runs, each in its own process so that its peak
memory is its own: a dry-run pass (deciding only), a real pass (deciding,
writing actions, links and messages, one email per customer) and a second real
pass 15 minutes later (which must send nothing: one email per customer per day).
Each line gives the wall clock, the process's CPU time and the emails per
second of both; on PostgreSQL the CPU time of the server process that served
the pass is read from /proc (the server runs on the same machine) and shown
beside it, not in it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bulk_seed import make_app, seed  # noqa: E402
from sqlalchemy import text  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.services import schema  # noqa: E402
from portal.services.audit import Actor  # noqa: E402
from portal.services.dunning import dunning_pass, scenarios  # noqa: E402
from portal.services.dunning.dunning_settings import DunningSettings  # noqa: E402

TODAY = date(2026, 11, 23)  # a Monday
PARIS = ZoneInfo("Europe/Paris")
GOAL_EMAILS_PER_SECOND = 500


def at(minutes: int) -> datetime:
    return datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=PARIS).astimezone(
        UTC
    ) + timedelta(minutes=minutes)


def run_one(url: str, work: Path, dry_run: bool, minutes: int, profile: Path | None) -> None:
    """Child process: one pass, then a JSON line with its figures."""
    app = make_app(url, work)
    with app.app_context():
        settings = DunningSettings.from_config(app.config)
        backend = _backend_pid()
        server_cpu = _server_cpu(backend)
        profiler = cProfile.Profile() if profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = dunning_pass.run_pass(at(minutes), settings, dry_run=dry_run)
        if profiler:
            profiler.disable()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        if backend is not None and _backend_pid() == backend:
            server_cpu = _server_cpu(backend) - server_cpu
        else:
            server_cpu = None
    if profiler:
        profiler.dump_stats(profile)
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 2),
                "cpu": round(cpu, 2),
                "server_cpu": None if server_cpu is None else round(server_cpu, 2),
                "emails": result.emails,
                "tasks": result.tasks,
                "skipped": result.skipped,
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def _backend_pid() -> int | None:
    """The PostgreSQL server process of this connection (the pass uses one), None on SQLite."""
    if db.engine.dialect.name != "postgresql":
        return None
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    db.session.commit()
    return pid


def _server_cpu(pid: int | None) -> float:
    """CPU seconds of that server process so far (the server runs on this machine)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(args: argparse.Namespace) -> str:
    """A freshly seeded database for this run; its URL."""
    if args.database_url:
        url = args.database_url
        app = make_app(url, args.work)
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
            schema.upgrade()
            _seed(args, url)
            db.session.remove()
            db.engine.dispose()
        return url
    seeded = args.work / f"dunning-seed-{args.customers}-{args.invoices}.db"
    if not seeded.exists():
        app = make_app(f"sqlite:///{seeded}", args.work)
        with app.app_context():
            schema.upgrade()
            _seed(args, "sqlite")
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.remove()
            db.engine.dispose()
    target = args.work / "dunning-bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(seeded, target)
    return f"sqlite:///{target}"


def _seed(args: argparse.Namespace, url: str) -> None:
    started = time.perf_counter()
    seed(args.customers, args.invoices, TODAY, paid_share=0.0)
    if url.startswith("postgres"):  # the seed wrote ids itself: move the sequences on
        for table in ("customers", "invoices"):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
            )
    scenarios.install_defaults(now=at(0), actor=Actor.system())
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    count = db.session.execute(text("SELECT COUNT(*) FROM invoices WHERE status='open'")).scalar()
    print(
        f"seeded {count:,} open invoices of {args.customers:,} customers"
        f" in {time.perf_counter() - started:.1f} s"
    )


def print_profile(path: Path, limit: int = 25) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(str(path), stream=out).sort_stats(order).print_stats(limit)
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL (its schema is dropped)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/portal-dunning-bench"))
    parser.add_argument("--only", choices=["dry", "real"], help="run only this pass")
    parser.add_argument("--profile", type=Path, help="cProfile the real pass into this file")
    parser.add_argument("--child", choices=["dry", "real"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--minutes", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.child:
        run_one(args.url, args.work, args.child == "dry", args.minutes, args.profile)
        return
    url = prepare(args)
    runs = [("dry run", "dry", 0), ("real pass", "real", 0), ("second pass, +15 min", "real", 15)]
    if args.only == "real":
        runs = runs[1:2]
    elif args.only == "dry":
        runs = runs[:1]
    print(f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}, load {_load()}")
    for label, child, minutes in runs:
        command = [sys.executable, __file__, "--url", url, "--work", str(args.work)]
        command += ["--child", child, "--minutes", str(minutes)]
        profile = args.profile if args.profile and label == "real pass" else None
        if profile:
            command += ["--profile", str(profile)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        f = json.loads(done.stdout.strip().splitlines()[-1])
        rates = ""
        if f["emails"]:
            rates = (
                f"   {f['emails'] / f['seconds']:6,.0f} emails/s wall"
                f" {f['emails'] / f['cpu']:6,.0f} per CPU-second"
            )
        server = f" + {f['server_cpu']:5.2f} s server" if f["server_cpu"] is not None else ""
        print(
            f"{label:22s} {f['seconds']:7.2f} s ({f['cpu']:6.2f} s CPU{server})"
            f"   emails {f['emails']:6,}   skipped {f['skipped']:6,}"
            f"   max RSS {f['max_rss_mb']} MB{rates}"
        )
        if profile:
            print_profile(profile)
    print(f"load after: {_load()}; goal {GOAL_EMAILS_PER_SECOND} emails/s for the real pass")


def _load() -> str:
    one, five, _ = Path("/proc/loadavg").read_text().split()[:3]
    return f"{one} (5 min {five})"


if __name__ == "__main__":
    main()
