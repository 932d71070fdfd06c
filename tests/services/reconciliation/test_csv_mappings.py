"""Columns named once for a bank's CSV export, remembered by its header and used again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, BankCsvMapping, BankEntry
from portal.services.audit import Actor
from portal.services.bank.bank_csv import CsvColumnsUnknown
from portal.services.bank.csv_columns import CsvMapping
from portal.services.reconciliation import csv_mappings, statement_import
from portal.services.reconciliation.csv_mappings import MappingInvalid

from ...conftest import NOW
from ...factories import make_customer, make_invoice, make_organisation
from .csv_builder import HEADER, the_rows, unusual_csv

HEADERS = HEADER.split(";")
MAPPING = CsvMapping(date="Jour", label="Intitulé de l'opération", amount="Somme")


def test_the_signature_ignores_case_accents_and_spacing():
    assert csv_mappings.signature(HEADERS) == csv_mappings.signature(
        [" JOUR ", "intitule  de l'operation", "somme", ""]
    )
    assert csv_mappings.signature(HEADERS) != csv_mappings.signature(["Jour", "Somme", "Intitulé"])
    assert len(csv_mappings.signature(HEADERS)) == 64


def test_a_file_of_unknown_columns_is_refused_with_its_headers(app):
    make_organisation()
    with pytest.raises(CsvColumnsUnknown) as caught:
        statement_import.import_statement(
            unusual_csv(*the_rows()), filename="export.csv", actor=Actor.cli(), now=NOW
        )
    assert caught.value.headers == HEADERS
    assert csv_mappings.headers_of(unusual_csv(*the_rows())) == HEADERS


def test_a_remembered_mapping_reads_the_next_file_with_the_same_header(app):
    make_organisation()
    make_invoice(make_customer(name="Garage Müller"), amount="200.00", number="FA-2026-0201")
    assert csv_mappings.remembered(HEADERS) is None
    csv_mappings.remember(HEADERS, MAPPING, actor=Actor.cli(), now=NOW)
    db.session.commit()

    assert csv_mappings.remembered(["jour", "INTITULE DE L'OPERATION", "Somme"]) == MAPPING
    summary = statement_import.import_statement(
        unusual_csv(*the_rows(), header="JOUR ; Intitule de l'operation ; SOMME"),
        filename="export.csv",
        actor=Actor.cli(),
        now=NOW,
    )
    assert (summary.read, summary.matched, summary.unmatched, summary.ignored) == (3, 1, 1, 1)
    amounts = db.session.scalars(select(BankEntry.amount_cents).order_by(BankEntry.id))
    assert list(amounts) == [24000, 4321, -900]
    actions = db.session.scalars(select(AuditEvent.action))
    assert "bank_csv_mapping.remembered" in set(actions)


def test_remembering_again_replaces_the_choice(app):
    csv_mappings.remember(HEADERS, MAPPING, actor=Actor.cli(), now=NOW)
    other = CsvMapping(date="Jour", label="Somme", amount="Intitulé de l'opération")
    csv_mappings.remember(HEADERS, other, actor=Actor.cli(), now=NOW)
    csv_mappings.remember(HEADERS, other, actor=Actor.cli(), now=NOW)
    assert db.session.scalar(select(func.count()).select_from(BankCsvMapping)) == 1
    assert csv_mappings.remembered(HEADERS) == other
    actions = db.session.scalars(select(AuditEvent.action))
    assert list(actions).count("bank_csv_mapping.remembered") == 2


def test_a_remembered_mapping_is_found_past_lines_about_the_account(app):
    csv_mappings.remember(HEADERS, MAPPING, actor=Actor.cli(), now=NOW)
    data = b"Compte courant;12345\r\n\r\n" + unusual_csv(*the_rows())
    assert csv_mappings.for_file(data) == MAPPING
    assert csv_mappings.headers_of(data) == HEADERS  # the widest row, not the account's line
    assert csv_mappings.for_file(b"<?xml version='1.0'?><Document/>") is None


@pytest.mark.parametrize(
    ("chosen", "problems"),
    [
        ({"amount": "Somme"}, [csv_mappings.NO_DATE, csv_mappings.NO_LABEL]),
        ({"date": "Jour", "label": "Intitulé de l'opération"}, [csv_mappings.NO_AMOUNT]),
        (
            {"date": "Jour", "label": "Intitulé de l'opération", "debit": "Somme"},
            [csv_mappings.NO_AMOUNT],
        ),
        (
            {"date": "Jour", "label": "Somme", "amount": "Somme"},
            [csv_mappings.TWICE],
        ),
        (
            {
                "date": "Jour",
                "label": "Intitulé de l'opération",
                "amount": "Somme",
                "debit": "Jour",
            },
            [csv_mappings.AMOUNT_AND_DEBIT_CREDIT, csv_mappings.TWICE],
        ),
        (
            {"date": "Date", "label": "Intitulé de l'opération", "amount": "Somme"},
            [csv_mappings.NOT_A_COLUMN],
        ),
    ],
)
def test_a_mapping_needs_a_date_a_label_an_amount_and_distinct_columns(app, chosen, problems):
    with pytest.raises(MappingInvalid) as caught:
        csv_mappings.mapping_from(HEADERS, chosen)
    assert [template for template, _ in caught.value.problems] == problems


def test_debit_and_credit_columns_make_a_mapping():
    headers = ["Jour", "Texte", "Sortie d'argent", "Rentrée d'argent"]
    chosen = {"date": "Jour", "label": "Texte", "debit": headers[2], "credit": headers[3]}
    mapping = csv_mappings.mapping_from(headers, chosen)
    assert (mapping.amount, mapping.debit, mapping.credit) == ("", headers[2], headers[3])
