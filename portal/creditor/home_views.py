"""The creditor's home page: today's decisions first, then how collection is going.

It is the page opened every morning, so it starts with the one list of what
waits for a decision (tasks, messages, bank credits, customers to call), then
the collection figures against the previous period, the totals, the reminders
planned for the coming days and the claims about to run out of time, each
computed by its own service.
"""

from __future__ import annotations

from flask import current_app, render_template

from portal import clock
from portal.creditor.views import bp
from portal.services import organisation
from portal.services.analytics import kpis as collection_kpis
from portal.services.analytics import risk, snapshots
from portal.services.claims import limitation, rate_table
from portal.services.dunning import reminder_forecast
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.reconciliation import inbox
from portal.services.workspace import kpis, today

TODAY_SHOWN = 25


@bp.route("/")
def home():
    """What to handle today, then what is owed, how late, and who owes the most."""
    org = organisation.get()
    currency = org.currency if org else "EUR"
    day = clock.today()
    figures = kpis.home_figures(day, currency=currency)
    current, previous = snapshots.period_and_previous(day, currency)
    agenda = today.to_handle(day, currency, risk.to_call(day, currency))
    settings = DunningSettings.from_config(current_app.config)
    week = reminder_forecast.week_ahead(day, settings, clock.now())
    return render_template(
        "creditor/home.html",
        figures=figures,
        agenda=agenda[:TODAY_SHOWN],
        agenda_total=len(agenda),
        agenda_counts=today.counts(agenda),
        period=current,
        changes=collection_kpis.compare(current, previous),
        week=week,
        limitation_warnings=limitation.approaching(day),
        bank_waiting=inbox.count_waiting(),
        rates_missing=rate_table.missing_soon(clock.today()),
    )
