"""The invoice and the statement of account as PDF files, in the customer's language.

Both are documents the customer keeps or forwards to their accountant, so they
carry what French law asks of an invoice (identities, SIREN, VAT number, VAT per
rate, due date, late-payment terms) and the balance as of the day they are made.
Amounts and dates are formatted by Babel in the document's language, whatever
the language of the person who clicked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.platypus import Flowable

from portal.models import Customer, Invoice, InvoiceStatus, Organisation, PaymentMethod
from portal.services.documents import layout
from portal.services.workspace import invoices as invoice_reads
from portal.values.banking import format_iban

#: How many of the latest payments a statement lists.
STATEMENT_PAYMENTS = 10


@dataclass(frozen=True)
class Formats:
    """Babel formatting bound to the document's language."""

    language: str

    def money(self, cents: int, currency: str) -> str:
        return format_currency(Decimal(cents).scaleb(-2), currency, locale=self.language)

    def price(self, amount: Decimal, currency: str) -> str:
        """A unit price keeps its imported precision (0,335 €): it is not money owed."""
        return format_currency(amount, currency, locale=self.language, decimal_quantization=False)

    def number(self, value: Decimal) -> str:
        return format_decimal(value, locale=self.language)

    def rate(self, percent: Decimal) -> str:
        return format_percent(percent / 100, locale=self.language, decimal_quantization=False)

    def day(self, value: date, style: str = "medium") -> str:
        return format_date(value, style, locale=self.language)

    def country(self, code: str) -> str:
        return Locale.parse(self.language).territories.get(code.upper(), code)


def document_language(organisation: Organisation, customer: Customer) -> str:
    """The customer's language if the portal speaks it, else the creditor's."""
    languages = current_app.config["LANGUAGES"]
    for language in (customer.language, organisation.language):
        if language in languages:
            return language
    return current_app.config["DEFAULT_LANGUAGE"]


def invoice_filename(organisation: Organisation, invoice: Invoice) -> str:
    with force_locale(document_language(organisation, invoice.customer)):
        return _safe_filename(_("invoice-%(number)s.pdf", number=invoice.number))


def statement_filename(organisation: Organisation, customer: Customer, today: date) -> str:
    with force_locale(document_language(organisation, customer)):
        return _safe_filename(
            _("statement-%(ref)s-%(day)s.pdf", ref=customer.ref, day=today.isoformat())
        )


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
        story: list[Flowable] = [
            *_letterhead(
                organisation,
                customer,
                f,
                title=_("Invoice %(number)s", number=invoice.number),
                facts=facts,
                addressee_label=_("Bill to"),
            ),
            _invoice_lines(invoice, f),
            layout.space(4),
            _invoice_totals(invoice, f, today),
        ]
        story += _settlements(invoice, details, f)
        story += _how_to_pay(
            organisation,
            f,
            due=invoice.due_date,
            reference=invoice.number,
            amount_cents=invoice.outstanding_cents,
            currency=invoice.currency,
        )
        meta = _meta(
            organisation, language, _("Invoice %(number)s", number=invoice.number), customer
        )
        return layout.render(story, meta, now)


