"""read_statement: the content, not the file name, decides the format."""

from __future__ import annotations

import pytest

from portal.services.bank.bank_csv import CsvColumnsUnknown
from portal.services.bank.csv_columns import CsvMapping
from portal.services.bank.problems import StatementInvalid
from portal.services.bank.reading import detect_format, read_statement
from portal.services.bank.statement import StatementFormat

from .conftest import OUR_IBAN


@pytest.mark.parametrize(
    ("name", "expected", "entries"),
    [
        ("camt053_v02_bnp.xml", StatementFormat.CAMT_053, 7),
        ("camt053_v08_sg.xml", StatementFormat.CAMT_053, 5),
        ("camt054_v02_credit_notification.xml", StatementFormat.CAMT_054, 2),
        ("cfonb120_bnp.txt", StatementFormat.CFONB_120, 7),
        ("ofx102_sgml_credit_agricole.ofx", StatementFormat.OFX, 5),
        ("ofx211_xml_bom_lcl.ofx", StatementFormat.OFX, 3),
        ("ofx103_sgml_closing_tags_cm.ofx", StatementFormat.OFX, 2),
        ("mt940_bnp.sta", StatementFormat.MT940, 6),
        ("csv_credit_agricole.csv", StatementFormat.CSV, 5),
        ("csv_societe_generale_bom.csv", StatementFormat.CSV, 3),
        ("csv_english_comma.csv", StatementFormat.CSV, 3),
    ],
)
def test_every_sample_is_read_whatever_its_name(sample, name, expected, entries):
    data = sample(name)

    statement = read_statement(data, filename="releve.txt")

    assert detect_format(data) is expected
    assert statement.format is expected and len(statement.entries) == entries


def test_the_same_account_and_the_same_payment_in_every_format(sample):
    for name in (
        "camt053_v02_bnp.xml",
        "cfonb120_bnp.txt",
        "ofx102_sgml_credit_agricole.ofx",
        "mt940_bnp.sta",
        "csv_credit_agricole.csv",
    ):
        first = read_statement(sample(name)).entries[0]
        assert (first.account_iban, first.amount_cents, first.booking_date.isoformat()) == (
            OUR_IBAN,
            125000,
            "2026-01-05",
        ), name


def test_a_cfonb_file_without_line_breaks_is_still_cfonb(sample):
    data = sample("cfonb120_bnp.txt").replace(b"\r\n", b"")

    assert read_statement(data).format is StatementFormat.CFONB_120


def test_a_csv_mapping_is_passed_on_only_to_csv():
    data = "Jour;Texte;Valeur\n12/01/2026;VIR SEPA RECU PHARMACIE ROUX;500,00\n".encode("cp1252")
    mapping = CsvMapping(date="Jour", label="Texte", amount="Valeur")

    with pytest.raises(CsvColumnsUnknown):
        read_statement(data)
    assert read_statement(data, csv_mapping=mapping).entries[0].amount_cents == 50000


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # an .xlsx
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08"/>',
        b"Bonjour, voici mon releve du mois\n",
        b"",
    ],
    ids=["pdf", "xlsx", "camt.052", "a letter", "empty"],
)
def test_anything_else_is_refused_saying_what_is_read(data):
    with pytest.raises(StatementInvalid) as caught:
        read_statement(data, filename="Relevé janvier.pdf")

    assert [str(p) for p in caught.value.problems] == [
        "Relevé janvier.pdf is not a bank statement the portal reads: camt.053 or camt.054"
        " (XML), CFONB 120, OFX, MT940 or CSV"
    ]


def test_without_a_name_the_refusal_speaks_of_this_file():
    with pytest.raises(StatementInvalid) as caught:
        read_statement(b"\x00\x01\x02")

    assert str(caught.value).startswith("this file is not a bank statement the portal reads")
