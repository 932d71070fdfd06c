"""The creditor's home page: what is owed, how late, who owes most, and the week ahead.

It is the page opened every morning, so it gathers the figures, the reminders
planned for the coming days, the claims about to run out of time and the bank
credits waiting to be placed, each computed by its own service.
"""

from __future__ import annotations

from flask import current_app, render_template

from portal import clock
from portal.creditor.views import bp
from portal.services import organisation
from portal.services.claims import limitation, rate_table
from portal.services.dunning import reminder_forecast
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.reconciliation import inbox
from portal.services.workspace import kpis


@bp.route("/")
def home():
    """What is owed, how late, and who owes the most."""
    org = organisation.get()
    figures = kpis.home_figures(clock.today(), currency=org.currency if org else "EUR")
    settings = DunningSettings.from_config(current_app.config)
    week = reminder_forecast.week_ahead(clock.today(), settings, clock.now())
    return render_template(
        "creditor/home.html",
        figures=figures,
        week=week,
        limitation_warnings=limitation.approaching(clock.today()),
        bank_waiting=inbox.count_waiting(),
        rates_missing=rate_table.missing_soon(clock.today()),
    )
