"""`portal kpis`: the collection figures at any date, from the ledger.

Reads the ledger itself rather than the daily snapshots, so it answers for any
day and can check what the pages show. It works before the first-run setup
(no organisation yet: euros).
"""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from portal import clock
from portal.values.money import format_money
from portal.values.ratios import format_ratio


def _parse_day(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD") from None


@click.command("kpis")
@click.option("--as-of", "as_of", callback=_parse_day, help="Last day of the period (YYYY-MM-DD).")
@click.option("--days", default=90, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="One JSON object, numbers unrounded.")
@with_appcontext
def kpis_command(as_of: date | None, days: int, as_json: bool) -> None:
    """Print DSO, best possible DSO, DBT, CEI, ADD and the overdue share."""
    from portal.services import organisation
    from portal.services.analytics import kpis

    org = organisation.get()
    currency = org.currency if org else "EUR"
    figures = kpis.compute(as_of or clock.today(), days, currency)
    if as_json:
        click.echo(json.dumps(figures.as_json()))
        return

    def money(cents: int) -> str:
        return format_money(cents, currency, "en")

    rows = [
        ("Credit sales (S)", money(figures.credit_sales_cents)),
        ("Receivables AR(T)", money(figures.receivables_cents)),
        ("  not yet due CAR(T)", money(figures.current_receivables_cents)),
        ("  overdue", money(figures.overdue_cents)),
        (f"Receivables AR(T-{days})", money(figures.opening_receivables_cents)),
        ("DSO (days)", format_ratio(figures.dso_days)),
        ("Best possible DSO (days)", format_ratio(figures.best_possible_dso_days)),
        ("DBT (days)", format_ratio(figures.dbt_days)),
        ("CEI (%)", format_ratio(figures.cei_percent)),
        ("ADD (days)", format_ratio(figures.add_days)),
        ("Overdue share (%)", format_ratio(figures.overdue_percent)),
        ("Unallocated credit (not netted)", money(figures.unallocated_cents)),
    ]
    click.echo(f"Collection figures for the {days} days ending {figures.as_of} ({currency})")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}}  {value:>16}")
