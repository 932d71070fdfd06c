"""The creditor's customer pages: the list, one customer, and what is edited there.

A customer's page is where a collector works a case: contacts, open invoices,
timeline, the reminder scenario and pauses. The small forms on it (contacts
inline with htmx, pause, scenario) post back here and return to that page.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor.forms import ContactsForm, NoticePostedForm, PauseForm
from portal.creditor.views import _customer_or_404, bp
from portal.models import Customer
from portal.services import customers, organisation, timeline
from portal.services.audit import Actor
from portal.services.claims import claim as claims
from portal.services.dunning import notice_letters, reminder_forecast, scenarios
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.errors import DomainError, NotFound
from portal.services.payments import credit
from portal.services.workspace import invoices, listings
from portal.templating import render_page_or_fragment
from portal.values.money import AmountInvalid, parse_amount


@bp.route("/customers")
def customer_list():
    """Customers with their balances: search, filter, sort, page."""
    filters = listings.CustomerFilters.from_args(request.args)
    org = organisation.get()
    page = listings.search_customers(
        filters,
        clock.today(),
        current_app.config["PAGE_SIZE"],
        currency=org.currency if org else "EUR",
    )
    return render_page_or_fragment(
        "creditor/customers.html",
        "creditor/_customer_results.html",
        page=page,
        filters=filters,
        segments=listings.segments(),
    )


@bp.route("/customers/<int:customer_id>")
def customer_show(customer_id: int):
    """One customer: contacts, invoices, payments and timeline."""
    customer = _customer_or_404(customer_id)
    credits = credit.customer_credit(customer.id)
    return render_template(
        "creditor/customer.html",
        customer=customer,
        owed=claims.on_page(customer, clock.today()),
        credits=credits,
        credit_totals=credit.totals(credits),
        account=invoices.customer_account(customer, clock.today()),
        events=timeline.for_customer(customer.id),
        scenario_choices=scenarios.all_scenarios(),
        automatic=scenarios.automatic_for(customer),
        outlook=reminder_forecast.for_customer(
            customer, clock.today(), DunningSettings.from_config(current_app.config)
        ),
        contacts_form=_contacts_form(customer),
        pause_form=PauseForm(until=customer.reminders_paused_until),
        letters=notice_letters.for_customer(customer),
        posted_form=NoticePostedForm(posted_on=clock.today()),
    )


@bp.route("/customers/<int:customer_id>/contacts", methods=["GET", "POST"])
def customer_contacts_update(customer_id: int):
    """Edit a customer's addresses and phone (inline with htmx, or as a page)."""
    customer = _customer_or_404(customer_id)
    form = _contacts_form(customer) if request.method == "GET" else ContactsForm()
    editing = request.method == "GET"
    if request.method == "POST" and form.validate_on_submit():
        try:
            customers.update_contacts(
                customer,
                emails=customers.split_emails(form.emails.data),
                phone=form.phone.data or "",
                address=form.address.data or "",
                postcode=form.postcode.data or "",
                city=form.city.data or "",
                language=form.language.data,
                timezone=form.timezone.data or "",
                actor=Actor.user(current_user),
                now=clock.now(),
            )
        except DomainError as exc:
            form.emails.errors.append(str(exc))
            editing = True
        else:
            flash(_("Contacts saved."), "success")
            if not request.headers.get("HX-Request"):
                return redirect(
                    url_for("creditor.customer_show", customer_id=customer.id), code=303
                )
    elif request.method == "POST":
        editing = True
    return render_page_or_fragment(
        "creditor/customer_contacts.html",
        "creditor/_contacts.html",
        customer=customer,
        contacts_form=form,
        editing=editing,
    )


@bp.route("/customers/<int:customer_id>/pause", methods=["POST"])
def customer_pause(customer_id: int):
    """Pause reminders for a customer until a date, or resume them."""
    customer = _customer_or_404(customer_id)
    form = PauseForm()
    if form.validate_on_submit():
        until = None if form.action.data == "resume" else form.until.data
        if form.action.data != "resume" and until is None:
            flash(_("Choose the date until which reminders are paused."), "error")
        else:
            try:
                customers.pause_reminders(
                    customer,
                    until=until,
                    today=clock.today(),
                    actor=Actor.user(current_user),
                    now=clock.now(),
                )
            except DomainError as exc:
                flash(_(str(exc)), "error")
            else:
                flash(_("Reminders paused.") if until else _("Reminders resumed."), "success")
    else:
        flash(_("This date is not valid."), "error")
    return redirect(url_for("creditor.customer_show", customer_id=customer.id), code=303)


@bp.route("/customers/<int:customer_id>/scenario", methods=["POST"])
def customer_scenario_update(customer_id: int):
    """Choose the reminder scenario of one customer (or go back to the automatic choice)."""
    customer = _customer_or_404(customer_id)
    value = request.form.get("scenario_id", "")
    try:
        customers.choose_scenario(
            customer,
            int(value) if value.isdigit() else None,
            actor=Actor.user(current_user),
            now=clock.now(),
        )
    except NotFound:
        abort(404)
    flash(_("Reminder scenario saved."), "success")
    return redirect(url_for("creditor.customer_show", customer_id=customer.id), code=303)


@bp.route("/customers/<int:customer_id>/credit/<int:payment_id>/allocate", methods=["POST"])
def customer_credit_allocate(customer_id: int, payment_id: int):
    """Put part of a payment's unallocated credit on one of the customer's open invoices."""
    customer = _customer_or_404(customer_id)
    invoice_id = request.form.get("invoice_id", "")
    try:
        credit.allocate(
            customer,
            payment_id,
            int(invoice_id) if invoice_id.isdigit() else 0,
            parse_amount(request.form.get("amount")),
            actor=Actor.user(current_user),
            now=clock.now(),
        )
    except (DomainError, AmountInvalid) as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("Credit allocated to the invoice."), "success")
    return redirect(url_for("creditor.customer_show", customer_id=customer.id), code=303)


@bp.route("/customers/<int:customer_id>/credit/<int:payment_id>/refund", methods=["POST"])
def customer_credit_refund(customer_id: int, payment_id: int):
    """Record that the creditor paid back part of a payment's unallocated credit."""
    customer = _customer_or_404(customer_id)
    try:
        credit.refund(
            customer,
            payment_id,
            parse_amount(request.form.get("amount")),
            note=request.form.get("note", "")[:300],
            actor=Actor.user(current_user),
            now=clock.now(),
        )
    except (DomainError, AmountInvalid) as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("Refund recorded."), "success")
    return redirect(url_for("creditor.customer_show", customer_id=customer.id), code=303)


def _contacts_form(customer: Customer) -> ContactsForm:
    form = ContactsForm(
        emails="\n".join(customer.email_addresses),
        phone=customer.phone,
        address=customer.address,
        postcode=customer.postcode,
        city=customer.city,
        language=customer.language,
        timezone=customer.timezone,
    )
    if customer.timezone not in {value for value, _label in form.timezone.choices}:
        form.timezone.choices = [*form.timezone.choices, (customer.timezone, customer.timezone)]
    return form
