"""French account numbers to IBANs, and the RF creditor references the portal hands out."""

from __future__ import annotations

import pytest

from portal.values.banking import iban_is_valid
from portal.values.creditor_references import format_rf, make_rf, rf_is_valid
from portal.values.rib import french_account_to_iban, rib_key, rib_to_iban


def test_the_rib_key_and_iban_of_published_examples():
    # The example RIB French banks print, and La Banque Postale's with a letter in the account.
    assert rib_key("30006", "00001", "12345678901") == "89"
    assert rib_to_iban("30006", "00001", "12345678901") == "FR7630006000011234567890189"
    assert rib_to_iban("20041", "01005", "0500013M026") == "FR1420041010050500013M02606"
    assert iban_is_valid(rib_to_iban("30004", "00828", "00010123456"))


def test_a_wrong_key_or_malformed_rib_gives_no_iban():
    assert rib_to_iban("30006", "00001", "12345678901", key="98") is None
    assert rib_to_iban("3000A", "00001", "12345678901") is None
    assert rib_to_iban("30006", "00001", "1234567890") is None


@pytest.mark.parametrize(
    "written",
    [
        "FR76 3000 6000 0112 3456 7890 189",
        "fr7630006000011234567890189",
        "30006 00001 12345678901 89",
        "30006/00001/12345678901",
        "300060000112345678901",
    ],
)
def test_french_accounts_as_files_write_them(written):
    assert french_account_to_iban(written) == "FR7630006000011234567890189"


def test_what_is_not_an_account_gives_none():
    assert french_account_to_iban("FR7630006000011234567890188") is None  # bad IBAN check
    assert french_account_to_iban("30006 00001 12345678901 88") is None  # bad RIB key
    assert french_account_to_iban("12345") is None


def test_rf_references_are_made_checked_and_printed_in_one_place():
    reference = make_rf("539007547034")

    assert reference == "RF18539007547034" and rf_is_valid("rf18 5390 0754 7034")
    assert format_rf(reference) == "RF18 5390 0754 7034"
    assert not rf_is_valid("RF19539007547034")
    assert not rf_is_valid("RF18É39007547034")  # not a letter ISO 11649 knows
    with pytest.raises(ValueError):
        make_rf("ÉCOLE")
