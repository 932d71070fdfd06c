"""CFONB 120 statements: records 01, 04, 05 and 07, as French banks send them."""

from __future__ import annotations

from datetime import date

import pytest

from portal.services.bank.cfonb120 import read_cfonb120
from portal.services.bank.problems import StatementInvalid
from portal.services.bank.references import rf_references_of
from portal.services.bank.statement import Direction, EntryKind, StatementFormat

from .conftest import OUR_IBAN

SAVINGS_IBAN = "FR7630004008280001098765416"


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(StatementInvalid) as caught:
        read_cfonb120(data)
    return [str(problem) for problem in caught.value.problems]


def records(sample) -> list[bytes]:
    return sample("cfonb120_bnp.txt").split(b"\r\n")


def test_two_accounts_with_their_balances(sample):
    statement = read_cfonb120(sample("cfonb120_bnp.txt"))

    assert statement.format is StatementFormat.CFONB_120
    assert statement.accounts == {OUR_IBAN, SAVINGS_IBAN}
    assert statement.opening[OUR_IBAN].amount_cents == 1523045
    assert statement.opening[OUR_IBAN].on == date(2026, 1, 4)
    assert statement.closing[OUR_IBAN].amount_cents == 1799078
    assert statement.closing[SAVINGS_IBAN].amount_cents == 501234
    assert [(e.position, e.line, e.amount_cents) for e in statement.entries] == [
        (1, 2, 125000),
        (2, 8, -1250),
        (3, 9, 35620),
        (4, 10, -48000),
        (5, 13, 240000),
        (6, 15, -75337),
        (7, 18, 1234),
    ]
    assert statement.entries[-1].account_iban == SAVINGS_IBAN


def test_a_transfer_completed_by_qualified_05_records(sample):
    transfer = read_cfonb120(sample("cfonb120_bnp.txt")).entries[0]

    assert transfer.account_iban == OUR_IBAN and transfer.currency == "EUR"
    assert transfer.booking_date == transfer.value_date == date(2026, 1, 5)
    assert transfer.kind is EntryKind.TRANSFER and transfer.direction is Direction.CREDIT
    assert transfer.counterparty_name == "BOULANGERIE LEFÈVRE"  # Windows-1252
    assert transfer.counterparty_iban == "FR7630003012340005098765487"
    assert transfer.end_to_end_id == "BL-2026-000042"
    assert transfer.unstructured == (
        "VIR SEPA RECU /DE BOULANGERIE L",
        "FACTURE F2026-0042 REGLEMENT RF43 7K3M",
        "9QXP D2HA MERCI",
    )
    assert rf_references_of(transfer) == ("RF437K3M9QXPD2HA",)
    assert transfer.bank_reference == "" and transfer.transaction_code == "05"


def test_a_label_continued_in_an_unqualified_05_record(sample):
    hotel = read_cfonb120(sample("cfonb120_bnp.txt")).entries[4]

    assert hotel.label == (
        "VIR SEPA RECU /DE HOTEL BERNARD SAS /MOTIF FACTURES F2026-0051 ET F2026-0052"
    )
    assert hotel.amount_cents == 240000 and hotel.counterparty_name == ""


def test_negative_sign_codes_fees_cards_and_rejects(sample):
    entries = read_cfonb120(sample("cfonb120_bnp.txt")).entries
    fee, card, unpaid, urssaf = entries[1], entries[2], entries[3], entries[5]

    assert (fee.kind, fee.amount_cents, fee.direction) == (EntryKind.FEE, -1250, Direction.DEBIT)
    assert (card.kind, card.value_date) == (EntryKind.CARD, date(2026, 1, 6))
    assert unpaid.kind is EntryKind.RETURN and unpaid.return_reason == "20"
    assert unpaid.original_end_to_end_id == "PRLV-2025-0187"
    assert unpaid.value_date == date(2026, 1, 2)
    assert urssaf.amount_cents == -75337  # "0000000007533P": P is -7
    assert urssaf.kind is EntryKind.DIRECT_DEBIT
    assert urssaf.structured_references == ("2026URSSAF0001",)


@pytest.mark.parametrize(
    "join",
    [b"\n", b""],
    ids=["LF", "no line breaks"],
)
def test_line_breaks_or_none(sample, join):
    data = join.join(records(sample)).replace("È".encode("cp1252"), "È".encode())

    statement = read_cfonb120(data)

    assert len(statement.entries) == 7 and statement.entries[0].counterparty_name == (
        "BOULANGERIE LEFÈVRE"
    )
    assert statement.closing[OUR_IBAN].amount_cents == 1799078


def test_a_file_without_its_new_balance_is_refused(sample):
    cut = b"\r\n".join(records(sample)[:15])

    assert problems_of(cut) == ["line 1: the statement opened here has no new balance record (07)"]


def test_records_of_the_wrong_length_are_all_reported(sample):
    lines = records(sample)
    lines[7] = lines[7][:-2]
    lines[12] = lines[12] + b" "

    assert problems_of(b"\r\n".join(lines)) == [
        "line 8: a record is 120 characters long, this one is 118",
        "line 13: a record is 120 characters long, this one is 121",
    ]


def test_one_line_that_is_not_records_of_120(sample):
    assert problems_of(b"".join(records(sample))[:-7]) == [
        "line 1: the file is one line of 2273 characters, not records of 120"
    ]


def test_amounts_and_dates_that_do_not_read(sample):
    lines = records(sample)
    lines[7] = lines[7].replace(b"0000000000125}", b"00000000001 5}")
    lines[8] = lines[8].replace(b"0000000003562{", b"0000000003562X")
    lines[9] = lines[9][:34] + b"310226" + lines[9][40:]

    assert problems_of(b"\r\n".join(lines)) == [
        'line 8: the amount "00000000001 5}" cannot be read',
        'line 9: the amount "0000000003562X" cannot be read',
        'line 10: "310226" is not a date (DDMMYY)',
    ]


def test_movements_that_do_not_add_up_to_the_new_balance(sample):
    lines = records(sample)
    lines[15] = lines[15].replace(b"0000000179907H", b"0000000179917H")

    assert problems_of(b"\r\n".join(lines)) == [
        "line 16: the entries (2760.33) do not take the opening balance (15230.45)"
        " to the closing balance (17991.78)"
    ]


def test_records_out_of_place(sample):
    lines = records(sample)
    foreign = [*lines[:8], lines[17], *lines[8:]]
    unknown = lines[:]
    unknown[10] = b"03" + unknown[10][2:]

    assert problems_of(b"\r\n".join(lines[1:])) == [
        "line 1: a 04 record comes before the old balance (01) that opens the statement"
    ]
    assert problems_of(b"\r\n".join([lines[0], lines[2], *lines[1:]])) == [
        "line 2: a complement record (05) comes before any movement (04)"
    ]
    assert problems_of(b"\r\n".join(foreign)) == [
        "line 9: this record is for account 30004 00828 00010987654, the statement for"
        " 30004 00828 00010123456"
    ]
    assert problems_of(b"\r\n".join(unknown)) == [
        'line 11: "03" is not a CFONB 120 record (01, 04, 05 or 07)'
    ]
