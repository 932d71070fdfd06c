"""Customer imports: defaults, French words, email lists, upserts by ref, errors."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, CustomerKind
from portal.services.imports import bulk_sql

from .conftest import (
    CUSTOMERS_HEADER,
    DATA,
    audit_actions,
    counts,
    customer,
    run,
    run_file,
    table_counts,
    where,
)


def test_customers_are_created_with_defaults_and_every_email(app):
    result = run_file("customers", "customers.csv")
    assert result.ok
    assert counts(result) == (3, 0, 0)
    martin = customer("C001")
    assert martin.name == "Boulangerie Martin"
    assert martin.kind is CustomerKind.BUSINESS
    assert martin.email_addresses == [
        "compta@boulangerie-martin.fr",
        "gerant@boulangerie-martin.fr",
    ]
    assert (martin.siren, martin.segment, martin.postcode) == ("552100554", "artisans", "69002")
    durand = customer("C002")
    assert (durand.kind, durand.language, durand.country) == (CustomerKind.CONSUMER, "fr", "FR")
    assert customer("C003").language == "en"
    assert audit_actions() == ["customer.created"] * 3 + ["import.completed"]
    completed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.completed"))
    assert completed.details == {
        "kind": "customers",
        "filename": "test.csv",
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    assert completed.actor == "cli"
    assert [s["key"] for s in result.samples] == ["C001", "C002", "C003"]
    assert result.samples[0] == {
        "action": "create",
        "key": "C001",
        "label": "Boulangerie Martin",
        "amount_cents": None,
        "currency": None,
    }


def test_customer_kind_accepts_french_words_in_any_case(app):
    result = run(
        "customers",
        "ref,name,email,kind\n"
        "A,Alpha,a@example.com,Entreprise\n"
        "B,Beta,b@example.com,PROFESSIONNEL\n"
        "C,Gamma,c@example.com,particulier\n"
        "D,Delta,d@example.com,consumer\n"
        "E,Epsilon,e@example.com,\n",
    )
    assert result.ok, result.errors
    kinds = [customer(ref).kind for ref in "ABCDE"]
    assert kinds == [CustomerKind.BUSINESS] * 2 + [CustomerKind.CONSUMER] * 2 + [
        CustomerKind.BUSINESS
    ]
    assert result.kind_missing == 1  # Epsilon: told, not silent


def test_new_customers_without_a_kind_are_counted_and_stored_ones_keep_theirs(app):
    assert run("customers", "ref,name,email,kind\nA,Alpha,a@example.com,particulier\n").ok

    content = (
        "ref,name,email,kind\n"
        "A,Alpha,a@example.com,\n"  # known consumer, no kind given: stays a consumer
        "B,Beta,b@example.com, \n"
        "C,Gamma,c@example.com,consumer\n"
    )
    preview = run("customers", content, dry_run=True)
    assert (counts(preview), preview.kind_missing) == ((2, 0, 1), 1)

    result = run("customers", content)

    assert result.kind_missing == 1
    assert [customer(ref).kind for ref in "ABC"] == [
        CustomerKind.CONSUMER,
        CustomerKind.BUSINESS,
        CustomerKind.CONSUMER,
    ]
    without_column = run("customers", "ref,name,email\nD,Delta,d@example.com\n")
    assert without_column.kind_missing == 1


def test_emails_separated_by_spaces_commas_or_semicolons(app):
    result = run(
        "customers",
        'ref,name,email\nA,Alpha,"a@example.com, B@Example.com;c@example.com d@example.com"\n',
    )
    assert result.ok, result.errors
    assert customer("A").email_addresses == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ]


def test_reimport_is_unchanged_then_an_edit_updates_only_that_customer(app, sample_customers):
    before = table_counts()
    again = run_file("customers", "customers.csv")
    assert counts(again) == (0, 0, 3)
    assert again.samples == []
    after = table_counts()
    assert after["audit_events"] == before["audit_events"] + 1  # only import.completed
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }

    edited = (DATA / "customers.csv").read_text().replace("04 72 00 00 01", "04 72 99 99 99")
    result = run("customers", edited)
    assert counts(result) == (0, 1, 2)
    assert customer("C001").phone == "04 72 99 99 99"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.updated"))
    assert event.details["changes"] == {"phone": ["04 72 00 00 01", "04 72 99 99 99"]}
    assert event.customer_id == customer("C001").id


def test_new_email_list_keeps_undeliverable_flags_of_addresses_that_stay(app, sample_customers):
    martin = customer("C001")
    martin.emails[1].undeliverable = True
    db.session.commit()
    edited = (
        (DATA / "customers.csv")
        .read_text()
        .replace("compta@boulangerie-martin.fr; gerant@", "nouveau@boulangerie-martin.fr; gerant@")
    )
    result = run("customers", edited)
    assert counts(result) == (0, 1, 2)
    emails = [(e.email, e.undeliverable) for e in customer("C001").emails]
    assert emails == [
        ("nouveau@boulangerie-martin.fr", False),
        ("gerant@boulangerie-martin.fr", True),
    ]


def test_absent_optional_column_keeps_the_stored_value(app, sample_customers):
    result = run(
        "customers",
        "ref,name,email\nC001,Boulangerie Martin et Fils,compta@boulangerie-martin.fr gerant@boulangerie-martin.fr\n",
    )
    assert counts(result) == (0, 1, 0)
    martin = customer("C001")
    assert (martin.name, martin.phone, martin.segment) == (
        "Boulangerie Martin et Fils",
        "04 72 00 00 01",
        "artisans",
    )


def test_identical_duplicate_row_counts_once(app):
    result = run("customers", "ref,name,email\nA,Alpha,a@example.com\nA,Alpha,a@example.com\n")
    assert result.ok
    assert counts(result) == (1, 0, 0)


def test_customer_errors_report_every_row_and_column(app, monkeypatch):
    monkeypatch.setattr(bulk_sql, "CHUNK_ROWS", 1)
    content = CUSTOMERS_HEADER + (
        "A,Alpha,business,a@example.com,fr,,,,,,,\n"  # row 2: fine
        ",Nameless,business,n@example.com,fr,,,,,,,\n"  # row 3: ref missing
        "B,,business,b@example.com,fr,,,,,,,\n"  # row 4: name missing
        "C,Gamma,business,not-an-email; ok@example.com,fr,,,,,,,\n"  # row 5: invalid email
        "D,Delta,company,d@example.com,fr,,,,,,,\n"  # row 6: invalid kind
        "E,Epsilon,business,e@example.com,de,,,,,,,\n"  # row 7: invalid language
        "F,Phi,business,,fr,,,,,,,\n"  # row 8: email missing
        "A,Alpha bis,business,a@example.com,fr,,,,,,,\n"  # row 9: same ref, different data
        "G,Gimel,business,g@example.com,fr,,,,,Francia,12345,\n"  # row 10: country, SIREN
    )
    result = run("customers", content)
    assert where(result) == [
        (3, "ref"),
        (4, "name"),
        (5, "email"),
        (6, "kind"),
        (7, "language"),
        (8, "email"),
        (9, "ref"),
        (10, "country"),
        (10, "siren"),
    ]
    assert str(result.errors[2]) == "row 5, column email: not a valid email address: not-an-email"
    assert (
        str(result.errors[6])
        == "row 9, column ref: customer A appears on row 2 with different data"
    )
    assert counts(result) == (0, 0, 0)
    assert customer("A") is None


def test_customer_text_longer_than_the_column_is_an_error(app):
    result = run("customers", f"ref,name,email\n{'R' * 65},Alpha,a@example.com\n")
    assert [str(e) for e in result.errors] == [
        "row 2, column ref: too long (at most 64 characters)"
    ]


def test_a_timezone_column_sets_where_each_debtor_lives(app):
    result = run(
        "customers",
        "ref,name,email,timezone\n"
        "A,Alpha,a@example.com,America/Martinique\n"
        "B,Beta,b@example.com,\n"
        "C,Gamma,c@example.com,Mars/Olympus\n",
    )
    assert where(result) == [(4, "timezone")]
    assert "Mars/Olympus" in str(result.errors[0])

    result = run(
        "customers",
        "ref,name,email,timezone\nA,Alpha,a@example.com,America/Martinique\nB,Beta,b@example.com,\n",
    )

    assert result.ok, result.errors
    assert (customer("A").timezone, customer("B").timezone) == ("America/Martinique", "")
