"""The debtor's "I will pay on this date" form, on the debtor blueprint.

Scoped to the session's customer like every debtor page: another customer's
invoice answers 404 and nothing is written.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from portal import clock
from portal.debtor.access import SESSION_CUSTOMER, current_customer
from portal.debtor.once import once
from portal.debtor.views import bp
from portal.extensions import limiter
from portal.services import promises
from portal.services.audit import Actor
from portal.services.declarations.invoices import own_invoice_ids
from portal.services.errors import NotFound

PROMISES_PER_CUSTOMER = "20 per day"


@bp.route("/account/promises/new")
def promise_new():
    """The form, the overdue invoices ticked unless the link chose others."""
    customer = current_customer()
    try:
        chosen = own_invoice_ids(customer, request.args.getlist("invoice"))
    except NotFound:
        abort(404)
    invoices = promises.promisable(customer, clock.today())
    if not chosen:
        chosen = [row.invoice.id for row in invoices if row.preselected]
    values = {"promised_date": (clock.today() + timedelta(days=7)).isoformat()}
    return _form_page(customer, invoices, set(chosen), values, {})


@bp.route("/account/promises", methods=["POST"])
@limiter.limit(PROMISES_PER_CUSTOMER, key_func=lambda: f"promise:{session.get(SESSION_CUSTOMER)}")
@once
def promise_create():
    """Record the promise; reminders for those invoices wait until the date plus grace."""
    customer = current_customer()
    form = request.form
    try:
        chosen = set(own_invoice_ids(customer, form.getlist("invoice")))
    except NotFound:
        abort(404)
    try:
        errors: dict[str, str] = {}
        amount = day = None
        try:
            amount = promises.parse_amount(form.get("amount", ""))
        except promises.InvalidPromise as exc:
            errors.update(exc.errors)
        try:
            day = promises.parse_day(form.get("promised_date", ""))
        except promises.InvalidPromise as exc:
            errors.update(exc.errors)
        if errors:
            raise promises.InvalidPromise(errors)
        promise = promises.create(
            customer,
            chosen,
            promised_date=day,
            amount_cents=amount,
            today=clock.today(),
            now=clock.now(),
            actor=Actor.debtor(customer),
        )
    except promises.InvalidPromise as exc:
        errors = {field: _(message) for field, message in exc.errors.items()}
        invoices = promises.promisable(customer, clock.today())
        return _form_page(customer, invoices, chosen, form, errors), 422
    flash(
        _(
            "Thank you: we have noted that you will pay by %(day)s. "
            "We will not send reminders for these invoices until then.",
            day=format_date(promise.promised_date),
        ),
        "success",
    )
    return redirect(url_for("debtor.account_show"), code=303)


def _form_page(customer, invoices, chosen: set[int], values, errors: dict[str, str]):
    today = clock.today()
    return render_template(
        "debtor/promise_new.html",
        customer=customer,
        invoices=invoices,
        chosen=chosen,
        values=values,
        errors=errors,
        taken=promises.pending_invoice_ids(customer.id),
        promises=[p for p in promises.for_customer(customer.id) if p.status == "pending"],
        earliest=today,
        latest=today + timedelta(days=promises.max_days()),
    )
