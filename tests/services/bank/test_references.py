"""RF creditor references found in remittance text, wherever the payer's bank put them."""

from __future__ import annotations

import pytest

from portal.services.bank.references import find_rf_references


@pytest.mark.parametrize(
    ("lines", "found"),
    [
        (["FACTURE F-2026-001 RF18 5390 0754 7034"], ("RF18539007547034",)),
        (["paiement rf18539007547034 merci"], ("RF18539007547034",)),
        (["REGLEMENT RF18 5390", "0754 7034 MERCI"], ("RF18539007547034",)),
        (["REGLEMENT RF185390075", "47034"], ("RF18539007547034",)),
        (["/RFB/RF18539007547034/"], ("RF18539007547034",)),
        (["RF18539007547034", "FACTURE 12"], ("RF18539007547034",)),
        (["RF18 5390 0754 7034 ET RF43 7K3M 9QXP D2HA"], ("RF18539007547034", "RF437K3M9QXPD2HA")),
        (["RF18539007547034 RF18539007547034"], ("RF18539007547034",)),
    ],
)
def test_rf_references_are_found_in_remittance_lines(lines, found):
    assert find_rf_references(lines) == found


@pytest.mark.parametrize(
    "lines",
    [
        ["RF19 5390 0754 7034"],  # check digits wrong
        ["PERF18539007547034"],  # inside a word
        ["RF18 1234 5678 FACTURE 2026"],
        ["FACTURE RF2026-0042 DU 05/01/2026"],
        [],
    ],
)
def test_text_that_is_not_a_valid_rf_reference_is_not_taken_for_one(lines):
    assert find_rf_references(lines) == ()
