"""The debtor's PDF documents: an invoice of theirs, their statement, a receipt per payment.

Both are in the customer's language and never cached (the blueprint's
after_request sends `Cache-Control: no-store`).
"""

from __future__ import annotations

from io import BytesIO

from flask import abort, send_file

from portal import clock
from portal.debtor.access import current_customer
from portal.debtor.views import bp
from portal.services import debtor_account, organisation
from portal.services.documents import invoice_document, receipt_document, statement_document
from portal.services.errors import NotFound


@bp.route("/account/invoices/<int:invoice_id>.pdf")
def invoice_pdf(invoice_id: int):
    """One of this customer's invoices as a PDF; another customer's is a 404."""
    customer = current_customer()
    org = organisation.get()
    try:
        invoice = debtor_account.invoice_of(customer, invoice_id)
    except NotFound:
        abort(404)
    if org is None:
        abort(404)
    pdf = invoice_document.invoice_pdf(org, invoice, today=clock.today(), now=clock.now())
    return send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        download_name=invoice_document.invoice_filename(org, invoice),
    )


@bp.route("/account/statement.pdf")
def statement_pdf():
    """This customer's open invoices and latest payments, as of today."""
    customer = current_customer()
    org = organisation.get()
    if org is None:
        abort(404)
    today = clock.today()
    pdf = statement_document.statement_pdf(org, customer, today=today, now=clock.now())
    name = statement_document.statement_filename(org, customer, today)
    return send_file(BytesIO(pdf), mimetype="application/pdf", download_name=name)


@bp.route("/account/payments/<int:payment_id>/receipt.pdf")
def receipt_pdf(payment_id: int):
    """A receipt for one of this customer's payments, drawn from the ledger when asked."""
    customer = current_customer()
    org = organisation.get()
    try:
        payment = debtor_account.payment_of(customer, payment_id)
    except NotFound:
        abort(404)
    if org is None:
        abort(404)
    pdf = receipt_document.receipt_pdf(org, customer, payment, now=clock.now())
    name = receipt_document.receipt_filename(org, customer, payment)
    return send_file(BytesIO(pdf), mimetype="application/pdf", download_name=name)
