"""`portal bank …`: statements imported from a script or cron, and the inbox read in a terminal.

Scripts rely on the summary line: `read N entries: matched M, to review R,
unmatched U, ignored I, already imported D` (prefixed `Dry run:` with
`--dry-run`, which writes nothing); a file that cannot be read exits 1 and
lists its problems, one per line. A bank CSV export is read with the columns
remembered for its header; one whose columns were never named exits 1 with the
names it has, to be imported once from the dashboard, which asks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal import clock
from portal.extensions import db


@click.group("bank")
def bank_group() -> None:
    """Bank statements and the reconciliation inbox."""


@bank_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Read and match, print the summary, write nothing.")
@click.option(
    "--add-account",
    is_flag=True,
    help="While no bank account is set up, add the statement's account(s) first.",
)
@with_appcontext
def bank_import(file: Path, dry_run: bool, add_account: bool) -> None:
    """Import a statement (camt.053/054, CFONB 120, OFX, MT940 or a bank's CSV export)."""
    from portal.services.audit import Actor
    from portal.services.bank.bank_csv import CsvColumnsUnknown
    from portal.services.bank.problems import StatementInvalid
    from portal.services.reconciliation import statement_import

    try:
        summary = statement_import.import_statement(
            file.read_bytes(),
            filename=file.name,
            actor=Actor.cli(),
            now=clock.now(),
            dry_run=dry_run,
            add_accounts=add_account,
        )
    except CsvColumnsUnknown as exc:
        db.session.rollback()
        click.echo("The columns of this CSV file are not recognised. It has:", err=True)
        for name in exc.headers:
            if name:
                click.echo(f"  {name}", err=True)
        click.echo(
            "Import this file once from the dashboard (Bank, Import a statement) to say which"
            " column holds what; the next files with these columns are then read here too.",
            err=True,
        )
        sys.exit(1)
    except StatementInvalid as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s): nothing was imported.", err=True)
        sys.exit(1)
    except statement_import.AccountNotOurs as exc:
        db.session.rollback()
        click.echo(str(exc) % exc.params(), err=True)
        if exc.none_yet:
            click.echo("Run again with --add-account to add it.", err=True)
        sys.exit(1)
    if not dry_run:
        db.session.commit()
    click.echo(summary.line())


@bank_group.command("unmatched")
@with_appcontext
def bank_unmatched() -> None:
    """List the credits waiting in the reconciliation inbox, oldest first."""
    from portal.services.reconciliation import inbox
    from portal.values.money import format_money

    waiting = inbox.waiting()
    for entry in waiting:
        amount = format_money(entry.amount_cents, entry.currency, "en")
        suggestion = f"\tsuggested: {entry.customer.name}" if entry.customer else ""
        click.echo(
            f"{entry.id}\t{entry.booking_date.isoformat()}\t{amount}\t{entry.status}\t"
            f"{entry.counterparty_name or '-'}\t{entry.label}{suggestion}"
        )
    click.echo(f"{len(waiting)} entr{'y' if len(waiting) == 1 else 'ies'} waiting.")
