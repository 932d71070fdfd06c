"""Open invoices close to their limitation date, and the warning on the home page."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event

from portal.extensions import db
from portal.models import CustomerKind, PaymentMethod
from portal.services.audit import Actor
from portal.services.claims import limitation
from portal.services.payments import ledger

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice

# TODAY is 23 November 2026.
FOUR_YEARS_SEVEN_MONTHS_AGO = date(2022, 4, 23)
FOUR_YEARS_AGO = date(2022, 11, 23)
ONE_YEAR_SEVEN_MONTHS_AGO = date(2025, 4, 23)


def due(customer, due_date: date, **kw):
    return make_invoice(customer, issue_date=due_date, due_date=due_date, **kw)


def numbers(found) -> list[str]:
    return [a.invoice.number for a in found]


@contextmanager
def counting_statements():
    count = []

    def on_execute(*args):
        count.append(1)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        yield count
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)


def test_limitation_dates():
    assert limitation.limitation_date(date(2022, 3, 15), CustomerKind.BUSINESS) == date(2027, 3, 15)
    assert limitation.limitation_date(date(2024, 2, 29), CustomerKind.CONSUMER) == date(2026, 2, 28)
    assert limitation.limitation_date(date(2024, 2, 29), CustomerKind.BUSINESS) == date(2029, 2, 28)


def test_which_open_invoices_are_listed(app):
    business = make_customer(name="Garage Müller")
    consumer = make_customer(name="Zoé Légaré", kind=CustomerKind.CONSUMER)
    listed = due(business, FOUR_YEARS_SEVEN_MONTHS_AGO, amount="500.00")
    due(business, FOUR_YEARS_AGO)
    listed_consumer = due(consumer, ONE_YEAR_SEVEN_MONTHS_AGO)
    due(consumer, date(2025, 11, 23))  # one year ago: 365 days left
    due(business, date(2021, 11, 22))  # already time-barred yesterday
    paid = due(business, FOUR_YEARS_SEVEN_MONTHS_AGO)
    ledger.record_payment(
        paid,
        amount_cents=paid.outstanding_cents,
        paid_on=date(2022, 5, 1),
        method=PaymentMethod.TRANSFER,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    db.session.commit()

    found = limitation.approaching(TODAY)
    assert sorted(numbers(found)) == sorted([listed.number, listed_consumer.number])
    item = next(a for a in found if a.invoice is listed)
    assert item.customer is business
    assert item.limitation_date == date(2027, 4, 23) and item.days_left == 151
    assert (item.amount_cents, item.currency) == (60_000, "EUR")
    consumer_item = next(a for a in found if a.invoice is listed_consumer)
    assert consumer_item.limitation_date == date(2027, 4, 23)


def test_the_window_edges_and_the_order(app):
    business = make_customer()
    consumer = make_customer(kind=CustomerKind.CONSUMER)
    last_day_today = due(business, date(2021, 11, 23))
    in_183_days = due(consumer, date(2025, 5, 25))  # limitation 25 May 2027
    in_184_days = due(business, date(2022, 5, 26))
    soon = due(consumer, date(2024, 12, 1))  # limitation 1 December 2026
    found = limitation.approaching(TODAY)
    assert numbers(found) == [last_day_today.number, soon.number, in_183_days.number]
    assert [a.days_left for a in found] == [0, 8, 183]
    assert in_184_days.number not in numbers(found)
    assert numbers(limitation.approaching(TODAY, limit=2)) == [last_day_today.number, soon.number]


def test_a_29_february_due_date_is_found_on_its_last_day(app):
    consumer = make_customer(kind=CustomerKind.CONSUMER)
    leap = due(consumer, date(2024, 2, 29))
    assert numbers(limitation.approaching(date(2026, 2, 28), within_days=0)) == [leap.number]
    assert numbers(limitation.approaching(date(2026, 1, 1), within_days=58)) == [leap.number]
    assert limitation.approaching(date(2026, 1, 1), within_days=57) == []
    assert limitation.approaching(date(2026, 3, 1)) == []


def test_two_queries_whatever_the_number_of_invoices(app):
    business = make_customer()
    for day in range(1, 25):
        due(business, date(2022, 1, day))
    with counting_statements() as statements:
        found = limitation.approaching(TODAY, within_days=3000)
    assert len(found) == 20 and len(statements) == 2


def test_the_home_page_warns_only_when_needed(client, logged_in):
    quiet = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="limitation-warnings"' not in quiet
    invoice = due(make_customer(name="Garage Müller"), FOUR_YEARS_SEVEN_MONTHS_AGO)
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="limitation-warnings"' in page
    assert invoice.number in page and "Garage Müller" in page
    assert "151 days left" in page and "23 Apr 2027" in page
