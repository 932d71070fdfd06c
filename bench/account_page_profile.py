"""Render the debtor's account page in-process, and say where its time goes.

    python bench/account_page_profile.py                      # the database bench/portal_load.py seeded
    python bench/account_page_profile.py --pages 600 --profile /tmp/account.prof
    python bench/account_page_profile.py --database-url postgresql+psycopg://postgres@127.0.0.1/portal_bench
    python bench/account_page_profile.py --save-html /tmp/pages-before   # compare two versions' output

Reuses a database seeded by bench/portal_load.py (SQLite by default, or the
PostgreSQL one given), gives links to `--debtors` random debtors, opens one
session each through `/p/<token>` with Flask's test client, renders each page
once to warm up, then renders `--pages` pages of random debtors and prints the
process CPU time per page (median and best of `--runs` runs) and the queries
per page. No server, no load generator: the figure is the page's own cost in
a worker, steadier than a load test on a shared machine. `--profile FILE`
runs one more round under cProfile and prints the portal's top functions.
`--save-html DIR` writes each debtor's page (CSRF token blanked) to compare
two versions byte for byte.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import account_floor_app  # noqa: E402
from bulk_seed import make_app  # noqa: E402
from portal_load import make_links  # noqa: E402
from sqlalchemy import event  # noqa: E402

from portal.extensions import db  # noqa: E402

CSRF = re.compile(
    rb'(name="csrf_token"[^>]*value=")[^"]*(")|(<meta name="csrf-token" content=")[^"]*(")'
    rb'|("X-CSRFToken": ")[^"]*(")'
)


def blank_csrf(html: bytes) -> bytes:
    """The page without its session's CSRF token, which differs on every session."""
    return CSRF.sub(lambda m: b"".join(part or b"" for part in m.groups()), html)


def open_clients(app, tokens: list[str]) -> list:
    clients = []
    for token in tokens:
        client = app.test_client()
        answer = client.get(f"/p/{token}")
        if answer.status_code != 302:
            raise SystemExit(f"/p/<token> answered {answer.status_code}")
        clients.append(client)
    return clients


def render(clients: list, order: list[int]) -> None:
    for n in order:
        answer = clients[n].get("/account")
        if answer.status_code != 200:
            raise SystemExit(f"/account answered {answer.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/portal-load-bench/portal.db"))
    parser.add_argument("--database-url", help="PostgreSQL (or other) URL instead of --db")
    parser.add_argument("--debtors", type=int, default=300)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one more round here")
    parser.add_argument("--save-html", type=Path, help="write each debtor's page into this folder")
    parser.add_argument("--show-queries", action="store_true", help="print one page's statements")
    parser.add_argument(
        "--variant",
        choices=("account", *account_floor_app.VIEWS),
        default="account",
        help="serve one of account_floor_app's floors at /account instead of the page",
    )
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{args.db.resolve()}"
    folder = args.db.resolve().parent
    rng = random.Random(args.seed)
    tokens = make_links(url, folder, args.debtors, rng)
    app = make_app(url, folder)
    if args.variant != "account":
        app.view_functions["debtor.account_show"] = account_floor_app.VIEWS[args.variant]
    queries = [0]
    with app.app_context():
        event.listen(
            db.engine, "before_cursor_execute", lambda *a: queries.__setitem__(0, queries[0] + 1)
        )
    clients = open_clients(app, tokens)
    render(clients, list(range(len(clients))))  # warm: every page once
    if args.show_queries:
        shown: list[str] = []

        def keep(_connection, _cursor, sql, *_rest):
            shown.append(sql)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", keep)
        render(clients, [0])
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", keep)
        print("\n\n".join(" ".join(sql.split()) for sql in shown))
    if args.save_html:
        args.save_html.mkdir(parents=True, exist_ok=True)
        for n, client in enumerate(clients):
            (args.save_html / f"{n:04d}.html").write_bytes(blank_csrf(client.get("/account").data))
    per_page = []
    for _ in range(args.runs):
        order = [rng.randrange(len(clients)) for _ in range(args.pages)]
        queries[0] = 0
        started = time.process_time()
        render(clients, order)
        per_page.append((time.process_time() - started) / args.pages * 1000)
        count = queries[0] / args.pages
    print(
        f"{args.pages} account pages of {len(clients)} debtors, {args.runs} runs: "
        f"CPU per page median {statistics.median(per_page):.2f} ms, best {min(per_page):.2f} ms "
        f"({', '.join(f'{v:.2f}' for v in per_page)}); {count:.1f} queries a page"
    )
    if args.profile:
        order = [rng.randrange(len(clients)) for _ in range(args.pages)]
        profiler = cProfile.Profile()
        profiler.runcall(render, clients, order)
        profiler.dump_stats(args.profile)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(r"portal/|jinja2/environment|sqlalchemy/orm/session|flask/app", 40)
        print(out.getvalue())


if __name__ == "__main__":
    main()
