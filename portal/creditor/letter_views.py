"""The formal notice letter of one invoice, to print and post by registered mail."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, send_file, url_for
from flask_babel import gettext as _

from portal import clock
from portal.creditor.views import bp
from portal.services import organisation
from portal.services.documents import formal_notice, formal_notice_letter
from portal.services.dunning import reminder_content
from portal.services.errors import NotFound
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


def _link_request_page() -> str:
    """A posted letter cannot carry a personal link (it would be typed, and a GET must not
    create one): the page where the debtor asks for a link by email is printed instead."""
    path = url_for("debtor.link_invalid", reason="missing")
    return current_app.config["BASE_URL"].rstrip("/") + path
