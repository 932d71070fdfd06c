"""The debtor's own timeline: payments, requests and answers, in one place."""

from flask import render_template

from portal.debtor.access import current_customer
from portal.debtor.views import bp
from portal.services import timeline


@bp.route("/account/history")
def history_show():
    """What happened on this account, newest first (the creditor sees the same events)."""
    customer = current_customer()
    return render_template(
        "debtor/history.html", customer=customer, events=timeline.for_debtor(customer.id)
    )
