"""The reference rates page: shipped rates, the creditor's own, and what penalties then use."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import AuditEvent, PenaltyRateBasis, ReferenceRate
from portal.services import organisation
from portal.services.claims import claim, rate_table, reference_rates

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice

#: Sent with every request of a test: Flask-Babel caches the first request's locale in the
#: app context, which the test client keeps for the whole test.
EN = {"Accept-Language": "en"}


def rates_in_table() -> dict[date, int]:
    return {r.semester_start: r.rate_bp for r in db.session.query(ReferenceRate)}


def test_the_page_requires_login(client, owner):
    response = client.get("/settings/rates")
    assert response.status_code == 302 and "/login" in response.location
    response = client.post("/settings/rates", data={"semester_start": "2027-01-01", "rate": "2"})
    assert response.status_code == 302 and "/login" in response.location
    assert rates_in_table() == {}


def test_the_page_lists_shipped_rates_with_the_penalty_rate(client, logged_in):
    page = client.get("/settings/rates", headers=EN).get_data(as_text=True)
    assert "Second half of 2025" in page and "2.15%" in page
    assert "12.15%" in page  # 2.15 + the default margin of 10 points
    assert "Shipped with the portal" in page
    settings = client.get("/settings", headers=EN).get_data(as_text=True)
    assert 'href="/settings/rates"' in settings


def test_adding_a_half_year_is_audited_and_used_by_penalties(client, logged_in):
    response = client.post(
        "/settings/rates",
        data={
            "semester_start": "2026-07-01",
            "rate": "2,40",
            "legal_professional": "5.1",
            "legal_consumer": "",
        },
        headers=EN,
    )
    assert response.status_code == 303 and response.location.endswith("/settings/rates")
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "Rates saved: Second half of 2026." in page
    row = db.session.query(ReferenceRate).one()
    assert (row.semester_start, row.rate_bp, row.legal_rate_professional_bp) == (
        date(2026, 7, 1),
        240,
        510,
    )
    assert row.legal_rate_consumer_bp is None
    event = db.session.query(AuditEvent).filter_by(action="reference_rate.created").one()
    assert event.actor.startswith("user:") and event.details["after"]["rate_bp"] == 240
    assert event.details["before"] is None

    org = organisation.get()
    org.penalty_rate_basis = PenaltyRateBasis.ECB_MARGIN
    # a contract rate of ECB + 10 points: 3 × 5.10 % = 15.30 % beats 2.40 % + 10 points
    assert (
        claim.terms.organisation_terms(org).annual_rate_bp(date(2026, 7, 1), rate_table.load())
        == 1530
    )
    customer = make_customer()
    make_invoice(customer, amount="1000.00", due_date=date(2026, 10, 24))
    (line,) = claim.for_customer(org, customer, TODAY).invoices
    assert line.penalty_cents == 1509  # 1 200 € × 15.30 % × 30 days / 365 = 15.0904 €

    page = client.get("/settings/rates", headers=EN).get_data(as_text=True)
    assert "Entered by you" in page and "15.3%" in page and "2.4%" in page
    assert 'id="rates-missing"' not in page


def test_a_half_year_without_rates_is_flagged_and_its_task_closed_once_entered(client, logged_in):
    from portal.models import Task, TaskStatus
    from portal.services.claims import missing_rates

    task = missing_rates.ask_owner(date(2026, 7, 1), organisation.get(), now=NOW, today=TODAY)
    assert (
        missing_rates.ask_owner(date(2026, 7, 1), organisation.get(), now=NOW, today=TODAY) is task
    )
    page = client.get("/settings/rates", headers=EN).get_data(as_text=True)
    assert 'id="rates-missing"' in page and "Missing: enter it" in page
    assert "Legal rate, all other cases" in page and "professionals" not in page
    client.post(
        "/settings/rates",
        data={"semester_start": "2026-07-01", "rate": "2,15", "legal_professional": "2,50"},
        headers=EN,
    )
    assert db.session.get(Task, task.id).status is TaskStatus.DONE


def test_editing_a_half_year_replaces_it_and_keeps_the_old_values(client, logged_in):
    data = {"semester_start": "2025-07-01", "rate": "2.15", "legal_consumer": "7,62"}
    client.post("/settings/rates", data=data, headers=EN)
    client.post("/settings/rates", data={**data, "rate": "2.00"}, headers=EN)
    assert rates_in_table() == {date(2025, 7, 1): 200}
    event = db.session.query(AuditEvent).filter_by(action="reference_rate.updated").one()
    assert event.details["before"]["rate_bp"] == 215 and event.details["after"]["rate_bp"] == 200
    assert rate_table.load().get(date(2025, 7, 1)).legal_private_bp == 762
    form = client.get("/settings/rates?semester=2025-07-01", headers=EN).get_data(as_text=True)
    assert 'value="2.00"' in form and 'value="7.62"' in form and 'value="2025-07-01"' in form


def test_saving_the_same_values_twice_records_no_change(client, logged_in):
    data = {"semester_start": "2027-01-01", "rate": "2"}
    client.post("/settings/rates", data=data)
    client.post("/settings/rates", data=data)
    assert (
        db.session.query(AuditEvent).filter(AuditEvent.action.like("reference_rate.%")).count() == 1
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"semester_start": "2026-03-01", "rate": "2"},
            "A half-year starts on 1 January or 1 July.",
        ),
        (
            {"semester_start": "2026-07-01", "rate": "30"},
            "A rate must be between 0 and 25 percent.",
        ),
        ({"semester_start": "2026-07-01", "rate": "-1"}, "at most two decimals"),
        ({"semester_start": "2026-07-01", "rate": "2,155"}, "at most two decimals"),
        ({"semester_start": "2026-07-01", "rate": ""}, "Enter the ECB reference rate."),
        ({"semester_start": "", "rate": "2"}, "Enter the first day of the half-year"),
        ({"semester_start": "2040-01-01", "rate": "2"}, "too far in the past or the future"),
        (
            {"semester_start": "2026-07-01", "rate": "2", "legal_consumer": "26"},
            "A rate must be between 0 and 25 percent.",
        ),
    ],
)
def test_bad_input_changes_nothing_and_says_why(client, logged_in, data, message):
    response = client.post("/settings/rates", data=data, headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert rates_in_table() == {}
    assert not db.session.query(AuditEvent).filter(AuditEvent.action.like("reference_rate.%")).all()


def test_the_form_keeps_what_was_typed_after_an_error(client, logged_in):
    response = client.post(
        "/settings/rates", data={"semester_start": "2026-03-01", "rate": "2,5"}, headers=EN
    )
    page = response.get_data(as_text=True)
    assert 'value="2026-03-01"' in page and 'value="2,5"' in page


@pytest.mark.parametrize(
    ("typed", "basis_points"),
    [("2,15", 215), ("2.15", 215), ("4,5 %", 450), ("0", 0), ("25", 2500), (" 3 ", 300)],
)
def test_rates_in_percent(typed, basis_points):
    parsed = reference_rates.parse({"semester_start": "2026-01-01", "rate": typed}, TODAY)
    assert parsed.rate_bp == basis_points
