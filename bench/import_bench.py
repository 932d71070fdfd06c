"""How fast invoice lines and payments import on SQLite or PostgreSQL, and how much memory it takes.

    python bench/import_bench.py                      # 25 000 and 100 000 lines
    python bench/import_bench.py --sizes 100000 --french
    python bench/import_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/portal_imports_bench

For each size, files are generated once (bench/generate.py), then fresh
processes each import customers, invoices then payments into a fresh SQLite
database (or the PostgreSQL database of --database-url, its schema dropped and
created again) (payments go through the ledger's bulk path, so they are timed too):
timed ones (best of --repeat, as timeit does; lines per second of wall-clock
and of CPU time, the CPU figure being steadier on a shared machine; peak RSS
from getrusage), and one under tracemalloc (peak Python allocations; tracing
slows Python down, so that run is not timed).
Separate processes keep one run's peak RSS out of the next one's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
GOAL_LINES_PER_SECOND = 20_000


def rss_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(data: Path, mode: str, database_url: str | None) -> dict:
    """Import customers.csv, invoices.csv then payments.csv into a new database (child process)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{mode}-", dir=data))
    os.environ["PORTAL_INSTANCE_PATH"] = str(workdir)
    from portal import create_app
    from portal.extensions import db
    from portal.services import schema
    from portal.services.audit import Actor
    from portal.services.imports.importer import import_csv

    url = database_url or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app({"DATABASE_URL": url, "ENV": "test", "SECRET_KEY": "x"})
    figures: dict = {}
    with app.app_context():
        if database_url:
            from sqlalchemy import text

            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        schema.upgrade()
        figures["rss_before_mib"] = rss_mib()
        if mode == "trace":
            tracemalloc.start()
        for kind in ("customers", "invoices", "payments"):
            started, cpu = time.perf_counter(), time.process_time()
            with (data / f"{kind}.csv").open("rb") as stream:
                result = import_csv(
                    kind, stream, actor=Actor.cli(), now=datetime.now(UTC), filename=f"{kind}.csv"
                )
            figures[f"{kind}_seconds"] = time.perf_counter() - started
            figures[f"{kind}_cpu_seconds"] = time.process_time() - cpu
            if not result.ok:
                raise SystemExit(f"{kind}: {result.errors[:5]}")
            figures[f"{kind}_created"] = result.created
        if mode == "trace":
            figures["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        figures["rss_peak_mib"] = rss_mib()
        from sqlalchemy import func, select

        from portal.models import InvoiceLine

        figures["lines"] = db.session.scalar(select(func.count()).select_from(InvoiceLine))
    return figures


def child(data: Path, mode: str, database_url: str | None) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--data", str(data)]
    if database_url:
        command += ["--database-url", database_url]
    output = subprocess.run(
        command,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def bench(lines: int, french: bool, root: Path, repeat: int, database_url: str | None) -> dict:
    data = root / f"lines-{lines}{'-fr' if french else ''}"
    command = [
        sys.executable,
        str(HERE / "generate.py"),
        "--customers",
        str(max(100, lines // 5)),
        "--lines",
        str(lines),
        "--out",
        str(data),
        "--seed",
        "1",
    ]
    if french:
        command += ["--french", "--encoding", "cp1252"]
    subprocess.run(command, check=True, capture_output=True)
    runs = [child(data, "time", database_url) for _ in range(repeat)]
    timed = min(runs, key=lambda r: r["invoices_seconds"])
    paid = min(runs, key=lambda r: r["payments_seconds"])
    traced = child(data, "trace", database_url)
    return {
        "lines": timed["lines"],
        "size_mib": (data / "invoices.csv").stat().st_size / 2**20,
        "customers_s": timed["customers_seconds"],
        "invoices_s": timed["invoices_seconds"],
        "payments": paid["payments_created"],
        "payments_s": paid["payments_seconds"],
        "payments_per_s": paid["payments_created"] / paid["payments_seconds"],
        "cpu_payments_per_s": paid["payments_created"] / paid["payments_cpu_seconds"],
        "lines_per_s": timed["lines"] / timed["invoices_seconds"],
        "cpu_lines_per_s": timed["lines"] / timed["invoices_cpu_seconds"],
        "rss_before": timed["rss_before_mib"],
        "rss_peak": timed["rss_peak_mib"],
        "tracemalloc_peak": traced["tracemalloc_peak_mib"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--french", action="store_true", help="semicolons, decimal commas, cp1252")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per size; the best counts"
    )
    parser.add_argument("--database-url", help="a PostgreSQL database whose schema is replaced")
    parser.add_argument("--child", choices=("time", "trace"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.data, args.child, args.database_url)))
        return
    print(
        f"{'lines':>8} {'file MiB':>8} {'customers s':>11} {'invoices s':>10} {'lines/s':>8} "
        f"{'lines/CPU s':>11} {'payments':>8} {'payments s':>10} {'payments/s':>10} "
        f"{'payments/CPU s':>14} {'RSS before':>10} {'RSS peak':>8} {'tracemalloc peak':>16}"
    )
    with tempfile.TemporaryDirectory(prefix="import-bench-") as root:
        for lines in args.sizes:
            r = bench(lines, args.french, Path(root), args.repeat, args.database_url)
            print(
                f"{r['lines']:>8} {r['size_mib']:>8.1f} {r['customers_s']:>11.2f} "
                f"{r['invoices_s']:>10.2f} {r['lines_per_s']:>8.0f} {r['cpu_lines_per_s']:>11.0f} "
                f"{r['payments']:>8} {r['payments_s']:>10.2f} {r['payments_per_s']:>10.0f} "
                f"{r['cpu_payments_per_s']:>14.0f} "
                f"{r['rss_before']:>9.0f}M "
                f"{r['rss_peak']:>7.0f}M {r['tracemalloc_peak']:>15.1f}M",
                flush=True,
            )
            if r["lines_per_s"] < GOAL_LINES_PER_SECOND:
                print(f"  below the goal of {GOAL_LINES_PER_SECOND} lines/s")


if __name__ == "__main__":
    main()
