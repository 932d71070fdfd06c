"""The creditor's copies of the PDF documents, exactly as the customer gets them.

They are in the customer's language (they are made to be sent on), and private:
no cache keeps them.
"""

from __future__ import annotations

from io import BytesIO

from flask import Response, abort, send_file

from portal import clock
from portal.creditor.views import bp
from portal.services import customers, organisation
from portal.services.documents import invoice_document, statement_document
from portal.services.errors import NotFound
from portal.services.workspace import invoices


@bp.route("/invoices/<int:invoice_id>.pdf")
def invoice_pdf(invoice_id: int):
    """An invoice as a PDF, with what is still due today."""
    org = organisation.get()
    try:
        invoice = invoices.get(invoice_id)
    except NotFound:
        abort(404)
    if org is None:
        abort(404)
    pdf = invoice_document.invoice_pdf(org, invoice, today=clock.today(), now=clock.now())
    return _private(
        send_file(
            BytesIO(pdf),
            mimetype="application/pdf",
            download_name=invoice_document.invoice_filename(org, invoice),
        )
    )


@bp.route("/customers/<int:customer_id>/statement.pdf")
def statement_pdf(customer_id: int):
    """A customer's statement of account as of today."""
    org = organisation.get()
    try:
        customer = customers.get(customer_id)
    except NotFound:
        abort(404)
    if org is None:
        abort(404)
    today = clock.today()
    pdf = statement_document.statement_pdf(org, customer, today=today, now=clock.now())
    name = statement_document.statement_filename(org, customer, today)
    return _private(send_file(BytesIO(pdf), mimetype="application/pdf", download_name=name))


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
