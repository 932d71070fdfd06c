"""The debtor disputes lines of an invoice, on the debtor blueprint.

Scoped to the session's customer like every debtor page: another customer's
invoice or dispute answers 404 and nothing is written. Attachments are never
served back to debtors.
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from portal import clock
from portal.adapters import uploads
from portal.debtor.access import SESSION_CUSTOMER, current_customer
from portal.debtor.once import once
from portal.debtor.views import bp
from portal.extensions import limiter
from portal.services.audit import Actor
from portal.services.disputes import holds, raising
from portal.services.errors import NotFound

#: Each dispute makes a task and maybe a few 10 MB files: enough for honest use.
DISPUTES_PER_CUSTOMER = "20 per day"


def uploads_folder() -> Path:
    """Attachments live in the instance folder, never anywhere a visitor could name."""
    return Path(current_app.instance_path) / uploads.FOLDER_NAME


@bp.context_processor
def inject_dispute_hold() -> dict:
    """Lazy: the account and invoice pages ask what is on hold, and the disputes, of one invoice."""

    held: dict[int, int] | None = None

    def dispute_hold(invoice) -> int:
        nonlocal held
        if held is None:  # one query for the whole page, not one per invoice card
            held = holds.open_cents_for_customer(invoice.customer_id)
        return held.get(invoice.id, 0)

    return {"dispute_hold": dispute_hold, "invoice_disputes": raising.of_invoice}


@bp.route("/account/invoices/<int:invoice_id>/dispute")
def dispute_new(invoice_id: int):
    """The form: the invoice's lines to tick, a reason, a comment, files."""
    customer = current_customer()
    try:
        invoice = raising.invoice_of(customer, invoice_id)
    except NotFound:
        abort(404)
    return _form_page(invoice, {}, {})


@bp.route("/account/invoices/<int:invoice_id>/dispute", methods=["POST"])
@limiter.limit(DISPUTES_PER_CUSTOMER, key_func=lambda: f"dispute:{session.get(SESSION_CUSTOMER)}")
@once
def dispute_create(invoice_id: int):
    """Record the dispute; only the disputed amount is held back."""
    customer = current_customer()
    form = request.form
    try:
        invoice = raising.invoice_of(customer, invoice_id)
    except NotFound:
        abort(404)
    files = [f.stream for f in request.files.getlist("attachment") if f and f.filename]
    amounts = {
        key[len("amount-") :]: value for key, value in form.items() if key.startswith("amount-")
    }
    try:
        chosen = raising.parse_lines(
            invoice, form.getlist("line"), amounts, bool(form.get("whole"))
        )
        dispute = raising.open_dispute(
            customer,
            invoice.id,
            chosen,
            reason=form.get("reason", ""),
            comment=form.get("comment", ""),
            files=files,
            uploads_folder=uploads_folder(),
            max_file_bytes=current_app.config["MAX_PROOF_BYTES"],
            review_url=current_app.config["BASE_URL"] + url_for("creditor.dispute_list"),
            today=clock.today(),
            now=clock.now(),
            actor=Actor.debtor(customer),
        )
    except NotFound:
        abort(404)
    except raising.DisputeRefused as exc:
        errors = {field: _(message) for field, message in exc.errors.items()}
        return _form_page(invoice, form, errors), 422
    return redirect(url_for("debtor.dispute_show", dispute_id=dispute.id), code=303)


@bp.route("/account/disputes/<int:dispute_id>")
def dispute_show(dispute_id: int):
    """What was disputed, and what happens next."""
    customer = current_customer()
    try:
        dispute = raising.of_customer(customer, dispute_id)
    except NotFound:
        abort(404)
    return render_template("debtor/dispute_done.html", customer=customer, dispute=dispute)


def _form_page(invoice, values, errors: dict[str, str]):
    return render_template(
        "debtor/dispute_new.html",
        customer=invoice.customer,
        invoice=invoice,
        disputable=raising.disputable_line_ids(invoice),
        reasons=raising.REASONS,
        values=values,
        ticked={str(v) for v in values.getlist("line")} if hasattr(values, "getlist") else set(),
        errors=errors,
        max_file_mb=current_app.config["MAX_PROOF_BYTES"] // (1024 * 1024),
    )
