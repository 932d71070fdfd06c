"""Load the debtor's account page under gunicorn, next to a trivial route of the same app.

    python bench/portal_load.py                          # 100 000 customers, 1 000 000 invoices
    python bench/portal_load.py --reuse                  # keep the database of an earlier run
    python bench/portal_load.py --customers 2000 --invoices 20000 --duration 5   # quick check
    python bench/portal_load.py --postgres postgresql+psycopg://postgres@127.0.0.1/portal_bench

Seeds a SQLite database (bench/bulk_seed.py, then the default reminder
scenarios) in a bench folder, or with `--postgres URL` the PostgreSQL database
at URL (its public schema is dropped and created again, unless `--reuse` finds
it already seeded at this size), gives access links to random debtors
(customers with an open invoice), starts `gunicorn -w N -b 127.0.0.1:PORT
wsgi:app` on it (`--workers N`, 2 by default), opens one browser session per
link through `/p/<token>`, then loads `/account` with a random session per
request, and `/healthz` (no database) the same way, with wrk (Debian's `wrk`
package) or, when it is missing, a slower Python generator. Prints requests per
second for both, their ratio and the 99th percentile latencies, against the
goal: the account page at 25 % or more of the trivial route's rate, p99 under
50 ms. Everything stays on 127.0.0.1 and every phase is bounded in time.

Also printed: the gunicorn workers' CPU time per request (steadier than req/s
on a shared machine), on PostgreSQL the CPU time of the server processes
serving this database per request (a local server: its backends are
processes of this machine), how many cores other processes kept busy meanwhile, and
with `--rate R` the latency of the account page at a fixed R requests/s, not
at saturation. `--app module:app` serves a variant of the app to compare.
The SQLite database, cookies.txt and gunicorn.log stay in the --db folder.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bulk_seed import make_app, seed  # noqa: E402
from sqlalchemy import delete, func, insert, inspect, make_url, select, text  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    AccessLink,
    Customer,
    Invoice,
    InvoiceStatus,
    Payment,
    Scenario,
)
from portal.services import schema  # noqa: E402
from portal.services.audit import Actor  # noqa: E402
from portal.services.dunning import scenarios  # noqa: E402
from portal.services.links import hash_token  # noqa: E402

HOST = "127.0.0.1"
ACCOUNT_PATH = "/account"
TRIVIAL_PATH = "/healthz"
LINK_PURPOSE = "bench"
GOAL_RATIO = 0.25
GOAL_P99_MS = 50.0
#: Longest wait for gunicorn to answer its first request, and to stop.
SERVER_START_SECONDS = 60
SERVER_STOP_SECONDS = 15

#: Each wrk thread loads the cookie file, seeds its own random generator, picks a
#: random session per request and counts answers other than 200 (wrk itself
#: counts a 3xx as a success, and an expired session redirects).
WRK_SCRIPT = """
local cookie_file = %(cookie_file)s
local path = %(path)s
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  cookies = {}
  if cookie_file ~= "" then
    for line in io.lines(cookie_file) do cookies[#cookies + 1] = line end
  end
  math.randomseed(os.time() * 1000 + id)
  bad = 0
end

function request()
  if #cookies > 0 then
    return wrk.format("GET", path, {["Cookie"] = cookies[math.random(#cookies)]})
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do not_ok = not_ok + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d, "not_ok": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, not_ok, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Result:
    """What one load run measured."""

    label: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    not_ok: int
    socket_errors: int
    server_cpu_s: float = 0.0
    """CPU time the gunicorn workers spent during the run (user + system)."""
    database_cpu_s: float = 0.0
    """CPU time PostgreSQL's backends for the bench database spent (0 on SQLite)."""
    others_cores: float = 0.0
    """Cores that processes other than gunicorn and the load generator kept busy."""

    @property
    def cpu_ms_per_request(self) -> float:
        """Unlike req/s, barely moved by other processes competing for the cores."""
        return self.server_cpu_s * 1000 / self.requests if self.requests else 0.0

    @property
    def database_ms_per_request(self) -> float:
        return self.database_cpu_s * 1000 / self.requests if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- database ------------------------------------------------------------------------------


def reusable(customers: int, invoices: int) -> str:
    """Why the database in the app context cannot be reused, or "" when it can."""
    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names())
    for table in db.metadata.sorted_tables:
        if table.name not in tables:
            return f"it has no {table.name} table (the schema changed since it was seeded)"
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        if missing := set(table.columns.keys()) - columns:
            return f"{table.name} lacks {', '.join(sorted(missing))} (the schema changed)"
    counts = (
        db.session.scalar(select(func.max(Customer.id))),
        db.session.scalar(select(func.max(Invoice.id))),
    )
    if counts != (customers, invoices):
        return f"it holds {counts[0]} customers and {counts[1]} invoices, not the size asked"
    if db.session.scalar(select(Scenario.id).limit(1)) is None:
        return "it has no reminder scenario (seeded before the bench installed them)"
    return ""


def prepare_database(url: str, folder: Path, customers: int, invoices: int, reuse: bool) -> None:
    """Seed a fresh database, unless --reuse and it already has this size and schema."""
    app = make_app(url, folder)
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
    with app.app_context():
        if reuse and (path is None or path.exists()):
            if not (why := reusable(customers, invoices)):
                print(f"reusing {describe(url)} ({customers:,} customers, {invoices:,} invoices)")
                return
            print(f"not reusing {describe(url)}: {why}; seeding again")
        if path is None:  # PostgreSQL: start from an empty schema
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    if path is not None:
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
    with app.app_context():
        schema.upgrade()
        started = time.perf_counter()
        print(
            f"seeding {customers:,} customers and {invoices:,} invoices into {describe(url)}…",
            flush=True,
        )
        seed(customers, invoices, date.today())
        # as a deployment has them: the page then shows each overdue invoice's next reminder
        scenarios.install_defaults(now=datetime.now(UTC), actor=Actor.system())
        if path is None:  # the seed wrote ids itself: move the sequences on
            for table in ("customers", "invoices", "payments"):
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))  # PostgreSQL's VACUUM ANALYZE needs no transaction
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        db.session.remove()
        db.engine.dispose()


def describe(url: str) -> str:
    """The database named without its password."""
    return make_url(url).render_as_string(hide_password=True)


def make_links(url: str, folder: Path, count: int, rng: random.Random) -> list[str]:
    """Fresh links for `count` random debtors; earlier bench links are deleted first.

    Rows go in with one executemany, as links.create would write them (without
    its audit entry, which the page never reads).
    """
    app = make_app(url, folder)
    now = datetime.now(UTC)
    with app.app_context():
        debtors = list(
            db.session.scalars(
                select(Invoice.customer_id).where(Invoice.status == InvoiceStatus.OPEN).distinct()
            )
        )
        chosen = rng.sample(debtors, min(count, len(debtors)))
        tokens = [secrets.token_urlsafe(32) for _ in chosen]
        db.session.execute(delete(AccessLink).where(AccessLink.purpose == LINK_PURPOSE))
        rows = [
            {
                "customer_id": customer_id,
                "token_hash": hash_token(token),
                "created_at": now,
                "expires_at": now + timedelta(days=1),
                "use_count": 0,
                "purpose": LINK_PURPOSE,
            }
            for customer_id, token in zip(chosen, tokens, strict=True)
        ]
        db.session.execute(insert(AccessLink), rows)
        db.session.commit()
        describe_pages(chosen)
        db.session.remove()
        db.engine.dispose()
    return tokens


def describe_pages(customer_ids: list[int]) -> None:
    """How much an account page of these debtors shows: the figures depend on it."""
    per_status = dict(
        db.session.execute(
            select(Invoice.status, func.count())
            .where(Invoice.customer_id.in_(customer_ids))
            .group_by(Invoice.status)
        ).all()
    )
    payments = db.session.scalar(
        select(func.count()).select_from(Payment).where(Payment.customer_id.in_(customer_ids))
    )
    n = len(customer_ids) or 1
    print(
        f"{len(customer_ids)} debtors with a link; per page on average "
        f"{per_status.get(InvoiceStatus.OPEN, 0) / n:.1f} open invoices, "
        f"{per_status.get(InvoiceStatus.PAID, 0) / n:.1f} paid ones, {payments / n:.1f} payments"
    )


# --- server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(
    url: str, folder: Path, port: int, workers: int, log: Path, app: str
) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        PORTAL_DATABASE_URL=url,
        PORTAL_INSTANCE_PATH=str(folder),
        PORTAL_SECRET_KEY=secrets.token_urlsafe(32),
        PORTAL_ENV="development",  # session cookies without the Secure flag, over http
        PORTAL_BASE_URL=f"http://{HOST}:{port}",
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "-b",
        f"{HOST}:{port}",
        "--error-logfile",
        str(log),
        app,
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-12:])
            raise SystemExit(f"{tail}\ngunicorn exited with {server.returncode}; see {log}")
        try:
            if get(port, TRIVIAL_PATH)[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer within {SERVER_START_SECONDS} s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM lets gunicorn finish its requests and stop its workers; SIGKILL if it hangs."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(SERVER_STOP_SECONDS)


def workers_cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU time of gunicorn's workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.pid:  # fields[1] is the parent's pid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def database_cpu_seconds(database: str) -> float:
    """User + system CPU time of the local PostgreSQL backends connected to `database`.

    A backend's command line reads `postgres: 15/main: USER DATABASE HOST(PORT) STATE`.
    """
    if not database:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().split()
            if words[:1] != ["postgres:"] or database not in words:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, UnicodeDecodeError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def machine_busy_seconds() -> float:
    """CPU time all processes of the machine spent so far (Linux /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This process's and its reaped children's (wrk's) CPU time."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def get(port: int, path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    """One GET on 127.0.0.1, redirects not followed."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def open_session(port: int, token: str) -> str:
    """The session cookie `/p/<token>` sets, as `name=value`."""
    status, headers, _ = get(port, f"/p/{token}")
    if status != 302 or not headers.get("location", "").endswith(ACCOUNT_PATH):
        raise SystemExit(
            f"/p/<token> answered {status} to {headers.get('location')}, not a redirect to the account"
        )
    cookie = SimpleCookie(headers["set-cookie"])
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())


