"""`portal claim CUSTOMER_REF`: what the creditor may claim from one customer, for a lawyer or a script.

It prints the same figures as the formal notice and the pages, from the same
service (`services.claims.claim`). A half-year whose rates are missing stops
the command (exit 1) rather than print a penalty computed at a rate no one set.
"""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from flask.cli import with_appcontext

from portal import clock


@click.command("claim")
@click.argument("customer_ref")
@click.option("--as-of", "as_of_text", metavar="YYYY-MM-DD", help="The day (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@with_appcontext
def claim_command(customer_ref: str, as_of_text: str | None, as_json: bool) -> None:
    """Principal, penalties and indemnities owed by a customer, invoice by invoice."""
    from portal.services import customers, organisation
    from portal.services.claims import claim, report

    try:
        as_of = date.fromisoformat(as_of_text) if as_of_text else clock.today()
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--as-of") from None
    customer = customers.get_by_ref(customer_ref)
    org = organisation.get()
    if customer is None or org is None:
        click.echo(f"No customer with the reference {customer_ref!r}.", err=True)
        sys.exit(1)
    owed = claim.for_customer(org, customer, as_of)
    if owed.missing_half_years:
        click.echo(report.missing_text(owed), err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(report.as_json(owed), indent=2))
    else:
        click.echo("\n".join(report.as_text(owed)))
