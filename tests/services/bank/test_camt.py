"""camt.053 (versions 02 and 08) and camt.054, as French banks send them."""

from __future__ import annotations

from datetime import date

import pytest

from portal.services.bank.camt import read_camt
from portal.services.bank.problems import StatementInvalid
from portal.services.bank.references import rf_references_of
from portal.services.bank.statement import Direction, EntryKind, StatementFormat

from .conftest import OUR_IBAN


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(StatementInvalid) as caught:
        read_camt(data)
    return [str(problem) for problem in caught.value.problems]


def test_v02_statement_with_balances(sample):
    statement = read_camt(sample("camt053_v02_bnp.xml"))

    assert statement.format is StatementFormat.CAMT_053 and statement.version == "001.02"
    assert statement.accounts == {OUR_IBAN}
    assert statement.opening[OUR_IBAN].amount_cents == 1523045
    assert statement.opening[OUR_IBAN].on == date(2026, 1, 5)
    assert statement.closing[OUR_IBAN].amount_cents == 1817415
    # the pending entry 6 is not on the account yet
    assert [(e.position, e.detail, e.amount_cents) for e in statement.entries] == [
        (1, 0, 125000),
        (2, 1, 60000),
        (2, 2, 48000),
        (2, 3, 75000),
        (3, 0, -1250),
        (4, 0, 35620),
        (5, 0, -48000),
    ]


def test_transfer_with_an_rf_split_across_two_unstructured_lines(sample):
    transfer = read_camt(sample("camt053_v02_bnp.xml")).entries[0]

    assert transfer.kind is EntryKind.TRANSFER and transfer.direction is Direction.CREDIT
    assert transfer.transaction_code == "PMNT/RCDT/ESCT"
    assert transfer.booking_date == transfer.value_date == date(2026, 1, 5)
    assert transfer.account_iban == OUR_IBAN and transfer.currency == "EUR"
    assert transfer.counterparty_name == "BOULANGERIE LEFEVRE"
    assert transfer.counterparty_iban == "FR7630003012340005098765487"
    assert transfer.end_to_end_id == "BL-2026-000042"
    assert transfer.bank_reference == "2026010500012345"  # AcctSvcrRef, not NtryRef "1"
    assert transfer.unstructured == ("FACTURE F2026-0042 REGLEMENT RF43 7K3M", "9QXP D2HA MERCI")
    assert rf_references_of(transfer) == ("RF437K3M9QXPD2HA",)
    assert transfer.label == "VIR SEPA RECU /DE BOULANGERIE LEFEVRE"


def test_a_batch_of_direct_debits_becomes_one_entry_per_transaction(sample):
    batch = read_camt(sample("camt053_v02_bnp.xml")).entries[1:4]

    assert [e.end_to_end_id for e in batch] == [
        "PRLV-2026-0001",
        "PRLV-2026-0002",
        "PRLV-2026-0003",
    ]
    assert [e.counterparty_name for e in batch] == [
        "MENUISERIE DURAND",
        "CABINET MOREAU",
        "GARAGE PETIT",
    ]
    assert [e.unstructured for e in batch] == [
        ("ECHEANCE 1/3 PLAN F2025-0311",),
        ("FACTURE F2025-0298",),
        ("FACTURE F2025-0305",),
    ]
    assert {e.kind for e in batch} == {EntryKind.DIRECT_DEBIT}
    assert {e.bank_reference for e in batch} == {"2026010500012346"}
    assert {e.value_date for e in batch} == {date(2026, 1, 6)}


def test_fees_card_settlements_and_an_unpaid_direct_debit(sample):
    fee, card, unpaid = read_camt(sample("camt053_v02_bnp.xml")).entries[4:]

    assert (fee.kind, fee.amount_cents, fee.direction) == (EntryKind.FEE, -1250, Direction.DEBIT)
    assert fee.label == "FRAIS TENUE DE COMPTE DECEMBRE" and fee.end_to_end_id == ""
    assert (card.kind, card.amount_cents) == (EntryKind.CARD, 35620)
    assert card.transaction_code == "PMNT/MCRD/POSP"
    assert unpaid.kind is EntryKind.RETURN and unpaid.amount_cents == -48000
    assert unpaid.original_end_to_end_id == "PRLV-2025-0187"
    assert unpaid.return_reason == "AM04"
    assert unpaid.counterparty_name == "CABINET MOREAU"  # not us, although we are the creditor
    assert unpaid.counterparty_iban == "FR7618206004106543210987678"
    assert unpaid.value_date == date(2026, 1, 2)


def test_v08_names_structured_references_and_amounts_per_transaction(sample):
    statement = read_camt(sample("camt053_v08_sg.xml"))
    hotel, roux, durand, returned, commission = statement.entries

    assert statement.version == "001.08" and statement.accounts == {OUR_IBAN}
    assert statement.opening[OUR_IBAN].amount_cents == 1817415  # PRCD stands for the opening
    assert statement.closing[OUR_IBAN].amount_cents == 2154075
    assert hotel.booking_date == date(2026, 1, 6)  # from a DtTm
    assert hotel.counterparty_name == "HÔTEL BERNARD SAS"
    assert hotel.structured_references == ("RF154TQ8NWZ6B2RS", "F2026-0051")
    assert hotel.unstructured == ("Facture F2026-0051", "Facture F2026-0052")
    assert rf_references_of(hotel) == ("RF154TQ8NWZ6B2RS",)
    assert [(roux.amount_cents, roux.detail), (durand.amount_cents, durand.detail)] == [
        (50000, 1),
        (40000, 2),
    ]
    assert roux.end_to_end_id == "" and durand.end_to_end_id == "MD-2026-114"  # NOTPROVIDED
    assert (roux.bank_reference, durand.bank_reference) == (
        "SG2026010600000782-1",
        "SG2026010600000782-2",
    )
    assert roux.label == "PHARMACIE ROUX REGLEMENT FACTURE F2025-0330"