def open_sessions(port: int, tokens: list[str]) -> list[str]:
    with ThreadPoolExecutor(4) as pool:
        cookies = list(pool.map(lambda token: open_session(port, token), tokens))
    status, _, _ = get(port, ACCOUNT_PATH, cookies[0])
    if status != 200:
        raise SystemExit(f"{ACCOUNT_PATH} answered {status} with a fresh session")
    return cookies


# --- load ----------------------------------------------------------------------------------


def run_wrk(port: int, path: str, cookie_file: Path | None, args, label: str) -> Result:
    script = Path(tempfile.mkstemp(prefix="portal-load-", suffix=".lua")[1])
    try:
        script.write_text(
            WRK_SCRIPT
            % {"cookie_file": json.dumps(str(cookie_file or "")), "path": json.dumps(path)}
        )
        command = [
            "wrk",
            "-t",
            str(args.threads),
            "-c",
            str(args.connections),
            "-d",
            f"{args.duration}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            f"http://{HOST}:{port}{path}",
        ]
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=args.duration + 60
        ).stdout
    finally:
        script.unlink(missing_ok=True)
    if args.verbose:
        print(output)
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line.removeprefix("BENCH "))
    return Result(
        label,
        figures["requests"],
        figures["duration_us"] / 1e6,
        figures["p50_us"] / 1000,
        figures["p90_us"] / 1000,
        figures["p99_us"] / 1000,
        figures["max_us"] / 1000,
        figures["not_ok"],
        figures["socket_errors"],
    )


