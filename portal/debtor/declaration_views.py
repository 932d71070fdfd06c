"""The debtor's "I have already paid" form, on the debtor blueprint.

Like every debtor page it is scoped to the session's customer: an invoice or a
declaration of another customer answers 404 and nothing is written. Proof files
are never served back to debtors.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from portal import clock
from portal.adapters import uploads
from portal.debtor.access import SESSION_CUSTOMER, current_customer
from portal.debtor.once import once
from portal.debtor.views import bp
from portal.extensions import limiter
from portal.services.audit import Actor
from portal.services.declarations import declaring
from portal.services.declarations.invoices import invoices_of, own_invoice_ids
from portal.services.errors import NotFound

#: Each declaration makes a task, an email and maybe a 10 MB file: enough for honest use.
DECLARATIONS_PER_CUSTOMER = "20 per day"


def uploads_folder() -> Path:
    """Proofs live in the instance folder, never anywhere a visitor could name."""
    return Path(current_app.instance_path) / uploads.FOLDER_NAME


@bp.route("/account/declarations/new")
def declaration_new():
    """The form, with the invoices chosen on the account or pay page ticked (else what is due)."""
    customer = current_customer()
    try:
        chosen = own_invoice_ids(customer, request.args.getlist("invoice"))
    except NotFound:
        abort(404)
    found = declaring.choices(customer, clock.today())
    if not chosen:
        chosen = [row.invoice.id for row in found.declarable if row.preselected]
    due = sum(row.invoice.outstanding_cents for row in found.declarable if row.invoice.id in chosen)
    values = {"paid_on": clock.today().isoformat(), "method": "transfer"}
    if due:
        values["amount"] = format_decimal(Decimal(due).scaleb(-2), format="0.00")  # no grouping
    return _form_page(customer, found, set(chosen), values, {})


@bp.route("/account/declarations", methods=["POST"])
@limiter.limit(
    DECLARATIONS_PER_CUSTOMER, key_func=lambda: f"declare:{session.get(SESSION_CUSTOMER)}"
)
@once
def declaration_create():
    """Record the declaration; reminders for those invoices pause while the creditor checks."""
    customer = current_customer()
    form = request.form
    invoice_ids = form.getlist("invoice")
    try:
        chosen = set(own_invoice_ids(customer, invoice_ids))
    except NotFound:
        abort(404)
    proof = request.files.get("proof")
    try:
        declared = declaring.parse(
            paid_on=form.get("paid_on", ""),
            amount=form.get("amount", ""),
            method=form.get("method", ""),
            comment=form.get("comment", ""),
            today=clock.today(),
        )
        declaration = declaring.declare(
            customer,
            invoice_ids,
            declared,
            proof.stream if proof and proof.filename else None,
            uploads_folder=uploads_folder(),
            max_proof_bytes=current_app.config["MAX_PROOF_BYTES"],
            pause_days=current_app.config["PAID_DECLARATION_PAUSE_DAYS"],
            review_url=current_app.config["BASE_URL"] + url_for("creditor.task_list"),
            today=clock.today(),
            now=clock.now(),
            actor=Actor.debtor(customer),
        )
    except NotFound:
        abort(404)
    except declaring.InvalidDeclaration as exc:
        errors = {field: _(message) for field, message in exc.errors.items()}
        if not chosen:
            errors.setdefault("invoice", _("Choose the invoices you paid."))
        found = declaring.choices(customer, clock.today())
        return _form_page(customer, found, chosen, form, errors), 422
    return redirect(url_for("debtor.declaration_show", declaration_id=declaration.id), code=303)


@bp.route("/account/declarations/<int:declaration_id>")
def declaration_show(declaration_id: int):
    """Thanks, and what happens next."""
    customer = current_customer()
    try:
        declaration = declaring.of_customer(customer, declaration_id)
    except NotFound:
        abort(404)
    return render_template(
        "debtor/declaration_done.html",
        customer=customer,
        declaration=declaration,
        invoices=invoices_of(declaration),
    )


def _form_page(customer, found, chosen: set[int], values, errors: dict[str, str]):
    return render_template(
        "debtor/declaration_new.html",
        customer=customer,
        invoices=found.declarable,
        already_paying=found.already_paying,
        chosen=chosen,
        values=values,
        errors=errors,
        methods=declaring.METHODS,
        max_proof_mb=current_app.config["MAX_PROOF_BYTES"] // (1024 * 1024),
        earliest=clock.today() - timedelta(days=declaring.MAX_AGE_DAYS),
    )
