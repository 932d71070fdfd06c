"""Invoice numbers as payers type them in a transfer."""

from datetime import date

import pytest

from portal.services.reconciliation.invoice_numbers import InvoiceNumberIndex, OpenInvoice

DUE = date(2026, 10, 31)


def index(*numbers: str) -> InvoiceNumberIndex:
    return InvoiceNumberIndex(
        [OpenInvoice(n, number, 1, 10_000, DUE, "EUR") for n, number in enumerate(numbers, 1)]
    )


@pytest.mark.parametrize(
    "text",
    [
        "FA-2026-0042",
        "Reglement FA 2026-0042 merci",
        "fa20260042",
        "VIR SEPA FA.2026.0042",
        "paiement 2026-0042",
        "Facture 42",
        "facture n° 42",
    ],
)
def test_the_ways_people_type_one_number(text):
    found = index("FA-2026-0042", "FA-2026-0043", "FA-2026-1042").find(text)
    assert [i.number for i in found] == ["FA-2026-0042"]


def test_several_numbers_in_one_text_in_order_each_once():
    found = index("FA-2026-0042", "FA-2026-0043").find("FA-2026-0043 et FA 2026 0042, FA20260043")
    assert [i.number for i in found] == ["FA-2026-0043", "FA-2026-0042"]


def test_a_bare_number_is_taken_only_when_one_invoice_ends_with_it():
    numbers = index("FA-2026-0042", "AV-2025-0042")
    assert numbers.find("Facture 42") == []
    assert numbers.find("Facture 43") == []


def test_unrelated_text_and_amounts_find_nothing():
    numbers = index("FA-2026-0042", "2026-0043")
    assert numbers.find("LOYER NOVEMBRE 2026 42,00 EUR") == []
    assert numbers.find("") == []