def statement_pdf(
    organisation: Organisation, customer: Customer, *, today: date, now: datetime
) -> bytes:
    """Every open invoice with its days late, the totals due now and later, the last payments."""
    language = document_language(organisation, customer)
    account = invoice_reads.customer_account(customer, today, paid_limit=STATEMENT_PAYMENTS)
    with force_locale(language):
        f = Formats(language)
        story: list[Flowable] = [
            *_letterhead(
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
        story += _how_to_pay(
            organisation,
            f,
            due=None,
            reference=customer.ref,
            amount_cents=due_now,
            currency=account.currency,
        )
        meta = _meta(organisation, language, _("Statement of account"), customer)
        return layout.render(story, meta, now)


def _letterhead(
    organisation: Organisation,
    customer: Customer,
    f: Formats,
    *,
    title: str,
    facts: list[str],
    addressee_label: str,
) -> list[Flowable]:
    """Who writes (left), what this is (right), and to whom (right, as in an envelope window)."""
    creditor = [
        layout.para(organisation.display_name, layout.NAME),
        *layout.lines(
            [
                organisation.legal_name
                if organisation.legal_name != organisation.display_name
                else "",
                *organisation.address_lines,
                f.country(organisation.country) if organisation.country not in ("", "FR") else "",
                _registration(organisation.siren, organisation.siret),
                _("VAT number: %(number)s", number=organisation.vat_number)
                if organisation.vat_number
                else "",
                organisation.contact_email,
                organisation.contact_phone,
            ],
            layout.IDENTITY,
        ),
    ]
    addressee = [
        layout.para(addressee_label, layout.LABEL),
        layout.para(customer.name, layout.STRONG),
        *layout.lines(
            [
                *customer.address_lines,
                f.country(customer.country)
                if customer.country not in ("", organisation.country)
                else "",
                _registration(customer.siren, ""),
                _("Customer reference: %(ref)s", ref=customer.ref),
            ]
        ),
    ]
    about = [
        layout.para(title, layout.TITLE),
        *layout.lines(facts, layout.BODY_RIGHT),
        layout.space(6),
        layout.boxed(addressee, layout.WIDTH * 0.42),
    ]
    return [layout.columns(creditor, about, left_share=0.5), layout.space(8)]


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

    by_rate: dict[Decimal, list[int]] = defaultdict(lambda: [0, 0])
    for line in invoice.lines:
        by_rate[line.tax_rate][0] += line.net_cents
        by_rate[line.tax_rate][1] += line.tax_cents
    vat: list[Flowable] = []
    if len(by_rate) > 1:
        vat = [
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
    return layout.together([layout.columns(vat, [totals], left_share=0.5)])


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
        [f.day(p.date), _method(p.method), p.reference or "—", f.money(p.amount_cents, p.currency)]
        for p in payments
    ]
    return layout.grid(
        [_("Date"), _("Method"), _("Reference"), _("Amount")],
        rows,
        widths=[30, 44, 66, 34],
        numeric={3},
    )


def _how_to_pay(
    organisation: Organisation,
    f: Formats,
    *,
    due: date | None,
    reference: str,
    amount_cents: int,
    currency: str,
) -> list[Flowable]:
    """Bank details, then the terms French law requires on business documents.

    `due` is the invoice's due date; a statement has none of its own.
    """
    flow: list[Flowable] = [layout.heading(_("Payment"))]
    if amount_cents > 0:
        flow.append(
            layout.para(
                _(
                    "Please pay %(amount)s by bank transfer, quoting the reference %(reference)s.",
                    amount=f.money(amount_cents, currency),
                    reference=reference,
                )
            )
        )
    if organisation.iban:
        flow += [
            layout.para(_("Account holder: %(name)s", name=organisation.legal_name)),
            layout.para(_("IBAN: %(iban)s", iban=format_iban(organisation.iban)), layout.STRONG),
            *layout.lines([_("BIC: %(bic)s", bic=organisation.bic) if organisation.bic else ""]),
        ]
    margin = f.number(Decimal(organisation.penalty_margin_bp).scaleb(-2))
    indemnity = f.money(organisation.recovery_indemnity_cents, currency)
    terms = [
        _("Payment due by %(day)s. No discount for early payment.", day=f.day(due, "long"))
        if due
        else "",
        _(
            "Late-payment penalties at the ECB rate + %(points)s points, and for businesses a fixed "
            "%(indemnity)s recovery indemnity (Code de commerce art. L441-10 and D441-5).",
            points=margin,
            indemnity=indemnity,
        ),
        organisation.policy_notes,
    ]
    return [layout.together([*flow, layout.space(3), *layout.lines(terms, layout.SMALL)])]


def _meta(organisation: Organisation, language: str, title: str, customer: Customer) -> layout.Meta:
    identity = [organisation.legal_name, ", ".join(organisation.address_lines)]
    registration = [
        _registration(organisation.siren, ""),
        _("VAT number: %(number)s", number=organisation.vat_number)
        if organisation.vat_number
        else "",
    ]
    footer = "\n".join(" · ".join(filter(None, part)) for part in (identity, registration))
    return layout.Meta(
        title=f"{title} — {customer.name}",
        author=organisation.legal_name,
        subject=title,
        language=language,
        footer=footer,
        page_label=_("Page %(page)d of %(pages)d"),
    )


def _registration(siren: str, siret: str) -> str:
    """SIREN and SIRET grouped as the INSEE prints them: 123 456 789 00012."""
    parts = []
    if siren:
        parts.append(f"SIREN {siren[:3]} {siren[3:6]} {siren[6:]}".strip())
    if siret:
        parts.append(f"SIRET {siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}".strip())
    return " · ".join(parts)


def _method(method: PaymentMethod | str) -> str:
    labels = {
        PaymentMethod.TRANSFER: _("Bank transfer"),
        PaymentMethod.CARD: _("Card"),
        PaymentMethod.SEPA_DEBIT: _("SEPA direct debit"),
        PaymentMethod.CHEQUE: _("Cheque"),
        PaymentMethod.CASH: _("Cash"),
        PaymentMethod.OTHER: _("Other"),
    }
    return labels.get(method, str(method))


def _describe_payment(method: PaymentMethod | str, reference: str) -> str:
    return f"{_method(method)} — {reference}" if reference else _method(method)


def _safe_filename(name: str) -> str:
    """Invoice numbers may hold slashes or spaces; a download name may not."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-")


# Shared with the formal notice letter (services.letters), so every document has one look.
document_meta = _meta
registration = _registration
safe_filename = _safe_filename
