"""`portal import invoices` beside the bare loader, whole commands, on SQLite or PostgreSQL.

    python bench/import_floor_bench.py                       # 100 000 lines, SQLite
    python bench/import_floor_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/portal_imports_bench

One invoice-lines file is generated once (bench/generate.py, seed 1). Then,
taking turns --repeat times, two commands each run in their own process:
the anchor (bench/bare_loader.py: csv, Decimal half up, executemany into two
indexed tables, one transaction) and the real `portal import invoices FILE`
into a fresh database that already holds the customers (prepared before, not
timed). For each command: wall clock, CPU seconds of the whole process as
the kernel accounts them when it is reaped (os.wait4, what RUSAGE_CHILDREN
adds up: interpreter start, imports, app creation, the import, user and
system), lines per CPU-second, max RSS, and the portal's throughput as a
fraction of the anchor's. CPU time is the steadier figure on a shared
machine; the best run of each counts, as timeit does.

With --database-url (PostgreSQL), the database named there is dropped and
created again from a template holding the schema and customers before each
portal run; the anchor writes its own two tables in the same database.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PORTAL = Path(sys.executable).parent / "portal"


def run(command: list[str], env: dict[str, str]) -> dict:
    """Run one command to completion; its wall clock and the kernel's account of its resources."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 reaps the child and returns its own rusage (and that of children it waited for):
    # what RUSAGE_CHILDREN would add, but per command, max RSS included.
    out = process.stdout.read()  # type: ignore[union-attr]
    err = process.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{out.decode()}\n{err.decode()[-3000:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,
        "output": out.decode().strip(),
    }


class SqliteTarget:
    """Fresh SQLite files: a template with schema and customers, copied before each run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.db"

    def url(self, name: str) -> str:
        return f"sqlite:///{self.root / name}"

    def prepare(self, env: dict[str, str], customers: Path) -> None:
        env = {**env, "PORTAL_DATABASE_URL": self.url("template.db")}
        subprocess.run([str(PORTAL), "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [str(PORTAL), "import", "customers", str(customers)],
            env=env,
            check=True,
            capture_output=True,
        )

    def fresh(self, name: str) -> str:
        target = self.root / name
        target.unlink(missing_ok=True)
        target.write_bytes(self.template.read_bytes())
        return self.url(name)

    def empty(self, name: str) -> str:
        (self.root / name).unlink(missing_ok=True)
        return self.url(name)


class PostgresTarget:
    """The database of --database-url, recreated from a template database before each run."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.url_ = make_url(url).set(drivername="postgresql+psycopg")
        self.name = self.url_.database
        self.template_name = f"{self.name}_template"

    def _admin(self, *statements: str) -> None:
        import psycopg

        admin = self.url_.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            for statement in statements:
                c.execute(statement)

    def prepare(self, env: dict[str, str], customers: Path) -> None:
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.template_name}"',
            f'CREATE DATABASE "{self.template_name}"',
        )
        template_url = self.url_.set(database=self.template_name)
        env = {**env, "PORTAL_DATABASE_URL": template_url.render_as_string(hide_password=False)}
        subprocess.run([str(PORTAL), "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [str(PORTAL), "import", "customers", str(customers)],
            env=env,
            check=True,
            capture_output=True,
        )

    def fresh(self, name: str) -> str:
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.name}"',
            f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template_name}"',
        )
        return self.url_.render_as_string(hide_password=False)

    def empty(self, name: str) -> str:
        return self.fresh(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command, in turns")
    parser.add_argument("--database-url", help="a PostgreSQL database to drop and recreate")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="import-floor-") as tmp:
        root = Path(tmp)
        data = root / "data"
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "--customers",
                str(max(100, args.lines // 5)),
                "--lines",
                str(args.lines),
                "--out",
                str(data),
                "--seed",
                "1",
            ],
            check=True,
            capture_output=True,
        )
        env = {
            **os.environ,
            "PORTAL_ENV": "test",
            "PORTAL_SECRET_KEY": "bench-" + "x" * 40,
            "PORTAL_INSTANCE_PATH": str(root / "instance"),
        }
        target = PostgresTarget(args.database_url) if args.database_url else SqliteTarget(root)
        target.prepare(env, data / "customers.csv")
        invoices = str(data / "invoices.csv")
        runs: dict[str, list[dict]] = {"anchor": [], "portal": []}
        for _ in range(args.repeat):
            url = target.empty("anchor.db")
            runs["anchor"].append(
                run([sys.executable, str(HERE / "bare_loader.py"), invoices, url], env)
            )
            url = target.fresh("portal.db")
            runs["portal"].append(
                run(
                    [str(PORTAL), "import", "invoices", invoices],
                    {**env, "PORTAL_DATABASE_URL": url},
                )
            )
        database = "PostgreSQL" if args.database_url else "SQLite"
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"{args.lines} invoice lines, {database}, best of {args.repeat}; load {load}")
        print(
            f"{'command':<24} {'wall s':>7} {'CPU s':>7} {'lines/s':>8} {'lines/CPU s':>11} "
            f"{'max RSS':>8}"
        )
        best = {}
        for name, label in (("anchor", "bare loader"), ("portal", "portal import invoices")):
            fastest = min(runs[name], key=lambda r: r["cpu"])
            best[name] = fastest
            print(
                f"{label:<24} {fastest['wall']:>7.2f} {fastest['cpu']:>7.2f} "
                f"{args.lines / min(r['wall'] for r in runs[name]):>8.0f} "
                f"{args.lines / fastest['cpu']:>11.0f} {fastest['rss_mib']:>7.0f}M"
            )
        print(
            f"portal / anchor, lines per CPU-second: {best['anchor']['cpu'] / best['portal']['cpu']:.2f}"
        )
        print(f"portal said: {best['portal']['output']}")


if __name__ == "__main__":
    main()
