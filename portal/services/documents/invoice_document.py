"""The invoice as a PDF file, in the customer's language.

It is the document the customer keeps or forwards to their accountant, so it
carries what French law asks of an invoice (identities, SIREN, VAT number, VAT
per rate, due date, late-payment terms), every payment and credit note already
set against it, and what is still due on the day it is made.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.platypus import Flowable

from portal.models import Invoice, InvoiceStatus, Organisation, PaymentMethod
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


def invoice_filename(organisation: Organisation, invoice: Invoice) -> str:
    with force_locale(document_language(organisation, invoice.customer)):
        return safe_filename(_("invoice-%(number)s.pdf", number=invoice.number))


def invoice_pdf(
    organisation: Organisation, invoice: Invoice, *, today: date, now: datetime
) -> bytes:
    """The invoice with its lines, VAT, what was paid or credited, and what is still due today."""
    customer = invoice.customer
    language = document_language(organisation, customer)
    details = invoice_reads.invoice_details(invoice)
    with force_locale(language):
        f = Formats(language)
        facts = [
            _("Issue date: %(day)s", day=f.day(invoice.issue_date, "long")),
            _("Due date: %(day)s", day=f.day(invoice.due_date, "long")),
        ]
        if invoice.status is InvoiceStatus.PAID and invoice.paid_date:
            facts.append(_("Paid on %(day)s", day=f.day(invoice.paid_date, "long")))
        title = _("Invoice %(number)s", number=invoice.number)
        story: list[Flowable] = [
            *letterhead(
                organisation, customer, f, title=title, facts=facts, addressee_label=_("Bill to")
            ),
            _invoice_lines(invoice, f),
            layout.space(4),
            _invoice_totals(invoice, f, today),
        ]
        story += _settlements(invoice, details, f)
        story += how_to_pay(
            organisation,
            customer,
            f,
            due=invoice.due_date,
            reference=invoice.number,
            amount_cents=invoice.outstanding_cents,
            currency=invoice.currency,
        )
        meta = document_meta(organisation, language, title, customer)
        return layout.render(story, meta, now)


def _invoice_lines(invoice: Invoice, f: Formats) -> Flowable:
    rows = [
        [
            layout.para(line.description),
            f.number(line.quantity),
            f.price(line.unit_price, invoice.currency),
            f.rate(line.tax_rate),
            f.money(line.net_cents, invoice.currency),
        ]
        for line in invoice.lines
    ]
    return layout.grid(
        [
            _("Description"),
            _("Quantity"),
            _("Unit price excl. tax"),
            _("VAT"),
            _("Amount excl. tax"),
        ],
        rows,
        widths=[76, 21, 32, 16, 29],
        numeric={1, 2, 3, 4},
    )


def _invoice_totals(invoice: Invoice, f: Formats, today: date) -> Flowable:
    """VAT per rate (required when rates differ) beside the totals and what is still due."""
    money = invoice.currency
    rows = [
        (_("Total excluding tax"), f.money(invoice.net_cents, money)),
        (_("VAT"), f.money(invoice.tax_cents, money)),
        (_("Total including tax"), f.money(invoice.total_cents, money)),
    ]
    if invoice.paid_cents:
        rows.append((_("Payments received"), f.money(-invoice.paid_cents, money)))
    if invoice.credited_cents:
        rows.append((_("Credit notes"), f.money(-invoice.credited_cents, money)))
    rows.append(
        (_("Still due on %(day)s", day=f.day(today)), f.money(invoice.outstanding_cents, money))
    )
    totals = layout.summary(rows, layout.WIDTH * 0.47, strong={2, len(rows) - 1})
    vat = _vat_breakdown(invoice, f)
    return layout.together([layout.columns(vat, [totals], left_share=0.5)])


def _vat_breakdown(invoice: Invoice, f: Formats) -> list[Flowable]:
    """Base and VAT per rate; nothing when the invoice has a single rate."""
    by_rate: dict[Decimal, list[int]] = defaultdict(lambda: [0, 0])
    for line in invoice.lines:
        by_rate[line.tax_rate][0] += line.net_cents
        by_rate[line.tax_rate][1] += line.tax_cents
    if len(by_rate) <= 1:
        return []
    money = invoice.currency
    return [
        layout.para(_("VAT breakdown"), layout.LABEL),
        layout.grid(
            [_("Rate"), _("Base excl. tax"), _("VAT")],
            [
                [f.rate(rate), f.money(net, money), f.money(tax, money)]
                for rate, (net, tax) in sorted(by_rate.items())
            ],
            widths=[14, 22, 18],
            numeric={0, 1, 2},
            width=layout.WIDTH * 0.45,
        ),
    ]


def _settlements(
    invoice: Invoice, details: invoice_reads.InvoiceDetails, f: Formats
) -> list[Flowable]:
    """Each payment and credit note already set against this invoice."""
    if not details.allocations and not details.credit_notes:
        return []
    rows = [
        [
            f.day(payment.date),
            _describe_payment(payment.method, payment.reference),
            f.money(allocation.amount_cents, invoice.currency),
        ]
        for allocation, payment in details.allocations
    ]
    rows += [
        [
            f.day(note.date),
            " — ".join(
                filter(None, [_("Credit note %(number)s", number=note.number), note.reason])
            ),
            f.money(note.amount_cents, invoice.currency),
        ]
        for note in details.credit_notes
    ]
    return [
        layout.heading(_("Payments and credit notes received")),
        layout.grid(
            [_("Date"), _("Description"), _("Amount")], rows, widths=[30, 110, 34], numeric={2}
        ),
    ]


def _describe_payment(method: PaymentMethod | str, reference: str) -> str:
    name = payment_method_name(method)
    return f"{name} — {reference}" if reference else name
