"""Bank CSV exports: French and English layouts, found columns, or columns the person names."""

from __future__ import annotations

from datetime import date

import pytest

from portal.services.bank.bank_csv import CsvColumnsUnknown, read_bank_csv
from portal.services.bank.csv_columns import CsvMapping, detect
from portal.services.bank.problems import StatementInvalid
from portal.services.bank.references import rf_references_of
from portal.services.bank.statement import Direction, EntryKind, StatementFormat

from .conftest import OUR_IBAN


def problems_of(data: bytes, mapping: CsvMapping | None = None) -> list[str]:
    with pytest.raises(StatementInvalid) as caught:
        read_bank_csv(data, mapping)
    return [str(problem) for problem in caught.value.problems]


def test_debit_and_credit_columns_after_lines_about_the_account(sample):
    statement = read_bank_csv(sample("csv_credit_agricole.csv"))

    assert statement.format is StatementFormat.CSV
    assert statement.accounts == {OUR_IBAN}  # from the lines above the header, in cp1252
    assert [(e.position, e.line, e.amount_cents, e.kind) for e in statement.entries] == [
        (1, 10, 125000, EntryKind.TRANSFER),
        (2, 12, -1250, EntryKind.FEE),
        (3, 13, 35620, EntryKind.CARD),
        (4, 14, -75337, EntryKind.DIRECT_DEBIT),
        (5, 15, -48000, EntryKind.RETURN),
    ]
    transfer = statement.entries[0]
    assert transfer.unstructured == (
        "VIR SEPA RECU /DE BOULANGERIE LEFÈVRE",
        "/MOTIF FACTURE F2026-0042 RF43 7K3M 9QXP D2HA",
    )
    assert rf_references_of(transfer) == ("RF437K3M9QXPD2HA",)
    assert transfer.booking_date == date(2026, 1, 5) and transfer.value_date is None
    assert transfer.account_iban == OUR_IBAN and transfer.direction is Direction.CREDIT


def test_one_signed_amount_a_detail_column_a_bom_and_a_balance_line(sample):
    statement = read_bank_csv(sample("csv_societe_generale_bom.csv"))
    hotel, fuel, garage = statement.entries

    assert statement.accounts == set()
    assert (hotel.amount_cents, fuel.amount_cents, garage.amount_cents) == (240000, -4590, 64000)
    assert hotel.label == (
        "VIR RECU HOTEL BERNARD SAS DE: HOTEL BERNARD SAS MOTIF: FACTURE F2026-0051"
        " REF: RF15 4TQ8 NWZ6 B2RS"
    )
    assert rf_references_of(hotel) == ("RF154TQ8NWZ6B2RS",)
    assert fuel.kind is EntryKind.CARD and fuel.direction is Direction.DEBIT
    assert rf_references_of(garage) == ("RF609HV2KLM5T8PQ",)
    assert garage.booking_date == date(2026, 1, 8)


def test_english_columns_with_commas_iso_dates_and_references(sample):
    moreau, fees, garage = read_bank_csv(sample("csv_english_comma.csv")).entries

    assert moreau.label == "SEPA CREDIT TRANSFER CABINET MOREAU, INVOICES JANUARY"
    assert (moreau.amount_cents, moreau.bank_reference) == (120000, "TX-20260109-001")
    assert fees.kind is EntryKind.FEE and fees.value_date == date(2026, 1, 10)
    assert garage.amount_cents == 164000 and garage.kind is EntryKind.TRANSFER


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            [
                "Date opération",
                "Libellé court",
                "Type opération",
                "Libellé opération",
                "Montant opération",
            ],
            CsvMapping(
                date="Date opération", label="Libellé opération", amount="Montant opération"
            ),
        ),
        (
            ["dateOp", "dateVal", "label", "category", "amount", "accountNum"],
            CsvMapping(date="dateOp", label="label", amount="amount", value_date="dateVal"),
        ),
        (
            ["Date", "Libellé", "Débit (EUR)", "Crédit (EUR)"],
            CsvMapping(date="Date", label="Libellé", debit="Débit (EUR)", credit="Crédit (EUR)"),
        ),
        (["Date", "Libellé", "Solde"], None),
    ],
)
def test_columns_recognised_from_their_names(header, expected):
    assert detect(header) == expected


def test_columns_that_cannot_be_told_apart_are_listed_and_can_be_named():
    data = b"Jour;Texte;Valeur\n12/01/26;VIR SEPA RECU PHARMACIE ROUX;500,00\n"

    with pytest.raises(CsvColumnsUnknown) as caught:
        read_bank_csv(data)
    mapping = CsvMapping(date="jour", label="Texte", amount="VALEUR", account_iban=OUR_IBAN)
    entry = read_bank_csv(data, mapping).entries[0]

    assert caught.value.headers == ["Jour", "Texte", "Valeur"]
    assert [str(p) for p in caught.value.problems] == [
        'line 1: the columns of this CSV file could not be recognised (it has: "Jour", "Texte",'
        ' "Valeur"); say which holds the date, the label and the amount (or the debit and the'
        " credit)"
    ]
    assert (entry.booking_date, entry.amount_cents, entry.account_iban) == (
        date(2026, 1, 12),
        50000,
        OUR_IBAN,
    )
    assert problems_of(data, CsvMapping(date="Jour", label="Libellé", amount="Montant")) == [
        'line 1: the columns "Libellé", "Montant" are not in this CSV file (it has: "Jour",'
        ' "Texte", "Valeur")'
    ]


def test_every_bad_row_is_reported_with_its_line(sample):
    data = (
        sample("csv_credit_agricole.csv")
        .replace(b"12,50;;", b"12,5O;;")
        .replace(b'05/01/2026;"REMISE', b'31/02/2026;"REMISE')
        .replace(b"753,37;;", b"753,37;10,00;")
        .replace(b"480,00;;", b";;")
    )

    assert problems_of(data) == [
        'line 12: the amount "12,5O" is not a number of euros and cents',
        'line 13: "31/02/2026" is not a date',
        "line 14: the row has both a debit (753,37) and a credit (10,00)",
        "line 15: the row has no amount",
    ]