def test_v08_returned_transfer_and_a_fee_known_by_its_label(sample):
    returned, commission = read_camt(sample("camt053_v08_sg.xml")).entries[3:]

    assert returned.kind is EntryKind.RETURN and returned.amount_cents == 7500
    assert returned.original_end_to_end_id == "REMB-2026-0007"
    assert returned.return_reason == "AC04"
    assert returned.counterparty_name == "GARAGE PETIT"
    assert returned.counterparty_iban == "FR7630066100210001020304009"
    assert commission.kind is EntryKind.FEE and commission.amount_cents == -840
    assert commission.transaction_code == "B3"


def test_camt054_credit_notifications(sample):
    statement = read_camt(sample("camt054_v02_credit_notification.xml"))
    garage, moreau = statement.entries

    assert statement.format is StatementFormat.CAMT_054
    assert statement.accounts == {OUR_IBAN}  # from the RIB in Othr/Id
    assert statement.opening == {} and statement.closing == {}
    assert (garage.position, garage.amount_cents, garage.booking_date) == (
        1,
        64000,
        date(2026, 1, 8),
    )
    assert garage.structured_references == ("RF60 9HV2 KLM5 T8PQ",)
    assert rf_references_of(garage) == ("RF609HV2KLM5T8PQ",)
    assert moreau.counterparty_iban == "FR7618206004106543210987678"
    assert rf_references_of(moreau) == ("RF272WXR7D9KPM4N",)


def test_broken_xml_is_refused_with_its_line(sample):
    assert problems_of(sample("camt_broken.xml")) == [
        "line 71: the XML is malformed (mismatched tag)"
    ]


def test_an_entity_bomb_is_refused_before_anything_is_expanded(sample):
    assert problems_of(sample("camt_entity_bomb.xml")) == [
        "line 2: the file declares a DTD or XML entities, which bank statements never do;"
        " it was not read"
    ]


def test_every_bad_amount_and_date_is_reported(sample):
    data = (
        sample("camt053_v02_bnp.xml")
        .replace(b'<Amt Ccy="EUR">12.50</Amt>', b'<Amt Ccy="EUR">12,50</Amt>')
        .replace(b'<Amt Ccy="EUR">356.20</Amt>', b'<Amt Ccy="EUR">356.205</Amt>')
        .replace(b"<ValDt><Dt>2026-01-02</Dt></ValDt>", b"<ValDt><Dt>2026-02-30</Dt></ValDt>")
    )

    assert problems_of(data) == [
        'entry 3: the amount "12,50" is not a number of euros and cents',
        'entry 4: the amount "356.205" is not a number of euros and cents',
        'entry 5: "2026-02-30" is not a date',
    ]


def test_a_batch_whose_transactions_do_not_add_up_is_refused(sample):
    data = sample("camt053_v02_bnp.xml").replace(
        b'<TxAmt><Amt Ccy="EUR">750.00</Amt>', b'<TxAmt><Amt Ccy="EUR">705.00</Amt>'
    )

    assert problems_of(data) == [
        "entry 2: its 3 transactions add up to 1785.00, not to the entry's amount 1830.00",
    ]


def test_entries_that_do_not_match_the_balances_are_refused(sample):
    data = sample("camt053_v02_bnp.xml").replace(b">18174.15<", b">18174.51<")

    assert problems_of(data) == [
        "statement STMT-20260105-0001: the entries (2943.70) do not take the opening balance"
        " (15230.45) to the closing balance (18174.51)"
    ]


def test_a_batch_without_amounts_per_transaction_stays_one_entry(sample):
    data = sample("camt053_v02_bnp.xml")
    for amount in (b"600.00", b"480.00", b"750.00"):
        data = data.replace(
            b'<AmtDtls><TxAmt><Amt Ccy="EUR">' + amount + b"</Amt></TxAmt></AmtDtls>", b""
        )

    batch = [e for e in read_camt(data).entries if e.position == 2]

    assert len(batch) == 1 and batch[0].amount_cents == 183000 and batch[0].detail == 0
    assert batch[0].unstructured == (
        "ECHEANCE 1/3 PLAN F2025-0311",
        "FACTURE F2025-0298",
        "FACTURE F2025-0305",
    )


def test_other_xml_and_other_versions_are_refused(sample):
    pain = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>'
    )
    old = sample("camt053_v02_bnp.xml").replace(b"camt.053.001.02", b"camt.053.001.01")

    assert problems_of(pain) == ["this XML is not a camt.053 statement or a camt.054 notification"]
    assert problems_of(old) == ["camt.053 version 001.01 is not read (versions 02 to 08 are)"]
