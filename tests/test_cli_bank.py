"""`portal bank import` and `portal bank unmatched`: the output scripts rely on."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import BankAccount, BankEntry
from portal.services.audit import Actor
from portal.services.bank.csv_columns import CsvMapping
from portal.services.reconciliation import csv_mappings

from .conftest import NOW
from .factories import make_customer, make_invoice, make_organisation
from .services.reconciliation.camt_builder import Line, statement
from .services.reconciliation.csv_builder import HEADER, the_rows, unusual_csv


def test_import_prints_the_summary_line_and_is_idempotent(runner, app, tmp_path):
    make_organisation()
    customer = make_customer(name="Garage Müller")
    make_invoice(customer, amount="100.00", number="FA-2026-0007")
    path = tmp_path / "releve.xml"
    path.write_bytes(
        statement(
            [
                Line(12000, "C1", ustrd=["FACTURE FA-2026-0007"], name="GARAGE MULLER"),
                Line(5000, "C2", ustrd=["DIVERS"], name="INCONNU"),
                Line(300, "C3", credit=False, kind="fee", ustrd=["FRAIS"]),
            ]
        )
    )
    dry = runner.invoke(args=["bank", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.strip() == (
        "Dry run: read 3 entries: matched 1, to review 0, unmatched 1, ignored 1, already imported 0"
    )
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 0
    first = runner.invoke(args=["bank", "import", str(path)])
    assert first.output.strip().endswith(
        "read 3 entries: matched 1, to review 0, unmatched 1, ignored 1, already imported 0"
    )
    again = runner.invoke(args=["bank", "import", str(path)])
    assert again.output.strip() == (
        "read 3 entries: matched 0, to review 0, unmatched 0, ignored 0, already imported 3"
    )
    waiting = runner.invoke(args=["bank", "unmatched"])
    assert waiting.exit_code == 0
    assert "€50.00" in waiting.output and "INCONNU" in waiting.output
    assert waiting.output.strip().endswith("1 entry waiting.")


def test_a_malformed_file_exits_1_and_lists_the_problems(runner, app, tmp_path):
    make_organisation()
    path = tmp_path / "releve.txt"
    path.write_bytes(b"0130004" + b" " * 113 + b"\n")
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 0


def test_the_first_statement_offers_to_add_its_account(runner, app, tmp_path):
    make_organisation(iban="")
    path = tmp_path / "releve.xml"
    path.write_bytes(statement([Line(1000, "A1", ustrd=["X"])]))
    refused = runner.invoke(args=["bank", "import", str(path)])
    assert refused.exit_code == 1
    assert (
        "FR76 3000 6000 0112 3456 7890 189" in refused.output and "--add-account" in refused.output
    )
    added = runner.invoke(args=["bank", "import", str(path), "--add-account"])
    assert added.exit_code == 0, added.output
    assert db.session.scalar(select(BankAccount.iban)) == "FR7630006000011234567890189"


def test_a_csv_of_unknown_columns_lists_them_then_reads_with_the_remembered_ones(
    runner, app, tmp_path
):
    make_organisation()
    path = tmp_path / "export.csv"
    path.write_bytes(unusual_csv(*the_rows()))
    refused = runner.invoke(args=["bank", "import", str(path)])
    assert refused.exit_code == 1
    assert "  Jour\n  Intitulé de l'opération\n  Somme\n" in refused.output
    assert "Import this file once from the dashboard" in refused.output

    mapping = CsvMapping(date="Jour", label="Intitulé de l'opération", amount="Somme")
    csv_mappings.remember(HEADER.split(";"), mapping, actor=Actor.cli(), now=NOW)
    db.session.commit()
    read = runner.invoke(args=["bank", "import", str(path), "--dry-run"])
    assert read.exit_code == 0, read.output
    assert read.output.strip() == (
        "Dry run: read 3 entries: matched 0, to review 0, unmatched 2, ignored 1, already imported 0"
    )
