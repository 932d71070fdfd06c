"""OFX statements: 1.x SGML with and without closing tags, 2.x XML with a BOM."""

from __future__ import annotations

from datetime import date

import pytest

from portal.services.bank.ofx import read_ofx
from portal.services.bank.problems import StatementInvalid
from portal.services.bank.references import rf_references_of
from portal.services.bank.statement import Direction, EntryKind, StatementFormat

from .conftest import OUR_IBAN

LCL_IBAN = "FR3330002005500000157841Z25"  # the RIB LCL prints as its example, key in ACCTID
CM_IBAN = "FR7610278060890002123450190"


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(StatementInvalid) as caught:
        read_ofx(data)
    return [str(problem) for problem in caught.value.problems]


def test_sgml_without_closing_tags_in_windows_1252(sample):
    statement = read_ofx(sample("ofx102_sgml_credit_agricole.ofx"))

    assert statement.format is StatementFormat.OFX and statement.version == "102"
    assert statement.accounts == {OUR_IBAN}  # from BANKID, BRANCHID, ACCTID and ACCTKEY
    assert statement.opening == {}
    assert statement.closing[OUR_IBAN].amount_cents == 1659078
    assert statement.closing[OUR_IBAN].on == date(2026, 1, 6)
    assert [(e.position, e.line, e.amount_cents, e.kind) for e in statement.entries] == [
        (1, 41, 125000, EntryKind.TRANSFER),
        (2, 50, -1250, EntryKind.FEE),
        (3, 58, 35620, EntryKind.CARD),
        (4, 67, -75337, EntryKind.DIRECT_DEBIT),  # "-753,37": a decimal comma
        (5, 75, -48000, EntryKind.RETURN),
    ]


def test_name_and_memo_make_the_label(sample):
    transfer, fee, card = read_ofx(sample("ofx102_sgml_credit_agricole.ofx")).entries[:3]

    assert transfer.unstructured == (
        "VIR SEPA RECU /DE BOULANGERIE LEF",
        "ÈVRE /MOTIF FACTURE F2026-0042 RF43 7K3M",
    )
    assert transfer.label == (
        "VIR SEPA RECU /DE BOULANGERIE LEF ÈVRE /MOTIF FACTURE F2026-0042 RF43 7K3M"
    )
    assert transfer.bank_reference == "0J5A00012345" and transfer.transaction_code == "CREDIT"
    assert transfer.booking_date == date(2026, 1, 5) and transfer.value_date is None
    assert transfer.direction is Direction.CREDIT and transfer.currency == "EUR"
    assert fee.direction is Direction.DEBIT and fee.transaction_code == "SRVCHG"
    assert card.value_date == date(2026, 1, 6)  # DTAVAIL
    assert card.label == "REMISE CB 0423871 DU 04/01/26"


def test_xml_with_a_bom_payee_and_counterparty_account(sample):
    statement = read_ofx(sample("ofx211_xml_bom_lcl.ofx"))
    hotel, fuel, garage = statement.entries

    assert statement.version == "211" and statement.accounts == {LCL_IBAN}
    assert statement.closing[LCL_IBAN].amount_cents == 851233
    assert hotel.counterparty_name == "HÔTEL BERNARD SAS"
    assert hotel.label == "Facture F2026-0051 & F2026-0052"
    assert hotel.booking_date == date(2026, 1, 7) and hotel.amount_cents == 240000
    assert (fuel.kind, fuel.amount_cents, fuel.label) == (
        EntryKind.CARD,
        -4590,
        "STATION TOTAL ANNECY 06/01",
    )
    assert garage.unstructured == ("VIR SEPA GARAGE PETIT",)  # empty and self-closed MEMOs
    assert garage.counterparty_iban == "FR7630066100210001020304009"
    assert garage.bank_reference == "LCL20260108000113"


def test_sgml_with_closing_tags_on_one_line(sample):
    statement = read_ofx(sample("ofx103_sgml_closing_tags_cm.ofx"))
    moreau, commission = statement.entries

    assert statement.accounts == {CM_IBAN} and statement.closing == {}
    assert (moreau.kind, moreau.amount_cents, moreau.line) == (EntryKind.TRANSFER, 120000, 14)
    assert rf_references_of(moreau) == ("RF272WXR7D9KPM4N",)
    assert (commission.kind, commission.amount_cents) == (EntryKind.FEE, -840)


def test_amounts_dates_and_missing_elements_are_all_reported(sample):
    data = (
        sample("ofx102_sgml_credit_agricole.ofx")
        .replace(b"<TRNAMT>-12.50", b"<TRNAMT>-12.5O")
        .replace(b"<DTPOSTED>20260105\r\n<DTUSER>20260104", b"<DTPOSTED>05/01/2026\r\n<DTUSER>")
        .replace(b"<TRNAMT>-480.00\r\n", b"")
    )

    assert problems_of(data) == [
        'entry 2: the amount "-12.5O" is not a number',
        'entry 3: DTPOSTED "05/01/2026" is not a date (YYYYMMDD)',
        "entry 5: TRNAMT is missing",
    ]


def test_a_wrong_rib_key_or_no_statement_is_refused(sample):
    wrong_key = sample("ofx102_sgml_credit_agricole.ofx").replace(b"<ACCTKEY>91", b"<ACCTKEY>19")
    card_only = b"OFXHEADER:100\r\n\r\n<OFX><CREDITCARDMSGSRSV1></CREDITCARDMSGSRSV1></OFX>"

    assert problems_of(wrong_key) == [
        "the account (bank 30004, branch 00828, account 00010123456, key 19)"
        " is not a French account or an IBAN"
    ]
    assert problems_of(card_only) == ["the file holds no bank account statement (STMTRS)"]
