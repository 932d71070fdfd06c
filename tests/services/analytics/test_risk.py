"""Payer risk: the score adds up as documented, and each point has its reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import CustomerEmail, Promise, PromiseStatus
from portal.services.analytics import risk

from ...conftest import NOW, TODAY
from ...factories import make_customer, make_invoice
from .ledger_cases import pay


def _invoice(customer, cents: int, due: date):
    return make_invoice(
        customer,
        amount=f"{cents / 100:.2f}",
        tax_rate="0",
        issue_date=due - timedelta(days=30),
        due_date=due,
    )


def build_worsening_payer():
    """5 days late in May, 25 days late in October, a broken promise, 500 overdue, a bounce."""
    customer = make_customer(name="De Pire En Pire")
    pay(_invoice(customer, 100_000, date(2026, 5, 1)), 100_000, date(2026, 5, 6))
    pay(_invoice(customer, 100_000, date(2026, 10, 1)), 100_000, date(2026, 10, 26))
    _invoice(customer, 50_000, date(2026, 10, 24))
    db.session.add(
        Promise(
            customer_id=customer.id,
            invoice_ids=[],
            promised_date=date(2026, 10, 10),
            status=PromiseStatus.BROKEN,
            created_at=NOW - timedelta(days=50),
            settled_at=datetime(2026, 10, 12, 9, tzinfo=UTC),
        )
    )
    email = db.session.scalar(select(CustomerEmail).where(CustomerEmail.customer_id == customer.id))
    email.undeliverable = True
    db.session.commit()
    return customer


def test_the_score_adds_the_documented_points_with_their_reasons(app):
    customer = build_worsening_payer()
    facts = risk.gather(TODAY, "EUR")[customer.id]
    points, reasons = risk.score(facts, TODAY)
    # 15 days late on average + 10 for the rise (25 vs 5) + 15 (every payment late)
    # + 8 (a broken promise) + 10 + 30/9 (all of the balance overdue, for 30 days) + 5 (bounce)
    assert points == round(15 + 10 + 15 + 8 + 10 + 30 / 9 + 5) == 66
    assert reasons == [
        ["late_rising", {"days": 25, "before": 5}],
        ["late_share", {"percent": 100}],
        ["promise", {"count": 1, "on": date(2026, 10, 12)}],
        ["overdue", {"cents": 50_000, "days": 30}],
        ["bounces", {"count": 1}],
    ]


def test_a_punctual_payer_scores_nothing_and_is_not_to_call(app):
    punctual = make_customer(name="Ponctuel")
    pay(_invoice(punctual, 100_000, date(2026, 9, 1)), 100_000, date(2026, 8, 28))
    build_worsening_payer()
    assert risk.refresh(TODAY, "EUR") == 2
    ranked = risk.ranked("EUR")
    assert [r.customer.name for r in ranked] == ["De Pire En Pire"]
    assert ranked[0].score == 66 and ranked[0].average_late_days == 15
    assert ranked[0].earlier_late_days == 5 and ranked[0].late_share_percent == 100
    assert [r.customer.name for r in risk.to_call(TODAY, "EUR")] == ["De Pire En Pire"]
    assert risk.to_call(TODAY - timedelta(days=5), "EUR") == [], "under a month past due"


def test_the_risk_page_words_the_reasons(client, logged_in):
    build_worsening_payer()
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/risk").get_data(as_text=True)
    assert "pays 25 days late on average, up from 5" in page
    assert "broke a promise in October 2026" in page
    assert "€500.00 overdue, the oldest for 30 days" in page
    assert ">66</span>" in page
    home = client.get("/").get_data(as_text=True)
    assert "risk 66/100" in home
