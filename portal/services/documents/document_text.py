"""The words and formats every document shares: language, amounts and dates, names.

The invoice, the statement and the formal notice are read by the customer (and
often forwarded to their accountant), not by whoever clicked, so each is written
in the customer's language when the portal speaks it, and Babel formats its
amounts and dates in that language. Registration numbers, payment method names,
the PDF metadata with its footer and the download name read the same on every
document, so they are written once, here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from flask_babel import gettext as _

from portal.models import Customer, Organisation, PaymentMethod
from portal.services.documents import layout
from portal.values.locales import DEFAULT_LANGUAGE, LANGUAGES
from portal.values.money import format_money


@dataclass(frozen=True)
class Formats:
    """Babel formatting bound to the document's language."""

    language: str

    def money(self, cents: int, currency: str) -> str:
        return format_money(cents, currency, self.language)

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
    for language in (customer.language, organisation.language):
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


def document_meta(
    organisation: Organisation, language: str, title: str, customer: Customer
) -> layout.Meta:
    """Title and author for the PDF viewer, and the creditor's identity in every page's footer."""
    identity = [organisation.legal_name, ", ".join(organisation.address_lines)]
    legal = [registration(organisation.siren, ""), _vat_line(organisation)]
    footer = "\n".join(" · ".join(filter(None, part)) for part in (identity, legal))
    return layout.Meta(
        title=f"{title} — {customer.name}",
        author=organisation.legal_name,
        subject=title,
        language=language,
        footer=footer,
        page_label=_("Page %(page)d of %(pages)d"),
    )


def creditor_identity(organisation: Organisation, f: Formats) -> list[str]:
    """The lines under the creditor's name on every document; `layout.lines` drops the empty ones."""
    legal_name = organisation.legal_name
    return [
        legal_name if legal_name != organisation.display_name else "",
        *organisation.address_lines,
        f.country(organisation.country) if organisation.country not in ("", "FR") else "",
        registration(organisation.siren, organisation.siret),
        _vat_line(organisation),
        organisation.contact_email,
        organisation.contact_phone,
    ]


def _vat_line(organisation: Organisation) -> str:
    if not organisation.vat_number:
        return ""
    return _("VAT number: %(number)s", number=organisation.vat_number)


def registration(siren: str, siret: str) -> str:
    """SIREN and SIRET grouped as the INSEE prints them: 123 456 789 00012."""
    parts = []
    if siren:
        parts.append(f"SIREN {siren[:3]} {siren[3:6]} {siren[6:]}".strip())
    if siret:
        parts.append(f"SIRET {siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}".strip())
    return " · ".join(parts)


def payment_method_name(method: PaymentMethod | str) -> str:
    """How a payment was made, in the document's language; an unknown method as it is stored."""
    labels = {
        PaymentMethod.TRANSFER: _("Bank transfer"),
        PaymentMethod.CARD: _("Card"),
        PaymentMethod.SEPA_DEBIT: _("SEPA direct debit"),
        PaymentMethod.CHEQUE: _("Cheque"),
        PaymentMethod.CASH: _("Cash"),
        PaymentMethod.OTHER: _("Other"),
    }
    return labels.get(method, str(method))


def safe_filename(name: str) -> str:
    """Invoice numbers may hold slashes or spaces; a download name may not."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-")
