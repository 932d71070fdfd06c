"""The statement of account as a PDF file, in the customer's language.

A customer who asks "what do I owe?" gets every open invoice with its days
late, what is due now and what later, and the last payments received, so they
can check them against their own books, as of the day it is made.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.platypus import Flowable

from portal.models import Customer, Invoice, Organisation
from portal.services.documents import layout
from portal.services.documents.document_blocks import how_to_pay, letterhead
from portal.services.documents.document_text import (
    Formats,
    document_language,
    document_meta,
    payment_method_name,
    safe_filename,
)
from portal.services.workspace import invoices as invoice_reads

#: How many of the latest payments a statement lists.
STATEMENT_PAYMENTS = 10


def statement_filename(organisation: Organisation, customer: Customer, today: date) -> str:
    with force_locale(document_language(organisation, customer)):
        return safe_filename(
            _("statement-%(ref)s-%(day)s.pdf", ref=customer.ref, day=today.isoformat())
        )


def statement_pdf(
    organisation: Organisation, customer: Customer, *, today: date, now: datetime
) -> bytes:
    """Every open invoice with its days late, the totals due now and later, the last payments."""
    language = document_language(organisation, customer)
    account = invoice_reads.customer_account(customer, today, paid_limit=STATEMENT_PAYMENTS)
    with force_locale(language):
        f = Formats(language)
        story: list[Flowable] = [
            *letterhead(
                organisation,
                customer,
                f,
                title=_("Statement of account"),
                facts=[_("Date: %(day)s", day=f.day(today, "long"))],
                addressee_label=_("Customer"),
            ),
            layout.heading(_("Open invoices")),
        ]
        if account.open_invoices:
            story += [_open_invoices(account.open_invoices, f, today), layout.space(4)]
            story.append(_statement_totals(account.open_invoices, account.currency, f, today))
        else:
            story.append(layout.para(_("No open invoice: the account is up to date.")))
        if account.payments:
            story += [layout.heading(_("Last payments received")), _payments(account.payments, f)]
        due_now = sum(i.outstanding_cents for i in account.open_invoices if i.due_date <= today)
        story += how_to_pay(
            organisation,
            customer,
            f,
            due=None,
            reference=customer.ref,
            amount_cents=due_now,
            currency=account.currency,
        )
        meta = document_meta(organisation, language, _("Statement of account"), customer)
        return layout.render(story, meta, now)


def _open_invoices(open_invoices: list[Invoice], f: Formats, today: date) -> Flowable:
    rows = [
        [
            invoice.number,
            f.day(invoice.issue_date),
            f.day(invoice.due_date),
            f.money(invoice.total_cents, invoice.currency),
            f.money(invoice.outstanding_cents, invoice.currency),
            str(invoice.days_late(today)) if invoice.days_late(today) else "—",
        ]
        for invoice in open_invoices
    ]
    return layout.grid(
        [
            _("Invoice"),
            _("Issue date"),
            _("Due date"),
            _("Total including tax"),
            _("Still due"),
            _("Days late"),
        ],
        rows,
        widths=[26, 27, 28, 32, 30, 21],
        numeric={3, 4, 5},
    )


def _statement_totals(
    open_invoices: list[Invoice], currency: str, f: Formats, today: date
) -> Flowable:
    due_now = sum(i.outstanding_cents for i in open_invoices if i.due_date <= today)
    later = sum(i.outstanding_cents for i in open_invoices if i.due_date > today)
    rows = [
        (_("Amount due now"), f.money(due_now, currency)),
        (_("Not yet due"), f.money(later, currency)),
        (_("Total outstanding"), f.money(due_now + later, currency)),
    ]
    return layout.summary(rows, layout.WIDTH * 0.45, strong={2})


def _payments(payments: list, f: Formats) -> Flowable:
    rows = [
        [
            f.day(p.date),
            payment_method_name(p.method),
            p.reference or "—",
            f.money(p.amount_cents, p.currency),
        ]
        for p in payments
    ]
    return layout.grid(
        [_("Date"), _("Method"), _("Reference"), _("Amount")],
        rows,
        widths=[30, 44, 66, 34],
        numeric={3},
    )
