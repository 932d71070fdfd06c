"""Formal notice letters to print and post by registered mail, and recording their posting.

A letter of one invoice, a letter of all a customer's overdue invoices, the
letter the dunning pass prepared; then the date it was posted, which is what
starts a consumer's interest and what a court asks for.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import abort, current_app, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.creditor.forms import NoticePostedForm
from portal.creditor.views import _customer_or_404, bp
from portal.services import organisation
from portal.services.audit import Actor
from portal.services.documents import formal_notice, formal_notice_letter
from portal.services.dunning import notice_letters, reminder_content
from portal.services.errors import DomainError, NotFound
from portal.services.workspace import invoices


@bp.route("/invoices/<int:invoice_id>/formal-notice.pdf")
def formal_notice_pdf(invoice_id: int):
    """The letter dated today; the addressee's link page lets them ask for a fresh portal link."""
    try:
        invoice = invoices.get(invoice_id)
    except NotFound:
        abort(404)
    org, today = organisation.get(), clock.today()
    try:
        pdf = formal_notice_letter.formal_notice_pdf(
            org,
            invoice.customer,
            [invoice],
            today=today,
            now=clock.now(),
            deadline=reminder_content.deadline_for(today),
            portal_link=_link_request_page(),
        )
    except formal_notice.LetterUnavailable as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("creditor.invoice_show", invoice_id=invoice.id), code=303)
    response = send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=formal_notice_letter.filename(org, invoice.customer, today),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/customers/<int:customer_id>/formal-notice.pdf")
def customer_formal_notice_pdf(customer_id: int):
    """The letter for every overdue invoice of the customer, dated today, to post."""
    customer = _customer_or_404(customer_id)
    org, today = organisation.get(), clock.today()
    try:
        pdf = notice_letters.letter_for_posting(
            customer, org, today=today, now=clock.now(), base_url=current_app.config["BASE_URL"]
        )
    except formal_notice.LetterUnavailable as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("creditor.customer_show", customer_id=customer.id), code=303)
    return _pdf(pdf, formal_notice_letter.filename(org, customer, today))


@bp.route("/customers/<int:customer_id>/notice-letters/<int:letter_id>.pdf")
def notice_letter_pdf(customer_id: int, letter_id: int):
    """The letter the dunning pass prepared for posting, as it was made."""
    customer = _customer_or_404(customer_id)
    try:
        path = notice_letters.stored_letter(customer, letter_id, Path(current_app.instance_path))
    except NotFound:
        abort(404)
    return _pdf(path.read_bytes(), f"{customer.ref}-{letter_id}.pdf")


@bp.route("/customers/<int:customer_id>/notice-letters/posted", methods=["POST"])
def notice_letter_posted(customer_id: int):
    """Record that a formal notice letter was posted, with its date and tracking number."""
    customer = _customer_or_404(customer_id)
    form = NoticePostedForm()
    if not form.validate_on_submit():
        flash(_("Enter the date the letter was posted."), "error")
    else:
        try:
            notice_letters.record_posted(
                customer,
                posted_on=form.posted_on.data,
                registered=form.registered.data,
                tracking_number=form.tracking_number.data or "",
                letter_id=int(form.letter_id.data) if form.letter_id.data else None,
                actor=Actor.user(current_user),
                now=clock.now(),
                today=clock.today(),
            )
        except NotFound:
            abort(404)
        except DomainError as exc:
            flash(_(str(exc)), "error")
        else:
            flash(_("Posting recorded."), "success")
    url = url_for("creditor.customer_show", customer_id=customer.id, _anchor="notices")
    return redirect(url, code=303)


def _pdf(data: bytes, name: str):
    response = send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _link_request_page() -> str:
    """A posted letter cannot carry a personal link (it would be typed, and a GET must not
    create one): the page where the debtor asks for a link by email is printed instead."""
    path = url_for("debtor.link_invalid", reason="missing")
    return current_app.config["BASE_URL"].rstrip("/") + path
