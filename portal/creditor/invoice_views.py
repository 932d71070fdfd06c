"""The creditor's invoice pages: the list, one invoice, and recording a payment on it.

Payments received outside the portal (transfer, cheque) are recorded from the
invoice page itself; a refused payment shows the same page again with the
error, so the form and the invoice's figures are always side by side.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor.forms import PaymentForm
from portal.creditor.views import bp
from portal.models import Invoice, PaymentMethod
from portal.services import timeline
from portal.services.audit import Actor
from portal.services.dunning import reminder_forecast
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.errors import DomainError, NotFound
from portal.services.payments import payments
from portal.services.workspace import invoices, listings
from portal.templating import render_page_or_fragment
from portal.values.money import from_cents, to_cents


@bp.route("/invoices")
def invoice_list():
    """Invoices: search, filter by status, ageing, segment and kind; sort; page."""
    filters = listings.InvoiceFilters.from_args(request.args)
    page = listings.search_invoices(filters, clock.today(), current_app.config["PAGE_SIZE"])
    return render_page_or_fragment(
        "creditor/invoices.html",
        "creditor/_invoice_results.html",
        page=page,
        filters=filters,
        segments=listings.segments(),
    )


@bp.route("/invoices/<int:invoice_id>")
def invoice_show(invoice_id: int):
    """One invoice: lines, payments, credit notes, timeline; record a payment."""
    invoice = _invoice_or_404(invoice_id)
    form = PaymentForm(paid_on=clock.today(), method=PaymentMethod.TRANSFER.value)
    if invoice.outstanding_cents > 0:
        form.amount.data = from_cents(invoice.outstanding_cents)
    return _invoice_page(invoice, form)


@bp.route("/invoices/<int:invoice_id>/payments", methods=["POST"])
def invoice_payment_create(invoice_id: int):
    """Record a payment received outside the portal (transfer, cheque…)."""
    invoice = _invoice_or_404(invoice_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            payments.record_manual_payment(
                invoice,
                amount_cents=to_cents(form.amount.data),
                paid_on=form.paid_on.data,
                method=PaymentMethod(form.method.data),
                reference=form.reference.data or "",
                actor=Actor.user(current_user),
                now=clock.now(),
            )
        except DomainError as exc:
            form.amount.errors.append(str(exc))
        else:
            flash(_("Payment recorded."), "success")
            return redirect(url_for("creditor.invoice_show", invoice_id=invoice.id), code=303)
    return _invoice_page(invoice, form), 422


def _invoice_page(invoice: Invoice, form: PaymentForm) -> str:
    settings = DunningSettings.from_config(current_app.config)
    outlook = reminder_forecast.for_customer(invoice.customer, clock.today(), settings)
    return render_template(
        "creditor/invoice.html",
        invoice=invoice,
        details=invoices.invoice_details(invoice),
        events=timeline.for_invoice(invoice.id),
        reminders_done=reminder_forecast.done_for_invoice(invoice.id),
        outlook=outlook.get(invoice.id),
        form=form,
    )


def _invoice_or_404(invoice_id: int) -> Invoice:
    try:
        return invoices.get(invoice_id)
    except NotFound:
        abort(404)