def run_python(
    port: int, path: str, cookies: list[str], args, label: str, rate: float = 0
) -> Result:
    """Without wrk, or at a fixed rate: one thread per connection, same random sessions.

    Closed loop (rate 0): each thread sends its next request when the last one
    is answered, as wrk does. The generator shares the two cores with gunicorn
    and the GIL caps it well below wrk, so its figures understate the server,
    the trivial route most.

    Open loop (rate > 0): request n is due at start + n / rate whatever the
    server does, and its latency counts from then, so a slow answer also
    delays the requests queued behind it (no "coordinated omission").
    """
    started = time.monotonic()
    stop_at = started + args.duration
    due = itertools.count()
    latencies: list[float] = []
    counts = {"not_ok": 0, "socket_errors": 0}
    lock = threading.Lock()

    def worker(n: int) -> None:
        rng = random.Random(n)
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        mine: list[float] = []
        not_ok = errors = 0
        while True:
            if rate:
                start = started + next(due) / rate
                if start >= stop_at:
                    break
                time.sleep(max(0.0, start - time.monotonic()))
            else:
                start = time.monotonic()
                if start >= stop_at:
                    break
            headers = {"Cookie": rng.choice(cookies)} if cookies else {}
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=10)
                continue
            mine.append(time.monotonic() - start)
            not_ok += response.status != 200
        connection.close()
        with lock:
            latencies.extend(mine)
            counts["not_ok"] += not_ok
            counts["socket_errors"] += errors

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.duration + 30)
    seconds = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return Result(
        label,
        len(latencies),
        seconds,
        statistics.median(ordered) * 1000,
        pct(90),
        pct(99),
        ordered[-1] * 1000,
        counts["not_ok"],
        counts["socket_errors"],
    )


