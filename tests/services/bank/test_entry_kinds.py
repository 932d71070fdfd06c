"""What kind of movement an entry is, from banks' codes or the first words of their labels."""

from __future__ import annotations

import pytest

from portal.services.bank import entry_kinds
from portal.services.bank.statement import EntryKind


@pytest.mark.parametrize(
    ("family", "subfamily", "kind"),
    [
        ("RCDT", "ESCT", EntryKind.TRANSFER),
        ("IDDT", "ESDD", EntryKind.DIRECT_DEBIT),
        ("IDDT", "UPDD", EntryKind.RETURN),
        ("ICDT", "RRTN", EntryKind.RETURN),
        ("MCRD", "POSP", EntryKind.CARD),
        ("MDOP", "CHRG", EntryKind.FEE),
        ("CNTR", "CDPT", None),
    ],
)
def test_iso_bank_transaction_codes(family, subfamily, kind):
    assert entry_kinds.from_iso_code(family, subfamily) is kind


def test_swift_and_ofx_types():
    assert entry_kinds.from_swift_type("NTRF") is EntryKind.TRANSFER
    assert entry_kinds.from_swift_type("NCHG") is EntryKind.FEE
    assert entry_kinds.from_swift_type("NMSC") is None
    assert entry_kinds.from_ofx_type("directdebit") is EntryKind.DIRECT_DEBIT
    assert entry_kinds.from_ofx_type("CREDIT") is None


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("VIR SEPA RECU /DE SARL DUPONT /MOTIF FRAIS DE PORT", EntryKind.TRANSFER),
        ("PRLV SEPA URSSAF", EntryKind.DIRECT_DEBIT),
        ("Prélèvement EDF", EntryKind.DIRECT_DEBIT),
        ("REMISE CB 0423871", EntryKind.CARD),
        ("COMMISSION CB REMISE 0423871", EntryKind.FEE),
        ("FRAIS REJET PRLV", EntryKind.FEE),
        ("IMPAYÉ PRLV SEPA CABINET MOREAU", EntryKind.RETURN),
        ("REMISE CHEQUES 1234567", EntryKind.OTHER),
        ("ACHAT MATERIEL VIR", EntryKind.TRANSFER),
        ("DIVERS ACHAT MATERIEL PRLV", EntryKind.OTHER),  # past the bank's own first words
    ],
)
def test_labels_decide_when_no_code_does(label, kind):
    assert entry_kinds.from_label(label) is kind
    assert entry_kinds.decide(None, label=label) is kind
    assert entry_kinds.decide(EntryKind.CARD, label=label) is EntryKind.CARD
