"""The creditor's dashboard: home, customers, invoices, imports and settings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.adapters import import_files
from portal.creditor.forms import (
    ContactsForm,
    ImportConfirmForm,
    ImportUploadForm,
    PauseForm,
    PaymentForm,
    SettingsForm,
)
from portal.models import PaymentMethod
from portal.services import accounts, customers, organisation, timeline
from portal.services.audit import Actor
from portal.services.claims import limitation
from portal.services.dunning import dunning, reminder_forecast, scenarios
from portal.services.errors import DomainError, NotFound
from portal.services.payments import payments
from portal.services.workspace import invoices, kpis, listings
from portal.templating import render_page_or_fragment
from portal.values.banking import format_iban, iban_is_valid, normalise_iban
from portal.values.money import to_cents

bp = Blueprint("creditor", __name__)


@bp.before_request
def require_setup_and_login():
    """No user yet: the setup page. Otherwise, only logged-in users."""
    if not accounts.has_users():
        return redirect(url_for("auth.setup"))
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def _actor() -> Actor:
    return Actor.user(current_user)


def _imports_folder() -> Path:
    return Path(current_app.instance_path) / "imports"


@bp.route("/")
def home():
    """What is owed, how late, and who owes the most."""
    org = organisation.get()
    figures = kpis.home_figures(clock.today(), currency=org.currency if org else "EUR")
    settings = dunning.DunningSettings.from_config(current_app.config)
    week = reminder_forecast.week_ahead(clock.today(), settings, clock.now())
    return render_template(
        "creditor/home.html",
        figures=figures,
        week=week,
        limitation_warnings=limitation.approaching(clock.today()),
    )


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
    return render_template(
        "creditor/customer.html",
        customer=customer,
        account=invoices.customer_account(customer, clock.today()),
        events=timeline.for_customer(customer.id),
        scenario_choices=scenarios.all_scenarios(),
        automatic_scenario=scenarios.ScenarioBook().for_customer(
            None, customer.segment, customer.kind
        ),
        outlook=reminder_forecast.for_customer(
            customer, clock.today(), dunning.DunningSettings.from_config(current_app.config)
        ),
        contacts_form=_contacts_form(customer),
        pause_form=PauseForm(until=customer.reminders_paused_until),
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
                actor=_actor(),
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
                    customer, until=until, today=clock.today(), actor=_actor(), now=clock.now()
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
            customer, int(value) if value.isdigit() else None, actor=_actor(), now=clock.now()
        )
    except NotFound:
        abort(404)
    flash(_("Reminder scenario saved."), "success")
    return redirect(url_for("creditor.customer_show", customer_id=customer.id), code=303)


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
        form.amount.data = Decimal(invoice.outstanding_cents).scaleb(-2)
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
                actor=_actor(),
                now=clock.now(),
            )
        except DomainError as exc:
            form.amount.errors.append(str(exc))
        else:
            flash(_("Payment recorded."), "success")
            return redirect(url_for("creditor.invoice_show", invoice_id=invoice.id), code=303)
    return _invoice_page(invoice, form), 422


def _invoice_page(invoice, form):
    return render_template(
        "creditor/invoice.html",
        invoice=invoice,
        details=invoices.invoice_details(invoice),
        events=timeline.for_invoice(invoice.id),
        reminders_done=reminder_forecast.done_for_invoice(invoice.id),
        outlook=reminder_forecast.for_customer(
            invoice.customer, clock.today(), dunning.DunningSettings.from_config(current_app.config)
        ).get(invoice.id),
        form=form,
    )


@bp.route("/import", methods=["GET"])
def import_start():
    """Upload a CSV file of customers, invoices or payments."""
    return render_template(
        "creditor/import.html", form=ImportUploadForm(kind=request.args.get("kind"))
    )


@bp.route("/import/preview", methods=["POST"])
def import_preview():
    """Check the file and show what would change; nothing is written yet."""
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return render_template("creditor/import.html", form=form), 422
    from portal.services.imports.importer import import_csv

    token = import_files.stash(_imports_folder(), form.file.data.stream)
    with import_files.open_stashed(_imports_folder(), token) as stream:
        result = import_csv(
            form.kind.data,
            stream,
            actor=_actor(),
            now=clock.now(),
            dry_run=True,
            filename=form.file.data.filename or "",
        )
    if not result.ok:
        import_files.discard(_imports_folder(), token)
    confirm = ImportConfirmForm(token=token, kind=form.kind.data)
    return render_template(
        "creditor/import_preview.html",
        result=result,
        confirm=confirm,
        filename=form.file.data.filename,
        status=200 if result.ok else 422,
    ), (200 if result.ok else 422)


@bp.route("/import/confirm", methods=["POST"])
def import_confirm():
    """Import the previewed file for real (all or nothing)."""
    form = ImportConfirmForm()
    if not form.validate_on_submit() or form.kind.data not in ("customers", "invoices", "payments"):
        abort(400)
    from portal.services.imports.importer import import_csv

    try:
        stream = import_files.open_stashed(_imports_folder(), form.token.data)
    except FileNotFoundError:
        flash(_("This upload has expired: please choose the file again."), "error")
        return redirect(url_for("creditor.import_start"), code=303)
    with stream:
        result = import_csv(form.kind.data, stream, actor=_actor(), now=clock.now())
    import_files.discard(_imports_folder(), form.token.data)
    if not result.ok:
        return render_template(
            "creditor/import_preview.html", result=result, confirm=None, filename="", status=422
        ), 422
    flash(
        _(
            "Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    target = {"customers": "creditor.customer_list", "invoices": "creditor.invoice_list"}
    return redirect(url_for(target.get(form.kind.data, "creditor.home")), code=303)


@bp.route("/settings", methods=["GET", "POST"])
def settings_update():
    """The creditor's identity, bank details and late-payment policy."""
    org = organisation.get()
    form = SettingsForm(obj=org)
    if request.method == "GET" and org is not None:
        form.iban.data = format_iban(org.iban)
        form.penalty_margin_points.data = Decimal(org.penalty_margin_bp).scaleb(-2)
        form.recovery_indemnity.data = Decimal(org.recovery_indemnity_cents).scaleb(-2)
        form.plan_min_instalment.data = Decimal(org.plan_min_instalment_cents).scaleb(-2)
        form.plan_auto_accept.data = Decimal(org.plan_auto_accept_cents).scaleb(-2)
    if request.method == "POST" and form.validate_on_submit():
        if form.iban.data and not iban_is_valid(form.iban.data):
            form.iban.errors.append(_("This IBAN is not valid (check the digits)."))
        else:
            values = {
                name: field.data
                for name, field in form._fields.items()
                if name in organisation.EDITABLE_FIELDS
            }
            values["iban"] = normalise_iban(form.iban.data or "")
            values["bic"] = (form.bic.data or "").upper()
            values["penalty_margin_bp"] = to_cents(form.penalty_margin_points.data or Decimal(0))
            values["recovery_indemnity_cents"] = to_cents(
                form.recovery_indemnity.data or Decimal(0)
            )
            for cents, amount in (("plan_min_instalment_cents", form.plan_min_instalment.data), ("plan_auto_accept_cents", form.plan_auto_accept.data)):  # fmt: skip
                values[cents] = None if amount is None else to_cents(amount)
            values = {k: v for k, v in values.items() if v is not None or not k.startswith("plan")}
            values = {k: ("" if v is None else v) for k, v in values.items()}
            organisation.update(values, actor=_actor(), now=clock.now())
            flash(_("Settings saved."), "success")
            return redirect(url_for("creditor.settings_update"), code=303)
    return render_template("creditor/settings.html", form=form), 422 if form.errors else 200


def _customer_or_404(customer_id: int):
    try:
        return customers.get(customer_id)
    except NotFound:
        abort(404)


def _invoice_or_404(invoice_id: int):
    try:
        return invoices.get(invoice_id)
    except NotFound:
        abort(404)


def _contacts_form(customer) -> ContactsForm:
    return ContactsForm(
        emails="\n".join(customer.email_addresses),
        phone=customer.phone,
        address=customer.address,
        postcode=customer.postcode,
        city=customer.city,
        language=customer.language,
    )


import portal.creditor.dispute_views  # noqa: E402,F401
import portal.creditor.documents_views  # noqa: E402,F401
import portal.creditor.letter_views  # noqa: E402,F401
import portal.creditor.link_views  # noqa: E402,F401
import portal.creditor.logo_views  # noqa: E402,F401
import portal.creditor.outbox_views  # noqa: E402,F401
import portal.creditor.plan_views  # noqa: E402,F401
import portal.creditor.rates_views  # noqa: E402,F401
import portal.creditor.scenario_views  # noqa: E402,F401
import portal.creditor.status  # noqa: E402,F401
import portal.creditor.task_views  # noqa: E402,F401
import portal.creditor.thread_views  # noqa: E402,F401
