"""The floor for an invoice import: the least a Python program can do with the same file.

    python bench/bare_loader.py invoices.csv sqlite:///tmp/bare.db
    python bench/bare_loader.py invoices.csv postgresql://postgres@127.0.0.1/bare

Reads an invoice-lines file as bench/generate.py writes it (comma-separated,
ISO dates, decimal points) with the `csv` module, rounds each line half up to
the cent with Decimal, and writes invoices and their lines with `executemany`
into two indexed tables, in one transaction, a chunk of lines at a time so
that memory stays flat. Nothing else: no validation, no customers, no
fingerprints, no audit, no application. bench/import_bench.py runs it beside
`portal import invoices` as the anchor the portal's import is measured
against, in lines per CPU-second of the whole command.
"""

from __future__ import annotations

import csv
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
CHUNK_LINES = 5000

SCHEMA = (
    "DROP TABLE IF EXISTS bare_invoice_lines",
    "DROP TABLE IF EXISTS bare_invoices",
    """CREATE TABLE bare_invoices (
        id INTEGER PRIMARY KEY,
        number VARCHAR(64) NOT NULL UNIQUE,
        customer_ref VARCHAR(64) NOT NULL,
        issue_date DATE NOT NULL,
        due_date DATE NOT NULL,
        currency VARCHAR(3) NOT NULL,
        net_cents INTEGER NOT NULL,
        tax_cents INTEGER NOT NULL,
        total_cents INTEGER NOT NULL
    )""",
    "CREATE INDEX ix_bare_invoices_customer ON bare_invoices (customer_ref, due_date)",
    """CREATE TABLE bare_invoice_lines (
        id INTEGER PRIMARY KEY,
        invoice_id INTEGER NOT NULL REFERENCES bare_invoices (id),
        position INTEGER NOT NULL,
        description VARCHAR(500) NOT NULL,
        quantity VARCHAR(40) NOT NULL,
        unit_price VARCHAR(40) NOT NULL,
        tax_rate VARCHAR(40) NOT NULL,
        net_cents INTEGER NOT NULL,
        tax_cents INTEGER NOT NULL
    )""",
    "CREATE INDEX ix_bare_invoice_lines_invoice ON bare_invoice_lines (invoice_id)",
)


def connect(url: str):
    """A DB-API connection and its placeholder style, from an SQLite or PostgreSQL URL."""
    if url.startswith("sqlite:///"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN")
        return connection, "?"
    import psycopg

    url = url.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url), "%s"


def load(path: str, url: str) -> tuple[int, int]:
    """Load the file; returns (invoices, lines) written."""
    connection, mark = connect(url)
    cursor = connection.cursor()
    for statement in SCHEMA:
        cursor.execute(statement)
    insert_invoice = f"INSERT INTO bare_invoices VALUES ({', '.join([mark] * 9)})"
    insert_line = f"INSERT INTO bare_invoice_lines VALUES ({', '.join([mark] * 9)})"
    invoices: list[tuple] = []
    lines: list[tuple] = []
    invoice_count = line_count = 0
    current = None
    net_total = tax_total = position = 0

    def close_invoice() -> None:
        number, ref, issue, due, currency = current  # type: ignore[misc]
        invoices.append(
            (invoice_count, number, ref, issue, due, currency, net_total, tax_total,
             net_total + tax_total)
        )  # fmt: skip

    with open(path, newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream)
        next(reader)
        for number, ref, issue, due, currency, description, qty, price, rate in reader:
            if current is None or number != current[0]:
                if current is not None:
                    close_invoice()
                    if len(lines) >= CHUNK_LINES:
                        cursor.executemany(insert_invoice, invoices)
                        cursor.executemany(insert_line, lines)
                        invoices, lines = [], []
                invoice_count += 1
                current = (
                    number,
                    ref,
                    date.fromisoformat(issue),
                    date.fromisoformat(due),
                    currency or "EUR",
                )
                net_total = tax_total = position = 0
            net = (Decimal(qty) * Decimal(price)).quantize(CENT, rounding=ROUND_HALF_UP)
            tax = (net * Decimal(rate) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            net_cents, tax_cents = int(net * 100), int(tax * 100)
            net_total += net_cents
            tax_total += tax_cents
            line_count += 1
            lines.append(
                (line_count, invoice_count, position, description, qty, price, rate,
                 net_cents, tax_cents)
            )  # fmt: skip
            position += 1
        if current is not None:
            close_invoice()
        cursor.executemany(insert_invoice, invoices)
        cursor.executemany(insert_line, lines)
    connection.commit()
    connection.close()
    return invoice_count, line_count


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.split("\n\n")[1])
    invoices, lines = load(sys.argv[1], sys.argv[2])
    print(f"created {invoices} invoices, {lines} lines")


if __name__ == "__main__":
    main()
