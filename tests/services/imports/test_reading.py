"""Files as they come: encodings, BOM, delimiters, headers, blank rows, broken CSV."""

from __future__ import annotations

import io

from portal.models import CustomerKind
from portal.services.audit import Actor
from portal.services.imports import reading
from portal.services.imports.importer import import_csv

from ...conftest import NOW
from .conftest import INVOICES_HEADER, counts, customer, invoice, run, run_file, table_counts, where


def test_cp1252_semicolon_file_keeps_its_accents(app):
    result = run_file("customers", "customers_fr.csv")
    assert result.ok, result.errors
    sg = customer("SG01")
    assert sg.name == "Société Générale — café"
    assert sg.city == "Besançon"
    assert sg.kind is CustomerKind.BUSINESS


def test_utf8_with_bom_and_loose_header(app):
    content = "\ufeff Ref ;NAME; Email ;Notes internes\nA;Crêperie Ève;a@example.com;ignored\n"
    result = run("customers", content)
    assert result.ok, result.errors
    assert customer("A").name == "Crêperie Ève"


def test_tab_separated_utf8_bom_file(app, sample_customers):
    content = (
        "\ufeff"
        + INVOICES_HEADER.replace(",", "\t")
        + "T-1\tC001\t2026-01-05\t2026-02-04\tEUR\tThé\t2\t10,5\t20 %\n"
    )
    result = run("invoices", content)
    assert result.ok, result.errors
    assert (invoice("T-1").net_cents, invoice("T-1").tax_cents) == (2100, 420)


def test_non_seekable_stream_and_utf8_split_across_reads(app, sample_customers, monkeypatch):
    """Accents cut in two by a read must not make a UTF-8 file look like Windows-1252."""

    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            return self._inner.readinto(buffer)

    monkeypatch.setattr(reading, "READ_SIZE", 7)
    body = "".join(
        f"P-{n},C001,2026-01-05,2026-02-04,EUR,Crème brûlée éèà,1,1,20\n" for n in range(50)
    )
    stream = io.BufferedReader(Pipe((INVOICES_HEADER + body).encode()))
    assert not stream.seekable()
    result = import_csv("invoices", stream, actor=Actor.cli(), now=NOW)
    assert result.ok, result.errors[:3]
    assert counts(result) == (50, 0, 0)
    assert invoice("P-49").lines[0].description == "Crème brûlée éèà"


def test_invalid_utf8_late_in_the_file_means_windows_1252(app, sample_customers, monkeypatch):
    monkeypatch.setattr(reading, "READ_SIZE", 64)
    ascii_rows = "".join(f"W-{n},C001,2026-01-05,2026-02-04,EUR,plain,1,1,20\n" for n in range(40))
    data = (
        INVOICES_HEADER + ascii_rows
    ).encode() + "W-X,C001,2026-01-05,2026-02-04,EUR,Noël,1,1,20\n".encode("cp1252")
    assert run("invoices", data).ok
    assert invoice("W-X").lines[0].description == "Noël"


def test_missing_column_is_reported_on_the_header_row(app):
    result = run("customers", "ref;nom;email\nA;Alpha;a@example.com\n")
    assert [str(e) for e in result.errors] == ["row 1, column name: missing column"]


def test_empty_file_reports_every_required_column(app):
    result = run("customers", b"")
    assert where(result) == [(1, "ref"), (1, "name"), (1, "email")]


def test_missing_invoice_columns(app):
    result = run(
        "invoices", "number;customer_ref;issue_date;quantity;unit_price\nA;B;2026-01-01;1;1\n"
    )
    assert [str(e) for e in result.errors] == [
        "row 1, column due_date: missing column",
        "row 1, column tax_rate: missing column",
    ]


def test_blank_rows_are_skipped_but_counted(app, sample_customers):
    content = INVOICES_HEADER + ",,,,,,,,\n\nB-1,C001,2026-01-05,2026-02-04,EUR,x,1,oops,20\n"
    result = run("invoices", content)
    assert [str(e) for e in result.errors] == ["row 4, column unit_price: not a number: oops"]


def test_unreadable_csv_is_reported_not_raised(app, sample_customers):
    content = (
        INVOICES_HEADER + 'Z-1,C001,2026-01-05,2026-02-04,EUR,"' + "x" * 200_000 + '",1,1,20\n'
    )
    result = run("invoices", content)
    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith(
        "row 2: the file cannot be read as CSV: field larger than"
    )
    assert table_counts()["invoices"] == 0
