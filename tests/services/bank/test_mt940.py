"""MT940 statements: envelopes, :61: statement lines and :86: in its three layouts."""

from __future__ import annotations

from datetime import date

import pytest

from portal.services.bank.mt940 import read_mt940
from portal.services.bank.mt940_details import read_details
from portal.services.bank.problems import StatementInvalid
from portal.services.bank.references import rf_references_of
from portal.services.bank.statement import Direction, EntryKind, StatementFormat

from .conftest import OUR_IBAN


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(StatementInvalid) as caught:
        read_mt940(data)
    return [str(problem) for problem in caught.value.problems]


def test_two_messages_one_in_its_swift_envelope(sample):
    statement = read_mt940(sample("mt940_bnp.sta"))

    assert statement.format is StatementFormat.MT940
    assert statement.accounts == {OUR_IBAN}  # "BIC/IBAN" and a 23-digit RIB alike
    assert statement.opening[OUR_IBAN].amount_cents == 1523045
    assert statement.opening[OUR_IBAN].on == date(2026, 1, 4)
    assert statement.closing[OUR_IBAN].amount_cents == 1799078
    assert statement.closing[OUR_IBAN].on == date(2026, 1, 6)
    assert [(e.position, e.line, e.amount_cents, e.kind) for e in statement.entries] == [
        (1, 6, 125000, EntryKind.TRANSFER),
        (2, 9, -1250, EntryKind.FEE),
        (3, 11, 35620, EntryKind.CARD),
        (4, 13, -48000, EntryKind.RETURN),
        (5, 23, 240000, EntryKind.TRANSFER),
        (6, 28, -75337, EntryKind.DIRECT_DEBIT),
    ]


def test_free_text_86_over_two_lines_with_an_rf_cut_between_them(sample):
    transfer = read_mt940(sample("mt940_bnp.sta")).entries[0]

    assert transfer.label == (
        "VIR SEPA RECU /DE BOULANGERIE LEFEVRE /MOTIF FACTURE F2026-0042"
        " RF43 7K3M 9QXP D2HA /REF BL-2026-000042"
    )
    assert rf_references_of(transfer) == ("RF437K3M9QXPD2HA",)
    assert transfer.counterparty_name == "BOULANGERIE LEFEVRE"
    assert transfer.bank_reference == "0J5A00012345"
    assert transfer.structured_references == ()  # NONREF
    assert transfer.booking_date == transfer.value_date == date(2026, 1, 5)
    assert transfer.transaction_code == "NTRF" and transfer.direction is Direction.CREDIT


def test_entry_dates_value_dates_and_a_year_boundary(sample):
    entries = read_mt940(sample("mt940_bnp.sta")).entries

    assert (entries[2].booking_date, entries[2].value_date) == (date(2026, 1, 5), date(2026, 1, 6))
    assert (entries[5].booking_date, entries[5].value_date) == (
        date(2025, 12, 31),
        date(2026, 1, 6),
    )


def test_a_reversed_credit_with_swift_codes_in_86(sample):
    unpaid = read_mt940(sample("mt940_bnp.sta")).entries[3]

    assert unpaid.amount_cents == -48000 and unpaid.direction is Direction.DEBIT  # RC
    assert unpaid.return_reason == "AM04"
    assert unpaid.end_to_end_id == unpaid.original_end_to_end_id == "PRLV-2025-0187"
    assert unpaid.counterparty_name == "CABINET MOREAU"
    assert unpaid.counterparty_iban == "FR7618206004106543210987678"  # cut across two lines
    assert unpaid.unstructured == ("FACTURE F2025-0274",)
    assert unpaid.structured_references == ("PRLV-2025-0187",)  # the customer reference


def test_question_mark_subfields_and_a_supplementary_line(sample):
    hotel = read_mt940(sample("mt940_bnp.sta")).entries[4]

    assert hotel.counterparty_name == "HOTEL BERNARD SAS"
    assert hotel.counterparty_iban == "FR7613807007593202158741276"
    assert hotel.unstructured == ("FACTURE F2026-0051 ET F2026", "-0052")
    assert hotel.label == "VIREMENT SEPA RECU HOTEL BERNARD SAS FACTURE F2026-0051 ET F2026 -0052"
    assert hotel.structured_references == ("HB-VIR-2026-0007",)
    assert hotel.bank_reference == "0J6A00000781"


def test_sepa_tags_inside_subfields():
    details = read_details(
        ["166?00SEPA GUTSCHRIFT?20EREF+E2E-2026-0042?21SVWZ+Facture F2026-0042?32MARTIN SARL"]
    )

    assert details.end_to_end_id == "E2E-2026-0042"
    assert details.unstructured == ("Facture F2026-0042",)
    assert details.counterparty_name == "MARTIN SARL"


def test_bad_lines_balances_and_accounts_are_all_reported(sample):
    data = (
        sample("mt940_bnp.sta")
        .replace(b"D12,50NCHG", b"D12.50NCHG")
        .replace(b":60F:C260105EUR16344,15", b":60F:C260105EUR16344.15")
        .replace(b":25:30004008280001012345691", b":25:30004008280001012345619")
        .replace(b"2601061231D753", b"2601061331D753")
    )

    assert problems_of(data) == [
        'line 9: the statement line "2601050105D12.50NCHGNONREF//0J5A00012346" cannot be read',
        'line 20: the account "30004008280001012345619" is neither an IBAN nor a French bank'
        " account",
        'line 22: the balance "C260105EUR16344.15" cannot be read',
        'line 28: "2601061331" is not a date (YYMMDD)',
    ]


def test_movements_that_miss_the_closing_balance_or_no_closing_at_all(sample):
    unbalanced = sample("mt940_bnp.sta").replace(
        b":62F:C260106EUR17990,78", b":62F:C260106EUR17999,78"
    )
    no_closing = sample("mt940_bnp.sta").replace(b":62F:C260106EUR17990,78\r\n", b"")

    assert problems_of(unbalanced) == [
        "line 30: the entries (1646.63) do not take the opening balance (16344.15)"
        " to the closing balance (17999.78)"
    ]
    assert problems_of(no_closing) == ["line 19: the statement has no closing balance (:62F:)"]


def test_text_outside_any_field_is_reported(sample):
    data = b"RELEVE DE COMPTE BNP PARIBAS\r\n" + sample("mt940_bnp.sta")

    assert problems_of(data) == ["line 1: this line is outside any field"]
