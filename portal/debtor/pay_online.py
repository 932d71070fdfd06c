"""Paying online (Stripe Checkout), on the debtor blueprint.

The invoices are re-selected on the server from the posted ids; no amount is
ever read from the form. The return page shows what the server knows of the
attempt, never what the URL claims.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from portal import clock, security
from portal.adapters import stripe_gateway
from portal.debtor.access import current_customer
from portal.debtor.views import bp
from portal.services.audit import Actor
from portal.services.checkout import attempts, sessions
from portal.services.errors import NotFound
from portal.services.payments import selection
from portal.services.plans import instalments


@bp.after_request
def allow_checkout_redirect(response: Response) -> Response:
    """Browsers hold a form's redirect to the page's `form-action`: let the pay form reach Stripe."""
    if request.endpoint in ("debtor.pay_choose", "debtor.plan_pay") and current_app.config.get(
        "STRIPE_SECRET_KEY"
    ):
        response.headers["Content-Security-Policy"] = security.CSP.replace(
            "form-action 'self'", f"form-action 'self' {stripe_gateway.CHECKOUT_ORIGIN}"
        )
    return response


@bp.route("/account/pay/online", methods=["POST"])
def checkout_start():
    """Open a Stripe Checkout page for the chosen invoices and send the debtor there."""
    settings = sessions.StripeSettings.from_config(current_app.config)
    if settings is None:
        abort(404)
    customer = current_customer()

    def return_url(attempt_id: int) -> str:
        return settings.base_url + url_for("debtor.checkout_return", attempt_id=attempt_id)

    try:
        plan_id = request.form.get("plan", "")
        if plan_id:  # the next instalment of a plan, never an amount from the browser
            plan = instalments.of_customer(customer, int(plan_id) if plan_id.isdigit() else 0)
            chosen = selection.select_instalment(customer, plan)
        else:
            chosen = selection.select_invoices(customer, request.form.getlist("invoice"))
        attempt = sessions.start(
            customer,
            chosen,
            settings=settings,
            return_url=return_url,
            now=clock.now(),
            actor=Actor.debtor(customer),
            method=request.form.get("method") or None,
        )
    except NotFound:
        abort(404)
    except (selection.NothingToPay, sessions.OnlinePaymentUnavailable) as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("debtor.account_show"), code=303)
    return redirect(attempt.checkout_url, code=303)


@bp.route("/account/pay/return/<int:attempt_id>")
def checkout_return(attempt_id: int):
    """Where Stripe sends the debtor back: the state the server knows, refreshed while pending."""
    customer = current_customer()
    try:
        attempt = attempts.attempt_of(customer, attempt_id)
    except NotFound:
        abort(404)
    return render_template(
        "debtor/pay_return.html",
        customer=customer,
        attempt=attempt,
        lines=attempts.attempt_invoices(attempt),
        cancelled=request.args.get("cancelled") == "1",
    )
