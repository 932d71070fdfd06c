"""`portal import KIND FILE`: the same service as the dashboard, driven from a terminal."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Invoice, InvoiceLine, Payment

DATA = Path(__file__).resolve().parent / "data" / "imports"


def invoke(runner, *args: str):
    return runner.invoke(args=["import", *args])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_customers_invoices_then_payments(runner):
    result = invoke(runner, "customers", str(DATA / "customers.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "created 3, updated 0, unchanged 0\n"

    result = invoke(runner, "invoices", str(DATA / "invoices.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "created 3, updated 0, unchanged 0\n"
    assert (count(Invoice), count(InvoiceLine)) == (3, 4)

    result = invoke(runner, "invoices", str(DATA / "invoices.csv"))
    assert result.stdout == "created 0, updated 0, unchanged 3\n"

    result = invoke(runner, "payments", str(DATA / "payments.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "created 3, updated 0, unchanged 0\n"
    assert count(Payment) == 3


def test_french_office_files(runner):
    assert invoke(runner, "customers", str(DATA / "customers_fr.csv")).exit_code == 0
    result = invoke(runner, "invoices", str(DATA / "invoices_fr.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "created 2, updated 0, unchanged 0\n"
    total = db.session.scalar(select(Invoice.total_cents).where(Invoice.number == "FA-100"))
    assert total == 148268


def test_bad_file_exits_1_with_every_row_error_and_imports_nothing(runner):
    invoke(runner, "customers", str(DATA / "customers.csv"))
    result = invoke(runner, "invoices", str(DATA / "invoices_bad.csv"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "row 3, column quantity: not a number: abc",
        "row 4, column customer_ref: unknown customer NOPE",
        "2 problem(s): nothing was imported.",
    ]
    assert count(Invoice) == 0


def test_dry_run_says_what_would_happen_and_writes_nothing(runner):
    invoke(runner, "customers", str(DATA / "customers.csv"))
    result = invoke(runner, "invoices", str(DATA / "invoices.csv"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Dry run: would have created 3, updated 0, unchanged 0\n"
    assert count(Invoice) == 0


def test_unknown_kind_is_refused_by_the_command(runner):
    result = invoke(runner, "credit_notes", str(DATA / "invoices.csv"))
    assert result.exit_code == 2
    assert count(Invoice) == 0


def test_import_customers_says_how_many_new_ones_have_no_kind(runner, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("ref,name,email,kind\nA,Alpha,a@example.com,\nB,Beta,b@example.com,consumer\n")

    result = invoke(runner, "customers", str(path), "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Dry run: would have created 2, updated 0, unchanged 0",
        "1 new customer(s) without a kind in the file: treated as businesses"
        " (business or consumer in the kind column changes that)",
    ]


LEAN_START = """
import sys
from portal.cli import main
main(sys.argv[1:], standalone_mode=False)
heavy = sorted({"reportlab", "openpyxl", "stripe", "alembic", "flask_login"} & set(sys.modules))
print("heavy:", *heavy)
"""


def test_the_portal_command_imports_without_starting_the_web_side(runner, app, tmp_path):
    """`portal import` (the console command) runs on an app without blueprints or their libraries.

    Those libraries took longer to load than a thousand-line file takes to import.
    """
    import os
    import subprocess
    import sys

    invoke(runner, "customers", str(DATA / "customers.csv"))
    db.session.commit()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"),
        "PORTAL_ENV": "test",
        "PORTAL_SECRET_KEY": "x" * 40,
    }
    done = subprocess.run(
        [sys.executable, "-c", LEAN_START, "import", "invoices", str(DATA / "invoices.csv")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["created 3, updated 0, unchanged 0", "heavy:"]
    db.session.rollback()
    assert (count(Invoice), count(InvoiceLine)) == (3, 4)