def load(
    server,
    port: int,
    path: str,
    cookies: list[str],
    cookie_file: Path | None,
    args,
    label: str,
    rate: float = 0,
) -> Result:
    """Run one route, and account for where the machine's CPU time went meanwhile."""
    database = args.database_name
    before = (
        workers_cpu_seconds(server),
        own_cpu_seconds(),
        machine_busy_seconds(),
        time.monotonic(),
        database_cpu_seconds(database),
    )
    if args.generator == "wrk" and not rate:
        result = run_wrk(port, path, cookie_file, args, label)
    else:
        result = run_python(port, path, cookies, args, label, rate)
    result.server_cpu_s = workers_cpu_seconds(server) - before[0]
    result.database_cpu_s = database_cpu_seconds(database) - before[4]
    others = (
        machine_busy_seconds()
        - before[2]
        - result.server_cpu_s
        - result.database_cpu_s
        - (own_cpu_seconds() - before[1])
    )
    result.others_cores = max(0.0, others) / (time.monotonic() - before[3])
    return result


# --- report --------------------------------------------------------------------------------


def report(account: Result, trivial: Result, paced: Result | None, args) -> bool:
    ratio = account.rps / trivial.rps if trivial.rps else 0.0
    print()
    threads = f", {args.threads} threads" if args.generator == "wrk" else ""
    print(
        f"{args.customers:,} customers, {args.invoices:,} invoices, {args.engine}; "
        f"gunicorn -w {args.workers}; "
        f"{args.generator}: {args.connections} connections{threads}, {args.duration} s each; "
        f"{len(os.sched_getaffinity(0))} cores"
    )
    print(
        f"  {'route':16s} {'requests':>9s} {'req/s':>8s} {'p50 ms':>7s} {'p90 ms':>7s} {'p99 ms':>7s} "
        f"{'max ms':>7s} {'CPU ms/req':>10s} {'DB ms/req':>9s} {'not 200':>7s} {'errors':>6s}"
    )
    runs = [account, trivial] + ([paced] if paced else [])
    for r in runs:
        print(
            f"  {r.label:16s} {r.requests:9d} {r.rps:8.1f} {r.p50_ms:7.1f} {r.p90_ms:7.1f} {r.p99_ms:7.1f} "
            f"{r.max_ms:7.1f} {r.cpu_ms_per_request:10.2f} {r.database_ms_per_request:9.2f} "
            f"{r.not_ok:7d} {r.socket_errors:6d}"
        )
    met_ratio, met_p99 = ratio >= GOAL_RATIO, account.p99_ms < GOAL_P99_MS
    clean = not any(r.not_ok or r.socket_errors for r in runs)
    print(
        f"  ratio {ratio:.1%} (goal ≥ {GOAL_RATIO:.0%}: {'met' if met_ratio else 'MISSED'}); "
        f"account p99 {account.p99_ms:.1f} ms (goal < {GOAL_P99_MS:.0f} ms: {'met' if met_p99 else 'MISSED'})"
    )
    if paced:
        print(
            f"  {paced.label}: open loop from Python, latency counted from when each request was due"
        )
    print("  CPU ms/req: the gunicorn workers' CPU time per answered request")
    if args.database_name:
        print(f"  DB ms/req: CPU time of PostgreSQL's backends for {args.database_name}")
    busy = max(r.others_cores for r in runs)
    others = ", ".join(f"{r.others_cores:.2f}" for r in runs)
    print(f"  other processes kept {others} cores busy during these runs")
    if busy > 0.1:
        print("  the machine was shared: req/s and latencies are understated, CPU ms/req less so")
    if not clean:
        print("  some requests failed or were not answered 200: the figures are not valid")
    return clean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "portal-load-bench" / "portal.db"
    )
    parser.add_argument(
        "--postgres",
        default="",
        metavar="URL",
        help="seed and serve this PostgreSQL database (its public schema is dropped first) "
        "instead of SQLite in the --db folder",
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database if it already has this size"
    )
    parser.add_argument("--links", type=int, default=2000, help="debtors with a session")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per route")
    parser.add_argument(
        "--warmup", type=int, default=3, help="seconds of unmeasured load on the account page"
    )
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="then load the account page at this fixed rate (req/s, open loop) for its latency",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--app",
        default="wsgi:app",
        help="what gunicorn serves (another module to compare a variant)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print wrk's own output")
    args = parser.parse_args()
    if args.generator == "auto":
        args.generator = "wrk" if shutil.which("wrk") else "python"
        if args.generator == "python":
            print("wrk not found (apt-get install -y wrk): using the slower Python load generator")
    elif args.generator == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk, or --generator python")

    args.db = args.db.resolve()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    folder = args.db.parent
    url = args.postgres or f"sqlite:///{args.db}"
    args.engine = "PostgreSQL" if args.postgres else "SQLite"
    args.database_name = make_url(args.postgres).database if args.postgres else ""
    prepare_database(url, folder, args.customers, args.invoices, args.reuse)
    tokens = make_links(url, folder, args.links, random.Random(args.seed))
    port = free_port()
    log = folder / "gunicorn.log"
    server = start_server(url, folder, port, args.workers, log, args.app)
    try:
        cookies = open_sessions(port, tokens)
        cookie_file = folder / "cookies.txt"
        cookie_file.write_text("\n".join(cookies) + "\n")
        print(
            f"gunicorn on {HOST}:{port}, {len(cookies)} debtor sessions; {args.generator} load…",
            flush=True,
        )
        if args.warmup:
            warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
            load(server, port, ACCOUNT_PATH, cookies, cookie_file, warm, "warm-up")
        account = load(server, port, ACCOUNT_PATH, cookies, cookie_file, args, ACCOUNT_PATH)
        trivial = load(server, port, TRIVIAL_PATH, [], None, args, TRIVIAL_PATH)
        paced = None
        if args.rate:
            label = f"{ACCOUNT_PATH} @{args.rate:g}/s"
            paced = load(server, port, ACCOUNT_PATH, cookies, None, args, label, rate=args.rate)
    finally:
        stop_server(server)
    if not report(account, trivial, paced, args):
        sys.exit(1)


if __name__ == "__main__":
    main()
