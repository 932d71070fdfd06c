"""A receipt for one payment, as a PDF in the customer's language, rendered on demand.

A debtor who paid wants proof they can file: who was paid, when, how much, by
which means and for which invoices. The receipt is drawn from the payment and
its allocations each time it is asked for (from the account's history, or for
the email that follows an online payment), so nothing is stored and no schema
holds a copy that could drift from the ledger.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.platypus import Flowable

from portal.models import Customer, Organisation, Payment
from portal.services.documents import layout
from portal.services.documents.document_blocks import letterhead
from portal.services.documents.document_text import (
    Formats,
    document_language,
    document_meta,
    payment_method_name,
    safe_filename,
)


def receipt_filename(organisation: Organisation, customer: Customer, payment: Payment) -> str:
    with force_locale(document_language(organisation, customer)):
        return safe_filename(
            _(
                "receipt-%(ref)s-%(day)s-%(id)d.pdf",
                ref=customer.ref,
                day=payment.date,
                id=payment.id,
            )
        )


def receipt_pdf(
    organisation: Organisation, customer: Customer, payment: Payment, *, now: datetime
) -> bytes:
    """The payment, the invoices it settled (and what remains on each), and any credit left."""
    language = document_language(organisation, customer)
    with force_locale(language):
        f = Formats(language)
        title = _("Payment receipt")
        story: list[Flowable] = [
            *letterhead(
                organisation,
                customer,
                f,
                title=title,
                facts=[
                    _("Receipt no. %(id)d", id=payment.id),
                    _("Date of payment: %(day)s", day=f.day(payment.date, "long")),
                ],
                addressee_label=_("Received from"),
            ),
            layout.para(
                _(
                    "%(creditor)s acknowledges receipt of %(amount)s from %(customer)s on %(day)s.",
                    creditor=organisation.legal_name,
                    amount=f.money(payment.amount_cents, payment.currency),
                    customer=customer.name,
                    day=f.day(payment.date, "long"),
                )
            ),
            layout.space(4),
            layout.summary(
                [
                    (_("Means of payment"), payment_method_name(payment.method)),
                    (_("Reference"), payment.reference or "—"),
                    (_("Amount received"), f.money(payment.amount_cents, payment.currency)),
                ],
                layout.WIDTH * 0.6,
                strong={2},
            ),
        ]
        if payment.allocations:
            story += [layout.heading(_("Invoices settled")), _allocations(payment, f)]
        left = payment.amount_cents - sum(a.amount_cents for a in payment.allocations)
        if left > 0:
            story.append(
                layout.para(
                    _(
                        "%(amount)s was not needed for an invoice: it stays to your credit.",
                        amount=f.money(left, payment.currency),
                    )
                )
            )
        meta = document_meta(organisation, language, title, customer)
        return layout.render(story, meta, now)


def _allocations(payment: Payment, f: Formats) -> Flowable:
    rows = [
        [
            a.invoice.number,
            f.day(a.invoice.issue_date),
            f.money(a.amount_cents, payment.currency),
            f.money(a.invoice.outstanding_cents, a.invoice.currency),
        ]
        for a in payment.allocations
    ]
    return layout.grid(
        [_("Invoice"), _("Issue date"), _("Paid on this invoice"), _("Still due today")],
        rows,
        widths=[34, 30, 36, 36],
        numeric={2, 3},
    )
